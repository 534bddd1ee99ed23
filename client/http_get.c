/* HTTPS requests with libcurl: see http_get.h. */
#include "http_get.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "cli.h"

struct sink
{
	struct http_answer *a;
	size_t cap, max;
	int too_large;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t add = size * n;
	char *nb;

	if(s->a->len + add > s->max) {
		s->too_large = 1;
		return 0;
	}
	if(s->a->len + add + 1 > s->cap) {
		s->cap = (s->a->len + add + 1) * 2;
		if(!(nb = realloc(s->a->body, s->cap)))
			return 0;
		s->a->body = nb;
	}
	memcpy(s->a->body + s->a->len, p, add);
	s->a->len += add;
	s->a->body[s->a->len] = '\0';
	return add;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct http_answer *a = arg;
	size_t len = size * n, k = strlen("Retry-After:");

	if(len > k && strncasecmp(p, "Retry-After:", k) == 0) {
		p += k;
		len -= k;
		while(len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while(len && (p[len - 1] == '\r' || p[len - 1] == '\n'))
			len--;
		if(len >= sizeof(a->retry_after))
			len = sizeof(a->retry_after) - 1;
		memcpy(a->retry_after, p, len);
		a->retry_after[len] = '\0';
	}
	return size * n;
}

int http_request(
		const char *cmd, const struct http_req *r, struct http_answer *a)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct sink s = {a, 0, r->max ? r->max : HTTP_GET_MAX, 0};
	struct curl_slist *h = NULL;
	const char *ct = NULL, *url = r->url;
	CURLcode cc;
	CURL *c;
	size_t i;

	memset(a, 0, sizeof(*a));
	if(curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK
			|| !(c = curl_easy_init())) {
		cli_err(cmd, "cannot initialise libcurl");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if(r->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, r->cacert);
	for(i = 0; r->headers && r->headers[i]; i++)
		h = curl_slist_append(h, r->headers[i]);
	if(h)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if(r->post)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->post);
	cc = curl_easy_perform(c);
	curl_slist_free_all(h);
	if(cc != CURLE_OK) {
		if(s.too_large)
			cli_err(cmd, "%s: the answer is larger than %zu bytes", url, s.max);
		else
			cli_err(cmd, "cannot GET %s: %s%s", url,
					*errbuf ? errbuf : curl_easy_strerror(cc),
					cc == CURLE_PEER_FAILED_VERIFICATION
									|| cc == CURLE_SSL_CACERT_BADFILE
							? " (give the index's CA with --ca-file)"
							: "");
		curl_easy_cleanup(c);
		http_answer_free(a);
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	if(ct)
		snprintf(a->content_type, sizeof(a->content_type), "%s", ct);
	curl_easy_cleanup(c);
	if(!a->body && !(a->body = calloc(1, 1))) {
		cli_err(cmd, "out of memory");
		return -1;
	}
	return 0;
}

int http_get(const char *cmd, const char *url, const char *cacert,
		struct http_answer *a)
{
	struct http_req r = {.url = url, .cacert = cacert};

	return http_request(cmd, &r, a);
}

void http_answer_free(struct http_answer *a)
{
	if(a->body)
		sodium_memzero(a->body, a->len);
	free(a->body);
	a->body = NULL;
	a->len = 0;
}

const char *http_error_message(
		const struct http_answer *a, char *buf, size_t size)
{
	json_t *j = a->body ? json_loadb(a->body, a->len, 0, NULL) : NULL;
	const char *m = NULL;

	if(json_is_object(j)) {
		m = json_string_value(json_object_get(j, "message"));
		if(!m)
			m = json_string_value(json_object_get(j, "error"));
	}
	if(m)
		snprintf(buf, size, "%s", m);
	json_decref(j);
	return m ? buf : NULL;
}
