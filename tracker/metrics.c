/* /metrics: see metrics.h. */
#include "metrics.h"

#include <time.h>

#include "accounting.h"
#include "index_http.h"
#include "license.h"
#include "offenders.h"
#include "reports.h"
#include "tamper.h"

struct gauges
{
	uint64_t swarms, active, peers, seeders, leechers, bytes, hot;
};

static void gauge_swarm(struct swarm *s, void *arg)
{
	struct gauges *g = arg;
	size_t hot;

	g->swarms++;
	if(atomic_load(&s->state) == SW_ACTIVE)
		g->active++;
	pthread_mutex_lock(&s->mu);
	g->peers += swarm_peer_count(&s->peers);
	g->seeders += s->peers.seeders;
	g->leechers += s->peers.leechers;
	g->bytes += swarm_bytes(&s->peers, &hot);
	g->hot += hot;
	pthread_mutex_unlock(&s->mu);
}

static void metric(struct sbuf *b, const char *name, const char *type,
		const char *help, unsigned long long v)
{
	sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name,
			type, name, v);
}

void metrics_render(struct tracker *t, struct sbuf *b)
{
	struct gauges g = {0};
	uint64_t ann = 0, scr = 0, hits = 0, miss = 0, nf = 0;
	uint64_t rf[RF_COUNT] = {0};
	int i, r;
	int64_t now = time(NULL), lf = atomic_load(&t->last_flush);

	for(i = 0; i < t->n_workers; i++) {
		struct worker *w = &t->workers[i];

		ann += atomic_load(&w->announces);
		scr += atomic_load(&w->scrapes);
		nf += atomic_load(&w->not_found);
		hits += counter_get(&w->cache.hits);
		miss += counter_get(&w->cache.misses);
		for(r = 0; r < RF_COUNT; r++)
			rf[r] += atomic_load(&w->refusals[r]);
	}
	catalog_each(&t->cat, gauge_swarm, &g);
	metric(b, "p2pcd_tracker_announces_total", "counter",
			"Announce requests received.", ann);
	/* how the kernel spreads connections over the announce threads */
	sbuf_puts(b, "# HELP p2pcd_tracker_worker_announces_total Announce "
				 "requests received, by announce thread and the CPU it is "
				 "pinned to.\n# TYPE p2pcd_tracker_worker_announces_total "
				 "counter\n");
	for(i = 0; i < t->n_workers; i++) {
		struct worker *w = &t->workers[i];
		char cpu[16] = "none";

		if(w->cpu >= 0)
			snprintf(cpu, sizeof(cpu), "%d", w->cpu);
		sbuf_printf(b,
				"p2pcd_tracker_worker_announces_total{worker=\"%d\","
				"cpu=\"%s\"} %llu\n",
				i, cpu, (unsigned long long)atomic_load(&w->announces));
	}
	metric(b, "p2pcd_tracker_scrapes_total", "counter",
			"Scrape requests received.", scr);
	metric(b, "p2pcd_tracker_not_found_total", "counter",
			"Requests for unknown paths.", nf);
	sbuf_puts(b, "# HELP p2pcd_tracker_refusals_total Requests refused, "
				 "by reason.\n# TYPE p2pcd_tracker_refusals_total "
				 "counter\n");
	for(r = 1; r < RF_COUNT; r++)
		sbuf_printf(b,
				"p2pcd_tracker_refusals_total{reason=\"%s\"} "
				"%llu\n",
				refusal_label((enum refusal)r), (unsigned long long)rf[r]);
	/* DESIGN 7.1 policy (offenders.h): not a refusal.h reason */
	sbuf_printf(b, "p2pcd_tracker_refusals_total{reason=\"flagged\"} %llu\n",
			(unsigned long long)(offenders_refused(POLICY_REFUSE_SEED)
								 + offenders_refused(POLICY_REFUSE)));
	metric(b, "p2pcd_tracker_token_cache_hits_total", "counter",
			"Admissions answered from the verified-token cache.", hits);
	metric(b, "p2pcd_tracker_token_cache_misses_total", "counter",
			"Admissions that verified a token.", miss);
	metric(b, "p2pcd_tracker_swarms", "gauge", "Swarms in the catalog.",
			g.swarms);
	metric(b, "p2pcd_tracker_swarms_active", "gauge", "Swarms in state active.",
			g.active);
	metric(b, "p2pcd_tracker_peers", "gauge", "Peers in all swarms.", g.peers);
	metric(b, "p2pcd_tracker_seeders", "gauge", "Seeding peers.", g.seeders);
	metric(b, "p2pcd_tracker_leechers", "gauge", "Leeching peers.", g.leechers);
	metric(b, "p2pcd_tracker_peer_table_bytes", "gauge",
			"Bytes of peer tables, hot and accounting.", g.bytes);
	metric(b, "p2pcd_tracker_peer_table_hot_bytes", "gauge",
			"Bytes of the hot peer tables.", g.hot);
	metric(b, "p2pcd_tracker_subjects", "gauge",
			"Token subjects seen since start.", acct_subjects());
	metric(b, "p2pcd_tracker_db_up", "gauge",
			"1 if the database connection is up.",
			(unsigned long long)atomic_load(&t->db_up));
	metric(b, "p2pcd_tracker_flush_lag_seconds", "gauge",
			"Seconds since the last successful statistics flush.",
			(unsigned long long)(now - (lf ? lf : t->started)));
	metric(b, "p2pcd_tracker_flush_failures_total", "counter",
			"Statistics flushes that failed.", atomic_load(&t->flushes_failed));
	metric(b, "p2pcd_tracker_notifications_total", "counter",
			"Database notifications applied.", atomic_load(&t->notifications));
	metric(b, "p2pcd_tracker_expired_peers_total", "counter",
			"Peers dropped after peer_timeout.",
			atomic_load(&t->expired_peers));
	metric(b, "p2pcd_tracker_inconsistent_reports_total", "counter",
			"Peers flagged for implausible transfer reports.", reports_total());
	metric(b, "p2pcd_tracker_inconsistent_reports_dropped_total", "counter",
			"Reports dropped because the queue was full.", reports_dropped());
	sbuf_puts(b, "# HELP p2pcd_tracker_inconsistent_flags_total Inconsistent "
				 "transfer reports flagged, by check.\n# TYPE "
				 "p2pcd_tracker_inconsistent_flags_total counter\n");
	for(r = 0; r < CHECK_COUNT; r++)
		sbuf_printf(b,
				"p2pcd_tracker_inconsistent_flags_total{check=\"%s\"} %llu\n",
				reports_check_name((enum report_check)r),
				(unsigned long long)reports_by_check((enum report_check)r));
	sbuf_puts(b, "# HELP p2pcd_tracker_flagged_refusals_total Announces "
				 "refused for inconsistent transfer reports, by policy.\n"
				 "# TYPE p2pcd_tracker_flagged_refusals_total counter\n");
	for(r = POLICY_REFUSE_SEED; r <= POLICY_REFUSE; r++)
		sbuf_printf(b,
				"p2pcd_tracker_flagged_refusals_total{policy=\"%s\"} %llu\n",
				offenders_policy_name((enum offender_policy)r),
				(unsigned long long)offenders_refused((enum offender_policy)r));
	metric(b, "p2pcd_tracker_offenders", "gauge",
			"Subjects over the strike threshold.", offenders_over_count());
	metric(b, "p2pcd_tracker_report_ledger_entries", "gauge",
			"Subject-swarm entries of the cross-check ledger.",
			reports_ledger_entries());
	metric(b, "p2pcd_tracker_muted", "gauge", "1 if this tracker is muted.",
			(unsigned long long)atomic_load(&t->cat.tracker_muted));
	if(t->cfg.tamper.enabled)
		tamper_metrics(b);
	if(t->cfg.lic.enabled)
		license_metrics(b);
	if(t->cfg.idx.enabled)
		index_metrics(b);
	metric(b, "p2pcd_tracker_uptime_seconds", "gauge", "Seconds since start.",
			(unsigned long long)(now - t->started));
}
