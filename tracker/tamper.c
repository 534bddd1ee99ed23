/* Bad-piece reports and refused offenders: see tamper.h. */
#include "tamper.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounting.h"
#include "admission.h"
#include "catalog.h"
#include "log.h"
#include "p2pcd/bencode.h"
#include "sbuf.h"
#include "tamper_req.h"
#include "tracker.h"

/* per-subject state in pages indexed by the interned subject id: the
 * refused flag is read without a lock, the rest under mu */
#define PAGE_BITS 12
#define PAGE_SIZE (1u << PAGE_BITS)
#define PAGES 16384u /* 64 Mi subjects */

struct offender
{
	uint32_t subject;
	uint32_t index; /* in offs[] */
	uint32_t rep[TAMPER_MAX_REPORTERS];
	uint32_t n_rep;
	uint64_t reports;
	int64_t first_us, last_us, refused_us;
	bool refused;
	const char *why;
	char last_addr[64]; /* from reports of this run only */
	int64_t last_piece;
	uint32_t ring_n, ring_pos;
	int64_t ring[]; /* times of the last tamper.reports reports */
};

struct subj
{
	_Atomic uint8_t refused;
	float tokens; /* rate limit of this subject as a reporter */
	int64_t refill_us;
	struct offender *off;
};

static _Atomic(struct subj *) pages[PAGES];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct offender **offs;
static uint32_t n_offs, offs_cap;
static _Atomic uint32_t n_refused;
static _Atomic uint64_t refused_announces, offenders_dropped, queue_dropped;

static struct tamper_row *queue;
static size_t q_n, q_cap;

enum result
{
	RES_ACCEPTED,
	RES_MALFORMED,
	RES_TOKEN,
	RES_UNKNOWN_PEER,
	RES_SELF,
	RES_RATE,
	RES_BUSY,
	RES_COUNT
};
static const char *const res_label[RES_COUNT] = {"accepted", "malformed",
		"refused_token", "unknown_peer", "self_report", "rate_limited", "busy"};
static _Atomic uint64_t results[RES_COUNT];

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- subjects ---- */

static struct subj *subj_peek(uint32_t id)
{
	struct subj *p;

	if(id == 0 || (id >> PAGE_BITS) >= PAGES)
		return NULL;
	p = atomic_load_explicit(&pages[id >> PAGE_BITS], memory_order_acquire);
	return p ? &p[id & (PAGE_SIZE - 1)] : NULL;
}

/* with mu held: the entry of id, its page allocated if needed */
static struct subj *subj_get(uint32_t id)
{
	struct subj *p;

	if(id == 0 || (id >> PAGE_BITS) >= PAGES)
		return NULL;
	p = atomic_load_explicit(&pages[id >> PAGE_BITS], memory_order_acquire);
	if(!p) {
		p = calloc(PAGE_SIZE, sizeof(*p));
		if(!p)
			return NULL;
		atomic_store_explicit(&pages[id >> PAGE_BITS], p, memory_order_release);
	}
	return &p[id & (PAGE_SIZE - 1)];
}

bool tamper_refused(uint32_t subject)
{
	struct subj *s = subj_peek(subject);

	return s && atomic_load_explicit(&s->refused, memory_order_relaxed);
}

bool tamper_active(void)
{
	return atomic_load_explicit(&n_refused, memory_order_relaxed) != 0;
}

bool tamper_skip(uint32_t subject, void *arg)
{
	(void)arg;
	return tamper_refused(subject);
}

static void set_refused(struct subj *s, bool on)
{
	if(atomic_exchange(&s->refused, on ? 1 : 0) != (on ? 1 : 0)) {
		if(on)
			atomic_fetch_add(&n_refused, 1);
		else
			atomic_fetch_sub(&n_refused, 1);
	}
}

uint8_t *tamper_refusal(size_t *len)
{
	struct p2pcd_benc e;
	uint8_t *out = NULL;

	atomic_fetch_add(&refused_announces, 1);
	p2pcd_benc_init(&e);
	p2pcd_benc_dict(&e);
	p2pcd_benc_cstr(&e, "failure reason");
	p2pcd_benc_cstr(&e, "refused: sent pieces that failed the hash check");
	p2pcd_benc_cstr(&e, "retry in");
	p2pcd_benc_cstr(&e, "never");
	p2pcd_benc_end(&e);
	if(p2pcd_benc_take(&e, &out, len))
		out = NULL;
	p2pcd_benc_free(&e);
	return out;
}

/* ---- offenders (mu held) ---- */

static struct offender *offender_get(
		const struct tamper_config *c, struct subj *s, uint32_t subject)
{
	struct offender *o;
	size_t ring = c->reports > 0 ? (size_t)c->reports : 1;

	if(s->off)
		return s->off;
	if(n_offs >= (uint32_t)c->max_offenders) {
		atomic_fetch_add(&offenders_dropped, 1);
		return NULL;
	}
	if(n_offs == offs_cap) {
		uint32_t cap = offs_cap ? offs_cap * 2 : 64;
		struct offender **p = realloc(offs, cap * sizeof(*p));

		if(!p)
			return NULL;
		offs = p;
		offs_cap = cap;
	}
	o = calloc(1, sizeof(*o) + ring * sizeof(o->ring[0]));
	if(!o)
		return NULL;
	o->subject = subject;
	o->last_piece = -1;
	o->index = n_offs;
	offs[n_offs++] = o;
	s->off = o;
	return o;
}

static void offender_drop(struct subj *s)
{
	struct offender *o = s->off;

	if(!o)
		return;
	offs[o->index] = offs[--n_offs];
	offs[o->index]->index = o->index;
	s->off = NULL;
	free(o);
}

/*
 * One report against subject by reporter at at_us; the offender's state
 * and (apply_flag) the refused flag. True when this report made the
 * offender refused.
 */
static bool apply(const struct tamper_config *c, uint32_t subject,
		uint32_t reporter, int64_t at_us, bool apply_flag)
{
	struct subj *s = subj_get(subject);
	struct offender *o;
	uint32_t i, in_window = 0;
	size_t ring = c->reports > 0 ? (size_t)c->reports : 1;

	if(!s || !(o = offender_get(c, s, subject)))
		return false;
	o->reports++;
	if(!o->first_us || at_us < o->first_us)
		o->first_us = at_us;
	if(at_us > o->last_us)
		o->last_us = at_us;
	for(i = 0; i < o->n_rep && o->rep[i] != reporter; i++)
		;
	if(reporter && i == o->n_rep && o->n_rep < TAMPER_MAX_REPORTERS)
		o->rep[o->n_rep++] = reporter;
	o->ring[o->ring_pos] = at_us;
	o->ring_pos = (uint32_t)((o->ring_pos + 1) % ring);
	if(o->ring_n < ring)
		o->ring_n++;
	for(i = 0; i < o->ring_n; i++)
		if(o->ring[i] > at_us - (int64_t)c->window * 1000000)
			in_window++;
	if(o->refused)
		return false;
	if(c->reporters > 0 && o->n_rep >= (uint32_t)c->reporters)
		o->why = "reporters";
	else if(c->reports > 0 && in_window >= (uint32_t)c->reports)
		o->why = "reports";
	else
		return false;
	o->refused = true;
	o->refused_us = at_us;
	if(apply_flag)
		set_refused(s, true);
	return true;
}

/* ---- the queue to the DB thread (mu held) ---- */

static int push_locked(const struct tamper_row *r)
{
	if(q_n >= TAMPER_QUEUE_MAX) {
		atomic_fetch_add(&queue_dropped, 1);
		return -1;
	}
	if(q_n == q_cap) {
		size_t cap = q_cap ? q_cap * 2 : 64;
		struct tamper_row *p = realloc(queue, cap * sizeof(*p));

		if(!p) {
			atomic_fetch_add(&queue_dropped, 1);
			return -1;
		}
		queue = p;
		q_cap = cap;
	}
	queue[q_n++] = *r;
	return 0;
}

size_t tamper_take(struct tamper_row **out)
{
	size_t n;

	pthread_mutex_lock(&mu);
	*out = queue;
	n = q_n;
	queue = NULL;
	q_n = q_cap = 0;
	pthread_mutex_unlock(&mu);
	return n;
}

void tamper_putback(const struct tamper_row *r, size_t n)
{
	struct tamper_row *old;
	size_t old_n, i;

	pthread_mutex_lock(&mu);
	old = queue;
	old_n = q_n;
	queue = NULL;
	q_n = q_cap = 0;
	for(i = 0; i < n; i++)
		push_locked(&r[i]);
	for(i = 0; i < old_n; i++)
		push_locked(&old[i]);
	pthread_mutex_unlock(&mu);
	free(old);
}

/* ---- loading from the database ---- */

void tamper_load_begin(void)
{
	pthread_mutex_lock(&mu);
	while(n_offs) {
		struct subj *s = subj_peek(offs[n_offs - 1]->subject);

		if(s)
			offender_drop(s);
		else
			free(offs[--n_offs]);
	}
}

void tamper_load_event(const struct tamper_config *c, const char *offender,
		const char *reporter, int64_t at_us)
{
	uint32_t o = acct_subject_id(offender);
	uint32_t r = reporter && *reporter ? acct_subject_id(reporter) : 0;

	if(o)
		apply(c, o, r, at_us, false);
}

size_t tamper_load_end(const struct tamper_config *c)
{
	size_t i, refused = 0;
	uint32_t p, k;

	/* what is queued is not in the database yet */
	for(i = 0; i < q_n; i++) {
		if(queue[i].kind == TR_REPORT)
			apply(c, queue[i].offender, queue[i].reporter, queue[i].at_us,
					false);
		else if(subj_peek(queue[i].offender))
			offender_drop(subj_peek(queue[i].offender));
	}
	for(p = 0; p < PAGES; p++) {
		struct subj *pg = atomic_load(&pages[p]);

		if(!pg)
			continue;
		for(k = 0; k < PAGE_SIZE; k++) {
			bool on = pg[k].off && pg[k].off->refused;

			set_refused(&pg[k], on);
			refused += on;
		}
	}
	pthread_mutex_unlock(&mu);
	return refused;
}

/* ---- POST /report/TOKEN ---- */

static int answer(struct tamper_reply *out, unsigned status, enum result r,
		const char *error, const char *reason)
{
	json_t *j;

	atomic_fetch_add(&results[r], 1);
	out->status = status;
	if(error)
		j = json_pack("{s:s, s:s}", "error", error, "reason", reason);
	else
		j = json_pack("{s:s}", "status", "accepted");
	out->body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	out->len = out->body ? strlen(out->body) : 0;
	json_decref(j);
	return 0;
}

static int refuse_token(
		struct tamper_reply *out, enum refusal rf, const char *detail)
{
	char msg[256];

	if(detail && *detail)
		snprintf(msg, sizeof(msg), "%s: %s", refusal_text(rf), detail);
	else
		snprintf(msg, sizeof(msg), "%s", refusal_text(rf));
	return answer(out, rf == RF_INTERNAL ? 500 : 403, RES_TOKEN,
			refusal_label(rf), msg);
}

/* token bucket of reporter (mu held); 0, or seconds to wait */
static int rate_check(
		const struct tamper_config *c, uint32_t reporter, int64_t t)
{
	struct subj *s = subj_get(reporter);
	double per_us = (double)c->rate / 60e6;

	if(!s)
		return 1;
	if(!s->refill_us) {
		s->tokens = (float)c->burst;
	} else if(t > s->refill_us) {
		s->tokens += (float)((double)(t - s->refill_us) * per_us);
		if(s->tokens > (float)c->burst)
			s->tokens = (float)c->burst;
	}
	s->refill_us = t;
	if(s->tokens >= 1.0f) {
		s->tokens -= 1.0f;
		return 0;
	}
	return (int)((1.0 - s->tokens) / per_us / 1e6) + 1;
}

static void addr_text(
		const uint8_t *ip, int ip_len, uint16_t port, char *out, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(ip_len == 16 ? AF_INET6 : AF_INET, ip, a, sizeof(a));
	snprintf(out, size, ip_len == 16 ? "[%s]:%u" : "%s:%u", a, port);
}

static int handle(struct worker *w, const char *tok, size_t tok_len,
		const char *body, size_t len, unsigned http_error,
		struct tamper_reply *out)
{
	const struct tamper_config *c = &w->t->cfg.tamper;
	struct treq r;
	struct adm_claims cl;
	struct tamper_row row;
	const char *why, *detail;
	enum refusal rf;
	struct swarm *sw;
	struct subj *s;
	uint32_t offender;
	int64_t t = now_us();
	int st, wait, rc;
	bool now_refused;

	memset(out, 0, sizeof(*out));
	if(http_error == 405)
		return answer(out, 405, RES_MALFORMED, "method_not_allowed",
				"use POST with an application/x-www-form-urlencoded body");
	if(http_error)
		return answer(out, 413, RES_MALFORMED, "too_large",
				"the request body is too large");
	if(treq_parse(body, len, &r, &why))
		return answer(out, 400, RES_MALFORMED, "malformed", why);
	if(atomic_load_explicit(&w->t->cat.tracker_muted, memory_order_relaxed))
		return refuse_token(out, RF_TRACKER_MUTED, NULL);
	rf = adm_check(&w->cache, tok, tok_len, t / 1000000, &cl, &detail);
	if(rf != RF_OK)
		return refuse_token(out, rf, detail);
	if(memcmp(cl.ih, r.info_hash, 20) != 0)
		return refuse_token(out, RF_WRONG_SWARM, NULL);
	sw = catalog_find(&w->t->cat, cl.ih);
	st = sw ? atomic_load_explicit(&sw->state, memory_order_acquire) : SW_NONE;
	if(st != SW_ACTIVE && st != SW_PENDING)
		return refuse_token(out,
				st == SW_MUTED	   ? RF_MUTED
				: st == SW_REMOVED ? RF_REMOVED
				: st == SW_FOREIGN ? RF_FOREIGN_TORRENT
								   : RF_UNKNOWN_TORRENT,
				NULL);
	if(!cl.subject)
		return refuse_token(out, RF_INTERNAL, "subject");

	pthread_mutex_lock(&mu);
	wait = rate_check(c, cl.subject, t);
	pthread_mutex_unlock(&mu);
	if(wait) {
		out->retry_after = wait;
		return answer(out, 429, RES_RATE, "rate_limited",
				"too many reports from this reporter: try again later");
	}

	pthread_mutex_lock(&sw->mu);
	offender = swarm_subject_at(&sw->peers, r.ip, r.ip_len, htons(r.port));
	pthread_mutex_unlock(&sw->mu);
	if(!offender)
		return answer(out, 422, RES_UNKNOWN_PEER, "unknown_peer",
				"no peer of this swarm at that address");
	if(offender == cl.subject)
		return answer(out, 422, RES_SELF, "self_report",
				"a peer cannot report itself");

	memset(&row, 0, sizeof(row));
	row.kind = TR_REPORT;
	row.offender = offender;
	row.reporter = cl.subject;
	row.sw = sw;
	memcpy(row.ip, r.ip, 16);
	row.ip_len = r.ip_len;
	row.port = r.port;
	row.piece = r.piece;
	row.count = r.count;
	row.at_us = t;
	pthread_mutex_lock(&mu);
	rc = push_locked(&row);
	now_refused = !rc && apply(c, offender, cl.subject, t, true);
	s = rc ? NULL : subj_peek(offender);
	if(s && s->off) {
		addr_text(r.ip, r.ip_len, r.port, s->off->last_addr,
				sizeof(s->off->last_addr));
		s->off->last_piece = r.piece;
	}
	pthread_mutex_unlock(&mu);
	if(rc)
		return answer(out, 503, RES_BUSY, "busy",
				"too many reports waiting for the database: try again "
				"later");
	if(now_refused)
		LOG_N("tamper: %s refused (%d distinct reporters or %d reports "
			  "in %d s reached), last reported by %s",
				acct_subject_name(offender), c->reporters, c->reports,
				c->window, acct_subject_name(cl.subject));
	return answer(out, 200, RES_ACCEPTED, NULL, NULL);
}

void tamper_handle(struct worker *w, const char *tok, size_t tok_len,
		const char *body, size_t len, unsigned http_error,
		struct tamper_reply *out)
{
	handle(w, tok, tok_len, body, len, http_error, out);
}

/* ---- admin API ---- */

static json_t *offender_json(const struct offender *o)
{
	json_t *j = json_pack("{s:s, s:b, s:I, s:I, s:f, s:f}", "subject",
			acct_subject_name(o->subject), "refused", o->refused, "reporters",
			(json_int_t)o->n_rep, "reports", (json_int_t)o->reports, "first",
			(double)o->first_us / 1e6, "last", (double)o->last_us / 1e6);

	if(!j)
		return NULL;
	if(o->refused) {
		json_object_set_new(j, "reason", json_string(o->why));
		json_object_set_new(
				j, "refused_at", json_real((double)o->refused_us / 1e6));
	}
	if(o->last_addr[0])
		json_object_set_new(j, "last_address", json_string(o->last_addr));
	if(o->last_piece >= 0)
		json_object_set_new(j, "last_piece", json_integer(o->last_piece));
	return j;
}

static json_t *list(void)
{
	json_t *a = json_array();
	uint32_t i;

	pthread_mutex_lock(&mu);
	for(i = 0; a && i < n_offs; i++)
		json_array_append_new(a, offender_json(offs[i]));
	pthread_mutex_unlock(&mu);
	return json_pack("{s:i, s:o}", "refused", (int)atomic_load(&n_refused),
			"offenders", a);
}

static json_t *clear(const char *subject, unsigned *status)
{
	uint32_t id = acct_subject_id(subject);
	struct subj *s;
	struct tamper_row row;
	bool was = false, known = false;
	int rc = -1;

	pthread_mutex_lock(&mu);
	s = subj_peek(id);
	if(s && s->off) {
		known = true;
		was = s->off->refused;
		offender_drop(s);
		set_refused(s, false);
		memset(&row, 0, sizeof(row));
		row.kind = TR_CLEAR;
		row.offender = id;
		row.at_us = now_us();
		rc = push_locked(&row);
	}
	pthread_mutex_unlock(&mu);
	if(!known) {
		*status = 404;
		return json_pack("{s:s}", "error", "no reports about that subject");
	}
	LOG_N("admin: tamper reports about %s cleared%s", subject,
			was ? " (no longer refused)" : "");
	*status = 200;
	return json_pack("{s:s, s:b, s:b, s:b}", "subject", subject, "cleared", 1,
			"was_refused", was, "queued", rc == 0);
}

json_t *tamper_admin(
		struct tracker *t, const char *url, int get, int post, unsigned *status)
{
	size_t n = strlen(url);
	char subject[512];

	(void)t;
	*status = 200;
	if(get && strcmp(url, "/tamper") == 0)
		return list();
	/* /tamper/SUBJECT/clear (libmicrohttpd unescaped SUBJECT) */
	if(post && n > 14 && strncmp(url, "/tamper/", 8) == 0
			&& strcmp(url + n - 6, "/clear") == 0 && n - 14 < sizeof(subject)) {
		memcpy(subject, url + 8, n - 14);
		subject[n - 14] = '\0';
		return clear(subject, status);
	}
	*status = 404;
	return json_pack(
			"{s:s}", "error", "use GET /tamper or POST /tamper/SUBJECT/clear");
}

void tamper_metrics(struct sbuf *b)
{
	int i;

	sbuf_puts(b, "# HELP p2pcd_tracker_tamper_reports_total Bad-piece "
				 "reports received, by result.\n# TYPE "
				 "p2pcd_tracker_tamper_reports_total counter\n");
	for(i = 0; i < RES_COUNT; i++)
		sbuf_printf(b,
				"p2pcd_tracker_tamper_reports_total{result=\"%s\"} %llu\n",
				res_label[i], (unsigned long long)atomic_load(&results[i]));
	sbuf_printf(b,
			"# HELP p2pcd_tracker_tamper_refused_announces_total Announces "
			"refused: the subject sent pieces that failed the hash "
			"check.\n# TYPE p2pcd_tracker_tamper_refused_announces_total "
			"counter\np2pcd_tracker_tamper_refused_announces_total %llu\n",
			(unsigned long long)atomic_load(&refused_announces));
	sbuf_printf(b,
			"# HELP p2pcd_tracker_tamper_refused_subjects Subjects refused "
			"for bad pieces.\n# TYPE p2pcd_tracker_tamper_refused_subjects "
			"gauge\np2pcd_tracker_tamper_refused_subjects %u\n",
			(unsigned)atomic_load(&n_refused));
	sbuf_printf(b,
			"# HELP p2pcd_tracker_tamper_dropped_total Reports not queued "
			"for the database (queue full) or not tracked (max_offenders)."
			"\n# TYPE p2pcd_tracker_tamper_dropped_total counter\n"
			"p2pcd_tracker_tamper_dropped_total %llu\n",
			(unsigned long long)(atomic_load(&queue_dropped)
								 + atomic_load(&offenders_dropped)));
}
