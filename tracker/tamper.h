/*
 * Bad-piece reports and the refusal of repeated offenders (DESIGN.md 7.2,
 * issue 7 requirement 2).
 *
 * A client whose BitTorrent engine saw a piece fail the hash check sends
 * POST /report/TOKEN (public listener; TOKEN is the reporter's admission
 * token for the swarm, checked by admission.c like an announce) with the
 * offending peer's address (tamper_req.h). The tracker maps the address
 * to the token subject of the peer it listed there (swarm_subject_at), so
 * the offence lands on a buyer identity, not on an address. A subject
 * reported by tamper.reporters distinct reporters (or tamper.reports
 * reports within tamper.window seconds) is refused on announce with
 * "refused: sent pieces that failed the hash check" and left out of the
 * peer lists handed to others, on every swarm of this tracker, until an
 * operator clears it (admin API).
 *
 * Reports reach PostgreSQL (peer_reports, kind 'bad_piece') in batches
 * from the DB thread (tamper_db.c); the state is rebuilt from them at
 * start and after every reconnect. Nothing here waits for the database.
 * The refused check on the announce path is one lock-free byte load.
 */
#ifndef P2PCD_TRACKER_TAMPER_H
#define P2PCD_TRACKER_TAMPER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tamper_config.h"

struct worker;
struct tracker;
struct swarm;
struct sbuf;

/* ---- announce path ---- */

/* subject (an accounting.h id) is refused */
bool tamper_refused(uint32_t subject);
/* any subject is refused at all (peer lists need filtering only then) */
bool tamper_active(void);
/* a swarm_pick_skip callback: skip refused subjects */
bool tamper_skip(uint32_t subject, void *arg);
/* the bencoded refusal of an announce by a refused subject (counted);
 * NULL only when out of memory */
uint8_t *tamper_refusal(size_t *len);

/* ---- POST /report/TOKEN ---- */

struct tamper_reply
{
	unsigned status; /* HTTP status */
	char *body;		 /* JSON, malloc()ed */
	size_t len;
	int retry_after; /* seconds, for 429 */
};

/*
 * One report on worker w's thread. http_error is 0, or 405 / 413 found
 * by the HTTP glue. The answer is always filled (body NULL only when out
 * of memory).
 */
void tamper_handle(struct worker *w, const char *tok, size_t tok_len,
		const char *body, size_t len, unsigned http_error,
		struct tamper_reply *out);

/* ---- admin API and metrics ---- */

/* GET /tamper, POST /tamper/SUBJECT/clear: the JSON answer and status */
json_t *tamper_admin(struct tracker *t, const char *url, int get, int post,
		unsigned *status);
void tamper_metrics(struct sbuf *b);

/* ---- the DB thread (tamper_db.c) ---- */

enum tamper_row_kind
{
	TR_REPORT = 0,
	TR_CLEAR,
};

struct tamper_row
{
	enum tamper_row_kind kind;
	uint32_t offender, reporter; /* subject ids */
	struct swarm *sw;			 /* reports only */
	uint8_t ip[16];
	int ip_len;
	uint16_t port; /* host order */
	int64_t piece; /* -1: not sent */
	uint32_t count;
	int64_t at_us; /* unix time, microseconds */
};

#define TAMPER_QUEUE_MAX 4096

/* the queued rows (caller free()s) */
size_t tamper_take(struct tamper_row **out);
/* back at the head of the queue after a failed flush */
void tamper_putback(const struct tamper_row *r, size_t n);

/*
 * Rebuild from the database: begin, one event per peer_reports row
 * (oldest first), end. The rows still queued are applied again at the
 * end, so nothing reported meanwhile is lost; announces see the old
 * refused set until end.
 */
void tamper_load_begin(void);
void tamper_load_event(const struct tamper_config *c, const char *offender,
		const char *reporter, int64_t at_us);
/* returns the number of refused subjects */
size_t tamper_load_end(const struct tamper_config *c);

/* in tamper_db.c: flush the queue, then (after a connect) load */
struct pg_conn; /* libpq's PGconn */
int tamper_db_flush(struct tracker *t, struct pg_conn *conn);
/* 0, or -1 (logged; the state in memory stays as it was) */
int tamper_db_load(struct tracker *t, struct pg_conn *conn);

#endif
