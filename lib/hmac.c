/*
 * HMAC-SHA256 (RFC 2104) with a precomputed key: the key is absorbed into
 * the inner and outer SHA-256 states once; a MAC then costs a struct copy
 * and the compression of the message plus one block.
 *
 * OpenSSL's SHA256_* calls are deprecated in 3.0 in favour of EVP, but an
 * EVP digest context cannot be copied without an allocation, and on the
 * announce and acquisition paths the copy is the point: the low-level
 * calls are kept on purpose (still in OpenSSL 3, same SHA-NI code).
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "p2pcd/ct.h"
#include "p2pcd/hmac.h"

#define HMAC_BLOCK 64

int p2pcd_hmac_key_init(
		struct p2pcd_hmac_key *k, const uint8_t *key, size_t key_len)
{
	uint8_t kb[HMAC_BLOCK], pad[HMAC_BLOCK];
	size_t i;

	if(!k || (!key && key_len))
		return -1;
	memset(kb, 0, sizeof(kb));
	if(key_len > HMAC_BLOCK) {
		if(!SHA256(key, key_len, kb))
			goto fail;
	} else if(key_len)
		memcpy(kb, key, key_len);
	for(i = 0; i < HMAC_BLOCK; i++)
		pad[i] = kb[i] ^ 0x36;
	if(!SHA256_Init(&k->ictx) || !SHA256_Update(&k->ictx, pad, sizeof(pad)))
		goto fail;
	for(i = 0; i < HMAC_BLOCK; i++)
		pad[i] = kb[i] ^ 0x5c;
	if(!SHA256_Init(&k->octx) || !SHA256_Update(&k->octx, pad, sizeof(pad)))
		goto fail;
	OPENSSL_cleanse(kb, sizeof(kb));
	OPENSSL_cleanse(pad, sizeof(pad));
	return 0;
fail:
	OPENSSL_cleanse(kb, sizeof(kb));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(k, sizeof(*k));
	return -1;
}

void p2pcd_hmac_key_wipe(struct p2pcd_hmac_key *k)
{
	if(k)
		OPENSSL_cleanse(k, sizeof(*k));
}

void p2pcd_hmac_start(struct p2pcd_hmac_ctx *c, const struct p2pcd_hmac_key *k)
{
	c->ictx = k->ictx;
	c->octx = k->octx;
}

void p2pcd_hmac_update(struct p2pcd_hmac_ctx *c, const void *p, size_t len)
{
	if(len)
		SHA256_Update(&c->ictx, p, len);
}

void p2pcd_hmac_final(
		struct p2pcd_hmac_ctx *c, uint8_t out[P2PCD_HMAC_SHA256_LEN])
{
	uint8_t inner[P2PCD_HMAC_SHA256_LEN];

	SHA256_Final(inner, &c->ictx);
	SHA256_Update(&c->octx, inner, sizeof(inner));
	SHA256_Final(out, &c->octx);
	OPENSSL_cleanse(inner, sizeof(inner));
	OPENSSL_cleanse(c, sizeof(*c));
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
	OPENSSL_cleanse(want, sizeof(want));
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
