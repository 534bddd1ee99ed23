/*
 * p2pcd - what a request carries, parsed and checked without Kamailio
 *
 * No Kamailio header here: the module and the libFuzzer targets of
 * tests/fuzz/module/ compile this file (and p2pcd_torrent.c) the same.
 * Memory is jansson's (malloc) and the caller's.
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "p2pcd/hex.h"
#include "p2pcd/base64url.h"

#include "p2pcd_parse.h"
#include "p2pcd_torrent.h"

int p2pcd_printable(const char *s, int len)
{
	int i;

	for(i = 0; i < len; i++)
		if((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

void p2pcd_hex_public(const unsigned char *in, int n, char *out)
{
	static const char digit[] = "0123456789abcdef";
	int i;

	for(i = 0; i < n; i++) {
		out[2 * i] = digit[in[i] >> 4];
		out[2 * i + 1] = digit[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int p2pcd_doi_unescape(const char *s, int len, char *out, int size)
{
	int i, n, hi, lo;

	n = 0;
	for(i = 0; i < len; i++) {
		if(n >= size - 1)
			return -1;
		if(s[i] == '%') {
			if(i + 2 >= len)
				return -1;
			hi = p2pcd_hex_nibble(s[i + 1]);
			lo = p2pcd_hex_nibble(s[i + 2]);
			if(hi < 0 || lo < 0)
				return -1;
			out[n++] = (hi << 4) | lo;
			i += 2;
		} else {
			out[n++] = s[i];
		}
	}
	out[n] = '\0';
	if(n == 0 || n > P2PCD_DOI_MAX || !p2pcd_printable(out, n))
		return -1;
	return n;
}

/*
 * why json_loadb refused a body, as a reason phrase: MESSAGE reasons are
 * capitalised (acq), PUBLISH ones follow "Bad Publication: "
 */
static const char *p2pcd_json_why(
		const char *s, size_t len, json_error_t *jerr, int acq)
{
	if(memchr(s, '\0', len) != NULL)
		return acq ? "Body Contains NUL" : "body contains NUL";
	switch(json_error_code(jerr)) {
		case json_error_invalid_utf8:
			return acq ? "Body Is Not Valid UTF-8" : "body is not valid UTF-8";
		case json_error_null_character:
		case json_error_null_byte_in_key:
			return acq ? "Body Contains NUL" : "body contains NUL";
		case json_error_duplicate_key:
			return acq ? "Duplicate Key In Body" : "duplicate key";
		case json_error_numeric_overflow:
			return acq ? "Number Out Of Range" : "number out of range";
		case json_error_stack_overflow:
			return acq ? "Body Nested Too Deeply" : "body nested too deeply";
		default:
			return acq ? "Body Is Not A JSON Object"
					   : "body is not a JSON object";
	}
}

int p2pcd_acq_body_parse(
		const char *s, size_t len, long long *max_price, const char **why)
{
	json_t *o, *v;
	json_error_t jerr;

	*max_price = -1;
	o = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
	if(o == NULL) {
		*why = p2pcd_json_why(s, len, &jerr, 1);
		return -1;
	}
	if(!json_is_object(o)) {
		json_decref(o);
		*why = "Body Is Not A JSON Object";
		return -1;
	}
	v = json_object_get(o, "max_price_cents");
	if(v != NULL) {
		if(!json_is_integer(v) || json_integer_value(v) < 0) {
			json_decref(o);
			*why = "Bad max_price_cents";
			return -1;
		}
		*max_price = json_integer_value(v);
	}
	json_decref(o);
	return 0;
}

/* characters of a valid UTF-8 string (jansson checked it) */
static size_t p2pcd_utf8_chars(const char *s)
{
	size_t n = 0;

	for(; *s; s++)
		if(((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int p2pcd_unhex_json(
		json_t *o, const char *name, unsigned char *out, int n, int required)
{
	const char *s;
	int i, hi, lo;
	json_t *v = json_object_get(o, name);

	if(v == NULL)
		return required ? -1 : 0;
	s = json_string_value(v);
	if(s == NULL || (int)strlen(s) != 2 * n)
		return -1;
	for(i = 0; i < n; i++) {
		hi = p2pcd_hex_nibble(s[2 * i]);
		lo = p2pcd_hex_nibble(s[2 * i + 1]);
		if(hi < 0 || lo < 0)
			return -1;
		out[i] = (hi << 4) | lo;
	}
	return 1;
}

int p2pcd_pub_body_parse(const char *body, size_t len, long long max_size,
		p2pcd_pubinfo_t *pi, p2pcd_torrent_buf_f buf, void *ctx,
		size_t *torrent_len, const char **why)
{
	json_t *o = NULL, *v;
	json_error_t jerr;
	unsigned char *t;
	const char *s;
	char *rights;
	size_t tlen, n;
	int ret = -1;

	memset(pi, 0, sizeof(*pi));
	*torrent_len = 0;
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if(o == NULL) {
		*why = p2pcd_json_why(body, len, &jerr, 0);
		goto done;
	}
	if(!json_is_object(o)) {
		*why = "body is not a JSON object";
		goto done;
	}
	v = json_object_get(o, "torrent");
	s = json_string_value(v);
	if(s == NULL || strlen(s) == 0) {
		*why = "torrent (base64url) required";
		goto done;
	}
	tlen = p2pcd_b64url_dec_max(strlen(s));
	t = buf(tlen, ctx);
	if(t == NULL) {
		ret = -2;
		goto done;
	}
	if(p2pcd_b64url_decode(s, strlen(s), t, tlen, &n) < 0) {
		*why = "torrent is not base64url";
		goto done;
	}
	*torrent_len = n;
	if(p2pcd_torrent_check(t, n, max_size, pi->ih, &pi->size, why) < 0)
		goto done;
	s = json_string_value(json_object_get(o, "title"));
	if(s == NULL || strlen(s) == 0 || strlen(s) > P2PCD_TITLE_MAX
			|| json_string_length(json_object_get(o, "title")) != strlen(s)
			|| p2pcd_utf8_chars(s) > 512) {
		*why = "title (1 to 512 characters) required";
		goto done;
	}
	strcpy(pi->title, s);
	v = json_object_get(o, "price_cents");
	if(v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0)) {
		*why = "bad price_cents";
		goto done;
	}
	pi->price = v ? json_integer_value(v) : 0;
	v = json_object_get(o, "currency");
	s = v ? json_string_value(v) : "EUR";
	if(s == NULL || strlen(s) != 3 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A'
			|| s[1] > 'Z' || s[2] < 'A' || s[2] > 'Z') {
		*why = "bad currency";
		goto done;
	}
	strcpy(pi->currency, s);
	v = json_object_get(o, "rights");
	if(v != NULL && !json_is_object(v)) {
		*why = "rights must be an object";
		goto done;
	}
	rights = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	/* jsonb refuses \u0000: a 400 here, not a failed statement */
	if(v != NULL
			&& (rights == NULL || strlen(rights) > P2PCD_RIGHTS_MAX
					|| strstr(rights, "\\u0000") != NULL)) {
		free(rights);
		*why = "rights too large";
		goto done;
	}
	strcpy(pi->rights, rights ? rights : "{}");
	free(rights);
	if(p2pcd_unhex_json(o, "kid", pi->kid, 16, 1) < 0) {
		*why = "kid (32 hex digits) required";
		goto done;
	}
	pi->has_fp = p2pcd_unhex_json(o, "fingerprint", pi->fp, 32, 0);
	if(pi->has_fp < 0) {
		*why = "fingerprint must be 64 hex digits";
		goto done;
	}
	s = json_string_value(json_object_get(o, "sealed_key"));
	if(s == NULL
			|| p2pcd_b64url_decode(
					   s, strlen(s), pi->sealed, sizeof(pi->sealed), &n)
					   < 0
			|| n < crypto_box_SEALBYTES + 16) {
		*why = "sealed_key (base64url sealed box) required";
		goto done;
	}
	pi->sealed_len = n;
	*why = NULL;
	ret = 0;
done:
	if(o)
		json_decref(o);
	return ret;
}
