/*
 * Fetching a license from the license service (DESIGN.md 5, issue 5):
 * POST a W3C EME ClearKey request {"kids":[...],"type":"temporary"} with
 * "Authorization: Bearer LICENSE-TOKEN"; the answer is a ClearKey JWK Set
 * {"keys":[{"kty":"oct","kid":B64URL,"k":B64URL}],...}. The keys go to
 * the local keystore until the token's rights ("play": ISO 8601 duration)
 * or, without one, the token's exp say they expire.
 */
#ifndef P2PCD_CLIENT_LICENSE_H
#define P2PCD_CLIENT_LICENSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LIC_MAX_KIDS 16

/* what the client reads from a license token (not verified: the service
 * verifies it; the client only needs its kids and rights) */
struct lic_token
{
	uint8_t kids[LIC_MAX_KIDS][16];
	size_t n_kids;
	int64_t exp;  /* 0 if absent */
	int64_t play; /* seconds from rights.play, -1 if absent */
};

/* 0, or -1 with a message printed */
int lic_token_parse(const char *cmd, const char *tok, struct lic_token *t);

struct lic_key
{
	uint8_t kid[16];
	uint8_t key[32];
	size_t klen;
};

/*
 * A ClearKey JWK Set answering t: every entry kty "oct", a 16-byte kid
 * that t asked for, a 16- or 32-byte k. out has room for LIC_MAX_KIDS.
 * 0, or -1 with a message printed (out wiped).
 */
int lic_parse_jwks(const char *cmd, const char *text, size_t len,
		const struct lic_token *t, struct lic_key *out, size_t *n_out);

/*
 * POST the request for t's kids to url, check the JWK Set and store every
 * key in the keystore at ks_path; report (may be NULL) gets kid= and
 * expires= lines. cacert may be NULL. 0, or -1 (printed; the message says
 * what to do).
 */
int lic_fetch(const char *cmd, const char *url, const char *tok,
		const struct lic_token *t, const char *cacert, const char *ks_path,
		FILE *report);

/* the keystore expiry a license gets, from now */
int64_t lic_expiry(const struct lic_token *t, int64_t now);

#endif
