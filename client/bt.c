/*
 * The BitTorrent transfer engine: aria2c over JSON-RPC (see bt.h).
 *
 * aria2c's JSON-RPC has no field for tracker errors, so its log is read
 * as it grows: "Tracker returned failure reason: ..." lines are the
 * tracker's refusals, and the announce requests it logs (level info)
 * carry the uploaded/downloaded totals the tracker was told.
 *
 * Bad pieces: aria2c verifies every piece and logs (level info) one that
 * fails its hash as "CUID#N - we got wrong piece. index=I". CUID N is the
 * peer connection; its other lines name the peer: "CUID#N - Connecting
 * to IP:PORT" (we dialled it), "CUID#N - From: IP:PORT ..." / "To: ..."
 * (IP:PORT is the socket's, for an incoming connection the peer's
 * ephemeral port until its extended handshake says "tcpPort=P", which
 * aria2c then uses, and so do we). Each offending IP:PORT is reported
 * to the tracker (POST /report/TOKEN, the torrent's announce URL with
 * /announce/ made /report/) at its first bad piece and again each time
 * its count doubles.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "bt.h"
#include "cli.h"
#include "p2pcd/bencode.h"
#include "p2pcd/infohash.h"
#include "progress.h"

#define TORRENT_MAX (16u << 20)
#define RPC_BODY_MAX (1u << 20)
#define LINE_MAX_LEN 8192
#define POLL_MS 500
#define STOP_WAIT_MS 15000
#define START_WAIT_MS 10000
#define FINISH_WAIT_MS 5000
#define RPC_FAILS_MAX 20 /* consecutive failed polls (10 s) = failed */
#define CUID_SLOTS 128	 /* peer connections remembered (most recent) */
#define BAD_SLOTS 64	 /* offending peers remembered */
#define REPORT_TIMEOUT_MS 3000

struct cuid_addr
{
	long cuid; /* 0: free */
	char ip[48];
	int port;
};

struct bad_peer
{
	char ip[48];
	int port;
	int strikes;  /* pieces that failed the hash check */
	int reported; /* strikes already reported */
};

struct bt_session
{
	pid_t pid;
	int exited, exit_status;
	int seed;
	int rpc_port;
	char secret[33];
	char gid[32];
	char url[64];
	CURL *curl;
	char conf_path[64]; /* holds the rpc secret; removed once aria2c runs */
	char *log_path;
	int log_tmp; /* our temporary log: removed at stop */
	off_t log_off;
	char line[LINE_MAX_LEN];
	size_t line_len;
	int line_skip;	 /* the current line is too long: drop it */
	int in_trk_fail; /* lines after "Tracker request ... failed" */
	char trk_err[256];
	int trk_refused;
	int64_t ann_up, ann_down;
	int ann_stopped;
	int64_t t0_ms;
	int64_t prev_completed;
	int prev_peers;
	int64_t downloaded;
	int rpc_fails;
	int finished; /* aria2c's status is "complete": the download is over */
	struct bt_status last;
	/* bad-piece reports */
	int no_report;
	char *report_url; /* holds the admission token: never logged */
	char ih_hex[41];
	CURL *rcurl;
	struct cuid_addr cuids[CUID_SLOTS];
	unsigned cuid_next;
	struct bad_peer bad[BAD_SLOTS];
	int n_bad;
	int bad_pieces, reports;
};

static int curl_refs;

/* signals: cli_catch_stop (cli.h), from the first bt_start on */
int bt_interrupted(void)
{
	return cli_interrupted();
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* sleeps ms unless a signal arrives */
static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void set_err(char *err, size_t size, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	if(!err || !size)
		return;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

/* ---- aria2c's log ---- */

/* the message of "...errorCode=N MESSAGE" */
static const char *after_code(const char *l)
{
	const char *p = strstr(l, "errorCode=");

	if(!p)
		return NULL;
	p += strlen("errorCode=");
	while(*p >= '0' && *p <= '9')
		p++;
	while(*p == ' ')
		p++;
	return p;
}

static int64_t query_num(const char *l, const char *key)
{
	const char *p = strstr(l, key);

	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

/* ---- bad pieces ---- */

/* "IP:PORT" (also "[IPv6]:PORT") at p, up to a space; 0 or -1 */
static int parse_addr(const char *p, char *ip, size_t ip_size, int *port)
{
	size_t n = strcspn(p, " ,");
	const char *colon;
	char *end;
	long v;

	if(n == 0 || n >= ip_size + 8)
		return -1;
	colon = p + n;
	while(colon > p && colon[-1] != ':')
		colon--;
	if(colon <= p + 1)
		return -1;
	v = strtol(colon, &end, 10);
	if(end != p + n || v < 1 || v > 65535)
		return -1;
	n = (size_t)(colon - 1 - p);
	if(n >= 2 && p[0] == '[' && p[n - 1] == ']') {
		p++;
		n -= 2;
	}
	if(n == 0 || n >= ip_size)
		return -1;
	memcpy(ip, p, n);
	ip[n] = '\0';
	*port = (int)v;
	return 0;
}

static struct cuid_addr *cuid_find(struct bt_session *s, long cuid, int add)
{
	struct cuid_addr *c;
	unsigned i;

	for(i = 0; i < CUID_SLOTS; i++)
		if(s->cuids[i].cuid == cuid)
			return &s->cuids[i];
	if(!add)
		return NULL;
	c = &s->cuids[s->cuid_next++ % CUID_SLOTS]; /* the oldest goes */
	memset(c, 0, sizeof(*c));
	c->cuid = cuid;
	return c;
}

static size_t on_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* POST one report; 1 if the tracker accepted it */
static int report_send(
		struct bt_session *s, const struct bad_peer *b, long piece, int count)
{
	char body[256];
	struct curl_slist *h = NULL;
	long status = 0;
	CURLcode cc;

	if(!s->rcurl && !(s->rcurl = curl_easy_init()))
		return 0;
	snprintf(body, sizeof(body),
			"info_hash=%s&ip=%s&port=%d&piece=%ld&count=%d", s->ih_hex, b->ip,
			b->port, piece, count);
	h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded");
	curl_easy_reset(s->rcurl);
	curl_easy_setopt(s->rcurl, CURLOPT_URL, s->report_url);
	curl_easy_setopt(s->rcurl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(s->rcurl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(s->rcurl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(s->rcurl, CURLOPT_WRITEFUNCTION, on_discard);
	curl_easy_setopt(s->rcurl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(s->rcurl, CURLOPT_TIMEOUT_MS, (long)REPORT_TIMEOUT_MS);
	curl_easy_setopt(s->rcurl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->rcurl, CURLOPT_USERAGENT, "p2pcd");
	cc = curl_easy_perform(s->rcurl);
	if(cc == CURLE_OK)
		curl_easy_getinfo(s->rcurl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	return cc == CURLE_OK && status == 200;
}

/* a piece from connection cuid failed the hash check */
static void bad_piece(struct bt_session *s, long cuid, long piece)
{
	struct cuid_addr *c = cuid_find(s, cuid, 0);
	struct bad_peer *b = NULL;
	int i;

	s->bad_pieces++;
	if(!c || !c->ip[0])
		return; /* no address seen for it: nothing to report */
	for(i = 0; i < s->n_bad; i++)
		if(s->bad[i].port == c->port && !strcmp(s->bad[i].ip, c->ip))
			b = &s->bad[i];
	if(!b) {
		if(s->n_bad == BAD_SLOTS)
			return;
		b = &s->bad[s->n_bad++];
		memset(b, 0, sizeof(*b));
		memcpy(b->ip, c->ip, sizeof(b->ip));
		b->port = c->port;
	}
	b->strikes++;
	/* at the first strike, then each time the count doubles; one not
	 * taken (tracker down, rate limit) is tried again at the next */
	if(s->no_report || !s->report_url
			|| (b->reported && b->strikes < 2 * b->reported))
		return;
	if(report_send(s, b, piece, b->strikes - b->reported)) {
		s->reports++;
		b->reported = b->strikes;
	}
}

/* "CUID#N - ..." lines about peer connections; 1 if l was one */
static int peer_line(struct bt_session *s, const char *l)
{
	static const char wrong[] = "we got wrong piece. index=";
	const char *p = strstr(l, "CUID#"), *m;
	struct cuid_addr *c;
	char ip[48];
	long cuid;
	int port;
	char *end;

	if(!p)
		return 0;
	cuid = strtol(p + 5, &end, 10);
	if(cuid <= 0 || strncmp(end, " - ", 3) != 0)
		return 0;
	m = end + 3;
	if(!strncmp(m, wrong, sizeof(wrong) - 1)) {
		bad_piece(s, cuid, strtol(m + sizeof(wrong) - 1, NULL, 10));
		return 1;
	}
	if(!strncmp(m, "Connecting to ", 14))
		m += 14;
	else if(!strncmp(m, "From: ", 6))
		m += 6;
	else if(!strncmp(m, "To: ", 4))
		m += 4;
	else
		return 0;
	if(parse_addr(m, ip, sizeof(ip), &port))
		return 1;
	c = cuid_find(s, cuid, 1);
	snprintf(c->ip, sizeof(c->ip), "%s", ip);
	c->port = port;
	/* an incoming peer's listening port, as it announced it */
	if((p = strstr(m, " extended handshake ")) && (p = strstr(p, "tcpPort="))) {
		port = (int)strtol(p + 8, &end, 10);
		if(port > 0 && port <= 65535 && (*end == ',' || !*end))
			c->port = port;
	}
	return 1;
}

/*
 * The report URL of a torrent: its announce URL with the path segment
 * "/announce" made "/report" (p2pcd-tracker: /announce/TOKEN ->
 * /report/TOKEN), and its info-hash. NULL when there is none.
 */
static char *report_url_of(const char *torrent, size_t len, char ih_hex[41])
{
	p2pcd_bdoc_t *doc = NULL;
	const uint8_t *a;
	size_t alen, pre;
	uint8_t ih[20];
	char *url = NULL, *u = NULL, *path, *q, *seg = NULL;

	if(p2pcd_infohash_torrent((const uint8_t *)torrent, len, NULL, ih, NULL))
		return NULL;
	p2pcd_infohash_hex(ih, ih_hex);
	if(p2pcd_bdecode((const uint8_t *)torrent, len, NULL, &doc, NULL)
			|| p2pcd_bdict_get_str(p2pcd_bdoc_root(doc), "announce", &a, &alen)
			|| alen == 0 || alen > 8192 || memchr(a, '\0', alen))
		goto out;
	u = strndup((const char *)a, alen);
	if(!u || !(path = strstr(u, "://")) || !(path = strchr(path + 3, '/')))
		goto out;
	q = path + strcspn(path, "?#");
	/* the last "/announce" segment of the path */
	for(char *p = path; (p = strstr(p, "/announce")) && p < q; p++)
		if(p[9] == '/' || p + 9 == q)
			seg = p;
	if(!seg)
		goto out;
	pre = (size_t)(seg - u);
	if(asprintf(&url, "%.*s/report%s", (int)pre, u, seg + 9) < 0)
		url = NULL;
out:
	if(u) {
		sodium_memzero(u, strlen(u));
		free(u);
	}
	p2pcd_bdoc_free(doc);
	return url;
}

static void log_line(struct bt_session *s, const char *l)
{
	static const char reason[] = "Tracker returned failure reason: ";
	const char *p, *m;
	int64_t up, down;

	if(peer_line(s, l))
		return;
	if((p = strstr(l, reason))) {
		snprintf(s->trk_err, sizeof(s->trk_err), "%s", p + strlen(reason));
		s->trk_refused = 1;
		s->in_trk_fail = 0;
		return;
	}
	if(strstr(l, "Tracker request ") && strstr(l, " failed")) {
		s->in_trk_fail = 1;
		return;
	}
	if(s->in_trk_fail
			&& (!strncmp(l, "Exception: ", 11) || !strncmp(l, "  -> ", 5))) {
		/* the innermost cause, but never a URI (it holds the token) */
		m = after_code(l);
		if(m && *m && strncmp(m, "URI=", 4)) {
			snprintf(s->trk_err, sizeof(s->trk_err), "%s", m);
			s->trk_refused = 0;
		}
		return;
	}
	s->in_trk_fail = 0;
	/* an announce request: "GET /announce...?info_hash=...&uploaded=N&
	 * downloaded=M&...&event=stopped HTTP/1.1" */
	if(!strncmp(l, "GET ", 4) && strstr(l, "info_hash=")) {
		up = query_num(l, "uploaded=");
		down = query_num(l, "downloaded=");
		if(up >= 0 && down >= 0) {
			s->ann_up = up;
			s->ann_down = down;
			s->ann_stopped = strstr(l, "event=stopped") != NULL;
		}
	}
}

/* reads what aria2c added to its log since the last call */
static void log_read(struct bt_session *s)
{
	char buf[16384];
	struct stat st;
	ssize_t n;
	int fd, i;
	char c;

	fd = open(s->log_path, O_RDONLY | O_CLOEXEC);
	if(fd < 0)
		return;
	if(fstat(fd, &st) == 0 && st.st_size < s->log_off)
		s->log_off = 0; /* truncated or replaced */
	for(;;) {
		n = pread(fd, buf, sizeof(buf), s->log_off);
		if(n <= 0)
			break;
		s->log_off += n;
		for(i = 0; i < n; i++) {
			c = buf[i];
			if(c == '\n') {
				s->line[s->line_len] = '\0';
				if(!s->line_skip)
					log_line(s, s->line);
				s->line_len = 0;
				s->line_skip = 0;
			} else if(s->line_len < sizeof(s->line) - 1) {
				s->line[s->line_len++] = c;
			} else {
				s->line_skip = 1;
			}
		}
	}
	close(fd);
}

/* the last [ERROR] line of the log since off, for "did not start" */
static void log_last_error(const char *path, off_t off, char *out, size_t size)
{
	char buf[65536], *p, *e, *l;
	ssize_t n;
	int fd;

	*out = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if(fd < 0)
		return;
	n = pread(fd, buf, sizeof(buf) - 1, off);
	close(fd);
	if(n <= 0)
		return;
	buf[n] = '\0';
	for(p = buf; (e = strchr(p, '\n')) || *p; p = e + 1) {
		if(e)
			*e = '\0';
		if((l = strstr(p, "[ERROR]")) || (l = strstr(p, "Exception: ")))
			snprintf(out, size, "%s", l);
		if(!e)
			break;
	}
}

/* ---- JSON-RPC ---- */

struct body
{
	char *p;
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n;
	char *grown;

	if(b->len + len > RPC_BODY_MAX)
		return 0;
	grown = realloc(b->p, b->len + len + 1);
	if(!grown)
		return 0;
	b->p = grown;
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
	return len;
}

/*
 * method(token, params...) on aria2c; params (stolen, an array, may be
 * NULL). 0 with *result (a new reference, may be NULL if not wanted), or
 * -1 with err.
 */
static int rpc(struct bt_session *s, const char *method, json_t *params,
		json_t **result, char *err, size_t err_size, long timeout_ms)
{
	char tok[64], errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = NULL;
	struct body b = {0};
	json_t *req, *resp = NULL, *e, *r;
	json_error_t je;
	char *text = NULL;
	long status = 0;
	CURLcode cc;
	int rc = -1;

	if(result)
		*result = NULL;
	if(!params)
		params = json_array();
	snprintf(tok, sizeof(tok), "token:%s", s->secret);
	json_array_insert_new(params, 0, json_string(tok));
	req = json_pack("{s:s, s:s, s:s, s:o}", "jsonrpc", "2.0", "id", "p2pcd",
			"method", method, "params", params);
	text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	if(!text) {
		set_err(err, err_size, "out of memory");
		goto out;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(s->curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, NULL);
	if(cc != CURLE_OK) {
		set_err(err, err_size, "aria2c's JSON-RPC did not answer %s: %s",
				method, *errbuf ? errbuf : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	resp = json_loadb(b.p ? b.p : "", b.len, 0, &je);
	if(!json_is_object(resp)) {
		set_err(err, err_size, "aria2c answered %s with HTTP %ld, not JSON",
				method, status);
		goto out;
	}
	e = json_object_get(resp, "error");
	if(e) {
		set_err(err, err_size, "aria2c: %s",
				json_string_value(json_object_get(e, "message"))
						? json_string_value(json_object_get(e, "message"))
						: "error");
		goto out;
	}
	r = json_object_get(resp, "result");
	if(!r) {
		set_err(err, err_size, "aria2c answered %s without a result", method);
		goto out;
	}
	if(result)
		*result = json_incref(r);
	rc = 0;
out:
	curl_slist_free_all(h);
	if(text) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
	free(b.p);
	json_decref(req);
	json_decref(resp);
	return rc;
}

/* ---- starting aria2c ---- */

/* aria2c's path: name with a '/', or found in PATH; 0 or -1 */
static int find_exe(const char *name, char *out, size_t size)
{
	const char *path = getenv("PATH"), *p, *e;
	size_t len;

	if(strchr(name, '/')) {
		snprintf(out, size, "%s", name);
		return access(out, X_OK);
	}
	if(!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for(p = path; *p; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if(!e)
			e = p + strlen(p);
		len = (size_t)(e - p);
		if(len == 0)
			continue;
		if(snprintf(out, size, "%.*s/%s", (int)len, p, name) < (int)size
				&& access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd, port = -1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if(fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0
			&& getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static char *read_torrent(const char *path, size_t *len, char *err, size_t n)
{
	struct stat st;
	char *buf;
	ssize_t r;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if(fd < 0) {
		set_err(err, n, "cannot open torrent %s: %s", path, strerror(errno));
		return NULL;
	}
	if(fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0
			|| (uint64_t)st.st_size > TORRENT_MAX) {
		set_err(err, n,
				"%s is not a torrent file (empty, not a file, or over "
				"16 MiB)",
				path);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size);
	while(buf && got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if(r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if(!buf || got != (size_t)st.st_size) {
		set_err(err, n, "cannot read torrent %s", path);
		free(buf);
		return NULL;
	}
	*len = got;
	return buf;
}

#define MAX_ARGS 48

struct argv_b
{
	char *v[MAX_ARGS + 1];
	int n;
};

static void arg(struct argv_b *a, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
static void arg(struct argv_b *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if(a->n >= MAX_ARGS)
		return;
	va_start(ap, fmt);
	if(vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if(s)
		a->v[a->n++] = s;
}

static void argv_free(struct argv_b *a)
{
	int i;

	for(i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

static pid_t spawn(const char *exe, struct argv_b *a)
{
	sigset_t none;
	pid_t pid;
	int fd;

	a->v[a->n] = NULL;
	pid = fork();
	if(pid != 0) {
		if(pid > 0)
			setpgid(pid, pid);
		return pid;
	}
	/* child: a process group of its own, so a terminal's ^C reaches only
	 * p2pcd, which stops aria2c gracefully */
	setpgid(0, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = open("/dev/null", O_RDWR);
	if(fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	close_range(3, ~0u, 0);
	execv(exe, a->v);
	_exit(127);
}

static int reap(struct bt_session *s, int block)
{
	int status;
	pid_t r;

	if(s->exited || s->pid <= 0)
		return 1;
	do
		r = waitpid(s->pid, &status, block ? 0 : WNOHANG);
	while(r < 0 && errno == EINTR);
	if(r == s->pid || (r < 0 && errno == ECHILD)) {
		s->exited = 1;
		s->exit_status = r == s->pid ? status : 0;
		return 1;
	}
	return 0;
}

static void exit_desc(int status, char *buf, size_t size)
{
	if(WIFEXITED(status))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	else if(WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, size, "status %d", status);
}

static void build_args(const struct bt_opts *o, struct bt_session *s,
		const char *exe, struct argv_b *a)
{
	arg(a, "%s", exe);
	arg(a, "--conf-path=%s", s->conf_path); /* rpc-secret */
	arg(a, "--enable-rpc=true");
	arg(a, "--rpc-listen-all=false");
	arg(a, "--rpc-listen-port=%d", s->rpc_port);
	arg(a, "--rpc-save-upload-metadata=false");
	arg(a, "--rpc-max-request-size=32M");
	arg(a, "--stop-with-process=%d", (int)getpid());
	arg(a, "--daemon=false");
	arg(a, "--summary-interval=0");
	arg(a, "--console-log-level=warn");
	arg(a, "--show-console-readout=false");
	arg(a, "--log=%s", s->log_path);
	arg(a, "--log-level=info");
	/* a tracker that died mid-request (SIGKILL, a lost host) must not
	 * hold the next announce back for aria2c's default 60 s */
	arg(a, "--bt-tracker-connect-timeout=5");
	arg(a, "--bt-tracker-timeout=10");
	/* private torrents (BEP 27): the tracker is the only peer source */
	arg(a, "--enable-dht=false");
	arg(a, "--enable-dht6=false");
	arg(a, "--bt-enable-lpd=false");
	arg(a, "--enable-peer-exchange=false");
	arg(a, "--file-allocation=none");
	arg(a, "--auto-file-renaming=false");
	arg(a, "--allow-overwrite=false");
	/* a file already there (a seeder's, or a partial download) is hashed
	 * piece by piece: only verified pieces count */
	arg(a, "--check-integrity=true");
	arg(a, "--bt-hash-check-seed=true");
	arg(a, "--bt-seed-unverified=false");
	if(o->seed)
		arg(a, "--seed-ratio=0.0"); /* and no seed-time: until stopped */
	else
		arg(a, "--seed-time=0");
	arg(a, "--max-overall-upload-limit=%ld", o->max_upload);
	arg(a, "--max-overall-download-limit=%ld", o->max_download);
	if(o->listen_port > 0)
		arg(a, "--listen-port=%d", o->listen_port);
	if(o->max_peers > 0)
		arg(a, "--bt-max-peers=%d", o->max_peers);
	if(o->bind_addr && *o->bind_addr) {
		arg(a, "--interface=%s", o->bind_addr);
		arg(a, "--bt-external-ip=%s", o->bind_addr);
		if(!strchr(o->bind_addr, ':'))
			arg(a, "--disable-ipv6=true");
	}
	arg(a, "--dir=%s", o->dir && *o->dir ? o->dir : ".");
}

static void session_free(struct bt_session *s)
{
	if(s->conf_path[0])
		unlink(s->conf_path);
	if(s->log_tmp && s->log_path)
		unlink(s->log_path);
	free(s->log_path);
	if(s->report_url) {
		sodium_memzero(s->report_url, strlen(s->report_url));
		free(s->report_url);
	}
	if(s->rcurl)
		curl_easy_cleanup(s->rcurl);
	if(s->curl)
		curl_easy_cleanup(s->curl);
	sodium_memzero(s->secret, sizeof(s->secret));
	free(s);
	if(--curl_refs == 0)
		curl_global_cleanup();
}

/* writes the secret to a fresh 0600 file for --conf-path; 0 or -1 */
static int write_conf(struct bt_session *s, char *err, size_t err_size)
{
	const char *tmp = getenv("TMPDIR");
	char text[64];
	int fd, len;

	snprintf(s->conf_path, sizeof(s->conf_path), "%s/p2pcd-aria2.XXXXXX",
			tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	fd = mkstemp(s->conf_path);
	if(fd < 0) {
		set_err(err, err_size, "cannot create %s: %s", s->conf_path,
				strerror(errno));
		s->conf_path[0] = '\0';
		return -1;
	}
	len = snprintf(text, sizeof(text), "rpc-secret=%s\n", s->secret);
	if(write(fd, text, (size_t)len) != len) {
		set_err(err, err_size, "cannot write %s", s->conf_path);
		close(fd);
		return -1;
	}
	sodium_memzero(text, sizeof(text));
	close(fd);
	return 0;
}

static int open_log(
		struct bt_session *s, const char *path, char *err, size_t err_size)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	int fd;

	if(path) {
		/* it will hold announce URLs, with the admission token: 0600
		 * when we create it */
		s->log_path = strdup(path);
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if(!s->log_path || fd < 0) {
			set_err(err, err_size, "cannot open log %s: %s", path,
					strerror(errno));
			if(fd >= 0)
				close(fd);
			return -1;
		}
		if(fstat(fd, &st) == 0)
			s->log_off = st.st_size; /* aria2c appends */
		close(fd);
		return 0;
	}
	if(asprintf(&s->log_path, "%s/p2pcd-aria2-log.XXXXXX",
			   tmp && *tmp ? tmp : "/tmp")
			< 0) {
		s->log_path = NULL;
		set_err(err, err_size, "out of memory");
		return -1;
	}
	fd = mkstemp(s->log_path);
	if(fd < 0) {
		set_err(err, err_size, "cannot create a log in %s: %s",
				tmp && *tmp ? tmp : "/tmp", strerror(errno));
		return -1;
	}
	close(fd);
	s->log_tmp = 1;
	return 0;
}

/* spawns aria2c and waits until its RPC answers; 0, -1 fatal, 1 retry on
 * another port */
static int launch(const struct bt_opts *o, struct bt_session *s,
		const char *exe, char *err, size_t err_size)
{
	struct argv_b a = {{0}, 0};
	char why[256], desc[64], rpc_err[256];
	json_t *ver = NULL;
	int64_t t0;

	s->rpc_port = free_port();
	if(s->rpc_port <= 0) {
		set_err(err, err_size, "no free local port for aria2c's RPC");
		return -1;
	}
	snprintf(
			s->url, sizeof(s->url), "http://127.0.0.1:%d/jsonrpc", s->rpc_port);
	build_args(o, s, exe, &a);
	s->exited = 0;
	s->pid = spawn(exe, &a);
	argv_free(&a);
	if(s->pid < 0) {
		set_err(err, err_size, "cannot start %s: %s", exe, strerror(errno));
		return -1;
	}
	t0 = now_ms();
	while(now_ms() - t0 < START_WAIT_MS) {
		if(reap(s, 0)) {
			log_last_error(s->log_path, s->log_off, why, sizeof(why));
			if(strstr(why, "bind") || strstr(why, "in use"))
				return 1;
			exit_desc(s->exit_status, desc, sizeof(desc));
			set_err(err, err_size, "%s exited at start (%s)%s%s", exe, desc,
					*why ? ": " : "", why);
			return -1;
		}
		if(rpc(s, "aria2.getVersion", NULL, &ver, rpc_err, sizeof(rpc_err),
				   1000)
				== 0) {
			json_decref(ver);
			return 0;
		}
		nap(100);
	}
	kill(s->pid, SIGKILL);
	reap(s, 1);
	set_err(err, err_size, "%s did not answer on its JSON-RPC port within %d s",
			exe, START_WAIT_MS / 1000);
	return -1;
}

int bt_start(const struct bt_opts *o, struct bt_session **out, char *err,
		size_t err_size)
{
	const char *name = o->aria2c;
	char exe[4096], *torrent = NULL, *b64 = NULL, gid_err[256];
	uint8_t rnd[16];
	struct bt_session *s;
	json_t *params, *gid = NULL;
	size_t tlen = 0, b64len;
	int i, r;

	*out = NULL;
	if(!name || !*name)
		name = getenv("P2PCD_ARIA2C");
	if(!name || !*name)
		name = "aria2c";
	if(find_exe(name, exe, sizeof(exe))) {
		set_err(err, err_size,
				"aria2c not found (%s): apt-get install aria2, or set "
				"P2PCD_ARIA2C to its path",
				name);
		return -1;
	}
	if(!o->torrent) {
		set_err(err, err_size, "no torrent given");
		return -1;
	}
	torrent = read_torrent(o->torrent, &tlen, err, err_size);
	if(!torrent)
		return -1;
	if(sodium_init() < 0 || !(s = calloc(1, sizeof(*s)))) {
		set_err(err, err_size, "out of memory");
		free(torrent);
		return -1;
	}
	cli_catch_stop();
	if(curl_refs++ == 0 && curl_global_init(CURL_GLOBAL_DEFAULT)) {
		set_err(err, err_size, "cannot initialise libcurl");
		goto fail;
	}
	s->curl = curl_easy_init();
	if(!s->curl) {
		set_err(err, err_size, "cannot initialise libcurl");
		goto fail;
	}
	s->seed = o->seed;
	s->no_report = o->no_report;
	if(!s->no_report)
		s->report_url = report_url_of(torrent, tlen, s->ih_hex);
	s->prev_completed = -1;
	s->t0_ms = now_ms();
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(s->secret, sizeof(s->secret), rnd, sizeof(rnd));
	sodium_memzero(rnd, sizeof(rnd));
	if(write_conf(s, err, err_size) || open_log(s, o->log_path, err, err_size))
		goto fail;
	for(i = 0, r = 1; r == 1 && i < 3; i++)
		r = launch(o, s, exe, err, err_size);
	if(r) {
		if(r == 1)
			set_err(err, err_size, "aria2c could not bind its RPC port");
		goto fail;
	}
	/* read once at start: the secret need not stay on disk */
	unlink(s->conf_path);
	s->conf_path[0] = '\0';

	b64len = sodium_base64_encoded_len(tlen, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(b64len);
	if(!b64) {
		set_err(err, err_size, "out of memory");
		goto fail_running;
	}
	sodium_bin2base64(b64, b64len, (const unsigned char *)torrent, tlen,
			sodium_base64_VARIANT_ORIGINAL);
	params = json_pack("[s, [], {}]", b64);
	if(rpc(s, "aria2.addTorrent", params, &gid, gid_err, sizeof(gid_err), 30000)
					< 0
			|| !json_is_string(gid)) {
		set_err(err, err_size, "aria2c did not take the torrent %s: %s",
				o->torrent, gid ? "no GID" : gid_err);
		goto fail_running;
	}
	snprintf(s->gid, sizeof(s->gid), "%s", json_string_value(gid));
	json_decref(gid);
	free(b64);
	free(torrent);
	*out = s;
	return 0;

fail_running:
	json_decref(gid);
	free(b64);
	bt_stop(s, NULL);
	free(torrent);
	return -1;
fail:
	if(s->pid > 0 && !s->exited) {
		kill(s->pid, SIGKILL);
		reap(s, 1);
	}
	free(torrent);
	session_free(s);
	return -1;
}

/* ---- status ---- */

static int64_t jnum(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? strtoll(v, NULL, 10) : 0;
}

static const char *jstr(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

/* a failure from the tracker or aria2c's exit, into st */
static void check_failures(struct bt_session *s, struct bt_status *st)
{
	char desc[64];

	if(s->trk_refused && !st->failed) {
		st->failed = 1;
		snprintf(st->error, sizeof(st->error), "the tracker refused: %.200s",
				s->trk_err);
	}
	if(s->exited && !st->failed) {
		exit_desc(s->exit_status, desc, sizeof(desc));
		st->failed = 1;
		snprintf(st->error, sizeof(st->error), "aria2c exited (%.60s)%s%.140s",
				desc, s->trk_err[0] ? "; last tracker error: " : "",
				s->trk_err);
	}
}

int bt_poll(struct bt_session *s, struct bt_status *st)
{
	static const char *keys[] = {"status", "totalLength", "completedLength",
			"uploadLength", "downloadSpeed", "uploadSpeed", "connections",
			"numSeeders", "seeder", "verifiedLength", "verifyIntegrityPending",
			"errorCode", "errorMessage"};
	json_t *params, *k, *r = NULL;
	char err[256];
	const char *status;
	int verifying, i, rc = -1;

	log_read(s);
	*st = s->last;
	st->elapsed_ms = now_ms() - s->t0_ms;
	st->bad_pieces = s->bad_pieces;
	st->reports = s->reports;
	if(reap(s, 0)) {
		check_failures(s, st);
		s->last = *st;
		return -1;
	}
	k = json_array();
	for(i = 0; i < (int)(sizeof(keys) / sizeof(keys[0])); i++)
		json_array_append_new(k, json_string(keys[i]));
	params = json_pack("[s, o]", s->gid, k);
	if(rpc(s, "aria2.tellStatus", params, &r, err, sizeof(err), 5000) < 0) {
		snprintf(st->error, sizeof(st->error), "%s", err);
		if(++s->rpc_fails >= RPC_FAILS_MAX)
			st->failed = 1;
		check_failures(s, st);
		s->last = *st;
		return -1;
	}
	s->rpc_fails = 0;
	status = jstr(r, "status");
	st->total = jnum(r, "totalLength");
	st->completed = jnum(r, "completedLength");
	st->uploaded = jnum(r, "uploadLength");
	st->down_rate = jnum(r, "downloadSpeed");
	st->up_rate = jnum(r, "uploadSpeed");
	st->peers = (int)jnum(r, "connections");
	st->seeders = (int)jnum(r, "numSeeders");
	verifying = json_object_get(r, "verifiedLength") != NULL
				|| !strcmp(jstr(r, "verifyIntegrityPending"), "true");
	st->error[0] = '\0';
	s->finished = !strcmp(status, "complete");
	if(s->finished)
		st->complete = 1;
	else if(!strcmp(status, "active") && !verifying && st->total > 0
			&& !strcmp(jstr(r, "seeder"), "true"))
		st->complete = 1;
	else
		st->complete = 0;
	if(!strcmp(status, "error")) {
		st->failed = 1;
		snprintf(st->error, sizeof(st->error), "aria2c: %s (error code %s)",
				*jstr(r, "errorMessage") ? jstr(r, "errorMessage")
										 : "download failed",
				jstr(r, "errorCode"));
	} else if(!strcmp(status, "removed")) {
		st->failed = 1;
		snprintf(st->error, sizeof(st->error), "the download was removed");
	}
	/* bytes from peers: growth of the verified data while connected (a
	 * hash check of data on disk runs before any peer connects) */
	if(!verifying && s->prev_completed >= 0 && st->completed > s->prev_completed
			&& (st->peers > 0 || s->prev_peers > 0 || st->down_rate > 0))
		s->downloaded += st->completed - s->prev_completed;
	if(!verifying)
		s->prev_completed = st->completed;
	s->prev_peers = st->peers;
	st->downloaded = s->downloaded;
	check_failures(s, st);
	rc = 0;
	json_decref(r);
	s->last = *st;
	return rc;
}

/* one poll loop for bt_run (until_complete) and bt_seed */
static int loop(struct bt_session *s, struct progress *p, int timeout_s,
		int until_complete, struct bt_status *st)
{
	int64_t t0 = now_ms(), t_complete = -1;
	char done[32];

	for(;;) {
		if(cli_interrupted()) {
			*st = s->last;
			st->elapsed_ms = now_ms() - s->t0_ms;
			if(!st->failed)
				snprintf(st->error, sizeof(st->error), "interrupted by %s",
						strsignal(cli_interrupted()));
			return until_complete ? -1 : 0;
		}
		bt_poll(s, st);
		progress_update(p, st);
		if(st->failed)
			return -1;
		/* seed 0: aria2c then stops the download and tells the tracker
		 * (completed, stopped); wait for that, a few seconds at most */
		if(until_complete && st->complete) {
			if(s->seed || s->finished)
				return 0;
			if(t_complete < 0)
				t_complete = now_ms();
			else if(now_ms() - t_complete > FINISH_WAIT_MS)
				return 0;
		}
		if(timeout_s > 0 && now_ms() - t0 >= (int64_t)timeout_s * 1000) {
			if(!until_complete)
				return 0;
			progress_bytes(st->completed, done, sizeof(done));
			snprintf(st->error, sizeof(st->error),
					"timed out after %d s with %s, %d peer%s%s%.150s",
					timeout_s, done, st->peers, st->peers == 1 ? "" : "s",
					s->trk_err[0] ? "; last tracker error: " : "", s->trk_err);
			return -1;
		}
		nap(POLL_MS);
	}
}

int bt_run(struct bt_session *s, struct progress *p, int timeout_s,
		struct bt_status *st)
{
	return loop(s, p, timeout_s, 1, st);
}

int bt_seed(struct bt_session *s, struct progress *p, int seconds,
		struct bt_status *st)
{
	return loop(s, p, seconds, 0, st);
}

int bt_stop(struct bt_session *s, struct bt_status *final)
{
	int64_t t0;
	unsigned count;
	int rc = 0;

	if(!s)
		return 0;
	if(!reap(s, 0)) {
		/* SIGINT: aria2c's graceful stop (event=stopped to the tracker);
		 * aria2.shutdown does the same after a fixed 3 s delay */
		kill(s->pid, SIGINT);
		t0 = now_ms();
		count = cli_stop_count();
		while(!reap(s, 0) && now_ms() - t0 < STOP_WAIT_MS) {
			if(cli_stop_count() != count) {
				/* asked again: aria2c's second SIGINT stops it at once */
				count = cli_stop_count();
				kill(s->pid, SIGINT);
			}
			nap(100);
		}
		if(!reap(s, 0)) {
			kill(s->pid, SIGKILL);
			reap(s, 1);
			rc = -1;
		}
	}
	log_read(s);
	if(final) {
		*final = s->last;
		final->elapsed_ms = now_ms() - s->t0_ms;
		final->bad_pieces = s->bad_pieces;
		final->reports = s->reports;
		if(s->ann_stopped) {
			final->downloaded = s->ann_down;
			if(s->ann_up > final->uploaded)
				final->uploaded = s->ann_up;
		}
	}
	session_free(s);
	return rc;
}

const char *bt_tracker_error(struct bt_session *s)
{
	return s && s->trk_err[0] ? s->trk_err : NULL;
}

int bt_tracker_refused(struct bt_session *s)
{
	return s && s->trk_refused;
}
