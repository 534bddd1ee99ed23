/* SIP UAC: HTTP digest (RFC 2617/7616, MD5 only) answering a 401/407
 * challenge that libosip2 parsed (sip_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "sip_int.h"

/* lowercase hex MD5 of s (33 bytes); 0 or -1 */
static int md5_hex(const char *s, char out[33])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if(!EVP_Digest(s, strlen(s), d, &n, EVP_md5(), NULL) || n != 16)
		return -1;
	sodium_bin2hex(out, 33, d, 16);
	return 0;
}

/* a challenge value without its quotes (malloc'ed), NULL if absent or
 * unusable in a quoted-string we write (quote, backslash, control) */
static char *unq(const char *v)
{
	size_t len;
	char *s;
	const char *p;

	if(!v)
		return NULL;
	len = strlen(v);
	if(len >= 2 && v[0] == '"' && v[len - 1] == '"') {
		v++;
		len -= 2;
	}
	for(p = v; p < v + len; p++)
		if(*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			return NULL;
	s = strndup(v, len);
	return s;
}

/* 1 if the qop list (a,b,...) has the token tok */
static int has_token(const char *list, const char *tok)
{
	size_t n = strlen(tok), k;
	const char *p = list;

	while(*p) {
		p += strspn(p, " \t,");
		k = strcspn(p, " \t,");
		if(k == n && !strncasecmp(p, tok, n))
			return 1;
		p += k;
	}
	return 0;
}

/* the first Digest challenge with MD5 (or no algorithm); alg_seen names
 * the algorithms refused */
static osip_www_authenticate_t *pick(
		const osip_message_t *resp, int proxy, char *alg_seen, size_t alg_size)
{
	osip_www_authenticate_t *w;
	char *a;
	int i, r;

	alg_seen[0] = '\0';
	for(i = 0;; i++) {
		w = NULL;
		r = proxy ? osip_message_get_proxy_authenticate(resp, i, &w)
				  : osip_message_get_www_authenticate(resp, i, &w);
		if(r < 0 || !w)
			return NULL;
		if(!w->auth_type || strcasecmp(w->auth_type, "Digest"))
			continue;
		if(!w->algorithm)
			return w;
		a = unq(w->algorithm);
		if(a && !strcasecmp(a, "MD5")) {
			free(a);
			return w;
		}
		if(strlen(alg_seen) + 40 < alg_size)
			snprintf(alg_seen + strlen(alg_seen), alg_size - strlen(alg_seen),
					"%s%.32s", alg_seen[0] ? ", " : "", a ? a : "?");
		free(a);
	}
}

int sip_digest_answer(const osip_message_t *resp, const char *method,
		const char *uri, const char *user, const char *password,
		const char **name, char **value, int *stale, char *err, size_t err_size)
{
	int proxy = resp->status_code == 407;
	osip_www_authenticate_t *w;
	char algs[128], ha1[33], ha2[33], rsp[33], cnonce[33];
	char *realm = NULL, *nonce = NULL, *opaque = NULL, *qop = NULL;
	char *buf = NULL, *st;
	int qop_auth = 0, rc = -1;
	size_t n;

	*value = NULL;
	*stale = 0;
	*name = proxy ? "Proxy-Authorization" : "Authorization";
	if(resp->status_code != 401 && !proxy) {
		snprintf(err, err_size, "not a challenge (%d)", resp->status_code);
		return -1;
	}
	if(strpbrk(user, "\"\\\r\n") || strpbrk(uri, "\"\\\r\n")) {
		snprintf(err, err_size, "user name or URI unusable in digest");
		return -1;
	}
	w = pick(resp, proxy, algs, sizeof(algs));
	if(!w) {
		if(algs[0])
			snprintf(err, err_size,
					"%d challenge asks for digest algorithm %s; only MD5 "
					"is supported",
					resp->status_code, algs);
		else
			snprintf(err, err_size,
					"%d without a usable Digest %s-Authenticate header",
					resp->status_code, proxy ? "Proxy" : "WWW");
		return -1;
	}
	realm = unq(w->realm);
	nonce = unq(w->nonce);
	if(!realm || !nonce || (w->opaque && !(opaque = unq(w->opaque)))
			|| (w->qop_options && !(qop = unq(w->qop_options)))) {
		snprintf(err, err_size,
				"%d challenge without a usable realm/nonce/opaque/qop",
				resp->status_code);
		goto out;
	}
	if(qop) {
		if(!has_token(qop, "auth")) {
			snprintf(err, err_size,
					"challenge offers qop \"%.40s\"; only qop=auth (or none) "
					"is supported",
					qop);
			goto out;
		}
		qop_auth = 1;
	}
	st = w->stale ? unq(w->stale) : NULL;
	*stale = st && !strcasecmp(st, "true");
	free(st);
	sip_rand_hex(cnonce, sizeof(cnonce), 16);

	n = strlen(user) + strlen(realm) + strlen(password) + strlen(method)
		+ strlen(uri) + strlen(nonce) + 256;
	buf = malloc(n);
	if(!buf)
		goto oom;
	snprintf(buf, n, "%s:%s:%s", user, realm, password);
	if(md5_hex(buf, ha1))
		goto md5;
	snprintf(buf, n, "%s:%s", method, uri);
	if(md5_hex(buf, ha2))
		goto md5;
	if(qop_auth)
		snprintf(buf, n, "%s:%s:00000001:%s:auth:%s", ha1, nonce, cnonce, ha2);
	else
		snprintf(buf, n, "%s:%s:%s", ha1, nonce, ha2);
	if(md5_hex(buf, rsp))
		goto md5;
	sodium_memzero(buf, n);
	free(buf);

	n = strlen(user) + strlen(realm) + strlen(nonce) + strlen(uri)
		+ (opaque ? strlen(opaque) : 0) + 256;
	buf = malloc(n);
	if(!buf)
		goto oom;
	snprintf(buf, n,
			"Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", "
			"uri=\"%s\", response=\"%s\", algorithm=MD5",
			user, realm, nonce, uri, rsp);
	if(qop_auth)
		snprintf(buf + strlen(buf), n - strlen(buf),
				", cnonce=\"%s\", qop=auth, nc=00000001", cnonce);
	if(opaque)
		snprintf(buf + strlen(buf), n - strlen(buf), ", opaque=\"%s\"", opaque);
	*value = buf;
	buf = NULL;
	rc = 0;
	goto out;
md5:
	sodium_memzero(buf, n);
	snprintf(err, err_size, "MD5 unavailable in OpenSSL");
	goto out;
oom:
	snprintf(err, err_size, "out of memory");
out:
	sodium_memzero(ha1, sizeof(ha1));
	free(buf);
	free(realm);
	free(nonce);
	free(opaque);
	free(qop);
	return rc;
}
