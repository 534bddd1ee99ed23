/*
 * The client's SIP UAC: one non-INVITE request (MESSAGE, PUBLISH, OPTIONS
 * ...) to a next-hop proxy, RFC 3261 client transaction over UDP or TCP,
 * digest authentication (MD5) on 401/407, the final response parsed by
 * libosip2. docs/client-sip.md tells more.
 *
 * Command-line glue for every SIP-using subcommand is in sip_cli.h.
 */
#ifndef P2PCD_CLIENT_SIP_UAC_H
#define P2PCD_CLIENT_SIP_UAC_H

#include <stddef.h>

#include <osipparser2/osip_parser.h>

/* AUTO: TCP if the request is over 1300 bytes (RFC 3261 18.1.1), or the
 * proxy URI says ;transport=tcp, else UDP */
enum sip_transport
{
	SIP_AUTO = 0,
	SIP_UDP,
	SIP_TCP
};

struct sip_uac_cfg
{
	/* next hop: "host[:port]" or "sip:host[:port][;transport=tcp]";
	 * required (default port 5060); IPv6 as "[::1]:5060" */
	const char *proxy;
	enum sip_transport transport; /* UDP/TCP win over ;transport= */
	const char *bind_addr;		  /* local address, NULL: any suitable */
	/* identity sip:user@domain (From), digest credentials */
	const char *user, *domain, *password;
	unsigned t1_ms;		 /* 0: 500 */
	unsigned timer_f_ms; /* 0: 64*T1 */
};

struct sip_header
{
	const char *name;
	const char *value;
};

struct sip_req
{
	const char *method; /* "MESSAGE", "PUBLISH", "OPTIONS" ... */
	const char *ruri;	/* Request-URI; To is the same URI */
	/* extra headers, e.g. Event, Expires, SIP-If-Match (not Via, From, To,
	 * Call-ID, CSeq, Content-Length, Content-Type: the UAC sets those) */
	const struct sip_header *hdrs;
	size_t n_hdrs;
	const char *content_type; /* NULL: no Content-Type */
	const void *body;		  /* may be NULL */
	size_t body_len;
};

struct sip_resp
{
	int status;
	char reason[128];
	osip_message_t *msg; /* the parsed final response */
	/* every header of msg, in libosip2's order and spelling ("Sip-etag"
	 * for SIP-ETag: compare names case-insensitively); owned */
	struct sip_header *hdrs;
	size_t n_hdrs;
};

/*
 * Send req (one non-INVITE client transaction per attempt), authenticate
 * once on 401/407, return the final response. 0 with *resp filled (any
 * final status, caller decides), or -1 with a message in err saying what
 * failed and what to do (unreachable proxy, timer F, auth failed twice,
 * unparseable answer, a challenge but no password). On -1 *resp holds
 * nothing to free (sip_resp_free is harmless).
 */
int sip_uac_request(const struct sip_uac_cfg *c, const struct sip_req *req,
		struct sip_resp *resp, char *err, size_t err_size);

/* first value of a header, NULL if absent (case-insensitive; SIP-ETag,
 * Expires, Retry-After...) */
const char *sip_resp_header(const struct sip_resp *r, const char *name);

/* URI (without <>) of the Call-Info entry whose purpose param equals
 * purpose (the AS sends "<https://H/grants/GID>;purpose=p2pcd-grant,
 * <sip:DOI@D>;purpose=p2pcd-content"), malloc'ed, or NULL */
char *sip_resp_call_info(const struct sip_resp *r, const char *purpose);

void sip_resp_free(struct sip_resp *r);

#endif
