/* A grant's tokens from their claims: see p2pcd/grant_token.h. */
#include <stdlib.h>
#include <string.h>

#include "p2pcd/base64url.h"
#include "p2pcd/grant_token.h"
#include "p2pcd/infohash.h"
#include "p2pcd/json_write.h"
#include "p2pcd/jws.h"

/* the claims both tokens start with, in this order */
static void claims_common(struct p2pcd_jw *w, char *buf, size_t size,
		const struct p2pcd_grant_claims *c, const char *aud)
{
	p2pcd_jw_begin(w, buf, size);
	p2pcd_jw_str(w, "iss", c->iss, c->iss_len);
	p2pcd_jw_str(w, "sub", c->sub, strlen(c->sub));
	p2pcd_jw_str(w, "aud", aud, strlen(aud));
	p2pcd_jw_int(w, "iat", c->iat);
}

static int has_icid(const struct p2pcd_grant_claims *c)
{
	return c->icid && c->icid_len > 0;
}

long p2pcd_grant_adm_claims(
		const struct p2pcd_grant_claims *c, char *buf, size_t size)
{
	struct p2pcd_jw w;
	char ih[2 * P2PCD_INFOHASH_LEN + 1];

	p2pcd_infohash_hex(c->ih, ih);
	claims_common(&w, buf, size, c, c->aud);
	p2pcd_jw_int(&w, "nbf", c->iat);
	p2pcd_jw_int(&w, "exp", c->exp);
	p2pcd_jw_str(&w, "jti", c->jti, strlen(c->jti));
	p2pcd_jw_str(&w, "ih", ih, 2 * P2PCD_INFOHASH_LEN);
	p2pcd_jw_str(&w, "doi", c->doi, c->doi_len);
	p2pcd_jw_str(&w, "role", c->role, strlen(c->role));
	if(has_icid(c))
		p2pcd_jw_str(&w, "icid", c->icid, c->icid_len);
	return p2pcd_jw_end(&w);
}

long p2pcd_grant_lic_claims(
		const struct p2pcd_grant_claims *c, char *buf, size_t size)
{
	struct p2pcd_jw w;
	char kid[25];

	p2pcd_b64url_encode(c->kid, 16, kid, sizeof(kid));
	claims_common(&w, buf, size, c, P2PCD_GRANT_LICENSE_AUD);
	p2pcd_jw_int(&w, "exp", c->exp);
	p2pcd_jw_str(&w, "jti", c->jti, strlen(c->jti));
	p2pcd_jw_str(&w, "doi", c->doi, c->doi_len);
	p2pcd_jw_str_array1(&w, "kids", kid, strlen(kid));
	/* a JSON object: its writer checked it */
	p2pcd_jw_raw(&w, "rights", c->rights, c->rights_len);
	if(has_icid(c))
		p2pcd_jw_str(&w, "icid", c->icid, c->icid_len);
	return p2pcd_jw_end(&w);
}

static int build_one(const char *typ, const char *aud, uint32_t version,
		const char *claims, long n, const uint8_t *mac, char **tok)
{
	char kid[P2PCD_JWS_KID_MAX + 1];

	if(n < 0 || p2pcd_jws_kid(aud, version, kid, sizeof(kid)) < 0)
		return -1;
	return p2pcd_jws_assemble(typ, kid, claims, (size_t)n, mac, tok, NULL);
}

int p2pcd_grant_tokens_build(const struct p2pcd_grant_claims *c,
		uint32_t key_version, const uint8_t adm_mac[P2PCD_HMAC_SHA256_LEN],
		const uint8_t lic_mac[P2PCD_HMAC_SHA256_LEN], char **adm, char **lic)
{
	char buf[P2PCD_JWS_MAX_LEN];

	*adm = *lic = NULL;
	if(build_one(P2PCD_JWS_TYP_ADM, c->aud, key_version, buf,
			   p2pcd_grant_adm_claims(c, buf, sizeof(buf)), adm_mac,
			   adm) < 0
			|| build_one(P2PCD_JWS_TYP_LIC, P2PCD_GRANT_LICENSE_AUD,
					   key_version, buf,
					   p2pcd_grant_lic_claims(c, buf, sizeof(buf)), lic_mac,
					   lic)
					   < 0) {
		free(*adm);
		*adm = NULL;
		return -1;
	}
	return 0;
}
