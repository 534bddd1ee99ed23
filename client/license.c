/* License fetching: ClearKey request over HTTPS, JWK Set into the keystore. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "p2pcd/base64url.h"
#include "cli.h"
#include "keystore.h"
#include "http_get.h"
#include "license.h"

#define RESPONSE_MAX (64u << 10)
#define TOKEN_MAX 8192

int lic_token_parse(const char *cmd, const char *tok, struct lic_token *t)
{
	const char *d1, *d2;
	uint8_t payload[TOKEN_MAX];
	size_t plen, i, klen;
	json_t *j, *kids, *v, *rights, *play;
	json_error_t je;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	t->play = -1;
	d1 = strchr(tok, '.');
	d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if(strlen(tok) > TOKEN_MAX || !d1 || !d2 || strchr(d2 + 1, '.')
			|| p2pcd_b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), payload,
					sizeof(payload), &plen)) {
		cli_err(cmd, "the license token is not a JWS (three base64url "
					 "parts): use the one from the grant");
		return -1;
	}
	j = json_loadb((const char *)payload, plen, JSON_REJECT_DUPLICATES, &je);
	if(!json_is_object(j)) {
		cli_err(cmd, "the license token's claims are not a JSON object");
		goto out;
	}
	kids = json_object_get(j, "kids");
	if(!json_is_array(kids) || json_array_size(kids) == 0
			|| json_array_size(kids) > LIC_MAX_KIDS) {
		cli_err(cmd, "the license token names no kids (or too many)");
		goto out;
	}
	json_array_foreach(kids, i, v)
	{
		if(!json_is_string(v)
				|| p2pcd_b64url_decode(json_string_value(v),
						json_string_length(v), t->kids[i], 16, &klen)
				|| klen != 16) {
			cli_err(cmd, "the license token has a malformed kid");
			goto out;
		}
	}
	t->n_kids = json_array_size(kids);
	v = json_object_get(j, "exp");
	if(json_is_integer(v))
		t->exp = json_integer_value(v);
	rights = json_object_get(j, "rights");
	play = json_is_object(rights) ? json_object_get(rights, "play") : NULL;
	if(json_is_string(play)) {
		t->play = ks_parse_duration(json_string_value(play));
		if(t->play < 0) {
			cli_err(cmd,
					"the license token's rights.play '%s' is not a "
					"duration",
					json_string_value(play));
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(j);
	return rc;
}

int64_t lic_expiry(const struct lic_token *t, int64_t now)
{
	/* the play window is the player's to enforce; without one, the
	 * token's lifetime */
	if(t->play >= 0)
		return now + (t->play ? t->play : 1);
	return t->exp;
}

static const char *status_advice(long status)
{
	switch(status) {
		case 400:
			return "the license service found the request malformed";
		case 401:
			return "the license token was refused (bad, expired or forged): "
				   "get a new grant";
		case 403:
			return "the license token does not grant this KID";
		case 410:
			return "the content is muted or removed: no license is issued";
		case 451:
			return "the content is blocklisted: no license is issued";
		default:
			return "the license service failed; try again later";
	}
}

int lic_parse_jwks(const char *cmd, const char *text, size_t len,
		const struct lic_token *t, struct lic_key *out, size_t *n_out)
{
	json_t *j, *keys, *k;
	json_error_t je;
	size_t i, m, klen, kidlen;
	int rc = -1, granted;

	*n_out = 0;
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	keys = json_is_object(j) ? json_object_get(j, "keys") : NULL;
	if(!json_is_array(keys) || json_array_size(keys) == 0
			|| json_array_size(keys) > LIC_MAX_KIDS) {
		cli_err(cmd, "the license service's answer is not a ClearKey JWK Set");
		goto out;
	}
	json_array_foreach(keys, i, k)
	{
		const char *kty = json_string_value(json_object_get(k, "kty"));
		const char *kk = json_string_value(json_object_get(k, "k"));
		const char *kd = json_string_value(json_object_get(k, "kid"));
		struct lic_key *o = &out[i];

		if(!kty || strcmp(kty, "oct") || !kk || !kd
				|| p2pcd_b64url_decode(kd, strlen(kd), o->kid, 16, &kidlen)
				|| kidlen != 16
				|| p2pcd_b64url_decode(
						kk, strlen(kk), o->key, sizeof(o->key), &klen)
				|| (klen != 16 && klen != 32)) {
			cli_err(cmd, "the license has a malformed key (entry %zu)", i);
			goto out;
		}
		o->klen = klen;
		/* only keys that were asked for */
		for(granted = 0, m = 0; m < t->n_kids; m++)
			granted |= !memcmp(t->kids[m], o->kid, 16);
		if(!granted) {
			cli_err(cmd, "the license holds a key for KID %s, not asked for",
					cli_hex(o->kid, 16));
			goto out;
		}
	}
	*n_out = json_array_size(keys);
	rc = 0;
out:
	if(rc)
		sodium_memzero(out, LIC_MAX_KIDS * sizeof(*out));
	json_decref(j);
	return rc;
}

/* check the JWK Set and store its keys; 0 or -1 (printed) */
static int store_keys(const char *cmd, const char *text, size_t len,
		const struct lic_token *t, const char *ks, FILE *report)
{
	struct lic_key keys[LIC_MAX_KIDS];
	int64_t exp = lic_expiry(t, (int64_t)time(NULL));
	size_t i, n;
	int rc = -1;

	if(lic_parse_jwks(cmd, text, len, t, keys, &n) < 0)
		return -1;
	for(i = 0; i < n; i++) {
		if(ks_put(cmd, ks, keys[i].kid, keys[i].key, keys[i].klen, exp) < 0)
			goto out;
		if(report)
			fprintf(report, "kid=%s\nexpires=%lld\n", cli_hex(keys[i].kid, 16),
					(long long)exp);
	}
	if(n < t->n_kids)
		cli_err(cmd, "warning: %zu of %zu kids got a key", n, t->n_kids);
	rc = 0;
out:
	sodium_memzero(keys, sizeof(keys));
	return rc;
}

int lic_fetch(const char *cmd, const char *url, const char *tok,
		const struct lic_token *t, const char *cacert, const char *ks,
		FILE *report)
{
	char kid64[32], *req = NULL, *auth = NULL;
	const char *hdrs[4] = {"Content-Type: application/json",
			"Accept: application/json", NULL, NULL};
	struct http_req hr = {
			.url = url, .cacert = cacert, .headers = hdrs, .max = RESPONSE_MAX};
	struct http_answer a = {0};
	json_t *kids = json_array(), *j = NULL;
	size_t i;
	int rc = -1;

	for(i = 0; i < t->n_kids; i++) {
		p2pcd_b64url_encode(t->kids[i], 16, kid64, sizeof(kid64));
		json_array_append_new(kids, json_string(kid64));
	}
	j = json_pack("{s:o, s:s}", "kids", kids, "type", "temporary");
	req = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if(!req || asprintf(&auth, "Authorization: Bearer %s", tok) < 0) {
		auth = NULL;
		cli_err(cmd, "out of memory");
		goto out;
	}
	hdrs[2] = auth;
	hr.post = req;
	if(http_request(cmd, &hr, &a)) {
		cli_err(cmd, "license request to %s failed", url);
		goto out;
	}
	if(a.status != 200) {
		cli_err(cmd, "license service answered %ld: %s", a.status,
				status_advice(a.status));
		goto out;
	}
	rc = store_keys(cmd, a.body, a.len, t, ks, report);
out:
	http_answer_free(&a);
	free(req);
	free(auth);
	json_decref(j);
	return rc;
}
