/* SIP UAC: RFC 3261 non-INVITE client transactions (17.1.2) over UDP or
 * TCP, and the digest retry (sip_uac.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "sip_int.h"

#define T2_MS 4000

struct txn
{
	const struct sip_hop *hop;
	const char *branch, *method;
	const char *buf; /* the request */
	size_t len;
	unsigned t1, timer_f;
	int closed;		 /* TCP: the peer closed before answering anything */
	int provisional; /* last 1xx status seen, 0 none */
	int junk;		 /* unparseable messages ignored */
};

static int wait_fd(int fd, short ev, long long deadline)
{
	struct pollfd p = {.fd = fd, .events = ev};
	long long left = deadline - sip_now_ms();
	int r;

	if(left < 0)
		left = 0;
	r = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
	if(r < 0 && errno == EINTR)
		return 0;
	return r;
}

static void refused(const struct txn *t, char *err, size_t err_size)
{
	snprintf(err, err_size,
			"nothing listens on UDP %s port %s (ICMP port unreachable): "
			"check --proxy and that the proxy runs",
			t->hop->host, t->hop->port);
}

static void timed_out(
		const struct txn *t, int sends, char *err, size_t err_size)
{
	char more[128] = "";

	if(t->provisional)
		snprintf(more, sizeof(more), "; it answered %d but nothing final",
				t->provisional);
	else if(t->junk)
		snprintf(more, sizeof(more), "; %d unparseable answers ignored",
				t->junk);
	snprintf(err, err_size,
			"no final answer from %s port %s over %s within %.1f s (timer "
			"F, %d transmission%s%s): is the proxy up and reachable?",
			t->hop->host, t->hop->port, t->hop->tcp ? "TCP" : "UDP",
			t->timer_f / 1000.0, sends, sends == 1 ? "" : "s", more);
}

/* one received message: 1 final (*out), 0 keep waiting */
static int consider(
		struct txn *t, const char *buf, size_t len, osip_message_t **out)
{
	osip_message_t *m;
	int r = sip_resp_match(buf, len, t->branch, t->method, &m);

	if(r < 0)
		t->junk++;
	if(r <= 0)
		return 0;
	if(m->status_code < 200) {
		t->provisional = m->status_code;
		osip_message_free(m);
		return 0;
	}
	*out = m;
	return 1;
}

static int udp_txn(
		struct txn *t, int fd, osip_message_t **out, char *err, size_t err_size)
{
	long long now = sip_now_ms(), deadline = now + t->timer_f, next;
	unsigned interval = t->t1;
	char *rb;
	ssize_t n;
	int sends = 0, r, rc = -1;

	rb = malloc(65536);
	if(!rb) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	next = now; /* Timer E: send now */
	for(;;) {
		now = sip_now_ms();
		if(now >= deadline) {
			timed_out(t, sends, err, err_size);
			break;
		}
		if(now >= next) {
			n = send(fd, t->buf, t->len, MSG_NOSIGNAL);
			if(n < 0 && errno == ECONNREFUSED) {
				refused(t, err, err_size);
				break;
			}
			if(n < 0 && errno != EAGAIN && errno != EINTR) {
				snprintf(err, err_size, "send to %s port %s: %s", t->hop->host,
						t->hop->port, strerror(errno));
				break;
			}
			sends++;
			/* Timer E: T1, 2T1, 4T1 ... up to T2; T2 after a 1xx */
			if(sends > 1)
				interval = t->provisional || interval * 2 > T2_MS
								   ? T2_MS
								   : interval * 2;
			next = now + interval;
		}
		r = wait_fd(fd, POLLIN, next < deadline ? next : deadline);
		if(r <= 0)
			continue;
		n = recv(fd, rb, 65535, 0);
		if(n < 0) {
			if(errno == ECONNREFUSED) {
				refused(t, err, err_size);
				break;
			}
			continue;
		}
		if(consider(t, rb, (size_t)n, out)) {
			rc = 0;
			break;
		}
	}
	free(rb);
	return rc;
}

static int send_all(int fd, const char *p, size_t len, long long deadline)
{
	ssize_t n;

	while(len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if(n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if(n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if(sip_now_ms() >= deadline)
			return -2;
		wait_fd(fd, POLLOUT, deadline);
	}
	return 0;
}

static int tcp_txn(
		struct txn *t, int fd, osip_message_t **out, char *err, size_t err_size)
{
	long long deadline = sip_now_ms() + t->timer_f;
	size_t cap = 65536, have = 0, skip;
	char *rb = malloc(cap), *nb;
	long fl;
	ssize_t n;
	int r, rc = -1, got = 0;

	if(!rb) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	r = send_all(fd, t->buf, t->len, deadline);
	if(r == -2) {
		timed_out(t, 0, err, err_size);
		goto out;
	}
	if(r) {
		t->closed = errno == EPIPE || errno == ECONNRESET;
		snprintf(err, err_size, "sending over TCP to %s port %s: %s",
				t->hop->host, t->hop->port, strerror(errno));
		goto out;
	}
	for(;;) {
		/* keep-alive CRLFs between messages (RFC 5626 4.4.1) */
		skip = 0;
		while(skip < have && (rb[skip] == '\r' || rb[skip] == '\n'))
			skip++;
		memmove(rb, rb + skip, have - skip);
		have -= skip;
		fl = have ? sip_frame_len(rb, have) : 0;
		if(fl < 0) {
			snprintf(err, err_size,
					"unparseable answer from %s port %s over TCP (not a "
					"SIP message, or over %u bytes)",
					t->hop->host, t->hop->port, SIP_RESP_MAX);
			goto out;
		}
		if(fl > 0) {
			r = consider(t, rb, (size_t)fl, out);
			if(r) {
				rc = 0;
				goto out;
			}
			if(t->junk) {
				snprintf(err, err_size,
						"unparseable answer from %s port %s over TCP",
						t->hop->host, t->hop->port);
				goto out;
			}
			memmove(rb, rb + fl, have - (size_t)fl);
			have -= (size_t)fl;
			continue;
		}
		if(have == cap) {
			if(cap >= SIP_RESP_MAX + 4096) {
				snprintf(err, err_size, "answer over TCP too large");
				goto out;
			}
			nb = realloc(rb, cap * 2);
			if(!nb) {
				snprintf(err, err_size, "out of memory");
				goto out;
			}
			rb = nb;
			cap *= 2;
		}
		if(sip_now_ms() >= deadline) {
			timed_out(t, 1, err, err_size);
			goto out;
		}
		if(wait_fd(fd, POLLIN, deadline) <= 0)
			continue;
		n = recv(fd, rb + have, cap - have, 0);
		if(n == 0 || (n < 0 && errno == ECONNRESET)) {
			t->closed = !got;
			snprintf(err, err_size,
					"%s port %s closed the TCP connection without a final "
					"answer",
					t->hop->host, t->hop->port);
			goto out;
		}
		if(n < 0) {
			if(errno == EAGAIN || errno == EINTR)
				continue;
			snprintf(err, err_size, "reading from %s port %s over TCP: %s",
					t->hop->host, t->hop->port, strerror(errno));
			goto out;
		}
		have += (size_t)n;
		got = 1;
	}
out:
	free(rb);
	return rc;
}

/* the socket of one request, kept across its attempts (a UAS answers the
 * retry where it answered the first; sipp even insists) */
struct conn
{
	int fd;
	int tcp;
	char local[80];
};

static void conn_close(struct conn *k)
{
	if(k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

/* one attempt: a fresh branch, one transaction; 0 with *out */
static int attempt(const struct sip_uac_cfg *c, const struct sip_req *req,
		const struct sip_dialogish *d, struct sip_attempt *a,
		struct sip_hop *hop, int uri_tcp, struct conn *k, osip_message_t **out,
		char *err, size_t err_size)
{
	unsigned t1 = c->t1_ms ? c->t1_ms : 500;
	struct txn t = {.hop = hop, .method = req->method, .t1 = t1};
	const char *an = a->auth_name, *av = a->auth_value;
	char *msg;
	size_t len;
	int rc, reused;

	t.timer_f = c->timer_f_ms ? c->timer_f_ms : 64 * t1;
	sip_attempt_init(a);
	a->auth_name = an;
	a->auth_value = av;
	t.branch = a->branch;
	if(c->transport == SIP_TCP)
		hop->tcp = 1;
	else if(c->transport == SIP_UDP)
		hop->tcp = 0;
	else {
		/* size with a placeholder Via; a real address adds at most 40 */
		a->local = NULL;
		msg = sip_msg_build(c, req, d, a, &len, err, err_size);
		if(!msg)
			return -1;
		osip_free(msg);
		hop->tcp = uri_tcp || len + 40 > SIP_MTU_LIMIT;
	}
	if(k->fd >= 0 && k->tcp != hop->tcp)
		conn_close(k);
	for(;;) {
		reused = k->fd >= 0;
		if(!reused) {
			k->tcp = hop->tcp;
			k->fd = sip_net_open(hop, c->bind_addr, sip_now_ms() + t.timer_f,
					k->local, sizeof(k->local), err, err_size);
			if(k->fd < 0)
				return -1;
		}
		a->tcp = hop->tcp;
		a->local = k->local;
		msg = sip_msg_build(c, req, d, a, &len, err, err_size);
		if(!msg)
			return -1;
		if(!hop->tcp && len > SIP_UDP_MAX) {
			snprintf(err, err_size,
					"request of %zu bytes does not fit a UDP datagram: use "
					"--transport tcp or auto",
					len);
			osip_free(msg);
			return -1;
		}
		t.buf = msg;
		t.len = len;
		t.closed = 0;
		rc = hop->tcp ? tcp_txn(&t, k->fd, out, err, err_size)
					  : udp_txn(&t, k->fd, out, err, err_size);
		osip_free(msg);
		if(rc && hop->tcp)
			conn_close(k);
		/* a kept TCP connection the proxy closed meanwhile: once more
		 * on a new one */
		if(rc && hop->tcp && reused && t.closed)
			continue;
		return rc;
	}
}

int sip_uac_request(const struct sip_uac_cfg *c, const struct sip_req *req,
		struct sip_resp *resp, char *err, size_t err_size)
{
	struct sip_dialogish d;
	struct sip_attempt a;
	struct sip_hop hop;
	struct conn k = {.fd = -1};
	osip_message_t *m = NULL;
	const char *aname = NULL;
	char *aval = NULL, *uri = NULL, e2[256];
	int uri_tcp, tries = 0, stale = 0, rc = -1, st, dr;

	memset(resp, 0, sizeof(*resp));
	if(!c->user || !*c->user || !c->domain || !*c->domain) {
		snprintf(err, err_size,
				"no identity: set the user and domain (--user, --domain)");
		return -1;
	}
	if(!req->ruri || !(uri = sip_uri_canon(req->ruri))) {
		snprintf(err, err_size, "bad Request-URI '%s' (want sip:USER@HOST)",
				req->ruri ? req->ruri : "(null)");
		return -1;
	}
	if(sip_hop_parse(c->proxy, &hop, &uri_tcp, err, err_size))
		goto out;
	sip_dialogish_init(&d);
	for(;;) {
		a.auth_name = aname;
		a.auth_value = aval;
		if(attempt(c, req, &d, &a, &hop, uri_tcp, &k, &m, err, err_size))
			goto out;
		st = m->status_code;
		if(st != 401 && st != 407)
			break;
		if(!c->password || !*c->password) {
			snprintf(err, err_size,
					"%s port %s wants authentication (%d %s): give the "
					"password (--password or P2PCD_PASSWORD)",
					hop.host, hop.port, st,
					m->reason_phrase ? m->reason_phrase : "");
			goto out;
		}
		if(aval) {
			sodium_memzero(aval, strlen(aval));
			free(aval);
			aval = NULL;
		}
		dr = sip_digest_answer(m, req->method, uri, c->user, c->password,
				&aname, &aval, &stale, e2, sizeof(e2));
		/* a second challenge: wrong credentials, unless the first
		 * nonce merely went stale (RFC 7616 3.3) */
		if(tries && !(stale && tries == 1)) {
			snprintf(err, err_size,
					"authentication failed: %s port %s refused the "
					"credentials of sip:%s@%s (%d again): wrong password, "
					"user or domain?",
					hop.host, hop.port, c->user, c->domain, st);
			goto out;
		}
		if(dr) {
			snprintf(err, err_size, "cannot authenticate to %s port %s: %s",
					hop.host, hop.port, e2);
			goto out;
		}
		osip_message_free(m);
		m = NULL;
		tries++;
		d.cseq++;
	}
	if(sip_resp_fill(resp, m)) {
		m = NULL; /* freed by sip_resp_fill */
		snprintf(err, err_size, "out of memory reading the answer");
		goto out;
	}
	m = NULL;
	rc = 0;
out:
	if(m)
		osip_message_free(m);
	if(aval) {
		sodium_memzero(aval, strlen(aval));
		free(aval);
	}
	osip_free(uri);
	conn_close(&k);
	return rc;
}
