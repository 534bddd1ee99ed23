/*
 * The admin listener (its own address and port, bearer token):
 *   GET  /metrics                 Prometheus text
 *   GET  /swarms                  JSON list of swarms
 *   GET  /swarms/IH               JSON of one swarm (IH = 40 hex)
 *   POST /content/IH/mute|unmute  content state, through PostgreSQL
 *   POST /tracker/mute|unmute     this tracker's state
 *   GET  /health                  "ok"
 */
#ifndef P2PCD_TRACKER_HTTP_ADMIN_H
#define P2PCD_TRACKER_HTTP_ADMIN_H

#include "tracker.h"

int http_admin_start(struct tracker *t);
void http_admin_stop(struct tracker *t);

#endif
