/*
 * HTTPS requests of the client with libcurl: GET of the index role's
 * documents (grant JSON, content.json), POST to the license service.
 * Bounded in size and time, the CA given by the user (the lab's index has
 * a self-signed certificate). Answers are wiped when freed (a license
 * answer holds keys).
 */
#ifndef P2PCD_CLIENT_HTTP_GET_H
#define P2PCD_CLIENT_HTTP_GET_H

#include <stddef.h>

#define HTTP_GET_MAX (8u << 20) /* bytes of an answer */

struct http_answer
{
	long status;
	char *body; /* NUL-terminated, malloc'ed */
	size_t len;
	char content_type[128];
	char retry_after[32]; /* empty when absent */
};

struct http_req
{
	const char *url;			/* https or http */
	const char *cacert;			/* NULL: the system's CAs */
	const char *const *headers; /* "Name: value", NULL-terminated, or NULL */
	const char *post;			/* a POST body (NUL-terminated), NULL: GET */
	size_t max;					/* largest answer; 0: HTTP_GET_MAX */
};

/*
 * One request. 0 with *a filled (any HTTP status: the caller decides), or
 * -1 with a message printed (cannot connect, TLS failure, too large).
 * Free with http_answer_free.
 */
int http_request(
		const char *cmd, const struct http_req *r, struct http_answer *a);
/* GET url */
int http_get(const char *cmd, const char *url, const char *cacert,
		struct http_answer *a);
void http_answer_free(struct http_answer *a);

/* the "message" (else "error") member of a JSON error body, or NULL */
const char *http_error_message(
		const struct http_answer *a, char *buf, size_t size);

#endif
