/*
 * HKDF-SHA256 through OpenSSL 3's EVP_KDF "HKDF". Empty salt or info are
 * simply not set: RFC 5869 defines an absent salt as HashLen zero bytes,
 * which is what OpenSSL uses, and HMAC pads an empty key to the same.
 */
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "p2pcd/hkdf.h"

static int hkdf(int mode, const uint8_t *salt, size_t salt_len,
		const uint8_t *key, size_t key_len, const uint8_t *info,
		size_t info_len, uint8_t *out, size_t out_len)
{
	static const uint8_t empty[1];
	OSSL_PARAM params[6], *p = params;
	EVP_KDF *kdf;
	EVP_KDF_CTX *ctx;
	int rc = -1;

	if(!out || !out_len || (!salt && salt_len) || (!key && key_len)
			|| (!info && info_len))
		return -1;
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if(!kdf)
		return -1;
	ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if(!ctx)
		return -1;
	*p++ = OSSL_PARAM_construct_utf8_string(
			OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_octet_string(
			OSSL_KDF_PARAM_KEY, (void *)(key_len ? key : empty), key_len);
	if(salt_len)
		*p++ = OSSL_PARAM_construct_octet_string(
				OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
	if(info_len)
		*p++ = OSSL_PARAM_construct_octet_string(
				OSSL_KDF_PARAM_INFO, (void *)info, info_len);
	*p = OSSL_PARAM_construct_end();
	if(EVP_KDF_derive(ctx, out, out_len, params) == 1)
		rc = 0;
	EVP_KDF_CTX_free(ctx);
	return rc;
}

int p2pcd_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
		size_t ikm_len, const uint8_t *info, size_t info_len, uint8_t *out,
		size_t out_len)
{
	if(out_len > P2PCD_HKDF_MAX_OUT)
		return -1;
	return hkdf(EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, salt, salt_len, ikm,
			ikm_len, info, info_len, out, out_len);
}

int p2pcd_hkdf_sha256_extract(const uint8_t *salt, size_t salt_len,
		const uint8_t *ikm, size_t ikm_len, uint8_t prk[P2PCD_HKDF_PRK_LEN])
{
	return hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, salt, salt_len, ikm, ikm_len,
			NULL, 0, prk, P2PCD_HKDF_PRK_LEN);
}

int p2pcd_hkdf_sha256_expand(const uint8_t *prk, size_t prk_len,
		const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	if(prk_len < P2PCD_HKDF_PRK_LEN || out_len > P2PCD_HKDF_MAX_OUT)
		return -1;
	return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, prk, prk_len, info,
			info_len, out, out_len);
}
