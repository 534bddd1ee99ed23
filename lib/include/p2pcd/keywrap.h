/*
 * Content keys at rest in the license service: wrapped under a
 * key-encryption key (KEK) with XChaCha20-Poly1305 (libsodium, IETF),
 * never stored in clear. The wrapped blob is 61 or 77 bytes:
 *   0x01 (version) || be32(KEK version) || nonce (24)
 *   || ciphertext (16 or 32, the key's length) || tag (16)
 * AAD = "p2pcd/keywrap/v1" || the first 5 bytes || KID, so a wrapped key
 * moved to another KID's row, or a KEK version edited, fails to unwrap.
 * The KEK version says which KEK to use, so KEKs rotate by re-wrapping.
 */
#ifndef P2PCD_KEYWRAP_H
#define P2PCD_KEYWRAP_H

#include <stddef.h>
#include <stdint.h>

#define P2PCD_KEK_LEN 32
/* wrapped length of a key_len-byte key */
#define P2PCD_WRAPPED_KEY_LEN(key_len) (1 + 4 + 24 + (key_len) + 16)
#define P2PCD_WRAPPED_KEY_MAX P2PCD_WRAPPED_KEY_LEN(32)
#define P2PCD_KEYWRAP_VERSION 1

/* A new KEK from the OS CSPRNG. */
void p2pcd_kek_new(uint8_t kek[P2PCD_KEK_LEN]);

/* key_len 16 or 32; *out_len = P2PCD_WRAPPED_KEY_LEN(key_len). 0 or -1 */
int p2pcd_keywrap(const uint8_t kek[P2PCD_KEK_LEN], uint32_t kek_version,
		const uint8_t kid[16], const uint8_t *key, size_t key_len,
		uint8_t out[P2PCD_WRAPPED_KEY_MAX], size_t *out_len);
/* the KEK version a blob needs: 0, or -1 if it is not a wrapped key */
int p2pcd_keywrap_kek_version(const uint8_t *in, size_t len, uint32_t *ver);
/*
 * 0, or -1 (wrong KEK, wrong KID, modified, bad length). key (32 bytes of
 * room) and *key_len are written only on 0.
 */
int p2pcd_keyunwrap(const uint8_t kek[P2PCD_KEK_LEN], const uint8_t kid[16],
		const uint8_t *in, size_t len, uint8_t key[32], size_t *key_len);

#endif
