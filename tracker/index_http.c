/* The index role's HTTPS listener and routes: see index_http.h. */
#include "index_http.h"

#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "http_public.h"
#include "index_db.h"
#include "index_grant.h"
#include "index_page.h"
#include "log.h"
#include "sbuf.h"

#define PEM_MAX (1 << 20)
#define RETRY_AFTER "5"
#define GRANTS_PREFIX "/grants/"
#define TORRENT_SUFFIX "/torrent"

enum route
{
	R_PAGE,
	R_JSON,
	R_GRANT,
	R_TORRENT,
	R_OTHER,
	R_COUNT
};
static const char *const route_names[R_COUNT] = {
		"page", "content_json", "grant", "torrent", "other"};
static const unsigned statuses[] = {200, 400, 403, 404, 405, 410, 500, 503};
#define N_STATUS (sizeof(statuses) / sizeof(statuses[0]))
static _Atomic unsigned long long answers[R_COUNT][N_STATUS];

static struct
{
	const struct tracker_config *cfg;
	struct MHD_Daemon *mhd;
	char *cert, *key; /* PEM, kept until the daemon stops */
	size_t key_len;
} X;

static void count(enum route r, unsigned status)
{
	size_t i;

	for(i = 0; i < N_STATUS; i++)
		if(statuses[i] == status)
			atomic_fetch_add_explicit(&answers[r][i], 1, memory_order_relaxed);
}

void index_metrics(struct sbuf *b)
{
	size_t r, i;

	sbuf_puts(b, "# HELP p2pcd_tracker_index_requests_total Content index "
				 "requests answered, by route and HTTP status.\n"
				 "# TYPE p2pcd_tracker_index_requests_total counter\n");
	for(r = 0; r < R_COUNT; r++)
		for(i = 0; i < N_STATUS; i++)
			sbuf_printf(b,
					"p2pcd_tracker_index_requests_total{route=\"%s\","
					"status=\"%u\"} %llu\n",
					route_names[r], statuses[i], atomic_load(&answers[r][i]));
}

/* headers every answer gets; grants are capability URLs: never cached,
 * never leaked in a Referer */
static void common_headers(struct MHD_Response *resp, enum route r)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=300");
	if(r == R_GRANT || r == R_TORRENT) {
		MHD_add_response_header(
				resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	} else
		MHD_add_response_header(
				resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
}

/* body (malloc'ed, taken) as the answer */
static enum MHD_Result answer(struct MHD_Connection *con, enum route r,
		unsigned status, char *body, size_t len, const char *ctype,
		const char *disposition)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if(!body) {
		count(r, 500);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if(!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	common_headers(resp, r);
	if(disposition)
		MHD_add_response_header(
				resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disposition);
	if(status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, RETRY_AFTER);
	if(status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if(r == R_PAGE)
		MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'none'; style-src 'unsafe-inline'");
	count(r, status);
	ret = MHD_queue_response(con, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* {"error": CODE, "message": MSG} */
static enum MHD_Result send_error(struct MHD_Connection *con, enum route r,
		unsigned status, const char *code, const char *msg)
{
	json_t *o = json_pack("{s:s, s:s}", "error", code, "message", msg);
	char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	size_t len = body ? strlen(body) : 0;

	json_decref(o);
	if(status >= 500)
		LOG_W("index: %s: %u %s", route_names[r], status, code);
	return answer(con, r, status, body, len, "application/json", NULL);
}

static enum MHD_Result unavailable(struct MHD_Connection *con, enum route r)
{
	return send_error(con, r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
			"the content database is unavailable: retry in " RETRY_AFTER
			" seconds");
}

static enum MHD_Result catalog(struct MHD_Connection *con, enum route r)
{
	struct idx_catalog c;
	const char *dom = X.cfg->idx.content_domain;
	struct sbuf b;
	char *body;

	if(idx_db_catalog(&c))
		return unavailable(con, r);
	if(r == R_JSON) {
		body = idx_render_json(c.items, c.n, dom);
		idx_catalog_free(&c);
		return answer(con, r, MHD_HTTP_OK, body, body ? strlen(body) : 0,
				"application/json", NULL);
	}
	sbuf_init(&b);
	idx_render_page(&b, c.items, c.n, dom, (int64_t)time(NULL));
	idx_catalog_free(&c);
	if(b.oom) {
		sbuf_free(&b);
		b.p = NULL;
	}
	return answer(
			con, r, MHD_HTTP_OK, b.p, b.len, "text/html; charset=utf-8", NULL);
}

struct idx_refusal
{
	unsigned status;
	const char *code, *msg;
};

/* the grant's refusal (its expiry, its content's state): 1, or 0 if none */
static int refusal_of(const struct idx_grant_row *row, struct idx_refusal *rf)
{
	const char *st = row->g.state;

	if(row->expired)
		*rf = (struct idx_refusal){MHD_HTTP_GONE, "expired",
				"this grant has expired: buy the content again (p2pcd buy "
				"SIP-URI) for a new one"};
	else if(strcmp(st, "muted") == 0)
		*rf = (struct idx_refusal){MHD_HTTP_GONE, "muted",
				"the operator has muted this content: it cannot be fetched "
				"now"};
	else if(strcmp(st, "pending") == 0 && strcmp(row->g.role, "seed") != 0)
		*rf = (struct idx_refusal){MHD_HTTP_FORBIDDEN, "not_open",
				"this content awaits review and is not open to buyers yet: "
				"retry later"};
	else if(strcmp(st, "active") != 0 && strcmp(st, "pending") != 0)
		*rf = (struct idx_refusal){MHD_HTTP_GONE, "removed",
				"this content was removed from the catalog"};
	else
		return 0;
	return 1;
}

static enum MHD_Result grant(
		struct MHD_Connection *con, enum route r, const char *gid, size_t len)
{
	struct idx_grant_row row;
	struct idx_refusal rf;
	const struct index_config *ic = &X.cfg->idx;
	char gidz[23], name[160], *announce, *body, *disp = NULL;
	enum idx_torrent_err te;
	enum MHD_Result ret;
	uint8_t *t = NULL;
	size_t tl = 0;
	int rc;

	if(!idx_grant_id_valid(gid, len))
		return send_error(con, r, MHD_HTTP_BAD_REQUEST, "bad_grant_id",
				"a grant id is exactly 22 characters of A-Z a-z 0-9 _ -: use "
				"the URL of the Call-Info header unchanged");
	memcpy(gidz, gid, len);
	gidz[len] = '\0';
	rc = idx_db_grant(gidz, &row);
	if(rc == -2) {
		idx_grant_row_free(&row);
		return send_error(con, r, MHD_HTTP_INTERNAL_SERVER_ERROR,
				"bad_grant_row",
				"this grant's tokens cannot be rebuilt from its row: the "
				"index's log says why");
	}
	if(rc < 0)
		return unavailable(con, r);
	if(rc == 0) {
		idx_grant_row_free(&row);
		return send_error(con, r, MHD_HTTP_NOT_FOUND, "not_found",
				"no such grant: check the URL, or buy the content (p2pcd buy "
				"SIP-URI) to get one");
	}
	if(refusal_of(&row, &rf)) {
		idx_grant_row_free(&row);
		return send_error(con, r, rf.status, rf.code, rf.msg);
	}
	announce = idx_announce_url(row.g.tracker_url, row.g.adm_token);
	te = !row.torrent ? IDX_T_BENCODE
		 : !announce  ? IDX_T_NOMEM
					 : idx_torrent_build(row.torrent, row.torrent_len, announce,
							 row.g.info_hash, &t, &tl, name, sizeof(name));
	free(announce);
	if(te != IDX_T_OK) {
		LOG_E("index: grant %s: the stored torrent of %s is %s", gidz,
				row.g.doi,
				te == IDX_T_MISMATCH ? "not the registered info-hash's"
									 : "missing or invalid");
		idx_grant_row_free(&row);
		return send_error(con, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
				"the content's torrent is missing or invalid: tell the "
				"operator");
	}
	if(r == R_TORRENT) {
		idx_grant_row_free(&row);
		if(asprintf(&disp, "attachment; filename=\"%s.torrent\"", name) < 0)
			disp = NULL;
		ret = disp ? answer(con, r, MHD_HTTP_OK, (char *)t, tl,
					  "application/x-bittorrent", disp)
				   : (free(t), MHD_NO);
		free(disp);
		return ret;
	}
	body = idx_grant_json(
			&row.g, ic->public_url, ic->content_domain, ic->license_url, t, tl);
	free(t);
	idx_grant_row_free(&row);
	return answer(con, r, MHD_HTTP_OK, body, body ? strlen(body) : 0,
			"application/json", NULL);
}

static enum route route_of(const char *url, const char **gid, size_t *len)
{
	size_t n = strlen(url), pl = strlen(GRANTS_PREFIX),
		   sl = strlen(TORRENT_SUFFIX);

	if(strcmp(url, "/") == 0)
		return R_PAGE;
	if(strcmp(url, "/content.json") == 0)
		return R_JSON;
	if(n < pl || memcmp(url, GRANTS_PREFIX, pl) != 0)
		return R_OTHER;
	*gid = url + pl;
	*len = n - pl;
	if(*len > sl && strcmp(url + n - sl, TORRENT_SUFFIX) == 0) {
		*len -= sl;
		return R_TORRENT;
	}
	return R_GRANT;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *con,
		const char *url, const char *method, const char *version,
		const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	static int seen;
	const char *gid = NULL;
	size_t len = 0;
	enum route r = route_of(url, &gid, &len);

	(void)cls;
	(void)version;
	(void)upload_data;
	if(strcmp(method, MHD_HTTP_METHOD_GET) != 0
			&& strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		/* answered before any body is read: the connection closes */
		return send_error(con, r, MHD_HTTP_METHOD_NOT_ALLOWED,
				"method_not_allowed", "use GET (or HEAD)");
	/* queueing on the first call makes libmicrohttpd close the
	 * connection after the reply: answer on the second */
	if(!*req_cls) {
		*req_cls = &seen;
		return MHD_YES;
	}
	if(*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	switch(r) {
		case R_PAGE:
		case R_JSON:
			return catalog(con, r);
		case R_GRANT:
		case R_TORRENT:
			return grant(con, r, gid, len);
		default:
			return send_error(con, r, MHD_HTTP_NOT_FOUND, "not_found",
					"no such page: the index is at /, its JSON at "
					"/content.json, grants at /grants/GRANT-ID");
	}
}

static void __attribute__((format(printf, 2, 0)))
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while(n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	LOG_D("index: libmicrohttpd: %s", msg);
}

/* the whole file, NUL-terminated (libmicrohttpd wants C strings) */
static char *read_pem(const char *what, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if(!f) {
		LOG_E("index.%s: %s: %s", what, path, strerror(errno));
		return NULL;
	}
	buf = malloc(PEM_MAX + 1);
	n = buf ? fread(buf, 1, PEM_MAX + 1, f) : 0;
	fclose(f);
	if(!buf || n == 0 || n > PEM_MAX) {
		LOG_E("index.%s: %s: empty, unreadable or over %d bytes", what, path,
				PEM_MAX);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int index_start(struct tracker *t)
{
	const struct index_config *c = &t->cfg.idx;
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD
					 | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	size_t cl;
	int v6;

	X.cfg = &t->cfg;
	if(!c->enabled)
		return 0;
	if(MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		LOG_E("index: this libmicrohttpd has no TLS support");
		return -1;
	}
	if(http_sockaddr(c->address, c->port, &ss, &v6)) {
		LOG_E("index.address %s: not an IP address", c->address);
		return -1;
	}
	if(v6)
		flags |= strcmp(c->address, "::") == 0 ? MHD_USE_DUAL_STACK
											   : MHD_USE_IPv6;
	X.cert = read_pem("tls_cert_file", c->tls_cert_file, &cl);
	X.key = X.cert ? read_pem("tls_key_file", c->tls_key_file, &X.key_len)
				   : NULL;
	if(!X.key || idx_db_setup(&t->cfg))
		return -1;
	X.mhd = MHD_start_daemon(flags, c->port, NULL, NULL, access_cb, NULL,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			MHD_OPTION_HTTPS_MEM_CERT, X.cert, MHD_OPTION_HTTPS_MEM_KEY, X.key,
			MHD_OPTION_THREAD_POOL_SIZE, (unsigned)c->threads,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	if(!X.mhd) {
		LOG_E("index: cannot listen on %s port %u (TLS): check the address "
			  "and that tls_cert_file/tls_key_file are a matching PEM pair",
				c->address, c->port);
		return -1;
	}
	LOG_I("index listener on https://%s:%u, %d thread(s), public_url %s",
			c->address, c->port, c->threads, c->public_url);
	return 0;
}

void index_stop(void)
{
	if(X.mhd) {
		/* joins the pool threads: each closes its DB connection */
		MHD_stop_daemon(X.mhd);
		X.mhd = NULL;
		LOG_I("index listener stopped");
	}
	idx_db_teardown();
	if(X.key)
		sodium_memzero(X.key, X.key_len);
	free(X.key);
	free(X.cert);
	X.key = X.cert = NULL;
}
