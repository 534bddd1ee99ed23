/*
 * SHA-256 (see p2pcd/sha256.h). The SHA256_* calls are deprecated in
 * OpenSSL 3.0 for EVP, kept for the reason lib/hmac.c gives.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/crypto.h>

#include "p2pcd/sha256.h"

void p2pcd_sha256_init(struct p2pcd_sha256 *h)
{
	SHA256_Init(&h->c);
}

void p2pcd_sha256_update(struct p2pcd_sha256 *h, const void *p, size_t len)
{
	if(len)
		SHA256_Update(&h->c, p, len);
}

void p2pcd_sha256_final(struct p2pcd_sha256 *h, uint8_t out[P2PCD_SHA256_LEN])
{
	SHA256_Final(out, &h->c);
	OPENSSL_cleanse(h, sizeof(*h));
}
