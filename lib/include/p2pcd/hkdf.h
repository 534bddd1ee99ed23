/* HKDF-SHA256 (RFC 5869) through OpenSSL 3's EVP_KDF "HKDF". */
#ifndef P2PCD_HKDF_H
#define P2PCD_HKDF_H

#include <stddef.h>
#include <stdint.h>

#define P2PCD_HKDF_PRK_LEN 32
#define P2PCD_HKDF_MAX_OUT (255 * 32)

/* extract then expand; salt and info may be empty. 0 or -1. */
int p2pcd_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
		size_t ikm_len, const uint8_t *info, size_t info_len, uint8_t *out,
		size_t out_len);
int p2pcd_hkdf_sha256_extract(const uint8_t *salt, size_t salt_len,
		const uint8_t *ikm, size_t ikm_len, uint8_t prk[P2PCD_HKDF_PRK_LEN]);
int p2pcd_hkdf_sha256_expand(const uint8_t *prk, size_t prk_len,
		const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len);

#endif
