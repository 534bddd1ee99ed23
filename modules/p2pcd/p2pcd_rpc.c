/*
 * p2pcd - RPC commands p2pcd.* (kamcmd, kamcli)
 *
 * The commands that change state write PostgreSQL first (the triggers of
 * sql/migrations/0002 notify the trackers), then the content cache.
 */

#include <string.h>

#include "core/dprint.h"
#include "core/rpc.h"

#include "p2pcd.h"
#include "p2pcd_cache.h"
#include "p2pcd_db.h"
#include "p2pcd_keys.h"
#include "p2pcd_rpc.h"

static const char *rpc_p2pcd_version_doc[2] = {
		"Return the version of the p2pcd module.", 0};

static void rpc_p2pcd_version(rpc_t *rpc, void *ctx)
{
	rpc->add(ctx, "s", P2PCD_VERSION);
}

static int p2pcd_rpc_db(rpc_t *rpc, void *ctx)
{
	if(!p2pcd_db_enabled()) {
		rpc->fault(ctx, 500, "No database configured");
		return -1;
	}
	return 0;
}

/* run q; rows as structs with the given field names (all text) */
static void p2pcd_rpc_rows(
		rpc_t *rpc, void *ctx, p2pcd_sql_t *q, const char **names)
{
	db1_res_t *res = NULL;
	void *th;
	str v;
	int i, j;

	if(p2pcd_db_exec(q, &res) < 0) {
		rpc->fault(ctx, 503, "Database unavailable");
		return;
	}
	for(i = 0; i < RES_ROW_N(res); i++) {
		if(rpc->add(ctx, "{", &th) < 0)
			break;
		for(j = 0; names[j] != NULL; j++) {
			if(p2pcd_db_str(res, i, j, &v) < 0) {
				v.s = "";
				v.len = 0;
			}
			rpc->struct_add(th, "S", names[j], &v);
		}
	}
	p2pcd_db_free(res);
}

static const char *rpc_p2pcd_content_list_doc[2] = {
		"List content items (newest first, at most 1000): doi, title, "
		"state, tracker, price_cents, currency, info_hash. Optional "
		"parameter: a state (pending, active, muted, removed).",
		0};

static void rpc_p2pcd_content_list(rpc_t *rpc, void *ctx)
{
	static const char *names[] = {"doi", "title", "state", "tracker",
			"price_cents", "currency", "info_hash", 0};
	p2pcd_sql_t q;
	str state = STR_NULL;

	if(p2pcd_rpc_db(rpc, ctx) < 0)
		return;
	if(rpc->scan(ctx, "*S", &state) < 1)
		state.len = 0;
	p2pcd_sql_init(&q);
	/* text through convert_to: db_postgres unescapes TEXT as bytea and
	 * would eat the backslashes of a DOI, a title or a JSON escape */
	p2pcd_sql_add(&q,
			"SELECT convert_to(doi, 'UTF8'), convert_to(title, "
			"'UTF8'), state, tracker_id, price_cents::text, currency, "
			"encode(info_hash, 'hex') FROM content");
	if(state.len > 0) {
		p2pcd_sql_add(&q, " WHERE state = ");
		p2pcd_sql_lit(&q, state.s, state.len);
	}
	p2pcd_sql_add(&q, " ORDER BY created DESC, doi LIMIT 1000");
	p2pcd_rpc_rows(rpc, ctx, &q, names);
	p2pcd_sql_free(&q);
}

static const char *rpc_p2pcd_content_show_doc[2] = {
		"Show one content item: p2pcd.content_show DOI. Also the number "
		"of grants and the sum charged.",
		0};

static void rpc_p2pcd_content_show(rpc_t *rpc, void *ctx)
{
	static const char *names[] = {"doi", "title", "state", "tracker",
			"publisher", "price_cents", "currency", "rights", "info_hash",
			"kid", "size_bytes", "expires", "created", "grants",
			"charged_cents", "cached_state", 0};
	p2pcd_content_t c;
	char rights[P2PCD_RIGHTS_MAX + 1];
	p2pcd_sql_t q;
	str doi;

	if(p2pcd_rpc_db(rpc, ctx) < 0)
		return;
	if(rpc->scan(ctx, "S", &doi) < 1) {
		rpc->fault(ctx, 400, "DOI required");
		return;
	}
	p2pcd_sql_init(&q);
	p2pcd_sql_add(&q,
			"SELECT convert_to(doi, 'UTF8'), convert_to(title, 'UTF8'), "
			"state, tracker_id, convert_to(publisher, 'UTF8'), "
			"price_cents::text, currency, convert_to(rights::text, 'UTF8'), "
			"encode(info_hash, 'hex'), encode(kid, 'hex'), "
			"size_bytes::text, coalesce(expires::text, ''), created::text, "
			"(SELECT count(*) FROM grants g WHERE g.doi = c.doi)::text, "
			"(SELECT coalesce(sum(amount_cents), 0) FROM charging_records r "
			"WHERE r.doi = c.doi)::text, ");
	if(p2pcd_cache_get(&doi, &c, rights, sizeof(rights)))
		p2pcd_sql_addf(&q, "'%s'", p2pcd_state_name(c.state));
	else
		p2pcd_sql_add(&q, "'absent'");
	p2pcd_sql_add(&q, " FROM content c WHERE doi = ");
	p2pcd_sql_lit(&q, doi.s, doi.len);
	p2pcd_rpc_rows(rpc, ctx, &q, names);
	p2pcd_sql_free(&q);
}

/* set a content item's state: from the states in "from" to "to" */
static void p2pcd_rpc_set_state(rpc_t *rpc, void *ctx, const char *from, int to)
{
	p2pcd_sql_t q;
	db1_res_t *res = NULL;
	str doi, v;

	if(p2pcd_rpc_db(rpc, ctx) < 0)
		return;
	if(rpc->scan(ctx, "S", &doi) < 1) {
		rpc->fault(ctx, 400, "DOI required");
		return;
	}
	p2pcd_sql_init(&q);
	p2pcd_sql_addf(&q,
			"WITH u AS (UPDATE content SET state = '%s' WHERE state IN (%s) "
			"AND doi = ",
			p2pcd_state_name(to), from);
	p2pcd_sql_lit(&q, doi.s, doi.len);
	p2pcd_sql_add(&q, " RETURNING state) SELECT coalesce((SELECT state FROM "
					  "u), (SELECT state FROM content WHERE doi = ");
	p2pcd_sql_lit(&q, doi.s, doi.len);
	p2pcd_sql_add(&q, "))");
	if(p2pcd_db_exec(&q, &res) < 0) {
		p2pcd_sql_free(&q);
		rpc->fault(ctx, 503, "Database unavailable");
		return;
	}
	p2pcd_sql_free(&q);
	if(p2pcd_db_str(res, 0, 0, &v) < 0) {
		p2pcd_db_free(res);
		rpc->fault(ctx, 404, "No such content");
		return;
	}
	p2pcd_cache_set_state(&doi, p2pcd_state_parse(&v));
	rpc->add(ctx, "S", &v);
	p2pcd_db_free(res);
}

static const char *rpc_p2pcd_mute_doc[2] = {
		"Mute a content item: p2pcd.mute DOI. No new grants (SIP 410); the "
		"trackers are notified by the database. Returns the state.",
		0};

static void rpc_p2pcd_mute(rpc_t *rpc, void *ctx)
{
	p2pcd_rpc_set_state(rpc, ctx, "'active', 'pending'", P2PCD_ST_MUTED);
}

static const char *rpc_p2pcd_unmute_doc[2] = {
		"Unmute a muted content item: p2pcd.unmute DOI. Returns the state.", 0};

static void rpc_p2pcd_unmute(rpc_t *rpc, void *ctx)
{
	p2pcd_rpc_set_state(rpc, ctx, "'muted'", P2PCD_ST_ACTIVE);
}

static const char *rpc_p2pcd_tracker_list_doc[2] = {
		"List the trackers: id, announce_url, state, last_seen, swarms, "
		"peers, live (seen within tracker_max_age seconds).",
		0};

static void rpc_p2pcd_tracker_list(rpc_t *rpc, void *ctx)
{
	static const char *names[] = {"id", "announce_url", "state", "last_seen",
			"swarms", "peers", "live", 0};
	p2pcd_sql_t q;

	if(p2pcd_rpc_db(rpc, ctx) < 0)
		return;
	p2pcd_sql_init(&q);
	p2pcd_sql_addf(&q,
			"SELECT id, announce_url, state, coalesce(last_seen::text, ''), "
			"swarms::text, peers::text, (last_seen > now() - "
			"make_interval(secs => %d))::text FROM trackers ORDER BY id",
			p2pcd_tracker_max_age);
	p2pcd_rpc_rows(rpc, ctx, &q, names);
	p2pcd_sql_free(&q);
}

static void p2pcd_rpc_tracker_state(rpc_t *rpc, void *ctx, const char *state)
{
	p2pcd_sql_t q;
	db1_res_t *res = NULL;
	str id, v;

	if(p2pcd_rpc_db(rpc, ctx) < 0)
		return;
	if(rpc->scan(ctx, "S", &id) < 1) {
		rpc->fault(ctx, 400, "tracker id required");
		return;
	}
	p2pcd_sql_init(&q);
	p2pcd_sql_addf(&q, "UPDATE trackers SET state = '%s' WHERE id = ", state);
	p2pcd_sql_lit(&q, id.s, id.len);
	p2pcd_sql_add(&q, " RETURNING state");
	if(p2pcd_db_exec(&q, &res) < 0) {
		p2pcd_sql_free(&q);
		rpc->fault(ctx, 503, "Database unavailable");
		return;
	}
	p2pcd_sql_free(&q);
	if(p2pcd_db_str(res, 0, 0, &v) < 0)
		rpc->fault(ctx, 404, "No such tracker");
	else
		rpc->add(ctx, "S", &v);
	p2pcd_db_free(res);
}

static const char *rpc_p2pcd_tracker_mute_doc[2] = {
		"Mute a tracker: p2pcd.tracker_mute ID. It gets no new content; "
		"the tracker refuses announces while muted.",
		0};

static void rpc_p2pcd_tracker_mute(rpc_t *rpc, void *ctx)
{
	p2pcd_rpc_tracker_state(rpc, ctx, "muted");
}

static const char *rpc_p2pcd_tracker_unmute_doc[2] = {
		"Unmute a tracker: p2pcd.tracker_unmute ID.", 0};

static void rpc_p2pcd_tracker_unmute(rpc_t *rpc, void *ctx)
{
	p2pcd_rpc_tracker_state(rpc, ctx, "active");
}

static const char *rpc_p2pcd_reload_doc[2] = {
		"Reload the content cache from the database now. Returns the "
		"number of items.",
		0};

static void rpc_p2pcd_reload(rpc_t *rpc, void *ctx)
{
	int n;

	if(p2pcd_rpc_db(rpc, ctx) < 0)
		return;
	n = p2pcd_cache_reload();
	if(n < 0) {
		rpc->fault(ctx, 503, "Reload failed (database unavailable?)");
		return;
	}
	rpc->add(ctx, "d", n);
}

static const char *rpc_p2pcd_key_show_doc[2] = {
		"Show the token master secret's version and fingerprint (first 8 "
		"bytes of its SHA-256, hex), and those of the previous one. Never "
		"the secret.",
		0};

static void rpc_p2pcd_key_show(rpc_t *rpc, void *ctx)
{
	unsigned int ver, pver;
	char fp[17], pfp[17];
	void *th;

	p2pcd_keys_info(&ver, fp, &pver, pfp);
	if(rpc->add(ctx, "{", &th) < 0)
		return;
	rpc->struct_add(th, "dsds", "version", (int)ver, "fingerprint", fp,
			"previous_version", (int)pver, "previous_fingerprint", pfp);
}

static const char *rpc_p2pcd_key_rotate_doc[2] = {
		"Rotate the token master secret: p2pcd.key_rotate [HEX]. With HEX "
		"(32 to 64 bytes) that secret, else master_key_file re-read, else "
		"random bytes. The version goes up by one; new tokens use it; "
		"signing_keys gets its rows (fingerprints only). Returns the new "
		"version.",
		0};

static void rpc_p2pcd_key_rotate(rpc_t *rpc, void *ctx)
{
	str hex = STR_NULL;
	unsigned int ver;

	if(rpc->scan(ctx, "*S", &hex) < 1)
		hex.len = 0;
	if(p2pcd_keys_rotate(&hex, &ver) < 0) {
		rpc->fault(ctx, 400, "Bad master secret");
		return;
	}
	if(p2pcd_db_enabled() && p2pcd_keys_record() < 0)
		LM_WARN("cannot record the new key version in signing_keys\n");
	rpc->add(ctx, "d", (int)ver);
}

static const char *rpc_p2pcd_key_derive_doc[2] = {
		"Derive the current key of an audience for a verifier's config: "
		"p2pcd.key_derive AUDIENCE (a tracker id or 'license'). Returns "
		"kid and the key in hex. Secret: keep the control socket private.",
		0};

static void rpc_p2pcd_key_derive(rpc_t *rpc, void *ctx)
{
	char hex[2 * 32 + 1], kid[80];
	str aud;
	void *th;

	if(rpc->scan(ctx, "S", &aud) < 1) {
		rpc->fault(ctx, 400, "audience required");
		return;
	}
	if(p2pcd_keys_derive(&aud, hex, sizeof(hex), kid, sizeof(kid)) < 0) {
		rpc->fault(ctx, 400, "Bad audience");
		return;
	}
	if(rpc->add(ctx, "{", &th) < 0)
		return;
	rpc->struct_add(th, "ss", "kid", kid, "key", hex);
}

static const char *rpc_p2pcd_peer_reports_doc[2] = {
		"Inconsistent transfer reports of the trackers' cross-checks "
		"(peer_reports kind 'inconsistent', DESIGN.md 7.1). Without a "
		"parameter one struct per offender, newest first, at most 1000: "
		"subject, strikes (reports since the subject was last cleared), "
		"reports (all), trackers, last, last_check, last_evidence, "
		"cleared_at. p2pcd.peer_reports SUBJECT: that subject's reports, "
		"newest first, at most 100: id, created, tracker, info_hash, "
		"check, evidence, cleared (true: before its last clearing).",
		0};

static void rpc_p2pcd_peer_reports(rpc_t *rpc, void *ctx)
{
	static const char *all[] = {"subject", "strikes", "reports", "trackers",
			"last", "last_check", "last_evidence", "cleared_at", 0};
	static const char *one[] = {"id", "created", "tracker", "info_hash",
			"check", "evidence", "cleared", 0};
	p2pcd_sql_t q;
	str sub = STR_NULL;

	if(p2pcd_rpc_db(rpc, ctx) < 0)
		return;
	if(rpc->scan(ctx, "*S", &sub) < 1)
		sub.len = 0;
	p2pcd_sql_init(&q);
	if(sub.len == 0) {
		p2pcd_sql_add(&q,
				"SELECT r.offender, count(*) FILTER (WHERE p.cleared_at IS "
				"NULL OR r.created > p.cleared_at)::text, count(*)::text, "
				"coalesce(string_agg(DISTINCT r.tracker_id, ','), ''), "
				"max(r.created)::text, coalesce((array_agg(r.evidence->>"
				"'check' ORDER BY r.created DESC, r.id DESC))[1], ''), "
				"convert_to((array_agg(r.evidence::text ORDER BY r.created "
				"DESC, r.id DESC))[1], 'UTF8'), "
				"coalesce(max(p.cleared_at)::text, '') FROM "
				"peer_reports r LEFT JOIN peer_policy p ON p.subject = "
				"r.offender WHERE r.kind = 'inconsistent' GROUP BY "
				"r.offender ORDER BY max(r.created) DESC, r.offender "
				"LIMIT 1000");
		p2pcd_rpc_rows(rpc, ctx, &q, all);
	} else {
		p2pcd_sql_add(&q,
				"SELECT r.id::text, r.created::text, coalesce(r.tracker_id, "
				"''), encode(r.info_hash, 'hex'), coalesce(r.evidence->>"
				"'check', ''), convert_to(r.evidence::text, 'UTF8'), "
				"(p.cleared_at IS NOT NULL "
				"AND r.created <= p.cleared_at)::text FROM peer_reports r "
				"LEFT JOIN peer_policy p ON p.subject = r.offender WHERE "
				"r.kind = 'inconsistent' AND r.offender = ");
		p2pcd_sql_lit(&q, sub.s, sub.len);
		p2pcd_sql_add(&q, " ORDER BY r.created DESC, r.id DESC LIMIT 100");
		p2pcd_rpc_rows(rpc, ctx, &q, one);
	}
	p2pcd_sql_free(&q);
}

/* clang-format off */
rpc_export_t p2pcd_rpc_cmds[] = {
	{"p2pcd.version", rpc_p2pcd_version, rpc_p2pcd_version_doc, 0},
	{"p2pcd.content_list", rpc_p2pcd_content_list,
		rpc_p2pcd_content_list_doc, RET_ARRAY},
	{"p2pcd.content_show", rpc_p2pcd_content_show,
		rpc_p2pcd_content_show_doc, 0},
	{"p2pcd.mute", rpc_p2pcd_mute, rpc_p2pcd_mute_doc, 0},
	{"p2pcd.unmute", rpc_p2pcd_unmute, rpc_p2pcd_unmute_doc, 0},
	{"p2pcd.tracker_list", rpc_p2pcd_tracker_list,
		rpc_p2pcd_tracker_list_doc, RET_ARRAY},
	{"p2pcd.tracker_mute", rpc_p2pcd_tracker_mute,
		rpc_p2pcd_tracker_mute_doc, 0},
	{"p2pcd.tracker_unmute", rpc_p2pcd_tracker_unmute,
		rpc_p2pcd_tracker_unmute_doc, 0},
	{"p2pcd.reload", rpc_p2pcd_reload, rpc_p2pcd_reload_doc, 0},
	{"p2pcd.key_show", rpc_p2pcd_key_show, rpc_p2pcd_key_show_doc, 0},
	{"p2pcd.key_rotate", rpc_p2pcd_key_rotate, rpc_p2pcd_key_rotate_doc, 0},
	{"p2pcd.key_derive", rpc_p2pcd_key_derive, rpc_p2pcd_key_derive_doc, 0},
	{"p2pcd.peer_reports", rpc_p2pcd_peer_reports,
		rpc_p2pcd_peer_reports_doc, RET_ARRAY},
	{0, 0, 0, 0}
};
/* clang-format on */
