/*
 * The daemon's shared state: configuration, catalog, the announce workers
 * (one single-threaded libmicrohttpd daemon each) and health numbers the
 * admin listener and the DB thread report.
 */
#ifndef P2PCD_TRACKER_TRACKER_H
#define P2PCD_TRACKER_TRACKER_H

#include <stdatomic.h>
#include <stdint.h>

#include "admission.h"
#include "catalog.h"
#include "config.h"
#include "counter.h"
#include "refusal.h"

struct MHD_Daemon;

/* one announce daemon and what only its thread touches */
struct worker
{
	struct tracker *t;
	struct MHD_Daemon *mhd;
	struct adm_cache cache;
	uint64_t rng;
	int cpu; /* the CPU this worker is pinned to, -1 none */
	/* written by the owner, read by /metrics */
	counter_t announces, scrapes, not_found;
	counter_t refusals[RF_COUNT];
} __attribute__((aligned(64))); /* no false sharing between workers */

struct tracker
{
	struct tracker_config cfg;
	const char *config_path;
	struct catalog cat;
	struct worker *workers;
	int n_workers;
	struct MHD_Daemon *admin;
	uint8_t peer_hash_key[16]; /* keys the peer-id hash (swarm.h) */
	int64_t started;
	_Atomic int stopping;
	_Atomic int db_up;
	_Atomic int64_t last_flush; /* unix time of the last good flush */
	_Atomic int64_t last_catalog_load;
	_Atomic uint64_t flushes_failed;
	_Atomic uint64_t notifications;
	_Atomic uint64_t expired_peers;
};

#endif
