/* Container internals shared by container*.c (not installed). */
#ifndef P2PCD_CONTAINER_INT_H
#define P2PCD_CONTAINER_INT_H

#include <stdint.h>

#include <openssl/evp.h>

#include "p2pcd/container.h"

/* header byte offsets (docs/container-format.md) */
#define CONT_OFF_VERSION 8
#define CONT_OFF_SUITE 9
#define CONT_OFF_FLAGS 10
#define CONT_OFF_CHUNK 12
#define CONT_OFF_KID 16
#define CONT_OFF_SALT 32
#define CONT_OFF_COMMIT 64
#define CONT_NONCE_LEN 12
#define CONT_HKDF_INFO "p2pcd/container/v1"

void p2pcd_cont_header_write(
		uint8_t out[P2PCD_CONT_HEADER_LEN], const struct p2pcd_cont_header *h);

/* The per-file AEAD state: AES-256-GCM under the derived subkey. */
struct cont_aead
{
	EVP_CIPHER_CTX *cx;
	uint8_t hdr[P2PCD_CONT_HEADER_LEN]; /* the AAD prefix of every chunk */
};

/*
 * From the content key and the first CONT_OFF_COMMIT header bytes: the
 * subkey and the key commitment. 0 or -1.
 */
int p2pcd_cont_derive(const uint8_t key[P2PCD_CONT_KEY_LEN],
		const uint8_t hdr[P2PCD_CONT_HEADER_LEN],
		uint8_t subkey[P2PCD_CONT_KEY_LEN],
		uint8_t commit[P2PCD_CONT_COMMIT_LEN]);
/* the complete header is in a->hdr; encrypt selects the direction */
int p2pcd_cont_aead_init(
		struct cont_aead *a, const uint8_t subkey[32], int encrypt);
void p2pcd_cont_aead_free(struct cont_aead *a);
/* out gets len bytes of ciphertext then the tag; 0 or -1 */
int p2pcd_cont_chunk_seal(struct cont_aead *a, uint64_t idx, int final,
		const uint8_t *in, size_t len, uint8_t *out);
/* in holds len bytes (>= tag) of ciphertext and tag; out gets len - tag
 * bytes, to be used only if 0 is returned */
int p2pcd_cont_chunk_open(struct cont_aead *a, uint64_t idx, int final,
		const uint8_t *in, size_t len, uint8_t *out);

#endif
