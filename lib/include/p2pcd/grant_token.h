/*
 * The two tokens of a grant (DESIGN.md 3), built from their claims: the
 * AS signs them when it makes the grant, and the grant row keeps only the
 * claims it does not already hold and the two MACs, so the content index
 * rebuilds the very same tokens without a key. One builder for both
 * sides: the rebuilt token is the minted one only if both write the same
 * bytes.
 */
#ifndef P2PCD_GRANT_TOKEN_H
#define P2PCD_GRANT_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "p2pcd/hmac.h"

#define P2PCD_GRANT_LICENSE_AUD "license"

struct p2pcd_grant_claims
{
	const char *iss;
	size_t iss_len;
	const char *sub, *jti, *role; /* NUL-terminated */
	const char *aud;			  /* the tracker of the swarm */
	const char *doi;
	size_t doi_len;
	const char *rights; /* a JSON object's text, as it is */
	size_t rights_len;
	const char *icid; /* NULL or "" when none */
	size_t icid_len;
	const uint8_t *ih;	/* 20 bytes */
	const uint8_t *kid; /* 16 bytes, the content key's id */
	int64_t iat, exp;	/* nbf = iat */
};

/* the claims' JSON text into buf: its length, or -1 (no room, bad UTF-8) */
long p2pcd_grant_adm_claims(
		const struct p2pcd_grant_claims *c, char *buf, size_t size);
long p2pcd_grant_lic_claims(
		const struct p2pcd_grant_claims *c, char *buf, size_t size);

/* both tokens again from the claims, the key version the AS signed them
 * with (both audiences, one version) and their MACs; *adm and *lic
 * malloc'ed. 0 or -1 (both NULL) */
int p2pcd_grant_tokens_build(const struct p2pcd_grant_claims *c,
		uint32_t key_version, const uint8_t adm_mac[P2PCD_HMAC_SHA256_LEN],
		const uint8_t lic_mac[P2PCD_HMAC_SHA256_LEN], char **adm, char **lic);

#endif
