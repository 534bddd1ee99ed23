/*
 * Internals of the SIP UAC shared by its files (not for commands: they
 * use sip_uac.h). sip_msg.c builds requests, sip_resp.c frames, parses and
 * matches responses, sip_digest.c answers challenges, sip_net.c moves
 * bytes, sip_uac.c runs the transactions.
 */
#ifndef P2PCD_CLIENT_SIP_INT_H
#define P2PCD_CLIENT_SIP_INT_H

#include <stddef.h>

#include "sip_uac.h"

#define SIP_UA "p2pcd/0.1"
#define SIP_MTU_LIMIT 1300		/* RFC 3261 18.1.1 */
#define SIP_UDP_MAX 65507		/* one IPv4 datagram */
#define SIP_RESP_MAX (1u << 20) /* largest response accepted */

/* what stays the same across the attempts of one request */
struct sip_dialogish
{
	char call_id[40];
	char from_tag[20];
	unsigned cseq;
};

/* one attempt (one client transaction) */
struct sip_attempt
{
	char branch[40];   /* z9hG4bK + random */
	int tcp;		   /* Via transport */
	const char *local; /* Via sent-by: "1.2.3.4:5060" or "[::1]:5060" */
	/* credentials from a challenge: "Authorization" or
	 * "Proxy-Authorization" and its value, or NULL */
	const char *auth_name, *auth_value;
};

/* random lowercase hex of n bytes (2n + 1 <= size) */
void sip_rand_hex(char *out, size_t size, size_t n);
void sip_dialogish_init(struct sip_dialogish *d);
void sip_attempt_init(struct sip_attempt *a);

/* the request as bytes (malloc'ed, *len), or NULL with a message */
char *sip_msg_build(const struct sip_uac_cfg *c, const struct sip_req *req,
		const struct sip_dialogish *d, const struct sip_attempt *a, size_t *len,
		char *err, size_t err_size);

/* TCP framing: bytes of the first complete message in buf (headers and
 * Content-Length body), 0 if more bytes are needed, -1 if buf does not
 * start with a SIP message (or it is too large) */
long sip_frame_len(const char *buf, size_t len);

/* Parse buf as a response to the attempt: 1 it matches (top Via branch
 * and CSeq method; *out is the parsed message), 0 a stray or not a
 * response (ignore it), -1 unparseable */
int sip_resp_match(const char *buf, size_t len, const char *branch,
		const char *method, osip_message_t **out);

/* fill r from a matching final response (takes msg); 0 or -1 */
int sip_resp_fill(struct sip_resp *r, osip_message_t *msg);

/*
 * The credentials answering the 401/407 resp to a request (method, the
 * Request-URI as sent): *name "Authorization" or "Proxy-Authorization",
 * *value malloc'ed. 0, or -1 with a message (no usable challenge, an
 * algorithm other than MD5, qop without auth). *stale is set when the
 * challenge says stale=true.
 */
int sip_digest_answer(const osip_message_t *resp, const char *method,
		const char *uri, const char *user, const char *password,
		const char **name, char **value, int *stale, char *err,
		size_t err_size);

/* the Request-URI as libosip2 writes it (malloc'ed), NULL if invalid */
char *sip_uri_canon(const char *uri);

/* next hop */
struct sip_hop
{
	char host[256];
	char port[8];
	int tcp; /* 1 if the transport decided is TCP */
};

/* parse cfg->proxy; tcp from the URI's ;transport= (cfg->transport is
 * applied by the caller) */
int sip_hop_parse(const char *proxy, struct sip_hop *h, int *uri_tcp, char *err,
		size_t err_size);

/* a connected socket (UDP, or TCP within deadline_ms of the monotonic
 * clock), local "addr:port" in local; -1 with a message */
int sip_net_open(const struct sip_hop *h, const char *bind_addr,
		long long deadline_ms, char *local, size_t local_size, char *err,
		size_t err_size);
long long sip_now_ms(void);

#endif
