/* SIP UAC: framing, parsing and matching responses, and reading them
 * (sip_int.h, sip_uac.h). libosip2 does the parsing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip_int.h"

static int parser_ready;

static void no_trace(const char *fi, int li, osip_trace_level_t level,
		const char *chfr, va_list ap)
{
	(void)fi;
	(void)li;
	(void)level;
	(void)chfr;
	(void)ap;
}

static void parser_once(void)
{
	int i;

	if(!parser_ready) {
		/* libosip2 traces parse errors to stderr: a garbled answer is
		 * our error message's business */
		osip_trace_initialize_func(TRACE_LEVEL0, no_trace);
		for(i = 0; i < END_TRACE_LEVEL; i++)
			osip_trace_disable_level((osip_trace_level_t)i);
		parser_init();
		parser_ready = 1;
	}
}

long sip_frame_len(const char *buf, size_t len)
{
	const char *end;
	osip_message_t *m;
	size_t hlen;
	unsigned long cl = 0;
	char *e;

	end = memmem(buf, len, "\r\n\r\n", 4);
	if(!end)
		return len > 65536 ? -1 : 0;
	hlen = (size_t)(end - buf) + 4;
	parser_once();
	if(osip_message_init(&m))
		return -1;
	/* the header part alone: libosip2 finds Content-Length (or l:) */
	if(osip_message_parse(m, buf, hlen)) {
		osip_message_free(m);
		return -1;
	}
	if(m->content_length && m->content_length->value) {
		cl = strtoul(m->content_length->value, &e, 10);
		if(e == m->content_length->value || *e || cl > SIP_RESP_MAX)
			cl = SIP_RESP_MAX + 1;
	}
	osip_message_free(m);
	if(cl > SIP_RESP_MAX || hlen + cl > SIP_RESP_MAX)
		return -1;
	return hlen + cl <= len ? (long)(hlen + cl) : 0;
}

int sip_resp_match(const char *buf, size_t len, const char *branch,
		const char *method, osip_message_t **out)
{
	osip_message_t *m;
	osip_via_t *v = NULL;
	osip_generic_param_t *b = NULL;

	*out = NULL;
	parser_once();
	if(!len || len > SIP_RESP_MAX || osip_message_init(&m))
		return -1;
	if(osip_message_parse(m, buf, len)) {
		osip_message_free(m);
		return -1;
	}
	if(!MSG_IS_RESPONSE(m)) {
		osip_message_free(m);
		return 0;
	}
	if(m->status_code < 100 || m->status_code > 699) {
		osip_message_free(m);
		return -1;
	}
	if(osip_message_get_via(m, 0, &v) < 0 || !v
			|| osip_via_param_get_byname(v, "branch", &b) || !b || !b->gvalue
			|| strcmp(b->gvalue, branch) || !m->cseq || !m->cseq->method
			|| strcmp(m->cseq->method, method)) {
		osip_message_free(m);
		return 0;
	}
	*out = m;
	return 1;
}

/* control characters (a bare CR or LF left in a value) to spaces */
static char *clean(char *s)
{
	char *p;

	for(p = s; *p; p++)
		if((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return s;
}

/* the header lines of libosip2's writing of m into r->hdrs */
static int list_headers(struct sip_resp *r, osip_message_t *m)
{
	char *s = NULL, *p, *eol, *colon;
	size_t len, n = 0, cap = 0;
	struct sip_header *h;

	osip_message_force_update(m);
	if(osip_message_to_str(m, &s, &len) || !s)
		return -1;
	p = strstr(s, "\r\n"); /* after the status line */
	while(p && (p += 2) && *p && strncmp(p, "\r\n", 2)) {
		eol = strstr(p, "\r\n");
		if(eol)
			*eol = '\0';
		colon = strchr(p, ':');
		if(colon && colon != p) {
			if(n == cap) {
				cap = cap ? 2 * cap : 16;
				h = realloc(r->hdrs, cap * sizeof(*h));
				if(!h)
					goto fail;
				r->hdrs = h;
			}
			*colon++ = '\0';
			colon += strspn(colon, " \t");
			r->hdrs[n].name = strdup(p);
			r->hdrs[n].value = strdup(clean(colon));
			if(!r->hdrs[n].name || !r->hdrs[n].value) {
				free((char *)r->hdrs[n].name);
				free((char *)r->hdrs[n].value);
				goto fail;
			}
			r->n_hdrs = ++n;
		}
		p = eol;
	}
	osip_free(s);
	return 0;
fail:
	osip_free(s);
	return -1;
}

int sip_resp_fill(struct sip_resp *r, osip_message_t *msg)
{
	memset(r, 0, sizeof(*r));
	r->status = msg->status_code;
	snprintf(r->reason, sizeof(r->reason), "%s",
			msg->reason_phrase ? msg->reason_phrase : "");
	clean(r->reason);
	r->msg = msg;
	if(list_headers(r, msg)) {
		sip_resp_free(r);
		return -1;
	}
	return 0;
}

/* compact forms libosip2 may leave as they came (RFC 3261 7.3.3 and the
 * event/session RFCs) */
static const char *compact(const char *name)
{
	static const char *const map[][2] = {{"Event", "o"}, {"Allow-Events", "u"},
			{"Supported", "k"}, {"Subject", "s"}, {"Refer-To", "r"},
			{"Referred-By", "b"}, {"Session-Expires", "x"},
			{"Content-Encoding", "e"}, {"Contact", "m"}, {"Content-Type", "c"},
			{"Call-ID", "i"}, {"From", "f"}, {"To", "t"}, {"Via", "v"},
			{"Content-Length", "l"}};
	size_t i;

	for(i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if(!strcasecmp(name, map[i][0]))
			return map[i][1];
	return NULL;
}

const char *sip_resp_header(const struct sip_resp *r, const char *name)
{
	const char *alt;
	size_t i;

	if(!r || !name)
		return NULL;
	alt = compact(name);
	for(i = 0; i < r->n_hdrs; i++)
		if(!strcasecmp(r->hdrs[i].name, name)
				|| (alt && !strcasecmp(r->hdrs[i].name, alt)))
			return r->hdrs[i].value;
	return NULL;
}

char *sip_resp_call_info(const struct sip_resp *r, const char *purpose)
{
	osip_call_info_t *ci;
	osip_generic_param_t *p;
	const char *v, *e;
	size_t len;
	int i;

	if(!r || !r->msg || !purpose)
		return NULL;
	for(i = 0; osip_message_get_call_info(r->msg, i, &ci) >= 0; i++) {
		p = NULL;
		if(!ci || !ci->element
				|| osip_generic_param_get_byname(&ci->gen_params, "purpose", &p)
				|| !p || !p->gvalue)
			continue;
		v = p->gvalue;
		len = strlen(v);
		if(len >= 2 && v[0] == '"' && v[len - 1] == '"') {
			v++;
			len -= 2;
		}
		if(len != strlen(purpose) || strncasecmp(v, purpose, len))
			continue;
		v = ci->element;
		v += strspn(v, " \t");
		if(*v != '<' || !(e = strchr(v, '>')) || e == v + 1)
			continue;
		return strndup(v + 1, (size_t)(e - v - 1));
	}
	return NULL;
}

void sip_resp_free(struct sip_resp *r)
{
	size_t i;

	if(!r)
		return;
	for(i = 0; i < r->n_hdrs; i++) {
		free((char *)r->hdrs[i].name);
		free((char *)r->hdrs[i].value);
	}
	free(r->hdrs);
	if(r->msg)
		osip_message_free(r->msg);
	memset(r, 0, sizeof(*r));
}
