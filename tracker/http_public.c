/* Public announce/scrape listener on libmicrohttpd: see http_public.h. */
#include "http_public.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announce.h"
#include "close_reply.h"
#include "cpu_steer.h"
#include "license.h"
#include "log.h"
#include "tamper.h"
#include "tamper_req.h"

#define ANNOUNCE_PREFIX "/announce"
#define SCRAPE_PREFIX "/scrape"
#define LICENSE_PATH "/license"
#define REPORT_PREFIX "/report"

/* per request, made from the raw URI before libmicrohttpd unescapes it */
struct req
{
	int route; /* 0 unknown, 1 announce, 2 scrape, 3 license, 4 report */
	int calls;
	int parse_rc;
	const char *why;
	struct tq q;
	unsigned lic_err; /* 405 or 413 found while reading a license request */
	struct license_job job;
	char *rbody; /* a bad-piece report's body (TREQ_MAX_BODY) */
	size_t rbody_len;
	unsigned rep_err; /* 405 or 413 found while reading a report */
};

static int prefix_route(const char *path, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	if(len < n || memcmp(path, prefix, n) != 0)
		return 0;
	return len == n || path[n] == '/';
}

static void *uri_cb(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct worker *w = cls;
	struct req *r = malloc(sizeof(*r));
	const char *qm;
	size_t plen;

	(void)con;
	if(!r)
		return NULL;
	r->calls = 0;
	r->route = 0;
	r->lic_err = 0;
	memset(&r->job, 0, sizeof(r->job));
	r->rbody = NULL;
	r->rbody_len = 0;
	r->rep_err = 0;
	qm = strchr(uri, '?');
	plen = qm ? (size_t)(qm - uri) : strlen(uri);
	if(prefix_route(uri, plen, ANNOUNCE_PREFIX))
		r->route = 1;
	else if(prefix_route(uri, plen, SCRAPE_PREFIX))
		r->route = 2;
	else if(w->t->cfg.lic.enabled && plen == strlen(LICENSE_PATH)
			&& memcmp(uri, LICENSE_PATH, plen) == 0) {
		r->route = 3;
		return r;
	} else if(w->t->cfg.tamper.enabled
			  && prefix_route(uri, plen, REPORT_PREFIX)) {
		r->route = 4;
		return r;
	}
	if(r->route)
		r->parse_rc = tq_parse(qm ? qm + 1 : "", qm ? strlen(qm + 1) : 0,
				r->route == 1 ? TQ_ANNOUNCE : TQ_SCRAPE, &r->q, &r->why);
	return r;
}

/* the query is parsed raw in uri_cb; unescaping it again is wasted work
 * (and a base64url token in the path has nothing to unescape) */
static size_t unescape_none(void *cls, struct MHD_Connection *con, char *s)
{
	(void)cls;
	(void)con;
	return strlen(s);
}

static void completed_cb(void *cls, struct MHD_Connection *con, void **req_cls,
		enum MHD_RequestTerminationCode toe)
{
	struct req *r = *req_cls;

	(void)cls;
	(void)con;
	(void)toe;
	if(r) {
		free(r->job.auth);
		free(r->job.body);
		free(r->job.resp);
		free(r->rbody);
	}
	free(r);
	*req_cls = NULL;
}

static enum MHD_Result send_body(struct MHD_Connection *con, unsigned status,
		uint8_t *body, size_t len, const char *ctype)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if(!body)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if(!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if(strcmp(ctype, "application/json") == 0) {
		/* license answers: keys must not be cached anywhere */
		MHD_add_response_header(
				resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
		if(status == MHD_HTTP_UNAUTHORIZED)
			MHD_add_response_header(
					resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
		if(status == MHD_HTTP_METHOD_NOT_ALLOWED)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST");
	}
	ret = MHD_queue_response(con, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* the worker's answer; the body goes to libmicrohttpd */
static enum MHD_Result send_lic_answer(
		struct MHD_Connection *con, struct license_job *j)
{
	uint8_t *b = (uint8_t *)j->resp;

	j->resp = NULL;
	license_count(j->status);
	return send_body(con, j->status, b, j->resp_len, "application/json");
}

static enum MHD_Result send_text(
		struct MHD_Connection *con, unsigned status, const char *text)
{
	size_t len = strlen(text);
	uint8_t *b = malloc(len);

	if(!b)
		return MHD_NO;
	memcpy(b, text, len);
	return send_body(con, status, b, len, "text/plain");
}

/* the token: the path segment after the prefix (base64url needs no
 * unescaping, so libmicrohttpd's decoded url is the raw token) */
static void token_of(
		const char *url, const char *prefix, const char **tok, size_t *len)
{
	const char *p = url + strlen(prefix);

	if(*p == '/')
		p++;
	*tok = p;
	*len = strlen(p);
}

/* the JSON error answer of status (405, 413) */
static enum MHD_Result send_lic_error(
		struct MHD_Connection *con, struct req *r, unsigned status)
{
	struct license_job *j = &r->job;

	if(status == MHD_HTTP_METHOD_NOT_ALLOWED)
		license_error(j, status, "method_not_allowed", "use POST");
	else
		license_error(j, status, "too_large", "the request body is too large");
	return send_lic_answer(con, j);
}

static void peer_of(struct MHD_Connection *con, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	out[0] = '\0';
	if(sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
				(socklen_t)size);
	else if(sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
				(socklen_t)size);
}

/*
 * POST /license: collect the body (at most license.max_body bytes), then
 * suspend the connection and hand it to a license worker, which resumes
 * it with the answer: this announce thread never waits for the database.
 */
static enum MHD_Result license_access(struct worker *w, struct req *r,
		struct MHD_Connection *con, const char *method, const char *upload_data,
		size_t *upload_data_size)
{
	struct license_job *j = &r->job;
	size_t max = (size_t)w->t->cfg.lic.max_body, n = *upload_data_size;
	const char *v;

	if(r->calls++ == 0) {
		if(strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			r->lic_err = MHD_HTTP_METHOD_NOT_ALLOWED;
		v = MHD_lookup_connection_value(
				con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		/* refused before the body is sent (or read) at all */
		if(!r->lic_err && v && strtoull(v, NULL, 10) > max)
			return send_lic_error(con, r, MHD_HTTP_CONTENT_TOO_LARGE);
		return MHD_YES;
	}
	if(n) {
		*upload_data_size = 0;
		if(r->lic_err)
			return MHD_YES;
		if(j->body_len + n > max) {
			r->lic_err = MHD_HTTP_CONTENT_TOO_LARGE;
			return MHD_YES;
		}
		if(!j->body && !(j->body = malloc(max)))
			return MHD_NO;
		memcpy(j->body + j->body_len, upload_data, n);
		j->body_len += n;
		return MHD_YES;
	}
	if(j->resp) /* resumed by the worker */
		return send_lic_answer(con, j);
	if(r->lic_err)
		return send_lic_error(con, r, r->lic_err);
	v = MHD_lookup_connection_value(
			con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if(v && strlen(v) <= P2PCD_JWS_MAX_LEN + 32 && !(j->auth = strdup(v)))
		return MHD_NO;
	peer_of(con, j->peer, sizeof(j->peer));
	j->con = con;
	MHD_suspend_connection(con);
	if(license_submit(j))
		MHD_resume_connection(con);
	return MHD_YES;
}

/*
 * POST /report/TOKEN (tamper.h): the body (at most TREQ_MAX_BODY bytes)
 * is collected, then handled on this thread: no database on the way, the
 * report is queued for the DB thread. The answer is JSON.
 */
static enum MHD_Result report_access(struct worker *w, struct req *r,
		struct MHD_Connection *con, const char *url, const char *method,
		const char *upload_data, size_t *upload_data_size)
{
	struct MHD_Response *resp;
	struct tamper_reply rep;
	const char *tok, *v;
	size_t tok_len, n = *upload_data_size;
	enum MHD_Result ret;
	char ra[16];

	if(r->calls++ == 0) {
		if(strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			r->rep_err = MHD_HTTP_METHOD_NOT_ALLOWED;
		v = MHD_lookup_connection_value(
				con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if(!r->rep_err && v && strtoull(v, NULL, 10) > TREQ_MAX_BODY)
			r->rep_err = MHD_HTTP_CONTENT_TOO_LARGE;
		return MHD_YES;
	}
	if(n) {
		*upload_data_size = 0;
		if(r->rep_err)
			return MHD_YES;
		if(r->rbody_len + n > TREQ_MAX_BODY) {
			r->rep_err = MHD_HTTP_CONTENT_TOO_LARGE;
			return MHD_YES;
		}
		if(!r->rbody && !(r->rbody = malloc(TREQ_MAX_BODY)))
			return MHD_NO;
		memcpy(r->rbody + r->rbody_len, upload_data, n);
		r->rbody_len += n;
		return MHD_YES;
	}
	token_of(url, REPORT_PREFIX, &tok, &tok_len);
	tamper_handle(w, tok, tok_len, r->rbody ? r->rbody : "", r->rbody_len,
			r->rep_err, &rep);
	if(!rep.body)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(
			rep.len, rep.body, MHD_RESPMEM_MUST_FREE);
	if(!resp) {
		free(rep.body);
		return MHD_NO;
	}
	MHD_add_response_header(
			resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if(rep.status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST");
	if(rep.retry_after > 0) {
		snprintf(ra, sizeof(ra), "%d", rep.retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	ret = MHD_queue_response(con, rep.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* libmicrohttpd closes the connection after this request's reply */
static int closing(struct MHD_Connection *con, const char *version)
{
	return close_reply_wanted(
			version, MHD_lookup_connection_value(
							 con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONNECTION));
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *con,
		const char *url, const char *method, const char *version,
		const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	struct worker *w = cls;
	struct req *r = *req_cls;
	struct request_in in;
	const union MHD_ConnectionInfo *ci;
	uint8_t *body;
	size_t len;

	if(!r)
		return MHD_NO;
	if(r->route == 3)
		return license_access(w, r, con, method, upload_data, upload_data_size);
	if(r->route == 4)
		return report_access(
				w, r, con, url, method, upload_data, upload_data_size);
	/* queueing on the first call makes libmicrohttpd close the
	 * connection after the reply: answer on the second */
	if(r->calls++ == 0)
		return MHD_YES;
	if(*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if(!r->route) {
		counter_inc(&w->not_found);
		return send_text(con, MHD_HTTP_NOT_FOUND, "not found\n");
	}
	if(strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return send_text(
				con, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	memset(&in, 0, sizeof(in));
	in.kind = r->route == 1 ? TQ_ANNOUNCE : TQ_SCRAPE;
	token_of(url, r->route == 1 ? ANNOUNCE_PREFIX : SCRAPE_PREFIX, &in.token,
			&in.token_len);
	in.q = r->parse_rc == 0 ? &r->q : NULL;
	in.parse_error = r->why;
	ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	in.peer = ci ? ci->client_addr : NULL;
	body = tracker_handle(w, &in, &len);
	if(body && closing(con, version)
			&& (ci = MHD_get_connection_info(
						con, MHD_CONNECTION_INFO_CONNECTION_FD))
			&& close_reply_send(ci->connect_fd, body, len) <= 0) {
		free(body);
		/* answered: libmicrohttpd only closes the socket now */
		return MHD_NO;
	}
	/* refusals are HTTP 200 too: clients read failure reason only then */
	return send_body(con, MHD_HTTP_OK, body, len, "text/plain");
}

int http_sockaddr(const char *addr, uint16_t port, struct sockaddr_storage *ss,
		int *is_v6)
{
	memset(ss, 0, sizeof(*ss));
	if(strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*is_v6 = 1;
		return inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	*is_v6 = 0;
	return inet_pton(AF_INET, addr, &s4->sin_addr) == 1 ? 0 : -1;
}

/* the listener wakes up when a request's first bytes are in, not at the
 * end of the handshake: one wake-up per connection fewer (clients send
 * the announce as soon as they are connected) */
static void defer_accept(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *di;
	int secs = 1;

	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
	if(di == NULL
			|| setsockopt(di->listen_fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs,
					   sizeof(secs))
					   < 0)
		LOG_W("TCP_DEFER_ACCEPT not set on the announce listener");
}

/* listen.cpu_affinity: worker i gets the i-th CPU this process may use,
 * when there is one for each worker (else its cpu stays -1, as set by
 * init_workers); 1 if the workers are to be pinned */
static int pin_plan(struct tracker *t)
{
	int cpus[CPU_SETSIZE], n = 0, i;

	if(t->cfg.cpu_affinity)
		n = cpu_steer_cpus(cpus, CPU_SETSIZE);
	if(!t->cfg.cpu_affinity || n < t->n_workers) {
		if(t->cfg.cpu_affinity)
			LOG_I("listen.cpu_affinity: %d CPU(s) for %d announce "
				  "threads, not pinned",
					n, t->n_workers);
		return 0;
	}
	for(i = 0; i < t->n_workers; i++)
		t->workers[i].cpu = cpus[i];
	return 1;
}

/* after the workers started pinned: threads started later (index, admin)
 * get this process's whole mask again; connections go to the worker of
 * their CPU, which the kernel can do when the workers' CPUs are
 * consecutive (the reuseport group's sockets are in worker order) */
static void steer(struct tracker *t)
{
	const union MHD_DaemonInfo *di;
	int i, base = t->workers[0].cpu;

	cpu_steer_unpin();
	for(i = 1; i < t->n_workers; i++)
		if(t->workers[i].cpu != base + i) {
			LOG_I("announce workers pinned to CPUs %d.., not consecutive: "
				  "connections not steered by CPU",
					base);
			return;
		}
	di = MHD_get_daemon_info(t->workers[0].mhd, MHD_DAEMON_INFO_LISTEN_FD);
	if(!di || cpu_steer_attach(di->listen_fd, base)) {
		LOG_W("announce workers pinned, but connections not steered by CPU");
		return;
	}
	LOG_I("announce workers pinned to CPUs %d-%d, connections steered by "
		  "CPU",
			base, base + t->n_workers - 1);
}

int http_public_start(struct tracker *t)
{
	const struct tracker_config *c = &t->cfg;
	struct sockaddr_storage ss;
	int i, v6, pin;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD
					 | MHD_USE_TURBO | MHD_USE_SUPPRESS_DATE_NO_CLOCK;

	if(http_sockaddr(c->listen_address, c->listen_port, &ss, &v6)) {
		LOG_E("listen.address %s: not an IP address", c->listen_address);
		return -1;
	}
	/* "::" serves IPv4 too (v4-mapped), any other v6 address only v6 */
	if(c->lic.enabled)
		flags |= MHD_ALLOW_SUSPEND_RESUME;
	if(v6)
		flags |= strcmp(c->listen_address, "::") == 0 ? MHD_USE_DUAL_STACK
													  : MHD_USE_IPv6;
	pin = pin_plan(t);
	for(i = 0; i < t->n_workers; i++) {
		struct worker *w = &t->workers[i];

		if(pin && cpu_steer_pin(w->cpu)) {
			LOG_W("cannot pin announce worker %d to CPU %d: it and the "
				  "next are not pinned",
					i, w->cpu);
			pin = 0;
			cpu_steer_unpin();
			for(int j = i; j < t->n_workers; j++)
				t->workers[j].cpu = -1;
		}
		w->mhd = MHD_start_daemon(flags, c->listen_port, NULL, NULL, access_cb,
				w, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
				MHD_OPTION_URI_LOG_CALLBACK, uri_cb, w,
				MHD_OPTION_NOTIFY_COMPLETED, completed_cb, w,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, NULL,
				MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)(c->connection_limit / t->n_workers + 1),
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->connection_timeout,
				/* 0: unlimited (libmicrohttpd's default) */
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)c->per_ip_limit,
				MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
				/* libmicrohttpd zeroes the pool per request: keep it
				 * small (an announce with a 4 KiB token still fits) */
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)12288,
				MHD_OPTION_END);
		if(!w->mhd) {
			LOG_E("cannot listen on %s port %u (worker %d)", c->listen_address,
					c->listen_port, i);
			cpu_steer_unpin();
			return -1;
		}
		defer_accept(w->mhd);
	}
	if(pin)
		steer(t);
	LOG_I("announce listener on %s port %u, %d worker(s)", c->listen_address,
			c->listen_port, t->n_workers);
	return 0;
}

void http_public_stop(struct tracker *t)
{
	int i;

	for(i = 0; i < t->n_workers; i++) {
		if(t->workers[i].mhd)
			MHD_stop_daemon(t->workers[i].mhd);
		t->workers[i].mhd = NULL;
	}
}
