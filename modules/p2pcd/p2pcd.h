/*
 * p2pcd - IMS-controlled P2P content distribution: SIP Application Server
 *
 * Module-wide declarations shared by the p2pcd_*.c files.
 */

#ifndef _P2PCD_H_
#define _P2PCD_H_

#include "core/str.h"
#include "core/counters.h"

/* the module's own version (RPC p2pcd.version); the build may override it */
#ifndef P2PCD_VERSION
#define P2PCD_VERSION "0.2.0"
#endif

/* module parameters (p2pcd_mod.c) */
extern str p2pcd_db_url;
extern str p2pcd_trusted_scscf;
extern str p2pcd_access_host;
extern str p2pcd_content_domain;
extern str p2pcd_doi_prefix;
extern str p2pcd_issuer;
extern str p2pcd_master_key;
extern str p2pcd_master_key_file;
extern int p2pcd_key_version;
extern int p2pcd_grant_ttl;
extern int p2pcd_retry_after;
extern int p2pcd_max_message_body;
extern int p2pcd_max_publish_body;
extern int p2pcd_min_expires;
extern int p2pcd_max_expires;
extern int p2pcd_default_expires;
extern int p2pcd_tracker_max_age;
extern int p2pcd_cache_interval;
extern int p2pcd_async;
extern int p2pcd_batch_max;
extern int p2pcd_queue_max;
extern int p2pcd_batch_workers;
extern int p2pcd_batch_linger;
extern int p2pcd_batch_wait;
extern int p2pcd_batch_siblings;
extern int p2pcd_reply_batch;
extern int p2pcd_reply_gso;
extern int p2pcd_queue_timeout;
extern long long p2pcd_max_content_size;

/* statistics group "p2pcd:" (p2pcd_mod.c) */
extern stat_var *p2pcd_acquisitions_stat;
extern stat_var *p2pcd_acq_repeats_stat;
extern stat_var *p2pcd_publishes_stat;
extern stat_var *p2pcd_refreshes_stat;
extern stat_var *p2pcd_withdrawals_stat;
extern stat_var *p2pcd_ref_untrusted_stat;
extern stat_var *p2pcd_ref_no_identity_stat;
extern stat_var *p2pcd_ref_unknown_stat;
extern stat_var *p2pcd_ref_muted_stat;
extern stat_var *p2pcd_ref_malformed_stat;
extern stat_var *p2pcd_ref_too_large_stat;
extern stat_var *p2pcd_ref_media_type_stat;
extern stat_var *p2pcd_ref_bad_event_stat;
extern stat_var *p2pcd_ref_etag_stat;
extern stat_var *p2pcd_ref_not_publisher_stat;
extern stat_var *p2pcd_ref_blocklisted_stat;
extern stat_var *p2pcd_ref_conflict_stat;
extern stat_var *p2pcd_ref_price_stat;
extern stat_var *p2pcd_db_unavailable_stat;
extern stat_var *p2pcd_no_tracker_stat;
extern stat_var *p2pcd_overload_stat;
extern stat_var *p2pcd_absorbed_stat;
extern stat_var *p2pcd_batches_stat;
extern stat_var *p2pcd_answers_gso_stat;

#endif /* _P2PCD_H_ */
