/*
 * Streaming SHA-256 on OpenSSL's implementation (SHA-NI where the CPU has
 * it), without EVP's per-context allocation: for ids hashed per request.
 */
#ifndef P2PCD_SHA256_H
#define P2PCD_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/sha.h>

#define P2PCD_SHA256_LEN 32

struct p2pcd_sha256
{
	SHA256_CTX c;
};

void p2pcd_sha256_init(struct p2pcd_sha256 *h);
void p2pcd_sha256_update(struct p2pcd_sha256 *h, const void *p, size_t len);
void p2pcd_sha256_final(struct p2pcd_sha256 *h, uint8_t out[P2PCD_SHA256_LEN]);

#endif
