/*
 * The database thread: the only code that talks to PostgreSQL for the
 * announce side. It loads the catalog, LISTENs on p2pcd_content and
 * p2pcd_tracker and applies each NOTIFY at once, registers the tracker,
 * flushes swarm_stats and transfer_totals in batches, and reconnects
 * (reloading the catalog) after PostgreSQL comes back. Announces never
 * wait for it.
 */
#ifndef P2PCD_TRACKER_DB_H
#define P2PCD_TRACKER_DB_H

#include <libpq-fe.h>

#include "tracker.h"

int db_start(struct tracker *t);
/* one parameterised statement on conn (the DB thread's own code and the
 * tamper flushes): 0 if it succeeded, else -1 with a warning logged.
 * *res (if asked) must be PQclear()ed */
int db_run(PGconn *conn, const char *sql, int n, const char *const *p,
		PGresult **res);
/* final flush, then join */
void db_stop(struct tracker *t);

/*
 * Synchronous state change for the admin API (its own connection, never
 * the announce path): content by info-hash, or the tracker itself when ih
 * is NULL. 1 if a row changed, 0 if none matched, -1 if the DB failed.
 */
int db_admin_set_state(struct tracker *t, const uint8_t *ih, const char *state);

/*
 * Clear a subject's strikes (admin API): peer_policy.cleared_at = now(),
 * whose NOTIFY clears it on every tracker. 1, or -1 if the DB failed.
 */
int db_admin_clear_subject(struct tracker *t, const char *subject);

#endif
