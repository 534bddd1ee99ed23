/*
 * p2pcd-tracker configuration: a libconfig file, every key optional except
 * tracker_id and the token key. Defaults are in config.c and documented in
 * tracker/p2pcd-tracker.conf and docs/tracker.md.
 */
#ifndef P2PCD_TRACKER_CONFIG_H
#define P2PCD_TRACKER_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "index_config.h"
#include "license_config.h"
#include "tamper_config.h"
#include "p2pcd/jws.h"

/* peer expiry is a 16-bit tick count (swarm.h) */
#define SWARM_TTL_MAX_SECONDS 100000

struct tracker_config
{
	char tracker_id[P2PCD_JWS_AUD_MAX + 1];
	char announce_url[512]; /* base URL registered for the AS */

	char listen_address[64];
	uint16_t listen_port;
	int threads; /* announce daemons; 0 = one per core */
	int connection_limit;
	int per_ip_limit; /* connections from one address per thread, 0 off */
	int connection_timeout;
	bool cpu_affinity; /* pin worker i to CPU i, steer by CPU (cpu_steer.h) */

	bool admin_enabled;
	char admin_address[64];
	uint16_t admin_port;
	char admin_token[256];

	/* token keys: current and optional previous, derived (hex) */
	uint32_t key_version;
	uint8_t key[P2PCD_JWS_KEY_LEN];
	uint32_t prev_key_version; /* 0: none */
	uint8_t prev_key[P2PCD_JWS_KEY_LEN];
	int token_skew;
	int token_cache_size; /* entries per announce thread */
	int negative_cache_seconds;

	int interval;
	int min_interval;
	int peer_timeout;
	int numwant_default;
	int numwant_max;
	int retry_in_minutes; /* BEP 31 hint for temporary refusals */

	/* DESIGN 7.1: bytes/s a peer may claim between announces, 0 = off */
	int report_max_rate;
	int report_slack; /* bytes allowed on top */
	/* cross-checks (reports.h) and the policy (offenders.h) */
	int report_interval;	   /* seconds between rounds; 0 = interval */
	int report_slack_percent;  /* of the others' downloads, on top */
	int report_seed_tolerance; /* percent of the size a seeder may lack */
	int report_policy;		   /* enum offender_policy */
	int report_strikes;		   /* flags within report_window */
	int report_window;		   /* seconds */

	bool db_enabled;		/* false: no database, the catalog stays empty */
	char db_conninfo[1024]; /* empty: libpq defaults and PG* variables */
	int db_flush_interval;
	int db_register_interval;
	int db_reconnect_interval;

	struct license_config lic;	 /* the license service role */
	struct index_config idx;	 /* the content index role */
	struct tamper_config tamper; /* bad-piece reports (tamper.h) */

	bool log_syslog;
	int log_level; /* LOG_ERR..LOG_DEBUG */
};

/*
 * Load path into c (defaults first). 0 on success; -1 with a message
 * ("file:line: ...") in err.
 */
int config_load(
		const char *path, struct tracker_config *c, char *err, size_t err_size);
void config_defaults(struct tracker_config *c);

#endif
