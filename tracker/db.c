/* The database thread and the admin API's state changes: see db.h. */
#include "db.h"

#include <errno.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accounting.h"
#include "log.h"
#include "offenders.h"
#include "reports.h"
#include "p2pcd/infohash.h"
#include "sbuf.h"
#include "tamper.h"

static pthread_mutex_t admin_mu = PTHREAD_MUTEX_INITIALIZER;
static PGconn *admin_conn;
static pthread_t db_thr;
static int db_running;
static int wake[2] = {-1, -1};
static uint32_t cat_gen;
static uint64_t last_announces;
static int64_t last_announces_at;

static PGconn *db_connect(const struct tracker_config *c)
{
	const char *keys[] = {
			"dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {c->db_conninfo, "3", "p2pcd-tracker", NULL};
	PGconn *conn;

	/* an empty conninfo keeps the PG* variables and libpq defaults */
	if(!c->db_conninfo[0]) {
		keys[0] = "connect_timeout";
		vals[0] = "3";
		keys[1] = "application_name";
		vals[1] = "p2pcd-tracker";
		keys[2] = vals[2] = NULL;
	}
	conn = PQconnectdbParams(keys, vals, 1);
	if(PQstatus(conn) != CONNECTION_OK) {
		LOG_D("database: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

int db_run(PGconn *conn, const char *sql, int n, const char *const *p,
		PGresult **res)
{
	PGresult *r = PQexecParams(conn, sql, n, NULL, p, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if(st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		LOG_W("database: %s", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	if(res)
		*res = r;
	else
		PQclear(r);
	return 0;
}

struct load_count
{
	uint32_t swarms, peers;
};

static void count_swarm(struct swarm *s, void *arg)
{
	struct load_count *lc = arg;
	int st = atomic_load(&s->state);

	if(st == SW_ACTIVE || st == SW_PENDING)
		lc->swarms++;
	pthread_mutex_lock(&s->mu);
	lc->peers += swarm_peer_count(&s->peers);
	pthread_mutex_unlock(&s->mu);
}

static uint64_t total_announces(struct tracker *t)
{
	uint64_t n = 0;
	int i;

	for(i = 0; i < t->n_workers; i++)
		n += atomic_load(&t->workers[i].announces);
	return n;
}

static void set_tracker_state(struct tracker *t, const char *state)
{
	int muted = strcmp(state, "muted") == 0;

	if(atomic_exchange(&t->cat.tracker_muted, muted) != muted)
		LOG_N("tracker %s is now %s", t->cfg.tracker_id, state);
}

/* upsert our trackers row (liveness and load); learn our state */
static int register_tracker(struct tracker *t, PGconn *conn)
{
	struct load_count lc = {0, 0};
	char swarms[16], peers[16], rate[32];
	const char *p[5];
	PGresult *r;
	int64_t now = time(NULL);
	uint64_t ann = total_announces(t);
	double aps = 0;

	catalog_each(&t->cat, count_swarm, &lc);
	if(last_announces_at && now > last_announces_at)
		aps = (double)(ann - last_announces)
			  / (double)(now - last_announces_at);
	last_announces = ann;
	last_announces_at = now;
	snprintf(swarms, sizeof(swarms), "%u", lc.swarms);
	snprintf(peers, sizeof(peers), "%u", lc.peers);
	snprintf(rate, sizeof(rate), "%.1f", aps);
	p[0] = t->cfg.tracker_id;
	p[1] = t->cfg.announce_url;
	p[2] = swarms;
	p[3] = peers;
	p[4] = rate;
	if(db_run(conn,
			   "INSERT INTO trackers (id, announce_url, last_seen, "
			   "swarms, peers, announces_per_s) VALUES ($1, $2, "
			   "now(), $3, $4, $5) ON CONFLICT (id) DO UPDATE SET "
			   "announce_url = EXCLUDED.announce_url, last_seen = "
			   "now(), swarms = EXCLUDED.swarms, peers = "
			   "EXCLUDED.peers, announces_per_s = "
			   "EXCLUDED.announces_per_s RETURNING state",
			   5, p, &r))
		return -1;
	if(PQntuples(r) == 1)
		set_tracker_state(t, PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

/* completions counted before (this or an earlier run): scrape's
 * "downloaded" goes on from the database's count, and only what happened
 * since is flushed as a delta */
static void adopt_completed(struct swarm *sw, uint64_t in_db)
{
	pthread_mutex_lock(&sw->mu);
	if(in_db > sw->completed_flushed) {
		sw->completed += in_db - sw->completed_flushed;
		sw->completed_flushed = in_db;
	}
	pthread_mutex_unlock(&sw->mu);
}

static int load_catalog(struct tracker *t, PGconn *conn)
{
	const char *p[1] = {t->cfg.tracker_id};
	PGresult *r;
	int i, n;
	unsigned retired;
	struct swarm *sw;

	if(db_run(conn,
			   "SELECT encode(c.info_hash, 'hex'), c.state, c.doi, "
			   "coalesce(ss.completed, 0) FROM content c LEFT JOIN "
			   "swarm_stats ss ON ss.tracker_id = c.tracker_id AND "
			   "ss.info_hash = c.info_hash WHERE c.tracker_id = $1",
			   1, p, &r))
		return -1;
	cat_gen++;
	n = PQntuples(r);
	for(i = 0; i < n; i++) {
		uint8_t ih[20];
		const char *hex = PQgetvalue(r, i, 0);

		if(p2pcd_infohash_from_hex(hex, strlen(hex), ih))
			continue;
		sw = catalog_set(&t->cat, ih, swarm_state_parse(PQgetvalue(r, i, 1)),
				PQgetvalue(r, i, 2), cat_gen);
		if(!sw) {
			LOG_E("catalog: out of memory");
			continue;
		}
		adopt_completed(sw, strtoull(PQgetvalue(r, i, 3), NULL, 10));
	}
	PQclear(r);
	retired = catalog_retire_except(&t->cat, cat_gen);
	atomic_store(&t->last_catalog_load, (int64_t)time(NULL));
	LOG_I("catalog loaded: %d item(s) for %s, %u retired", n, t->cfg.tracker_id,
			retired);
	return 0;
}

static void apply_content(struct tracker *t, json_t *j)
{
	const char *hex = json_string_value(json_object_get(j, "info_hash"));
	const char *state = json_string_value(json_object_get(j, "state"));
	const char *trk = json_string_value(json_object_get(j, "tracker"));
	const char *doi = json_string_value(json_object_get(j, "doi"));
	uint8_t ih[20];
	struct swarm *s;

	if(!hex || !state || !trk || p2pcd_infohash_from_hex(hex, strlen(hex), ih))
		return;
	if(strcmp(trk, t->cfg.tracker_id) != 0) {
		/* moved to another tracker: refuse it here from now on */
		s = catalog_find(&t->cat, ih);
		if(s)
			atomic_store(&s->state, SW_FOREIGN);
		return;
	}
	catalog_set(&t->cat, ih, swarm_state_parse(state), doi, cat_gen);
	LOG_I("content %s (%s) is now %s", doi ? doi : "?", hex, state);
}

static void handle_notifies(struct tracker *t, PGconn *conn)
{
	PGnotify *n;

	while((n = PQnotifies(conn))) {
		json_t *j = json_loads(n->extra, 0, NULL);

		atomic_fetch_add(&t->notifications, 1);
		if(j && strcmp(n->relname, "p2pcd_content") == 0) {
			apply_content(t, j);
		} else if(j && strcmp(n->relname, "p2pcd_tracker") == 0) {
			const char *id = json_string_value(json_object_get(j, "id"));
			const char *st = json_string_value(json_object_get(j, "state"));

			if(id && st && strcmp(id, t->cfg.tracker_id) == 0)
				set_tracker_state(t, st);
		} else if(j && strcmp(n->relname, "p2pcd_peer_policy") == 0) {
			/* an operator cleared a subject (here or elsewhere) */
			const char *sub = json_string_value(json_object_get(j, "subject"));
			json_t *at = json_object_get(j, "cleared_at");
			uint32_t id = sub ? acct_subject_id(sub) : 0;

			if(id && json_is_number(at)) {
				offenders_clear(id, (int64_t)json_number_value(at));
				LOG_N("subject %s cleared of its strikes", sub);
			}
		}
		json_decref(j);
		PQfreemem(n);
	}
}

struct stat_batch
{
	struct swarm **sw;
	uint64_t *completed; /* the count each row's delta runs up to */
	size_t n, cap;
	struct sbuf h, s, l, c;
};

static void collect_stats(struct swarm *sw, void *arg)
{
	struct stat_batch *b = arg;
	char hex[41];

	if(b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct swarm **p = realloc(b->sw, cap * sizeof(*p));
		uint64_t *q;

		if(!p)
			return;
		b->sw = p;
		q = realloc(b->completed, cap * sizeof(*q));
		if(!q)
			return;
		b->completed = q;
		b->cap = cap;
	}
	pthread_mutex_lock(&sw->mu);
	if(!sw->dirty) {
		pthread_mutex_unlock(&sw->mu);
		return;
	}
	sw->dirty = false;
	p2pcd_infohash_hex(sw->ih, hex);
	sbuf_puts(&b->h, b->n ? "," : "{");
	sbuf_puts(&b->h, hex);
	sbuf_printf(&b->s, "%s%u", b->n ? "," : "{", sw->peers.seeders);
	sbuf_printf(&b->l, "%s%u", b->n ? "," : "{", sw->peers.leechers);
	sbuf_printf(&b->c, "%s%llu", b->n ? "," : "{",
			(unsigned long long)(sw->completed - sw->completed_flushed));
	b->completed[b->n] = sw->completed;
	b->sw[b->n++] = sw;
	pthread_mutex_unlock(&sw->mu);
}

static int flush_stats(struct tracker *t, PGconn *conn)
{
	struct stat_batch b;
	const char *p[5];
	size_t i;
	int rc = 0;

	memset(&b, 0, sizeof(b));
	catalog_each(&t->cat, collect_stats, &b);
	if(b.n) {
		sbuf_puts(&b.h, "}");
		sbuf_puts(&b.s, "}");
		sbuf_puts(&b.l, "}");
		sbuf_puts(&b.c, "}");
		p[0] = t->cfg.tracker_id;
		p[1] = b.h.p;
		p[2] = b.s.p;
		p[3] = b.l.p;
		p[4] = b.c.p;
		rc = b.h.oom || b.s.oom || b.l.oom || b.c.oom
			 || db_run(conn,
					 "INSERT INTO swarm_stats (tracker_id, "
					 "info_hash, seeders, leechers, completed, "
					 "updated) SELECT $1, decode(u.h, 'hex'), "
					 "u.s, u.l, u.c, now() FROM "
					 "unnest($2::text[], $3::int[], $4::int[], "
					 "$5::bigint[]) AS u(h, s, l, c) ON CONFLICT "
					 "(tracker_id, info_hash) DO UPDATE SET "
					 "seeders = EXCLUDED.seeders, leechers = "
					 "EXCLUDED.leechers, completed = "
					 "swarm_stats.completed + EXCLUDED.completed, "
					 "updated = now()",
					 5, p, NULL);
		for(i = 0; i < b.n; i++) {
			pthread_mutex_lock(&b.sw[i]->mu);
			if(rc)
				b.sw[i]->dirty = true;
			else
				b.sw[i]->completed_flushed = b.completed[i];
			pthread_mutex_unlock(&b.sw[i]->mu);
		}
	}
	free(b.sw);
	free(b.completed);
	sbuf_free(&b.h);
	sbuf_free(&b.s);
	sbuf_free(&b.l);
	sbuf_free(&b.c);
	return rc ? -1 : 0;
}

static int flush_transfers(PGconn *conn)
{
	struct acct_delta *d;
	size_t i, n = acct_take(&d);
	struct sbuf s, h, u, w;
	const char *p[4];
	int rc = 0;

	if(!n) {
		free(d);
		return 0;
	}
	sbuf_init(&s);
	sbuf_init(&h);
	sbuf_init(&u);
	sbuf_init(&w);
	for(i = 0; i < n; i++) {
		char hex[41];
		const char *sep = i ? "," : "{";

		p2pcd_infohash_hex(d[i].sw->ih, hex);
		sbuf_puts(&s, sep);
		sbuf_array_elem(&s, acct_subject_name(d[i].subject));
		sbuf_puts(&h, sep);
		sbuf_puts(&h, hex);
		sbuf_printf(&u, "%s%llu", sep, (unsigned long long)d[i].up);
		sbuf_printf(&w, "%s%llu", sep, (unsigned long long)d[i].down);
	}
	sbuf_puts(&s, "}");
	sbuf_puts(&h, "}");
	sbuf_puts(&u, "}");
	sbuf_puts(&w, "}");
	p[0] = s.p;
	p[1] = h.p;
	p[2] = u.p;
	p[3] = w.p;
	rc = s.oom || h.oom || u.oom || w.oom
		 || db_run(conn,
				 "INSERT INTO transfer_totals (subject, info_hash, "
				 "uploaded, downloaded, updated) SELECT u.s, "
				 "decode(u.h, 'hex'), u.u, u.d, now() FROM "
				 "unnest($1::text[], $2::text[], $3::bigint[], "
				 "$4::bigint[]) AS u(s, h, u, d) ON CONFLICT "
				 "(subject, info_hash) DO UPDATE SET uploaded = "
				 "transfer_totals.uploaded + EXCLUDED.uploaded, "
				 "downloaded = transfer_totals.downloaded + "
				 "EXCLUDED.downloaded, updated = now()",
				 4, p, NULL);
	if(rc)
		acct_putback(d, n);
	free(d);
	sbuf_free(&s);
	sbuf_free(&h);
	sbuf_free(&u);
	sbuf_free(&w);
	return rc ? -1 : 0;
}

/* the queued flags, one statement; each is a strike here at once */
static int flush_reports(struct tracker *t, PGconn *conn)
{
	struct report *r;
	size_t i, n = reports_take(&r);
	struct sbuf h, s, e, w;
	const char *p[5];
	int rc;

	if(!n) {
		free(r);
		return 0;
	}
	sbuf_init(&h);
	sbuf_init(&s);
	sbuf_init(&e);
	sbuf_init(&w);
	for(i = 0; i < n; i++) {
		char hex[41], ev[768];
		const char *sep = i ? "," : "{";

		reports_evidence(&r[i], t->cfg.tracker_id, ev, sizeof(ev));
		if(!r[i].struck) {
			offenders_strike(r[i].subject, r[i].at, ev);
			r[i].struck = true;
			LOG_N("inconsistent transfer reports (%s) by %s",
					reports_check_name((enum report_check)r[i].check),
					acct_subject_name(r[i].subject));
		}
		p2pcd_infohash_hex(r[i].sw->ih, hex);
		sbuf_puts(&h, sep);
		sbuf_puts(&h, hex);
		sbuf_puts(&s, sep);
		sbuf_array_elem(&s, acct_subject_name(r[i].subject));
		sbuf_puts(&e, sep);
		sbuf_array_elem(&e, ev);
		sbuf_printf(&w, "%s%lld", sep, (long long)r[i].at);
	}
	sbuf_puts(&h, "}");
	sbuf_puts(&s, "}");
	sbuf_puts(&e, "}");
	sbuf_puts(&w, "}");
	p[0] = t->cfg.tracker_id;
	p[1] = h.p;
	p[2] = s.p;
	p[3] = e.p;
	p[4] = w.p;
	/* created = when it was found: a clear (peer_policy) in between
	 * forgives it */
	rc = h.oom || s.oom || e.oom || w.oom
		 || db_run(conn,
				 "INSERT INTO peer_reports (kind, info_hash, offender, "
				 "tracker_id, evidence, created) SELECT 'inconsistent', "
				 "decode(u.h, 'hex'), u.s, $1, u.e::jsonb, "
				 "to_timestamp(u.w) FROM unnest($2::text[], $3::text[], "
				 "$4::text[], $5::bigint[]) AS u(h, s, e, w)",
				 5, p, NULL);
	if(rc)
		reports_putback(r, n);
	free(r);
	sbuf_free(&h);
	sbuf_free(&s);
	sbuf_free(&e);
	sbuf_free(&w);
	return rc ? -1 : 0;
}

/* strikes of every tracker from peer_reports (since each subject's
 * clearing, within the window): the offender set (offenders.h) */
static int load_offenders(struct tracker *t, PGconn *conn)
{
	char win[16];
	const char *p[1] = {win};
	PGresult *r;
	int64_t round, now = time(NULL);
	int i, n;

	snprintf(win, sizeof(win), "%d", t->cfg.report_window);
	round = offenders_db_begin();
	if(db_run(conn,
			   "SELECT r.offender, count(*), extract(epoch FROM "
			   "max(r.created))::bigint, (array_agg(r.evidence::text "
			   "ORDER BY r.created DESC))[1] FROM peer_reports r LEFT "
			   "JOIN peer_policy p ON p.subject = r.offender WHERE "
			   "r.kind = 'inconsistent' AND r.created > now() - "
			   "make_interval(secs => $1::int) AND (p.cleared_at IS NULL "
			   "OR r.created > p.cleared_at) GROUP BY r.offender "
			   "ORDER BY count(*) DESC LIMIT 100000",
			   1, p, &r))
		return -1;
	n = PQntuples(r);
	for(i = 0; i < n; i++) {
		uint32_t id = acct_subject_id(PQgetvalue(r, i, 0));

		if(id)
			offenders_db_set(id, round,
					(uint32_t)strtoul(PQgetvalue(r, i, 1), NULL, 10),
					strtoll(PQgetvalue(r, i, 2), NULL, 10),
					PQgetvalue(r, i, 3));
	}
	PQclear(r);
	offenders_db_end(round, now);
	return 0;
}

/* a seeding claim the ledger cannot vouch for: what transfer_totals
 * recorded (this and earlier runs, every tracker) decides */
static void resolve_claim(
		struct tracker *t, PGconn *conn, const struct seed_claim *c)
{
	char hex[41];
	const char *p[2];
	PGresult *r;
	uint64_t recorded = 0;
	struct report rep;

	p2pcd_infohash_hex(c->sw->ih, hex);
	p[0] = acct_subject_name(c->subject);
	p[1] = hex;
	if(db_run(conn,
			   "SELECT coalesce(sum(downloaded), 0) FROM transfer_totals "
			   "WHERE subject = $1 AND info_hash = decode($2, 'hex')",
			   2, p, &r)) {
		reports_claim_done(c, -1);
		return;
	}
	if(PQntuples(r) == 1)
		recorded = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if(recorded >= c->required) {
		reports_claim_done(c, 0);
		return;
	}
	memset(&rep, 0, sizeof(rep));
	rep.subject = c->subject;
	rep.sw = c->sw;
	rep.check = CHECK_SEED;
	rep.at = time(NULL);
	rep.v[0] = c->got;
	rep.v[1] = recorded;
	rep.v[2] = c->size;
	rep.v[3] = c->required;
	rep.v[4] = c->size_first;
	reports_add(&rep);
	reports_claim_done(c, 1);
	(void)t;
}

/* one cross-check round (reports.h), then the offender set again */
static int report_round(struct tracker *t, PGconn *conn)
{
	struct seed_claim *c;
	size_t i, nc;
	int rc;

	reports_round((uint32_t)time(NULL), &c, &nc);
	if(!conn) {
		/* database down: the flags wait in the queue, the claims for
		 * the next round */
		for(i = 0; i < nc; i++)
			reports_claim_done(&c[i], -1);
		free(c);
		offenders_expire(time(NULL));
		return -1;
	}
	/* transfer_totals up to date before the claims are looked up */
	rc = flush_transfers(conn);
	for(i = 0; i < nc; i++)
		resolve_claim(t, conn, &c[i]);
	free(c);
	rc |= flush_reports(t, conn);
	rc |= load_offenders(t, conn);
	offenders_expire(time(NULL));
	return rc;
}

static int flush_all(struct tracker *t, PGconn *conn)
{
	int rc = flush_stats(t, conn);

	rc |= flush_transfers(conn);
	rc |= flush_reports(t, conn);
	rc |= tamper_db_flush(t, conn);
	if(rc)
		atomic_fetch_add(&t->flushes_failed, 1);
	else
		atomic_store(&t->last_flush, (int64_t)time(NULL));
	return rc;
}

/* LISTEN first, then register and load: no change can fall between */
static int db_setup(struct tracker *t, PGconn *conn)
{
	if(db_run(conn, "LISTEN p2pcd_content", 0, NULL, NULL)
			|| db_run(conn, "LISTEN p2pcd_tracker", 0, NULL, NULL)
			|| db_run(conn, "LISTEN p2pcd_peer_policy", 0, NULL, NULL)
			|| register_tracker(t, conn) || load_catalog(t, conn)
			|| load_offenders(t, conn))
		return -1;
	/* bad-piece reports: queued ones first, then the refused set from
	 * all of them; a failure here only keeps the set as it was */
	if(tamper_db_flush(t, conn) == 0)
		tamper_db_load(t, conn);
	return 0;
}

/* sleep up to ms, returning early when woken for shutdown */
static void nap(int ms)
{
	struct pollfd pf = {.fd = wake[0], .events = POLLIN};

	poll(&pf, 1, ms);
}

static void *db_main(void *arg)
{
	struct tracker *t = arg;
	const struct tracker_config *c = &t->cfg;
	PGconn *conn = NULL;
	int64_t next_reg = 0, next_flush = 0, now;
	int64_t next_round =
			time(NULL)
			+ (c->report_interval ? c->report_interval : c->interval);
	int round_every = c->report_interval ? c->report_interval : c->interval;
	int warned = 0;

	while(!atomic_load(&t->stopping)) {
		struct pollfd pf[2];

		if(!conn) {
			conn = db_connect(c);
			if(conn && db_setup(t, conn)) {
				PQfinish(conn);
				conn = NULL;
			}
			if(!conn) {
				if(time(NULL) >= next_round) {
					next_round = time(NULL) + round_every;
					report_round(t, NULL);
				}
				if(!warned++)
					LOG_W("database unavailable: serving "
						  "the last catalog, retrying "
						  "every %d s",
							c->db_reconnect_interval);
				nap(c->db_reconnect_interval * 1000);
				continue;
			}
			LOG_I("database connected");
			warned = 0;
			atomic_store(&t->db_up, 1);
			next_reg = time(NULL) + c->db_register_interval;
			next_flush = time(NULL) + c->db_flush_interval;
		}
		pf[0].fd = PQsocket(conn);
		pf[0].events = POLLIN;
		pf[1].fd = wake[0];
		pf[1].events = POLLIN;
		poll(pf, 2, 250);
		if(!PQconsumeInput(conn) && PQstatus(conn) != CONNECTION_OK)
			goto lost;
		handle_notifies(t, conn);
		now = time(NULL);
		if(now >= next_reg) {
			next_reg = now + c->db_register_interval;
			if(register_tracker(t, conn) && PQstatus(conn) != CONNECTION_OK)
				goto lost;
		}
		if(now >= next_flush) {
			next_flush = now + c->db_flush_interval;
			if(flush_all(t, conn) && PQstatus(conn) != CONNECTION_OK)
				goto lost;
		}
		if(now >= next_round) {
			next_round = now + round_every;
			if(report_round(t, conn) && PQstatus(conn) != CONNECTION_OK)
				goto lost;
		}
		handle_notifies(t, conn);
		if(PQstatus(conn) == CONNECTION_OK)
			continue;
	lost:
		LOG_W("database connection lost: %s", PQerrorMessage(conn));
		PQfinish(conn);
		conn = NULL;
		atomic_store(&t->db_up, 0);
	}
	/* shutdown: one last flush so no statistics are lost */
	if(!conn)
		conn = db_connect(c);
	if(conn) {
		if(flush_all(t, conn) == 0)
			LOG_I("statistics flushed");
		register_tracker(t, conn);
		PQfinish(conn);
	} else {
		LOG_W("database unavailable at shutdown: statistics since "
			  "the last flush are lost");
	}
	return NULL;
}

int db_start(struct tracker *t)
{
	const struct tracker_config *c = &t->cfg;
	int every = c->report_interval ? c->report_interval : c->interval;
	struct reports_params rp = {
			.slack = (uint64_t)c->report_slack,
			.slack_percent = c->report_slack_percent,
			.seed_tolerance = c->report_seed_tolerance,
			/* a first announce within one interval of the start may
			 * carry a session the previous run saw */
			.history_until = t->started + c->interval,
			.enabled = c->db_enabled,
			.expire = (uint32_t)(c->peer_timeout > 2 * every ? c->peer_timeout
															 : 2 * every),
	};

	reports_configure(&rp);
	offenders_configure((enum offender_policy)c->report_policy,
			c->report_strikes, c->report_window);
	if(!t->cfg.db_enabled)
		return 0;
	if(pipe(wake))
		return -1;
	if(pthread_create(&db_thr, NULL, db_main, t))
		return -1;
	db_running = 1;
	return 0;
}

void db_stop(struct tracker *t)
{
	(void)t;
	pthread_mutex_lock(&admin_mu);
	PQfinish(admin_conn);
	admin_conn = NULL;
	pthread_mutex_unlock(&admin_mu);
	if(!db_running)
		return;
	if(write(wake[1], "x", 1) < 0)
		LOG_W("db wake: %s", strerror(errno));
	pthread_join(db_thr, NULL);
	close(wake[0]);
	close(wake[1]);
	db_running = 0;
}

/* the admin API's own connection, (re)made on demand; admin_mu held */
static PGconn *admin_connection(struct tracker *t)
{
	if(admin_conn && PQstatus(admin_conn) != CONNECTION_OK) {
		PQfinish(admin_conn);
		admin_conn = NULL;
	}
	if(!admin_conn)
		admin_conn = db_connect(&t->cfg);
	return admin_conn;
}

int db_admin_set_state(struct tracker *t, const uint8_t *ih, const char *state)
{
	char hex[41];
	const char *p[3];
	PGresult *r;
	int rc = -1;

	if(!t->cfg.db_enabled)
		return -1;
	pthread_mutex_lock(&admin_mu);
	if(!admin_connection(t))
		goto out;
	p[1] = state;
	p[2] = t->cfg.tracker_id;
	if(ih) {
		p2pcd_infohash_hex(ih, hex);
		p[0] = hex;
		if(db_run(admin_conn,
				   "UPDATE content SET state = $2 WHERE "
				   "info_hash = decode($1, 'hex') AND "
				   "tracker_id = $3",
				   3, p, &r))
			goto out;
	} else {
		p[0] = t->cfg.tracker_id;
		if(db_run(admin_conn, "UPDATE trackers SET state = $2 WHERE id = $1", 2,
				   p, &r))
			goto out;
	}
	rc = atoi(PQcmdTuples(r)) > 0 ? 1 : 0;
	PQclear(r);
out:
	pthread_mutex_unlock(&admin_mu);
	return rc;
}

int db_admin_clear_subject(struct tracker *t, const char *subject)
{
	const char *p[2];
	PGresult *r;
	int rc = -1;

	if(!t->cfg.db_enabled)
		return -1;
	pthread_mutex_lock(&admin_mu);
	if(!admin_connection(t))
		goto out;
	p[0] = subject;
	p[1] = t->cfg.tracker_id;
	/* the trigger of 0007 notifies every tracker */
	if(db_run(admin_conn,
			   "INSERT INTO peer_policy (subject, cleared_at, cleared_by) "
			   "VALUES ($1, now(), 'admin@' || $2) ON CONFLICT (subject) DO "
			   "UPDATE SET cleared_at = now(), cleared_by = "
			   "EXCLUDED.cleared_by",
			   2, p, &r))
		goto out;
	PQclear(r);
	rc = 1;
out:
	pthread_mutex_unlock(&admin_mu);
	return rc;
}
