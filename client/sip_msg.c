/* SIP UAC: building a request with libosip2 (sip_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "sip_int.h"

void sip_rand_hex(char *out, size_t size, size_t n)
{
	unsigned char b[32];

	if(n > sizeof(b))
		n = sizeof(b);
	if(size < 2 * n + 1) {
		if(size)
			out[0] = '\0';
		return;
	}
	randombytes_buf(b, n);
	sodium_bin2hex(out, size, b, n);
}

void sip_dialogish_init(struct sip_dialogish *d)
{
	sip_rand_hex(d->call_id, sizeof(d->call_id), 16);
	sip_rand_hex(d->from_tag, sizeof(d->from_tag), 8);
	/* a random start (RFC 3261 8.1.1.5 allows any below 2^31) */
	d->cseq = 1 + randombytes_uniform(1u << 16);
}

void sip_attempt_init(struct sip_attempt *a)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->branch, "z9hG4bK", 7);
	sip_rand_hex(a->branch + 7, sizeof(a->branch) - 7, 12);
}

char *sip_uri_canon(const char *uri)
{
	osip_uri_t *u;
	char *s = NULL;

	if(!uri || osip_uri_init(&u))
		return NULL;
	if(osip_uri_parse(u, uri) || !u->scheme || !u->host || !*u->host
			|| osip_uri_to_str(u, &s))
		s = NULL;
	osip_uri_free(u);
	return s;
}

/* an RFC 3261 token (header name) */
static int is_token(const char *s)
{
	static const char extra[] = "-.!%*_+`'~";

	if(!*s)
		return 0;
	for(; *s; s++)
		if(!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
				   || (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return 0;
	return 1;
}

/* printable, no CR/LF (no header injection), tabs allowed */
static int is_value(const char *s)
{
	for(; *s; s++)
		if((unsigned char)*s < 0x20 && *s != '\t')
			return 0;
	return 1;
}

/* the headers the UAC writes itself */
static int is_core(const char *name)
{
	static const char *const core[] = {"Via", "v", "From", "f", "To", "t",
			"Call-ID", "i", "CSeq", "Content-Length", "l", "Content-Type", "c",
			"Max-Forwards", "Authorization", "Proxy-Authorization"};
	size_t i;

	for(i = 0; i < sizeof(core) / sizeof(core[0]); i++)
		if(!strcasecmp(name, core[i]))
			return 1;
	return 0;
}

static int set_hdrs(osip_message_t *m, const struct sip_req *req, char *err,
		size_t err_size)
{
	size_t i;

	for(i = 0; i < req->n_hdrs; i++) {
		const struct sip_header *h = &req->hdrs[i];

		if(!h->name || !h->value || !is_token(h->name) || !is_value(h->value)) {
			snprintf(err, err_size,
					"bad extra header '%s': a name is a token, a value "
					"is one line",
					h->name ? h->name : "(null)");
			return -1;
		}
		if(is_core(h->name)) {
			snprintf(err, err_size,
					"header %s is set by the UAC itself (use the "
					"content type option for Content-Type)",
					h->name);
			return -1;
		}
		if(osip_message_set_header(m, h->name, h->value)) {
			snprintf(err, err_size, "libosip2 refused header %s", h->name);
			return -1;
		}
	}
	return 0;
}

static int build(osip_message_t *m, const struct sip_uac_cfg *c,
		const struct sip_req *req, const struct sip_dialogish *d,
		const struct sip_attempt *a, char *err, size_t err_size)
{
	char buf[1024];
	osip_uri_t *u;

	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	osip_message_set_method(m, osip_strdup(req->method));
	if(osip_uri_init(&u))
		goto oom;
	if(osip_uri_parse(u, req->ruri) || !u->host || !*u->host) {
		osip_uri_free(u);
		snprintf(err, err_size, "bad Request-URI '%s' (want sip:USER@HOST)",
				req->ruri);
		return -1;
	}
	osip_message_set_uri(m, u);
	snprintf(buf, sizeof(buf), "SIP/2.0/%s %s;rport;branch=%s",
			a->tcp ? "TCP" : "UDP", a->local ? a->local : "0.0.0.0:0",
			a->branch);
	if(osip_message_set_via(m, buf))
		goto bad;
	snprintf(buf, sizeof(buf), "<sip:%s@%s>;tag=%s", c->user, c->domain,
			d->from_tag);
	if(osip_message_set_from(m, buf)) {
		snprintf(err, err_size,
				"bad identity sip:%s@%s (check the user and domain)", c->user,
				c->domain);
		return -1;
	}
	if((size_t)snprintf(buf, sizeof(buf), "<%s>", req->ruri) >= sizeof(buf)
			|| osip_message_set_to(m, buf)) {
		snprintf(err, err_size, "bad Request-URI '%s' for To", req->ruri);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%u %s", d->cseq, req->method);
	if(osip_message_set_call_id(m, d->call_id) || osip_message_set_cseq(m, buf)
			|| osip_message_set_header(m, "Max-Forwards", "70")
			|| osip_message_set_header(m, "User-Agent", SIP_UA))
		goto bad;
	if(a->auth_name
			&& (!strcmp(a->auth_name, "Authorization")
							? osip_message_set_authorization(m, a->auth_value)
							: osip_message_set_proxy_authorization(
									m, a->auth_value)))
		goto bad;
	if(set_hdrs(m, req, err, err_size))
		return -1;
	if(req->content_type && *req->content_type
			&& osip_message_set_content_type(m, req->content_type)) {
		snprintf(err, err_size, "bad content type '%s'", req->content_type);
		return -1;
	}
	if(req->body && req->body_len
			&& osip_message_set_body(m, req->body, req->body_len))
		goto bad;
	return 0;
oom:
	snprintf(err, err_size, "out of memory");
	return -1;
bad:
	snprintf(err, err_size, "libosip2 could not build the %s request",
			req->method);
	return -1;
}

char *sip_msg_build(const struct sip_uac_cfg *c, const struct sip_req *req,
		const struct sip_dialogish *d, const struct sip_attempt *a, size_t *len,
		char *err, size_t err_size)
{
	osip_message_t *m;
	char *s = NULL;

	if(!req->method || !is_token(req->method) || !req->ruri) {
		snprintf(err, err_size, "bad method '%s'",
				req->method ? req->method : "(null)");
		return NULL;
	}
	if(osip_message_init(&m)) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	if(build(m, c, req, d, a, err, err_size) == 0
			&& osip_message_to_str(m, &s, len)) {
		s = NULL;
		snprintf(err, err_size, "libosip2 could not write the request");
	}
	osip_message_free(m);
	return s;
}
