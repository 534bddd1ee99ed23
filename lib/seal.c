/*
 * Sealing content keys to the license service (libsodium sealed boxes),
 * and random keys and KIDs from the OS CSPRNG.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "p2pcd/ct.h"
#include "p2pcd/init.h"
#include "p2pcd/seal.h"

_Static_assert(
		P2PCD_SEALED_KEY_LEN(0) == 1 + P2PCD_KID_LEN + crypto_box_SEALBYTES,
		"sealed key length");
_Static_assert(P2PCD_X25519_PK_LEN == crypto_box_PUBLICKEYBYTES
					   && P2PCD_X25519_SK_LEN == crypto_box_SECRETKEYBYTES,
		"X25519 key lengths");

#define PLAIN_MAX (1 + P2PCD_KID_LEN + P2PCD_CONTENT_KEY_LEN)

const char *p2pcd_seal_strerror(enum p2pcd_seal_err e)
{
	switch(e) {
		case P2PCD_SEAL_OK:
			return "success";
		case P2PCD_SEAL_E_LEN:
			return "not a sealed content key (wrong length)";
		case P2PCD_SEAL_E_OPEN:
			return "sealed key does not open: sealed to another public key, "
				   "or modified";
		case P2PCD_SEAL_E_VERSION:
			return "sealed key has an unknown payload version";
		case P2PCD_SEAL_E_KID:
			return "sealed key is for another KID";
		case P2PCD_SEAL_E_ARG:
			return "invalid argument";
	}
	return "unknown error";
}

int p2pcd_seal_keypair(
		uint8_t pk[P2PCD_X25519_PK_LEN], uint8_t sk[P2PCD_X25519_SK_LEN])
{
	if(!pk || !sk || p2pcd_lib_init())
		return -1;
	return crypto_box_keypair(pk, sk) == 0 ? 0 : -1;
}

int p2pcd_seal_public_of(
		const uint8_t sk[P2PCD_X25519_SK_LEN], uint8_t pk[P2PCD_X25519_PK_LEN])
{
	if(!pk || !sk || p2pcd_lib_init())
		return -1;
	return crypto_scalarmult_base(pk, sk) == 0 ? 0 : -1;
}

int p2pcd_content_key_len_ok(size_t len)
{
	return len == P2PCD_CENC_KEY_LEN || len == P2PCD_CONTENT_KEY_LEN;
}

int p2pcd_sealed_key_len_ok(size_t len)
{
	return len == P2PCD_SEALED_KEY_LEN(P2PCD_CENC_KEY_LEN)
		   || len == P2PCD_SEALED_KEY_LEN(P2PCD_CONTENT_KEY_LEN);
}

void p2pcd_content_key_new(uint8_t *key, size_t len)
{
	/* cannot fail on Linux; never hand out a predictable key */
	if(p2pcd_lib_init() || !key)
		abort();
	randombytes_buf(key, len);
}

void p2pcd_kid_new(uint8_t kid[P2PCD_KID_LEN])
{
	if(p2pcd_lib_init() || !kid)
		abort();
	randombytes_buf(kid, P2PCD_KID_LEN);
}

int p2pcd_seal_content_key(const uint8_t pk[P2PCD_X25519_PK_LEN],
		const uint8_t kid[P2PCD_KID_LEN], const uint8_t *key, size_t key_len,
		uint8_t out[P2PCD_SEALED_KEY_MAX], size_t *out_len)
{
	uint8_t m[PLAIN_MAX];
	size_t mlen = 1 + P2PCD_KID_LEN + key_len;
	int rc;

	if(!pk || !kid || !key || !out || !out_len
			|| !p2pcd_content_key_len_ok(key_len) || p2pcd_lib_init())
		return -1;
	m[0] = P2PCD_SEAL_VERSION;
	memcpy(m + 1, kid, P2PCD_KID_LEN);
	memcpy(m + 1 + P2PCD_KID_LEN, key, key_len);
	rc = crypto_box_seal(out, m, mlen, pk);
	sodium_memzero(m, sizeof(m));
	if(rc != 0)
		return -1;
	*out_len = P2PCD_SEALED_KEY_LEN(key_len);
	return 0;
}

enum p2pcd_seal_err p2pcd_unseal_content_key(
		const uint8_t pk[P2PCD_X25519_PK_LEN],
		const uint8_t sk[P2PCD_X25519_SK_LEN], const uint8_t *sealed,
		size_t len, const uint8_t *expect_kid, uint8_t *kid_out,
		uint8_t key_out[P2PCD_CONTENT_KEY_LEN], size_t *key_len)
{
	uint8_t m[PLAIN_MAX];
	enum p2pcd_seal_err rc = P2PCD_SEAL_OK;
	size_t klen;

	if(!pk || !sk || !key_out || !key_len || (!sealed && len)
			|| p2pcd_lib_init())
		return P2PCD_SEAL_E_ARG;
	if(!p2pcd_sealed_key_len_ok(len))
		return P2PCD_SEAL_E_LEN;
	klen = len - P2PCD_SEALED_KEY_LEN(0);
	if(crypto_box_seal_open(m, sealed, len, pk, sk) != 0)
		return P2PCD_SEAL_E_OPEN;
	if(m[0] != P2PCD_SEAL_VERSION)
		rc = P2PCD_SEAL_E_VERSION;
	else if(expect_kid && !p2pcd_ct_equal(m + 1, expect_kid, P2PCD_KID_LEN))
		rc = P2PCD_SEAL_E_KID;
	if(rc == P2PCD_SEAL_OK) {
		if(kid_out)
			memcpy(kid_out, m + 1, P2PCD_KID_LEN);
		memcpy(key_out, m + 1 + P2PCD_KID_LEN, klen);
		*key_len = klen;
	}
	sodium_memzero(m, sizeof(m));
	return rc;
}
