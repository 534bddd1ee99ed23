/*
 * HMAC-SHA256 on OpenSSL's SHA-256 (SHA-NI/AVX2 code paths: about three
 * times libsodium's portable C on a token-sized message). A p2pcd_hmac_key
 * holds the inner and outer hash states after the key was absorbed: each
 * MAC copies them, so the verify and mint paths neither allocate nor
 * re-hash the key. A const key may be shared between threads.
 */
#ifndef P2PCD_HMAC_H
#define P2PCD_HMAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/sha.h>

#define P2PCD_HMAC_SHA256_LEN 32

struct p2pcd_hmac_key
{
	SHA256_CTX ictx; /* after SHA-256(key ^ ipad) */
	SHA256_CTX octx; /* after SHA-256(key ^ opad) */
};

struct p2pcd_hmac_ctx
{
	SHA256_CTX ictx;
	SHA256_CTX octx;
};

/* any key length (longer than 64 bytes is hashed, as RFC 2104 says) */
int p2pcd_hmac_key_init(
		struct p2pcd_hmac_key *k, const uint8_t *key, size_t key_len);
void p2pcd_hmac_key_wipe(struct p2pcd_hmac_key *k);

void p2pcd_hmac_sha256(const struct p2pcd_hmac_key *k, const uint8_t *msg,
		size_t len, uint8_t out[P2PCD_HMAC_SHA256_LEN]);
/* constant-time check of a full 32-byte MAC: true if it matches */
bool p2pcd_hmac_sha256_verify(const struct p2pcd_hmac_key *k,
		const uint8_t *msg, size_t len, const uint8_t *mac, size_t mac_len);
/* key, message, MAC in one call (slow path: hashes the key each time) */
int p2pcd_hmac_sha256_oneshot(const uint8_t *key, size_t key_len,
		const uint8_t *msg, size_t len, uint8_t out[P2PCD_HMAC_SHA256_LEN]);

/* streaming, from a precomputed key */
void p2pcd_hmac_start(struct p2pcd_hmac_ctx *c, const struct p2pcd_hmac_key *k);
void p2pcd_hmac_update(struct p2pcd_hmac_ctx *c, const void *p, size_t len);
void p2pcd_hmac_final(
		struct p2pcd_hmac_ctx *c, uint8_t out[P2PCD_HMAC_SHA256_LEN]);

#endif
