/*
 * HMAC-SHA256 (libsodium). A p2pcd_hmac_key holds the state after the key
 * was absorbed: each MAC copies it, so the verify path neither allocates
 * nor re-hashes the key. A const key may be shared between threads.
 */
#ifndef P2PCD_HMAC_H
#define P2PCD_HMAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#define P2PCD_HMAC_SHA256_LEN 32

struct p2pcd_hmac_key
{
	crypto_auth_hmacsha256_state st;
};

struct p2pcd_hmac_ctx
{
	crypto_auth_hmacsha256_state st;
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
