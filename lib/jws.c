/*
 * JWS HS256 sign and verify. Verification is ordered by cost so a flood of
 * bad tokens is cheap to refuse: length cap, split, the small header, the
 * MAC (constant time), and only then the claims.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "p2pcd/base64url.h"
#include "p2pcd/ct.h"
#include "p2pcd/json_write.h"
#include "p2pcd/jws.h"

#define SIG_B64_LEN 43	/* base64url of 32 bytes, no padding */
#define HDR_B64_MAX 512 /* ours is ~90 characters */

static const char *const res_str[] = {
		[P2PCD_JWS_OK] = "ok",
		[P2PCD_JWS_E_TOO_LONG] = "token too long",
		[P2PCD_JWS_E_MALFORMED] = "malformed token",
		[P2PCD_JWS_E_BAD_HEADER] = "bad header",
		[P2PCD_JWS_E_ALG] = "alg is not HS256",
		[P2PCD_JWS_E_TYP] = "wrong typ",
		[P2PCD_JWS_E_CRIT] = "crit header present",
		[P2PCD_JWS_E_UNKNOWN_KID] = "unknown kid",
		[P2PCD_JWS_E_BAD_SIGNATURE] = "bad signature",
		[P2PCD_JWS_E_BAD_CLAIMS] = "bad claims",
		[P2PCD_JWS_E_MISSING_CLAIM] = "missing claim",
		[P2PCD_JWS_E_BAD_CLAIM] = "claim of the wrong type",
		[P2PCD_JWS_E_EXPIRED] = "expired",
		[P2PCD_JWS_E_NOT_YET_VALID] = "not yet valid",
		[P2PCD_JWS_E_IAT_FUTURE] = "issued in the future",
		[P2PCD_JWS_E_WRONG_AUDIENCE] = "wrong audience",
		[P2PCD_JWS_E_INTERNAL] = "internal error",
};

const char *p2pcd_jws_strerror(enum p2pcd_jws_result r)
{
	if((unsigned)r >= sizeof(res_str) / sizeof(res_str[0]))
		return "unknown result";
	return res_str[r];
}

/* base64url of a JSON text at out; returns characters written */
static size_t put_b64(char *out, const char *s, size_t len)
{
	size_t n = p2pcd_b64url_enc_len(len);

	p2pcd_b64url_encode((const uint8_t *)s, len, out, n + 1);
	return n;
}

/* header.claims of the token, with room for "." and the signature after */
static char *jws_signing_input(const char *typ, const char *kid,
		const char *claims, size_t pl, size_t *off, size_t *total)
{
	char h[HDR_B64_MAX];
	struct p2pcd_jw w;
	char *t;
	long hl;

	if(!typ || !*typ || !kid || !claims || pl < 2 || claims[0] != '{')
		return NULL;
	p2pcd_jw_begin(&w, h, sizeof(h));
	p2pcd_jw_str(&w, "alg", "HS256", 5);
	p2pcd_jw_str(&w, "typ", typ, strlen(typ));
	p2pcd_jw_str(&w, "kid", kid, strlen(kid));
	hl = p2pcd_jw_end(&w);
	if(hl < 0 || pl > P2PCD_JWS_MAX_LEN)
		return NULL;
	*total = p2pcd_b64url_enc_len(hl) + 1 + p2pcd_b64url_enc_len(pl) + 1
			 + SIG_B64_LEN;
	if(*total > P2PCD_JWS_MAX_LEN)
		return NULL;
	t = malloc(*total + 1);
	if(!t)
		return NULL;
	*off = put_b64(t, h, hl);
	t[(*off)++] = '.';
	*off += put_b64(t + *off, claims, pl);
	return t;
}

static void jws_put_sig(char *t, size_t off, size_t total,
		const uint8_t mac[P2PCD_HMAC_SHA256_LEN])
{
	t[off++] = '.';
	p2pcd_b64url_encode(mac, P2PCD_HMAC_SHA256_LEN, t + off, total + 1 - off);
}

int p2pcd_jws_sign_text_mac(const struct p2pcd_jws_signer *s, const char *typ,
		const char *claims, size_t pl, char **tok, size_t *tok_len,
		uint8_t mac_out[P2PCD_HMAC_SHA256_LEN])
{
	uint8_t mac[P2PCD_HMAC_SHA256_LEN];
	size_t total, off;
	char *t;

	if(!s || !tok)
		return -1;
	*tok = NULL;
	t = jws_signing_input(typ, s->kid, claims, pl, &off, &total);
	if(!t)
		return -1;
	p2pcd_hmac_sha256(&s->key, (const uint8_t *)t, off, mac);
	jws_put_sig(t, off, total, mac);
	if(mac_out)
		memcpy(mac_out, mac, sizeof(mac));
	*tok = t;
	if(tok_len)
		*tok_len = total;
	return 0;
}

int p2pcd_jws_sign_text(const struct p2pcd_jws_signer *s, const char *typ,
		const char *claims, size_t pl, char **tok, size_t *tok_len)
{
	return p2pcd_jws_sign_text_mac(s, typ, claims, pl, tok, tok_len, NULL);
}

int p2pcd_jws_assemble(const char *typ, const char *kid, const char *claims,
		size_t pl, const uint8_t mac[P2PCD_HMAC_SHA256_LEN], char **tok,
		size_t *tok_len)
{
	size_t total, off;
	char *t;

	if(!tok || !mac)
		return -1;
	*tok = NULL;
	t = jws_signing_input(typ, kid, claims, pl, &off, &total);
	if(!t)
		return -1;
	jws_put_sig(t, off, total, mac);
	*tok = t;
	if(tok_len)
		*tok_len = total;
	return 0;
}

int p2pcd_jws_sign(const struct p2pcd_jws_signer *s, const char *typ,
		const json_t *claims, char **tok, size_t *tok_len)
{
	char *p;
	int rc;

	if(!json_is_object(claims) || !tok)
		return -1;
	*tok = NULL;
	p = json_dumps(claims, JSON_COMPACT);
	if(!p)
		return -1;
	rc = p2pcd_jws_sign_text(s, typ, p, strlen(p), tok, tok_len);
	free(p);
	return rc;
}

static int str_eq(const json_t *v, const char *want, size_t want_len)
{
	return json_is_string(v) && json_string_length(v) == want_len
		   && memcmp(json_string_value(v), want, want_len) == 0;
}

/* The header: alg, typ, crit, then the kid that picks the key. */
static enum p2pcd_jws_result check_header(const struct p2pcd_jws_keyring *kr,
		const char *b64, size_t len, const char *typ,
		const struct p2pcd_hmac_key **key, uint32_t *version)
{
	uint8_t buf[HDR_B64_MAX / 4 * 3];
	size_t n, alen, i;
	json_t *h;
	const json_t *kid;
	const char *aud;
	uint32_t v;
	enum p2pcd_jws_result r;

	if(len > HDR_B64_MAX || p2pcd_b64url_decode(b64, len, buf, sizeof(buf), &n))
		return P2PCD_JWS_E_BAD_HEADER;
	h = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
	if(!json_is_object(h)) {
		r = P2PCD_JWS_E_BAD_HEADER;
		goto out;
	}
	r = P2PCD_JWS_E_ALG;
	if(!str_eq(json_object_get(h, "alg"), "HS256", 5))
		goto out;
	r = P2PCD_JWS_E_TYP;
	if(!str_eq(json_object_get(h, "typ"), typ, strlen(typ)))
		goto out;
	r = P2PCD_JWS_E_CRIT;
	if(json_object_get(h, "crit"))
		goto out;
	r = P2PCD_JWS_E_UNKNOWN_KID;
	kid = json_object_get(h, "kid");
	if(!json_is_string(kid)
			|| p2pcd_jws_kid_parse(json_string_value(kid),
					json_string_length(kid), &aud, &alen, &v)
			|| alen != kr->aud_len || memcmp(aud, kr->aud, alen))
		goto out;
	for(i = 0; i < 2; i++) {
		if(kr->k[i].used && kr->k[i].version == v) {
			*key = &kr->k[i].key;
			*version = v;
			r = P2PCD_JWS_OK;
			break;
		}
	}
out:
	json_decref(h);
	return r;
}

static enum p2pcd_jws_result check_mac(const struct p2pcd_hmac_key *key,
		const char *tok, size_t signed_len, const char *b64, size_t len)
{
	uint8_t sig[P2PCD_HMAC_SHA256_LEN + 1], mac[P2PCD_HMAC_SHA256_LEN];
	size_t n;
	int ok;

	if(len != SIG_B64_LEN || p2pcd_b64url_decode(b64, len, sig, sizeof(sig), &n)
			|| n != P2PCD_HMAC_SHA256_LEN)
		return P2PCD_JWS_E_BAD_SIGNATURE;
	p2pcd_hmac_sha256(key, (const uint8_t *)tok, signed_len, mac);
	ok = p2pcd_ct_equal(mac, sig, sizeof(mac));
	sodium_memzero(mac, sizeof(mac));
	return ok ? P2PCD_JWS_OK : P2PCD_JWS_E_BAD_SIGNATURE;
}

/* a present time claim must be an integer */
static int get_time(
		const json_t *c, const char *name, int *present, int64_t *out)
{
	const json_t *v = json_object_get(c, name);

	*present = v != NULL;
	if(!v)
		return 0;
	if(!json_is_integer(v))
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* a - b > d, for a > b, without signed overflow */
static int later_by_more(int64_t a, int64_t b, int64_t d)
{
	return a > b && (uint64_t)a - (uint64_t)b > (uint64_t)d;
}

static enum p2pcd_jws_result check_claims(const json_t *c,
		const struct p2pcd_jws_expect *ex, const char *aud, size_t aud_len)
{
	int64_t exp = 0, nbf = 0, iat = 0;
	int has_exp, has_nbf, has_iat;
	int64_t skew = ex->skew > 0 ? ex->skew : 0;
	const json_t *a;

	if(get_time(c, "exp", &has_exp, &exp) || get_time(c, "nbf", &has_nbf, &nbf)
			|| get_time(c, "iat", &has_iat, &iat))
		return P2PCD_JWS_E_BAD_CLAIM;
	if(!has_exp)
		return P2PCD_JWS_E_MISSING_CLAIM;
	/* valid while now < exp + skew */
	if(exp <= ex->now && (uint64_t)ex->now - (uint64_t)exp >= (uint64_t)skew)
		return P2PCD_JWS_E_EXPIRED;
	if(has_nbf && later_by_more(nbf, ex->now, skew))
		return P2PCD_JWS_E_NOT_YET_VALID;
	if(has_iat && later_by_more(iat, ex->now, skew))
		return P2PCD_JWS_E_IAT_FUTURE;
	a = json_object_get(c, "aud");
	if(!a)
		return P2PCD_JWS_E_MISSING_CLAIM;
	if(!json_is_string(a))
		return P2PCD_JWS_E_BAD_CLAIM;
	if(!str_eq(a, aud, aud_len))
		return P2PCD_JWS_E_WRONG_AUDIENCE;
	return P2PCD_JWS_OK;
}

enum p2pcd_jws_result p2pcd_jws_verify(const struct p2pcd_jws_keyring *kr,
		const char *tok, size_t len, const struct p2pcd_jws_expect *ex,
		json_t **claims, uint32_t *key_version)
{
	uint8_t pbuf[P2PCD_JWS_MAX_LEN / 4 * 3];
	const char *d1, *d2, *end;
	const struct p2pcd_hmac_key *key = NULL;
	const char *aud;
	uint32_t version = 0;
	size_t n;
	json_t *c;
	enum p2pcd_jws_result r;

	if(claims)
		*claims = NULL;
	if(!kr || !ex || !ex->typ || (!tok && len))
		return P2PCD_JWS_E_INTERNAL;
	if(len > P2PCD_JWS_MAX_LEN)
		return P2PCD_JWS_E_TOO_LONG;
	if(!len)
		return P2PCD_JWS_E_MALFORMED;
	end = tok + len;
	d1 = memchr(tok, '.', len);
	d2 = d1 ? memchr(d1 + 1, '.', (size_t)(end - d1 - 1)) : NULL;
	if(!d2 || memchr(d2 + 1, '.', (size_t)(end - d2 - 1)) || d1 == tok
			|| d2 == d1 + 1 || d2 + 1 == end)
		return P2PCD_JWS_E_MALFORMED;

	r = check_header(kr, tok, (size_t)(d1 - tok), ex->typ, &key, &version);
	if(r)
		return r;
	r = check_mac(key, tok, (size_t)(d2 - tok), d2 + 1, (size_t)(end - d2 - 1));
	if(r)
		return r;

	if(p2pcd_b64url_decode(
			   d1 + 1, (size_t)(d2 - d1 - 1), pbuf, sizeof(pbuf), &n))
		return P2PCD_JWS_E_BAD_CLAIMS;
	c = json_loadb((const char *)pbuf, n, JSON_REJECT_DUPLICATES, NULL);
	if(!json_is_object(c)) {
		json_decref(c);
		return P2PCD_JWS_E_BAD_CLAIMS;
	}
	aud = ex->aud ? ex->aud : kr->aud;
	r = check_claims(c, ex, aud, strlen(aud));
	if(r || !claims)
		json_decref(c);
	else
		*claims = c;
	if(!r && key_version)
		*key_version = version;
	return r;
}

int p2pcd_jws_claim_str(
		const json_t *claims, const char *name, const char **out)
{
	const json_t *v = json_object_get(claims, name);

	if(!json_is_string(v))
		return -1;
	if(out)
		*out = json_string_value(v);
	return 0;
}

int p2pcd_jws_claim_int(const json_t *claims, const char *name, int64_t *out)
{
	const json_t *v = json_object_get(claims, name);

	if(!json_is_integer(v))
		return -1;
	if(out)
		*out = json_integer_value(v);
	return 0;
}
