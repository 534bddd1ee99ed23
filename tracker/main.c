/*
 * p2pcd-tracker: the token-admitted BitTorrent tracker of DESIGN.md
 * section 4. Startup, signals and the housekeeping loop; the work is in
 * the announce workers (http_public.c) and the DB thread (db.c).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "accounting.h"
#include "db.h"
#include "http_admin.h"
#include "http_public.h"
#include "index_http.h"
#include "license.h"
#include "log.h"
#include "p2pcd/init.h"
#include "tracker.h"

#define SWEEP_SECONDS 5

static void usage(FILE *f)
{
	fprintf(f, "usage: p2pcd-tracker [-c FILE] [--check-config]\n"
			   "  -c, --config FILE   configuration (default "
			   "/etc/p2pcd/tracker.conf)\n"
			   "      --check-config  load and check FILE, then exit\n"
			   "SIGTERM/SIGINT stop (flushing statistics), SIGHUP "
			   "reloads the token keys.\n");
}

static int keyring_from(
		const struct tracker_config *c, struct p2pcd_jws_keyring *kr)
{
	if(p2pcd_jws_keyring_init(kr, c->tracker_id))
		return -1;
	if(c->prev_key_version
			&& p2pcd_jws_keyring_set(kr, c->prev_key_version, c->prev_key))
		return -1;
	return p2pcd_jws_keyring_set(kr, c->key_version, c->key);
}

/* SIGHUP: new token keys from the file, nothing else changes */
static void reload_keys(struct tracker *t)
{
	struct tracker_config c;
	struct p2pcd_jws_keyring kr;
	char err[512];

	if(config_load(t->config_path, &c, err, sizeof(err))) {
		LOG_E("reload: %s (keeping the current keys)", err);
		return;
	}
	if(strcmp(c.tracker_id, t->cfg.tracker_id) != 0) {
		LOG_E("reload: tracker_id changed: restart needed");
		return;
	}
	if(keyring_from(&c, &kr) || adm_set_keys(&kr))
		LOG_E("reload: token keys not applied");
	else
		LOG_N("reload: token key v%u active", c.key_version);
	if(t->cfg.lic.enabled && c.lic.enabled) {
		if(license_set_keys(&c.lic))
			LOG_E("reload: license token keys not applied");
		else
			LOG_N("reload: license token key %s:v%u active", c.lic.audience,
					c.lic.key_version);
	}
	p2pcd_jws_keyring_wipe(&kr);
	sodium_memzero(&c, sizeof(c));
}

struct sweep
{
	uint16_t now;
	uint64_t dropped;
};

static void sweep_swarm(struct swarm *s, void *arg)
{
	struct sweep *sw = arg;
	unsigned n;

	pthread_mutex_lock(&s->mu);
	n = swarm_expire(&s->peers, sw->now);
	if(n)
		s->dirty = true;
	pthread_mutex_unlock(&s->mu);
	sw->dropped += n;
}

/* the announce workers' state, before any thread that reads it (the DB
 * thread sums their counters) is started */
static int init_workers(struct tracker *t)
{
	int i;

	t->n_workers = t->cfg.threads;
	t->workers = aligned_alloc(64, sizeof(*t->workers) * t->n_workers);
	if(!t->workers)
		return -1;
	memset(t->workers, 0, sizeof(*t->workers) * t->n_workers);
	for(i = 0; i < t->n_workers; i++) {
		struct worker *w = &t->workers[i];

		w->t = t;
		w->cpu = -1; /* until http_public_start pins it */
		randombytes_buf(&w->rng, sizeof(w->rng));
		w->rng |= 1;
		if(adm_cache_init(&w->cache, (uint32_t)t->cfg.token_cache_size))
			return -1;
	}
	return 0;
}

static void run(struct tracker *t)
{
	sigset_t set;
	time_t next_sweep = time(NULL) + SWEEP_SECONDS;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	for(;;) {
		struct timespec ts = {1, 0};
		int sig = sigtimedwait(&set, NULL, &ts);

		if(sig == SIGTERM || sig == SIGINT) {
			LOG_N("signal %d: shutting down", sig);
			return;
		}
		if(sig == SIGHUP)
			reload_keys(t);
		if(time(NULL) >= next_sweep) {
			struct sweep sw = {(uint16_t)(time(NULL) / SWARM_TICK_SECONDS), 0};

			catalog_each(&t->cat, sweep_swarm, &sw);
			atomic_fetch_add(&t->expired_peers, sw.dropped);
			next_sweep = time(NULL) + SWEEP_SECONDS;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"config", 1, NULL, 'c'},
			{"check-config", 0, NULL, 'C'}, {"help", 0, NULL, 'h'},
			{NULL, 0, NULL, 0}};
	static struct tracker t;
	struct p2pcd_jws_keyring kr;
	const char *path = "/etc/p2pcd/tracker.conf";
	int check = 0, o, i, rc = 1;
	char err[512];
	sigset_t set;

	while((o = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch(o) {
			case 'c':
				path = optarg;
				break;
			case 'C':
				check = 1;
				break;
			case 'h':
				usage(stdout);
				return 0;
			default:
				usage(stderr);
				return 2;
		}
	}
	if(optind != argc) {
		usage(stderr);
		return 2;
	}
	if(config_load(path, &t.cfg, err, sizeof(err))) {
		fprintf(stderr, "p2pcd-tracker: %s\n", err);
		return 1;
	}
	if(check) {
		printf("%s: ok (tracker_id %s, listen %s:%u, admin %s, license %s, "
			   "index %s)\n",
				path, t.cfg.tracker_id, t.cfg.listen_address, t.cfg.listen_port,
				t.cfg.admin_enabled ? "on" : "off",
				t.cfg.lic.enabled ? "on" : "off",
				t.cfg.idx.enabled ? "on" : "off");
		return 0;
	}
	t.config_path = path;
	log_setup(t.cfg.log_syslog, t.cfg.log_level);
	if(p2pcd_lib_init() || catalog_init(&t.cat) || acct_init()
			|| adm_setup(t.cfg.token_skew, t.cfg.negative_cache_seconds)
			|| keyring_from(&t.cfg, &kr) || adm_set_keys(&kr)) {
		LOG_E("initialisation failed");
		return 1;
	}
	p2pcd_jws_keyring_wipe(&kr);
	randombytes_buf(t.peer_hash_key, sizeof(t.peer_hash_key));
	t.started = time(NULL);

	/* every thread started from here inherits the blocked signals;
	 * only run() takes them, synchronously */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if(init_workers(&t) || db_start(&t) || license_start(&t)
			|| http_public_start(&t) || index_start(&t) || http_admin_start(&t))
		goto out;
	LOG_N("p2pcd-tracker %s started", t.cfg.tracker_id);
	run(&t);
	rc = 0;
out:
	atomic_store(&t.stopping, 1);
	http_admin_stop(&t);
	index_stop();
	license_stop(); /* resumes what it holds before the daemons stop */
	http_public_stop(&t);
	db_stop(&t);
	for(i = 0; t.workers && i < t.n_workers; i++)
		adm_cache_free(&t.workers[i].cache);
	free(t.workers);
	adm_shutdown();
	acct_free();
	catalog_free(&t.cat);
	LOG_N("stopped");
	return rc;
}
