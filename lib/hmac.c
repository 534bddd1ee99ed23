/*
 * HMAC-SHA256 with a precomputed key: crypto_auth_hmacsha256_init() hashes
 * the key into the inner and outer states once; a MAC then costs a struct
 * copy and two short SHA-256 runs.
 */
#include <string.h>

#include "p2pcd/ct.h"
#include "p2pcd/hmac.h"

int p2pcd_hmac_key_init(
		struct p2pcd_hmac_key *k, const uint8_t *key, size_t key_len)
{
	if(!k || (!key && key_len))
		return -1;
	return crypto_auth_hmacsha256_init(
			&k->st, key ? key : (const uint8_t *)"", key_len);
}

void p2pcd_hmac_key_wipe(struct p2pcd_hmac_key *k)
{
	if(k)
		sodium_memzero(k, sizeof(*k));
}

void p2pcd_hmac_start(struct p2pcd_hmac_ctx *c, const struct p2pcd_hmac_key *k)
{
	memcpy(&c->st, &k->st, sizeof(c->st));
}

void p2pcd_hmac_update(struct p2pcd_hmac_ctx *c, const void *p, size_t len)
{
	if(len)
		crypto_auth_hmacsha256_update(&c->st, p, len);
}

void p2pcd_hmac_final(
		struct p2pcd_hmac_ctx *c, uint8_t out[P2PCD_HMAC_SHA256_LEN])
{
	crypto_auth_hmacsha256_final(&c->st, out);
	sodium_memzero(c, sizeof(*c));
}

void p2pcd_hmac_sha256(const struct p2pcd_hmac_key *k, const uint8_t *msg,
		size_t len, uint8_t out[P2PCD_HMAC_SHA256_LEN])
{
	struct p2pcd_hmac_ctx c;

	p2pcd_hmac_start(&c, k);
	p2pcd_hmac_update(&c, msg, len);
	p2pcd_hmac_final(&c, out);
}

bool p2pcd_hmac_sha256_verify(const struct p2pcd_hmac_key *k,
		const uint8_t *msg, size_t len, const uint8_t *mac, size_t mac_len)
{
	uint8_t want[P2PCD_HMAC_SHA256_LEN];
	bool ok;

	if(!mac || mac_len != sizeof(want))
		return false;
	p2pcd_hmac_sha256(k, msg, len, want);
	ok = p2pcd_ct_equal(want, mac, sizeof(want));
	sodium_memzero(want, sizeof(want));
	return ok;
}

int p2pcd_hmac_sha256_oneshot(const uint8_t *key, size_t key_len,
		const uint8_t *msg, size_t len, uint8_t out[P2PCD_HMAC_SHA256_LEN])
{
	struct p2pcd_hmac_key k;

	if(p2pcd_hmac_key_init(&k, key, key_len))
		return -1;
	p2pcd_hmac_sha256(&k, msg, len, out);
	p2pcd_hmac_key_wipe(&k);
	return 0;
}
