/*
 * The content index role (DESIGN.md 2, docs/tracker.md "Index role"): a
 * libmicrohttpd daemon of its own, HTTPS only, on index.address:port,
 * with a pool of index.threads polling threads, each with its own
 * PostgreSQL connection (index_db.c). Never the announce listener, so no
 * announce waits for the database.
 *   GET /                     the catalog page (HTML)
 *   GET /content.json         the same rows as JSON
 *   GET /grants/GID           the grant JSON with the per-buyer torrent
 *   GET /grants/GID/torrent   the per-buyer .torrent
 */
#ifndef P2PCD_TRACKER_INDEX_HTTP_H
#define P2PCD_TRACKER_INDEX_HTTP_H

#include "tracker.h"

struct sbuf;

/* read the PEM files and start the listener (nothing if disabled) */
int index_start(struct tracker *t);
void index_stop(void);
/* p2pcd_tracker_index_requests_total{route,status} for /metrics */
void index_metrics(struct sbuf *b);

#endif
