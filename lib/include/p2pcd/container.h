/*
 * The p2pcd content container (DESIGN.md 5, docs/container-format.md):
 * chunked AES-256-GCM for any file that is not MP4 media.
 *
 *   header (96 bytes): magic, version, suite, chunk size, KID, 32-byte
 *                      random salt, 32-byte key commitment
 *   chunks:            ciphertext || 16-byte tag, each chunk_size bytes of
 *                      plaintext except the final one, which is shorter
 *                      (possibly empty) and flagged final in its AAD
 *
 * Each file gets its own AES key, HKDF-SHA256(content key, salt); chunk i
 * uses the nonce 0^32 || be64(i) and the AAD header || final-flag, so
 * truncation, reordering, duplication and any flipped bit are refused.
 *
 * Streaming: the push API holds two chunk buffers whatever the file size;
 * the fd API adds a read-ahead ring (4 x about 4 MiB, on a thread for
 * regular files). A decryptor releases a chunk only once it is
 * authenticated, but a stream that fails later has already released
 * earlier chunks: output is valid only if final() returned OK.
 * p2pcd_container_decrypt_file() writes to a temporary file and renames
 * it into place only on full success.
 */
#ifndef P2PCD_CONTAINER_H
#define P2PCD_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

#define P2PCD_CONT_KEY_LEN 32
#define P2PCD_CONT_KID_LEN 16
#define P2PCD_CONT_SALT_LEN 32
#define P2PCD_CONT_COMMIT_LEN 32
#define P2PCD_CONT_HEADER_LEN 96
#define P2PCD_CONT_TAG_LEN 16
#define P2PCD_CONT_MAGIC "P2PCDENC"
#define P2PCD_CONT_MAGIC_LEN 8
#define P2PCD_CONT_VERSION 1
#define P2PCD_CONT_SUITE_AES256GCM 1 /* AES-256-GCM, HKDF-SHA256 subkey */
#define P2PCD_CONT_MIN_CHUNK 16u
#define P2PCD_CONT_MAX_CHUNK (16u << 20)
#define P2PCD_CONT_DEFAULT_CHUNK (256u << 10)

enum p2pcd_cont_err
{
	P2PCD_CONT_OK = 0,
	P2PCD_CONT_E_SHORT_HEADER, /* ends before the end of the header */
	P2PCD_CONT_E_MAGIC,		   /* not a p2pcd container */
	P2PCD_CONT_E_VERSION,	   /* unknown version or cipher suite */
	P2PCD_CONT_E_HEADER,	   /* reserved bits set, chunk size out of range */
	P2PCD_CONT_E_KID,		   /* the file's KID is not the expected one */
	P2PCD_CONT_E_KEY,		   /* key commitment mismatch: wrong key */
	P2PCD_CONT_E_AUTH,		   /* a chunk failed authentication */
	P2PCD_CONT_E_TRUNCATED,	   /* ends before its final chunk */
	P2PCD_CONT_E_READ,		   /* reading the input failed (errno) */
	P2PCD_CONT_E_WRITE,		   /* the sink / writing the output failed */
	P2PCD_CONT_E_OUTPUT,	   /* temporary file or rename failed (errno) */
	P2PCD_CONT_E_NOMEM,
	P2PCD_CONT_E_CRYPTO, /* OpenSSL or the CSPRNG failed */
	P2PCD_CONT_E_ARG,	 /* bad argument, or use after an error */
};

/* one line, for a user: what is wrong and, where it helps, what to do */
const char *p2pcd_container_strerror(enum p2pcd_cont_err e);

struct p2pcd_cont_header
{
	uint8_t version;
	uint8_t suite;
	uint32_t chunk_size;
	uint8_t kid[P2PCD_CONT_KID_LEN];
	uint8_t salt[P2PCD_CONT_SALT_LEN];
	uint8_t commit[P2PCD_CONT_COMMIT_LEN];
};

/* Parse and check the first len bytes of a file (the key is not needed). */
enum p2pcd_cont_err p2pcd_container_header_parse(
		const uint8_t *buf, size_t len, struct p2pcd_cont_header *h);
/* 1 if buf starts with the container magic */
int p2pcd_container_sniff(const uint8_t *buf, size_t len);
/* container size of a plaintext of plain_len bytes; 0 on overflow */
uint64_t p2pcd_container_size(uint64_t plain_len, uint32_t chunk_size);

/* Receives output; returns 0, or -1 to stop with P2PCD_CONT_E_WRITE. */
typedef int (*p2pcd_cont_sink)(void *arg, const uint8_t *p, size_t len);

/*
 * Push-style encryptor. new() draws the salt from the OS CSPRNG and emits
 * the header; update() emits whole chunks; final() emits the last, short
 * (possibly empty) chunk. chunk_size 0 means the default. An error
 * sticks: every later call returns it. Always free() (it wipes).
 */
struct p2pcd_cont_enc;
enum p2pcd_cont_err p2pcd_container_enc_new(struct p2pcd_cont_enc **e,
		const uint8_t key[P2PCD_CONT_KEY_LEN],
		const uint8_t kid[P2PCD_CONT_KID_LEN], uint32_t chunk_size,
		p2pcd_cont_sink sink, void *arg);
enum p2pcd_cont_err p2pcd_container_enc_update(
		struct p2pcd_cont_enc *e, const uint8_t *p, size_t len);
enum p2pcd_cont_err p2pcd_container_enc_final(struct p2pcd_cont_enc *e);
void p2pcd_container_enc_free(struct p2pcd_cont_enc *e);

/*
 * Push-style decryptor: feed the file in pieces of any size. The sink gets
 * only authenticated plaintext. expect_kid (may be NULL) is compared with
 * the header's KID. The whole file is valid only if final() returns OK.
 */
struct p2pcd_cont_dec;
enum p2pcd_cont_err p2pcd_container_dec_new(struct p2pcd_cont_dec **d,
		const uint8_t key[P2PCD_CONT_KEY_LEN], const uint8_t *expect_kid,
		p2pcd_cont_sink sink, void *arg);
enum p2pcd_cont_err p2pcd_container_dec_update(
		struct p2pcd_cont_dec *d, const uint8_t *p, size_t len);
enum p2pcd_cont_err p2pcd_container_dec_final(struct p2pcd_cont_dec *d);
/* the parsed header once update() has seen it, else NULL */
const struct p2pcd_cont_header *p2pcd_container_dec_header(
		const struct p2pcd_cont_dec *d);
/* index of the chunk being processed, for error messages */
uint64_t p2pcd_container_dec_chunk(const struct p2pcd_cont_dec *d);
void p2pcd_container_dec_free(struct p2pcd_cont_dec *d);

/*
 * Streaming between file descriptors (pipes work). The output is valid
 * only when OK is returned; plain_bytes (may be NULL) gets the plaintext
 * length processed. On E_READ/E_WRITE errno tells why.
 */
enum p2pcd_cont_err p2pcd_container_encrypt_fd(int in_fd, int out_fd,
		const uint8_t key[P2PCD_CONT_KEY_LEN],
		const uint8_t kid[P2PCD_CONT_KID_LEN], uint32_t chunk_size,
		uint64_t *plain_bytes);
enum p2pcd_cont_err p2pcd_container_decrypt_fd(int in_fd, int out_fd,
		const uint8_t key[P2PCD_CONT_KEY_LEN], const uint8_t *expect_kid,
		uint64_t *plain_bytes);

/*
 * Path to path, all or nothing: output goes to a temporary file next to
 * out_path (mode 0600 for decryption, 0644 for encryption),
 * which is fsync'ed and renamed onto out_path only on success and unlinked
 * otherwise, so a failed run never leaves a file that looks valid.
 * in_path "-" reads stdin.
 */
enum p2pcd_cont_err p2pcd_container_encrypt_file(const char *in_path,
		const char *out_path, const uint8_t key[P2PCD_CONT_KEY_LEN],
		const uint8_t kid[P2PCD_CONT_KID_LEN], uint32_t chunk_size,
		uint64_t *plain_bytes);
enum p2pcd_cont_err p2pcd_container_decrypt_file(const char *in_path,
		const char *out_path, const uint8_t key[P2PCD_CONT_KEY_LEN],
		const uint8_t *expect_kid, uint64_t *plain_bytes);

#endif
