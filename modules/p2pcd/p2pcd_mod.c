/*
 * p2pcd - IMS-controlled P2P content distribution: SIP Application Server
 *
 * Module exports only (parameters, cfg functions, KEMI, RPC, statistics,
 * init/destroy); the work is done in p2pcd_*.c.
 */

#include "core/sr_module.h"
#include "core/async_task.h"
#include "core/dprint.h"
#include "core/kemi.h"
#include "core/counters.h"
#include "core/timer_proc.h"
#include "core/mod_fix.h"

#include "p2pcd.h"
#include "p2pcd_acquire.h"
#include "p2pcd_async.h"
#include "p2pcd_cache.h"
#include "p2pcd_db.h"
#include "p2pcd_keys.h"
#include "p2pcd_publish.h"
#include "p2pcd_rpc.h"
#include "p2pcd_sip.h"
#include "p2pcd_trust.h"

MODULE_VERSION

str p2pcd_db_url = STR_NULL;
/* CIDR list of the S-CSCFs whose P-Asserted-Identity is believed */
str p2pcd_trusted_scscf = STR_NULL;
/* host[:port] of the tracker daemon's index role serving /grants/ID */
str p2pcd_access_host = str_init("access.invalid");
/* the host part of content SIP URIs (sip:DOI@content_domain) */
str p2pcd_content_domain = str_init("content.invalid");
str p2pcd_doi_prefix = str_init("10.9999");
str p2pcd_issuer = str_init("p2pcd-as");
str p2pcd_master_key = STR_NULL;
str p2pcd_master_key_file = STR_NULL;
int p2pcd_key_version = 1;
int p2pcd_grant_ttl = 86400;
int p2pcd_retry_after = 5;
int p2pcd_max_message_body = 4096;
int p2pcd_max_publish_body = 262144;
int p2pcd_min_expires = 60;
int p2pcd_max_expires = 86400;
int p2pcd_default_expires = 3600;
int p2pcd_tracker_max_age = 120;
int p2pcd_cache_interval = 1;
int p2pcd_async = 1;
/* acquisitions per statement when they queue up (1: no batching) */
int p2pcd_batch_max = 64;
/* overload guards: queued acquisitions, and how long one may wait (ms) */
int p2pcd_queue_max = 20000;
int p2pcd_batch_workers = 2;
int p2pcd_batch_linger = 5000;
/* group commit under load: a batch starts batch_wait us after the previous
 * one when that had batch_siblings jobs or more */
int p2pcd_batch_wait = 5000;
int p2pcd_batch_siblings = 8;
/* 0: every stateless answer through sl (see p2pcd_reply.c) */
int p2pcd_reply_batch = 1;
/* 0: the answers of a batch to one address by sendmmsg(), not UDP GSO */
int p2pcd_reply_gso = 1;
int p2pcd_queue_timeout = 3000;
static int p2pcd_max_content_mb = 65536;
long long p2pcd_max_content_size = 0;

stat_var *p2pcd_acquisitions_stat = NULL;
stat_var *p2pcd_acq_repeats_stat = NULL;
stat_var *p2pcd_publishes_stat = NULL;
stat_var *p2pcd_refreshes_stat = NULL;
stat_var *p2pcd_withdrawals_stat = NULL;
stat_var *p2pcd_ref_untrusted_stat = NULL;
stat_var *p2pcd_ref_no_identity_stat = NULL;
stat_var *p2pcd_ref_unknown_stat = NULL;
stat_var *p2pcd_ref_muted_stat = NULL;
stat_var *p2pcd_ref_malformed_stat = NULL;
stat_var *p2pcd_ref_too_large_stat = NULL;
stat_var *p2pcd_ref_media_type_stat = NULL;
stat_var *p2pcd_ref_bad_event_stat = NULL;
stat_var *p2pcd_ref_etag_stat = NULL;
stat_var *p2pcd_ref_not_publisher_stat = NULL;
stat_var *p2pcd_ref_blocklisted_stat = NULL;
stat_var *p2pcd_ref_conflict_stat = NULL;
stat_var *p2pcd_ref_price_stat = NULL;
stat_var *p2pcd_db_unavailable_stat = NULL;
stat_var *p2pcd_no_tracker_stat = NULL;
stat_var *p2pcd_overload_stat = NULL;
stat_var *p2pcd_absorbed_stat = NULL;
stat_var *p2pcd_batches_stat = NULL;
stat_var *p2pcd_answers_gso_stat = NULL;

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);

static int w_p2pcd_ping(sip_msg_t *msg, char *p1, char *p2);
static int w_p2pcd_acquire(sip_msg_t *msg, char *p1, char *p2);
static int w_p2pcd_publish(sip_msg_t *msg, char *p1, char *p2);

/* clang-format off */
static cmd_export_t cmds[] = {
	{"p2pcd_ping", (cmd_function)w_p2pcd_ping, 0, 0, 0, REQUEST_ROUTE},
	{"p2pcd_acquire", (cmd_function)w_p2pcd_acquire, 0, 0, 0,
		REQUEST_ROUTE},
	{"p2pcd_publish", (cmd_function)w_p2pcd_publish, 0, 0, 0,
		REQUEST_ROUTE},
	{0, 0, 0, 0, 0, 0}
};

static param_export_t params[] = {
	{"db_url",            PARAM_STR, &p2pcd_db_url},
	{"trusted_scscf",     PARAM_STR, &p2pcd_trusted_scscf},
	{"access_host",       PARAM_STR, &p2pcd_access_host},
	{"content_domain",    PARAM_STR, &p2pcd_content_domain},
	{"doi_prefix",        PARAM_STR, &p2pcd_doi_prefix},
	{"issuer",            PARAM_STR, &p2pcd_issuer},
	{"master_key",        PARAM_STR, &p2pcd_master_key},
	{"master_key_file",   PARAM_STR, &p2pcd_master_key_file},
	{"key_version",       PARAM_INT, &p2pcd_key_version},
	{"grant_ttl",         PARAM_INT, &p2pcd_grant_ttl},
	{"retry_after",       PARAM_INT, &p2pcd_retry_after},
	{"max_message_body",  PARAM_INT, &p2pcd_max_message_body},
	{"max_publish_body",  PARAM_INT, &p2pcd_max_publish_body},
	{"max_content_mb",    PARAM_INT, &p2pcd_max_content_mb},
	{"min_expires",       PARAM_INT, &p2pcd_min_expires},
	{"max_expires",       PARAM_INT, &p2pcd_max_expires},
	{"default_expires",   PARAM_INT, &p2pcd_default_expires},
	{"tracker_max_age",   PARAM_INT, &p2pcd_tracker_max_age},
	{"cache_interval",    PARAM_INT, &p2pcd_cache_interval},
	{"async",             PARAM_INT, &p2pcd_async},
	{"batch_max",         PARAM_INT, &p2pcd_batch_max},
	{"queue_max",         PARAM_INT, &p2pcd_queue_max},
	{"batch_workers",     PARAM_INT, &p2pcd_batch_workers},
	{"batch_linger",      PARAM_INT, &p2pcd_batch_linger},
	{"batch_wait",        PARAM_INT, &p2pcd_batch_wait},
	{"batch_siblings",    PARAM_INT, &p2pcd_batch_siblings},
	{"reply_batch",       PARAM_INT, &p2pcd_reply_batch},
	{"reply_gso",         PARAM_INT, &p2pcd_reply_gso},
	{"queue_timeout",     PARAM_INT, &p2pcd_queue_timeout},
	{0, 0, 0}
};

static stat_export_t mod_stats[] = {
	{"acquisitions",            0, &p2pcd_acquisitions_stat},
	{"acquisition_repeats",     0, &p2pcd_acq_repeats_stat},
	{"publishes",               0, &p2pcd_publishes_stat},
	{"refreshes",               0, &p2pcd_refreshes_stat},
	{"withdrawals",             0, &p2pcd_withdrawals_stat},
	{"refused_untrusted",       0, &p2pcd_ref_untrusted_stat},
	{"refused_no_identity",     0, &p2pcd_ref_no_identity_stat},
	{"refused_unknown",         0, &p2pcd_ref_unknown_stat},
	{"refused_muted",           0, &p2pcd_ref_muted_stat},
	{"refused_malformed",       0, &p2pcd_ref_malformed_stat},
	{"refused_too_large",       0, &p2pcd_ref_too_large_stat},
	{"refused_media_type",      0, &p2pcd_ref_media_type_stat},
	{"refused_bad_event",       0, &p2pcd_ref_bad_event_stat},
	{"refused_etag",            0, &p2pcd_ref_etag_stat},
	{"refused_not_publisher",   0, &p2pcd_ref_not_publisher_stat},
	{"refused_blocklisted",     0, &p2pcd_ref_blocklisted_stat},
	{"refused_conflict",        0, &p2pcd_ref_conflict_stat},
	{"refused_price",           0, &p2pcd_ref_price_stat},
	{"db_unavailable",          0, &p2pcd_db_unavailable_stat},
	{"no_live_tracker",         0, &p2pcd_no_tracker_stat},
	{"overload",                0, &p2pcd_overload_stat},
	{"retransmissions_absorbed", 0, &p2pcd_absorbed_stat},
	{"batches",                 0, &p2pcd_batches_stat},
	{"answers_gso",             0, &p2pcd_answers_gso_stat},
	{0, 0, 0}
};

struct module_exports exports = {
	"p2pcd",          /* module name */
	DEFAULT_DLFLAGS,  /* dlopen flags */
	cmds,             /* exported functions */
	params,           /* exported parameters */
	p2pcd_rpc_cmds,   /* RPC method exports */
	0,                /* exported pseudo-variables */
	0,                /* response handling function */
	mod_init,         /* module initialization function */
	child_init,       /* per-child init function */
	mod_destroy       /* module destroy function */
};
/* clang-format on */

static int mod_init(void)
{
	if(register_module_stats(exports.name, mod_stats) != 0) {
		LM_ERR("cannot register the statistics\n");
		return -1;
	}
	if(p2pcd_max_content_mb <= 0 || p2pcd_grant_ttl <= 0
			|| p2pcd_min_expires <= 0 || p2pcd_max_expires < p2pcd_min_expires
			|| p2pcd_default_expires < p2pcd_min_expires
			|| p2pcd_default_expires > p2pcd_max_expires) {
		LM_ERR("bad size, ttl or expires parameters\n");
		return -1;
	}
	p2pcd_max_content_size = (long long)p2pcd_max_content_mb * 1024 * 1024;
	if(p2pcd_batch_workers < 1 || p2pcd_batch_linger < 0
			|| p2pcd_batch_linger > 1000000) {
		LM_ERR("batch_workers must be at least 1, batch_linger 0 to "
			   "1000000 (us)\n");
		return -1;
	}
	if(p2pcd_async && async_task_workers_get() > 0
			&& async_task_workers_get() <= p2pcd_batch_workers)
		LM_WARN("async_workers (%d) <= batch_workers (%d): a lingering "
				"batch drainer can hold every async worker and delay "
				"PUBLISH jobs\n",
				async_task_workers_get(), p2pcd_batch_workers);
	if(p2pcd_batch_wait < 0 || p2pcd_batch_wait > 1000000
			|| p2pcd_batch_siblings < 1) {
		LM_ERR("batch_wait must be 0 to 1000000 (us), batch_siblings at "
			   "least 1\n");
		return -1;
	}
	if(p2pcd_batch_max < 1 || p2pcd_batch_max > P2PCD_BATCH_MAX) {
		LM_ERR("batch_max must be 1 to %d\n", P2PCD_BATCH_MAX);
		return -1;
	}
	if(p2pcd_sip_init() != 0)
		return -1;
	if(p2pcd_async_init() != 0)
		return -1;
	if(p2pcd_trust_init() != 0)
		return -1;
	if(p2pcd_keys_init() != 0)
		return -1;
	if(p2pcd_cache_init() != 0)
		return -1;
	if(p2pcd_db_bind() != 0)
		return -1;
	if(p2pcd_db_enabled()) {
		if(p2pcd_db_check_versions() != 0)
			return -1;
		/* the first load, with a connection of its own (closed below) */
		if(p2pcd_cache_reload() < 0) {
			LM_ERR("cannot load the content cache\n");
			p2pcd_db_close();
			return -1;
		}
		if(p2pcd_keys_record() < 0)
			LM_WARN("cannot record the key version in signing_keys\n");
		p2pcd_db_close();
		if(p2pcd_cache_interval > 0 && register_basic_timers(1) < 0) {
			LM_ERR("cannot register the cache timer process\n");
			return -1;
		}
	}
	return 0;
}

static int child_init(int rank)
{
	if(rank == PROC_MAIN && p2pcd_db_enabled() && p2pcd_cache_interval > 0) {
		if(fork_basic_timer(PROC_TIMER, "p2pcd cache timer", 1,
				   p2pcd_cache_timer, NULL, p2pcd_cache_interval)
				< 0) {
			LM_ERR("cannot start the cache timer process\n");
			return -1;
		}
	}
	return p2pcd_db_child_init(rank);
}

static void mod_destroy(void)
{
	p2pcd_db_close();
	p2pcd_cache_destroy();
	p2pcd_keys_destroy();
	p2pcd_trust_destroy();
	p2pcd_async_destroy();
}

static int w_p2pcd_ping(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_p2pcd_ping(msg);
}

static int w_p2pcd_acquire(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_p2pcd_acquire(msg);
}

static int w_p2pcd_publish(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_p2pcd_publish(msg);
}

/* clang-format off */
static sr_kemi_t sr_kemi_p2pcd_exports[] = {
	{ str_init("p2pcd"), str_init("p2pcd_ping"),
		SR_KEMIP_INT, ki_p2pcd_ping,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("p2pcd"), str_init("p2pcd_acquire"),
		SR_KEMIP_INT, ki_p2pcd_acquire,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("p2pcd"), str_init("p2pcd_publish"),
		SR_KEMIP_INT, ki_p2pcd_publish,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},

	{ {0, 0}, {0, 0}, 0, NULL, { 0, 0, 0, 0, 0, 0 } }
};
/* clang-format on */

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(sr_kemi_p2pcd_exports);
	return 0;
}
