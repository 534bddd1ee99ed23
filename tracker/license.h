/*
 * The license service role (DESIGN.md 5): POST /license on the public
 * listener. The announce daemon that reads a request only collects it,
 * suspends the connection and queues a job; a pool of license workers,
 * each with its own PostgreSQL connection, verifies the token, checks
 * the grant and the content, opens the key and writes the audit row, then
 * resumes the connection. So no announce ever waits for the database.
 */
#ifndef P2PCD_TRACKER_LICENSE_H
#define P2PCD_TRACKER_LICENSE_H

#include <stddef.h>

#include "tracker.h"

struct MHD_Connection;

struct license_job
{
	struct MHD_Connection *con;
	char *auth; /* the Authorization header, NULL if none */
	char *body;
	size_t body_len;
	char peer[64]; /* client address, for the audit row */
	/* the answer, set by a worker before it resumes con */
	unsigned status;
	char *resp;
	size_t resp_len;
	struct license_job *next;
};

/* read the key files, start the workers (nothing if disabled). 0 or -1 */
int license_start(struct tracker *t);
/* answer what is queued (503), join the workers */
void license_stop(void);
/* SIGHUP: the token keys of c (current and previous). 0 or -1 */
int license_set_keys(const struct license_config *c);

/*
 * Queue j (its connection already suspended). 0, or -1 when the queue is
 * full or the service stops: then j holds a 503 answer and the caller
 * resumes the connection itself.
 */
int license_submit(struct license_job *j);

struct sbuf;
/* count an answer sent (by status) for /metrics */
void license_count(unsigned status);
/* p2pcd_tracker_licenses_total{status=...} and the queue gauge */
void license_metrics(struct sbuf *b);

/* a JSON error answer into j: {"error":CODE,"message":MSG} */
void license_error(struct license_job *j, unsigned status, const char *code,
		const char *msg);

#endif
