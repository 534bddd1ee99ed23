/*
 * Bad-piece reports and PostgreSQL, on the DB thread only: the queued
 * reports go to peer_reports (kind 'bad_piece') and operator clearances
 * to peer_report_clearances in one batch each; after a (re)connect the
 * refused set is rebuilt from the reports not cleared since (tamper.h).
 */
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounting.h"
#include "catalog.h"
#include "db.h"
#include "log.h"
#include "p2pcd/infohash.h"
#include "sbuf.h"
#include "tamper.h"
#include "tracker.h"

static int flush_reports(
		PGconn *conn, const char *tracker_id, struct tamper_row *r, size_t n)
{
	struct sbuf h, o, rep, ip, port, piece, cnt, at;
	const char *p[9];
	size_t i, k = 0;
	int rc;

	sbuf_init(&h);
	sbuf_init(&o);
	sbuf_init(&rep);
	sbuf_init(&ip);
	sbuf_init(&port);
	sbuf_init(&piece);
	sbuf_init(&cnt);
	sbuf_init(&at);
	for(i = 0; i < n; i++) {
		char hex[41], a[INET6_ADDRSTRLEN];
		const char *sep = k ? "," : "{";

		if(r[i].kind != TR_REPORT)
			continue;
		k++;
		p2pcd_infohash_hex(r[i].sw->ih, hex);
		inet_ntop(
				r[i].ip_len == 16 ? AF_INET6 : AF_INET, r[i].ip, a, sizeof(a));
		sbuf_puts(&h, sep);
		sbuf_puts(&h, hex);
		sbuf_puts(&o, sep);
		sbuf_array_elem(&o, acct_subject_name(r[i].offender));
		sbuf_puts(&rep, sep);
		sbuf_array_elem(&rep, acct_subject_name(r[i].reporter));
		sbuf_puts(&ip, sep);
		sbuf_array_elem(&ip, a);
		sbuf_printf(&port, "%s%u", sep, r[i].port);
		sbuf_printf(&piece, "%s%lld", sep, (long long)r[i].piece);
		sbuf_printf(&cnt, "%s%u", sep, r[i].count);
		sbuf_printf(&at, "%s%lld", sep, (long long)r[i].at_us);
	}
	if(!k) {
		rc = 0;
		goto out;
	}
	sbuf_puts(&h, "}");
	sbuf_puts(&o, "}");
	sbuf_puts(&rep, "}");
	sbuf_puts(&ip, "}");
	sbuf_puts(&port, "}");
	sbuf_puts(&piece, "}");
	sbuf_puts(&cnt, "}");
	sbuf_puts(&at, "}");
	p[0] = tracker_id;
	p[1] = h.p;
	p[2] = o.p;
	p[3] = rep.p;
	p[4] = ip.p;
	p[5] = port.p;
	p[6] = piece.p;
	p[7] = cnt.p;
	p[8] = at.p;
	rc = h.oom || o.oom || rep.oom || ip.oom || port.oom || piece.oom || cnt.oom
		 || at.oom
		 || db_run(conn,
				 "INSERT INTO peer_reports (kind, info_hash, offender, "
				 "reporter, tracker_id, evidence, created) SELECT "
				 "'bad_piece', decode(u.h, 'hex'), u.o, u.r, $1, "
				 "jsonb_build_object('ip', u.ip, 'port', u.port, 'piece', "
				 "nullif(u.piece, -1), 'count', u.n), "
				 "to_timestamp(u.t / 1000000.0) FROM unnest($2::text[], "
				 "$3::text[], $4::text[], $5::text[], $6::int[], "
				 "$7::bigint[], $8::int[], $9::bigint[]) AS u(h, o, r, ip, "
				 "port, piece, n, t)",
				 9, p, NULL);
out:
	sbuf_free(&h);
	sbuf_free(&o);
	sbuf_free(&rep);
	sbuf_free(&ip);
	sbuf_free(&port);
	sbuf_free(&piece);
	sbuf_free(&cnt);
	sbuf_free(&at);
	return rc ? -1 : 0;
}

static int flush_clears(
		PGconn *conn, const char *tracker_id, struct tamper_row *r, size_t n)
{
	struct sbuf o, at;
	const char *p[3];
	size_t i, k = 0;
	int rc;

	sbuf_init(&o);
	sbuf_init(&at);
	for(i = 0; i < n; i++) {
		if(r[i].kind != TR_CLEAR)
			continue;
		sbuf_puts(&o, k ? "," : "{");
		sbuf_array_elem(&o, acct_subject_name(r[i].offender));
		sbuf_printf(&at, "%s%lld", k ? "," : "{", (long long)r[i].at_us);
		k++;
	}
	rc = 0;
	if(k) {
		sbuf_puts(&o, "}");
		sbuf_puts(&at, "}");
		p[0] = tracker_id;
		p[1] = o.p;
		p[2] = at.p;
		rc = o.oom || at.oom
			 || db_run(conn,
					 "INSERT INTO peer_report_clearances (offender, kind, "
					 "cleared, tracker_id) SELECT u.o, 'bad_piece', "
					 "max(to_timestamp(u.t / 1000000.0)), $1 FROM "
					 "unnest($2::text[], $3::bigint[]) AS u(o, t) GROUP BY "
					 "u.o ON CONFLICT (offender, kind) DO UPDATE SET "
					 "cleared = greatest(peer_report_clearances.cleared, "
					 "EXCLUDED.cleared), tracker_id = EXCLUDED.tracker_id",
					 3, p, NULL);
	}
	sbuf_free(&o);
	sbuf_free(&at);
	return rc ? -1 : 0;
}

int tamper_db_flush(struct tracker *t, PGconn *conn)
{
	struct tamper_row *r;
	size_t n = tamper_take(&r);
	int rc = 0;

	if(n) {
		/* one transaction: a failed batch is put back whole */
		rc = db_run(conn, "BEGIN", 0, NULL, NULL);
		if(!rc)
			rc = flush_reports(conn, t->cfg.tracker_id, r, n)
				 || flush_clears(conn, t->cfg.tracker_id, r, n);
		if(!rc)
			rc = db_run(conn, "COMMIT", 0, NULL, NULL);
		else
			db_run(conn, "ROLLBACK", 0, NULL, NULL);
		if(rc)
			tamper_putback(r, n);
	}
	free(r);
	return rc ? -1 : 0;
}

int tamper_db_load(struct tracker *t, PGconn *conn)
{
	const struct tamper_config *c = &t->cfg.tamper;
	char limit[16];
	const char *p[1] = {limit};
	PGresult *r;
	int i, n;
	size_t refused;

	if(!c->enabled)
		return 0;
	snprintf(limit, sizeof(limit), "%d", c->load_limit);
	/* every tracker's reports: a buyer identity is refused for what it
	 * did anywhere; the newest load_limit rows, oldest first */
	if(db_run(conn,
			   "SELECT offender, coalesce(reporter, ''), (extract(epoch "
			   "FROM created) * 1000000)::bigint FROM (SELECT offender, "
			   "reporter, created, id FROM peer_reports p WHERE kind = "
			   "'bad_piece' AND NOT EXISTS (SELECT 1 FROM "
			   "peer_report_clearances c WHERE c.offender = p.offender AND "
			   "c.kind = 'bad_piece' AND c.cleared >= p.created) ORDER BY "
			   "created DESC, id DESC LIMIT $1) AS r ORDER BY created, id",
			   1, p, &r))
		return -1;
	n = PQntuples(r);
	tamper_load_begin();
	for(i = 0; i < n; i++)
		tamper_load_event(c, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
				strtoll(PQgetvalue(r, i, 2), NULL, 10));
	refused = tamper_load_end(c);
	PQclear(r);
	LOG_I("tamper: %d bad-piece report(s) loaded, %zu subject(s) refused", n,
			refused);
	return 0;
}
