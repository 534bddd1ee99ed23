/* Content keys wrapped under a KEK (XChaCha20-Poly1305-IETF). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "p2pcd/init.h"
#include "p2pcd/keywrap.h"

#define AAD_LABEL "p2pcd/keywrap/v1"
#define HDR_LEN 5 /* version, KEK version */
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define KID_LEN 16

_Static_assert(P2PCD_WRAPPED_KEY_LEN(0)
					   == HDR_LEN + NONCE_LEN
								  + crypto_aead_xchacha20poly1305_ietf_ABYTES,
		"wrapped key length");

#define AAD_LEN (sizeof(AAD_LABEL) - 1 + HDR_LEN + KID_LEN)

void p2pcd_kek_new(uint8_t kek[P2PCD_KEK_LEN])
{
	if(p2pcd_lib_init())
		abort();
	crypto_aead_xchacha20poly1305_ietf_keygen(kek);
}

static int key_len_ok(size_t len)
{
	return len == 16 || len == 32;
}

static void make_aad(const uint8_t hdr[HDR_LEN], const uint8_t kid[KID_LEN],
		uint8_t aad[AAD_LEN])
{
	memcpy(aad, AAD_LABEL, sizeof(AAD_LABEL) - 1);
	memcpy(aad + sizeof(AAD_LABEL) - 1, hdr, HDR_LEN);
	memcpy(aad + sizeof(AAD_LABEL) - 1 + HDR_LEN, kid, KID_LEN);
}

int p2pcd_keywrap(const uint8_t kek[P2PCD_KEK_LEN], uint32_t kek_version,
		const uint8_t kid[16], const uint8_t *key, size_t key_len,
		uint8_t out[P2PCD_WRAPPED_KEY_MAX], size_t *out_len)
{
	uint8_t aad[AAD_LEN];

	if(!kek || !kid || !key || !out || !out_len || !key_len_ok(key_len)
			|| p2pcd_lib_init())
		return -1;
	out[0] = P2PCD_KEYWRAP_VERSION;
	out[1] = (uint8_t)(kek_version >> 24);
	out[2] = (uint8_t)(kek_version >> 16);
	out[3] = (uint8_t)(kek_version >> 8);
	out[4] = (uint8_t)kek_version;
	/* 192-bit random nonces: no counter to keep across restarts */
	randombytes_buf(out + HDR_LEN, NONCE_LEN);
	make_aad(out, kid, aad);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + HDR_LEN + NONCE_LEN, NULL,
			key, key_len, aad, sizeof(aad), NULL, out + HDR_LEN, kek);
	*out_len = P2PCD_WRAPPED_KEY_LEN(key_len);
	return 0;
}

int p2pcd_keywrap_kek_version(const uint8_t *in, size_t len, uint32_t *ver)
{
	if(!in || !ver || len < P2PCD_WRAPPED_KEY_LEN(0)
			|| !key_len_ok(len - P2PCD_WRAPPED_KEY_LEN(0))
			|| in[0] != P2PCD_KEYWRAP_VERSION)
		return -1;
	*ver = (uint32_t)in[1] << 24 | (uint32_t)in[2] << 16 | (uint32_t)in[3] << 8
		   | in[4];
	return 0;
}

int p2pcd_keyunwrap(const uint8_t kek[P2PCD_KEK_LEN], const uint8_t kid[16],
		const uint8_t *in, size_t len, uint8_t key[32], size_t *key_len)
{
	uint8_t aad[AAD_LEN], m[32];
	size_t klen;
	uint32_t ver;
	int rc;

	if(!kek || !kid || !key || !key_len
			|| p2pcd_keywrap_kek_version(in, len, &ver) || p2pcd_lib_init())
		return -1;
	klen = len - P2PCD_WRAPPED_KEY_LEN(0);
	make_aad(in, kid, aad);
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(m, NULL, NULL,
			in + HDR_LEN + NONCE_LEN, len - HDR_LEN - NONCE_LEN, aad,
			sizeof(aad), in + HDR_LEN, kek);
	if(rc == 0) {
		memcpy(key, m, klen);
		*key_len = klen;
	}
	sodium_memzero(m, sizeof(m));
	return rc == 0 ? 0 : -1;
}
