/*
 * p2pcd - content injection: SIP PUBLISH, Event p2pcd-content (RFC 3903)
 *
 * Body (application/json, at most max_publish_body bytes; send it over
 * TCP, RFC 3261 18.1.1):
 *   {"title": "...", "price_cents": 150, "currency": "EUR",
 *    "rights": {...}, "kid": "32 hex", "fingerprint": "64 hex",
 *    "sealed_key": "base64url", "torrent": "base64url"}
 * title, kid, sealed_key and torrent are required. The torrent must pass
 * p2pcd_torrent_check(); its info-hash and the fingerprint are checked
 * against the blocklist; the identity must be an enabled publisher.
 *
 * Initial PUBLISH (no SIP-If-Match): a DOI doi_prefix/p2pcd.XXXXXXXXXXXX
 * is assigned, the least-loaded live tracker chosen (state active,
 * last_seen within tracker_max_age, fewest peers), content + torrent +
 * sealed key + the publisher's seed grant stored by one statement. 200 OK
 * carries SIP-ETag, Expires and
 *   Call-Info: <https://ACCESS/grants/GRANT-ID>;purpose=p2pcd-grant,
 *     <sip:DOI@content_domain>;purpose=p2pcd-content
 * Refresh: SIP-If-Match and no body (412 if the entity tag is not the
 * current one of a publication of this identity). Expires: 0 with
 * SIP-If-Match withdraws (state removed). A publication not refreshed in
 * time is withdrawn by the cache timer.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/dprint.h"
#include "core/parser/parse_cseq.h"
#include "core/trim.h"
#include "core/ut.h"

#include "p2pcd.h"
#include "p2pcd_async.h"
#include "p2pcd_cache.h"
#include "p2pcd_db.h"
#include "p2pcd_keys.h"
#include "p2pcd_parse.h"
#include "p2pcd_publish.h"
#include "p2pcd_sip.h"
#include "p2pcd_trust.h"

#define P2PCD_EVENT "p2pcd-content"
#define P2PCD_ETAG_MAX 64

enum p2pcd_pub_kind
{
	P2PCD_PUB_NEW = 0,
	P2PCD_PUB_REFRESH,
	P2PCD_PUB_REMOVE,
};

typedef struct p2pcd_pub
{
	p2pcd_ident_t id;
	int kind;
	int expires;
	char etag[P2PCD_ETAG_MAX + 1];
	char gid[P2PCD_GRANT_ID_LEN + 1]; /* the seed grant (new publication) */
	p2pcd_pubinfo_t b;
	int torrent_len;
	unsigned char torrent[];
} p2pcd_pub_t;

/* random lowercase base32 characters */
static void p2pcd_rand32(char *out, int n)
{
	static const char a[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char r[32];
	int i;

	randombytes_buf(r, n);
	for(i = 0; i < n; i++)
		out[i] = a[r[i] & 31];
	out[n] = '\0';
}

static void p2pcd_pub_unavailable(p2pcd_job_t *job, const char *reason)
{
	update_stat(reason[0] == 'N' ? p2pcd_no_tracker_stat
								 : p2pcd_db_unavailable_stat,
			1);
	p2pcd_job_set(job, 503, reason);
	p2pcd_job_hdr(job, "Retry-After: %d\r\n", p2pcd_retry_after);
}

/* append a SIP URI user part: the DOI with what RFC 3261 forbids escaped */
static void p2pcd_hdr_uri_user(p2pcd_job_t *job, const char *s)
{
	static const char ok[] = "-_.!~*'()&=+$,;?/";
	char buf[3 * P2PCD_DOI_MAX + 1];
	int n = 0;

	for(; *s && n < (int)sizeof(buf) - 4; s++) {
		if((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
				|| (*s >= '0' && *s <= '9') || strchr(ok, *s))
			buf[n++] = *s;
		else
			n += snprintf(buf + n, 4, "%%%02X", (unsigned char)*s);
	}
	buf[n] = '\0';
	p2pcd_job_hdr(job, "%s", buf);
}

/* 200 to a publication: SIP-ETag, Expires, seed grant and content URI */
static void p2pcd_pub_ok(
		p2pcd_job_t *job, p2pcd_pub_t *p, const char *etag, const char *doi)
{
	p2pcd_job_set(job, 200, "OK");
	p2pcd_job_hdr(job,
			"SIP-ETag: %s\r\nExpires: %d\r\n"
			"Call-Info: <https://%.*s/grants/%s>;purpose=p2pcd-grant, <sip:",
			etag, p->expires, p2pcd_access_host.len, p2pcd_access_host.s,
			p->gid);
	p2pcd_hdr_uri_user(job, doi);
	p2pcd_job_hdr(job, "@%.*s>;purpose=p2pcd-content\r\n",
			p2pcd_content_domain.len, p2pcd_content_domain.s);
}

/*
 * The same request again (same Call-ID, CSeq and identity, hence the same
 * seed grant id), e.g. a retransmission that reached a restarted AS after
 * the first one committed: the stored publication, a new entity tag.
 */
static void p2pcd_pub_replay(p2pcd_job_t *job, p2pcd_pub_t *p, str *doi)
{
	p2pcd_sql_t q;
	db1_res_t *res = NULL;
	char etag[P2PCD_GRANT_ID_LEN + 1], d[P2PCD_DOI_MAX + 1];
	str v;

	p2pcd_grant_id(etag);
	p2pcd_sql_init(&q);
	p2pcd_sql_add(&q, "UPDATE content SET etag = ");
	p2pcd_sql_lit(&q, etag, strlen(etag));
	p2pcd_sql_addf(&q,
			", expires = now() + make_interval(secs => %d) WHERE state <> "
			"'removed' AND doi = ",
			p->expires);
	p2pcd_sql_lit(&q, doi->s, doi->len);
	p2pcd_sql_add(&q, " RETURNING convert_to(doi, 'UTF8')");
	if(p2pcd_db_exec(&q, &res) < 0) {
		p2pcd_sql_free(&q);
		p2pcd_pub_unavailable(job, "Service Unavailable");
		return;
	}
	p2pcd_sql_free(&q);
	if(p2pcd_db_str(res, 0, 0, &v) < 0 || v.len > P2PCD_DOI_MAX) {
		update_stat(p2pcd_ref_conflict_stat, 1);
		p2pcd_job_set(job, 409, "Already Published");
	} else {
		memcpy(d, v.s, v.len);
		d[v.len] = '\0';
		update_stat(p2pcd_refreshes_stat, 1);
		p2pcd_pub_ok(job, p, etag, d);
	}
	p2pcd_db_free(res);
}

static void p2pcd_pub_new(p2pcd_job_t *job, p2pcd_pub_t *p)
{
	p2pcd_sql_t q;
	db1_res_t *res = NULL;
	p2pcd_content_t c;
	p2pcd_tokens_t tok;
	char doi[P2PCD_DOI_MAX + 1], rnd[13], etag[P2PCD_GRANT_ID_LEN + 1];
	char gid[P2PCD_GRANT_ID_LEN + 1], sub[P2PCD_SUBJECT_LEN + 1];
	char state[16];
	long long now;
	str v;

	/* 1. who, what, where: publisher, blocklist, duplicates, tracker */
	p2pcd_sql_init(&q);
	p2pcd_sql_add(&q, "SELECT (SELECT CASE WHEN pre_review THEN 'pending' "
					  "ELSE 'active' END FROM publishers WHERE enabled AND "
					  "impu = ");
	p2pcd_sql_lit(&q, p->id.impu, p->id.impu_len);
	p2pcd_sql_add(&q, "), (SELECT count(*) FROM blocklist WHERE (kind = "
					  "'info_hash' AND value = ");
	p2pcd_sql_bytea(&q, p->b.ih, 20);
	p2pcd_sql_add(&q, ") OR (kind = 'fingerprint' AND value = ");
	if(p->b.has_fp)
		p2pcd_sql_bytea(&q, p->b.fp, 32);
	else
		p2pcd_sql_add(&q, "NULL");
	p2pcd_sql_add(&q, ")), (SELECT count(*) FROM content WHERE info_hash = ");
	p2pcd_sql_bytea(&q, p->b.ih, 20);
	p2pcd_sql_add(&q, " OR kid = ");
	p2pcd_sql_bytea(&q, p->b.kid, 16);
	p2pcd_sql_addf(&q,
			"), (SELECT convert_to(id, 'UTF8') FROM trackers WHERE "
			"state = 'active' AND "
			"last_seen > now() - make_interval(secs => %d) "
			"ORDER BY peers, swarms, id LIMIT 1), "
			"(SELECT convert_to(g.doi, 'UTF8') FROM grants g JOIN content c "
			"ON c.doi = g.doi WHERE g.role = 'seed' AND g.id = ",
			p2pcd_tracker_max_age);
	p2pcd_sql_lit(&q, p->gid, strlen(p->gid));
	p2pcd_sql_add(&q, " AND g.impu = ");
	p2pcd_sql_lit(&q, p->id.impu, p->id.impu_len);
	p2pcd_sql_add(&q, " AND c.info_hash = ");
	p2pcd_sql_bytea(&q, p->b.ih, 20);
	p2pcd_sql_add(&q, " AND c.kid = ");
	p2pcd_sql_bytea(&q, p->b.kid, 16);
	p2pcd_sql_add(&q, ")");
	if(p2pcd_db_exec(&q, &res) < 0) {
		p2pcd_sql_free(&q);
		p2pcd_pub_unavailable(job, "Service Unavailable");
		return;
	}
	p2pcd_sql_free(&q);
	memset(&c, 0, sizeof(c));
	if(p2pcd_db_str(res, 0, 0, &v) < 0 || v.len >= (int)sizeof(state)) {
		update_stat(p2pcd_ref_not_publisher_stat, 1);
		p2pcd_job_set(job, 403, "Not A Publisher");
		goto done;
	}
	memcpy(state, v.s, v.len);
	state[v.len] = '\0';
	if(p2pcd_db_str(res, 0, 4, &v) == 0) {
		p2pcd_pub_replay(job, p, &v);
		goto done;
	}
	if(p2pcd_db_ll(res, 0, 1, 1) != 0) {
		update_stat(p2pcd_ref_blocklisted_stat, 1);
		p2pcd_job_set(job, 403, "Blocklisted Content");
		goto done;
	}
	if(p2pcd_db_ll(res, 0, 2, 1) != 0) {
		update_stat(p2pcd_ref_conflict_stat, 1);
		p2pcd_job_set(job, 409, "Already Published");
		goto done;
	}
	if(p2pcd_db_str(res, 0, 3, &v) < 0 || v.len > P2PCD_TRACKER_MAX) {
		p2pcd_pub_unavailable(job, "No Live Tracker");
		goto done;
	}
	memcpy(c.tracker, v.s, v.len);
	p2pcd_db_free(res);
	res = NULL;

	/* 2. the DOI, the entity tag, the seed grant */
	p2pcd_rand32(rnd, 12);
	c.doi_len = snprintf(doi, sizeof(doi), "%.*s/p2pcd.%s",
			p2pcd_doi_prefix.len, p2pcd_doi_prefix.s, rnd);
	if(c.doi_len >= (int)sizeof(doi)) {
		p2pcd_job_set(job, 500, "doi_prefix Too Long");
		return;
	}
	memcpy(c.doi, doi, c.doi_len);
	memcpy(c.info_hash, p->b.ih, 20);
	memcpy(c.kid, p->b.kid, 16);
	c.rights = p->b.rights;
	c.rights_len = strlen(p->b.rights);
	memcpy(gid, p->gid, sizeof(gid));
	p2pcd_grant_id(etag);
	now = time(NULL);
	if(p2pcd_pseudonym(p->id.impu, p->id.impu_len, sub) < 0
			|| p2pcd_tokens_mint(&c, "seed", sub, gid, p->id.icid, now,
					   now + p2pcd_grant_ttl, &tok)
					   < 0) {
		p2pcd_job_set(job, 500, "Cannot Mint Tokens");
		return;
	}

	/* 3. one statement: content, torrent, sealed key, seed grant */
	p2pcd_sql_init(&q);
	p2pcd_sql_add(&q, "WITH c AS (INSERT INTO content (doi, title, info_hash, "
					  "kid, size_bytes, fingerprint, state, tracker_id, "
					  "publisher, price_cents, currency, rights, etag, "
					  "expires) VALUES (");
	p2pcd_sql_lit(&q, doi, c.doi_len);
	p2pcd_sql_add(&q, ", ");
	p2pcd_sql_lit(&q, p->b.title, strlen(p->b.title));
	p2pcd_sql_add(&q, ", ");
	p2pcd_sql_bytea(&q, p->b.ih, 20);
	p2pcd_sql_add(&q, ", ");
	p2pcd_sql_bytea(&q, p->b.kid, 16);
	p2pcd_sql_addf(&q, ", %lld, ", p->b.size);
	if(p->b.has_fp)
		p2pcd_sql_bytea(&q, p->b.fp, 32);
	else
		p2pcd_sql_add(&q, "NULL");
	p2pcd_sql_addf(&q, ", '%s', ", state);
	p2pcd_sql_lit(&q, c.tracker, strlen(c.tracker));
	p2pcd_sql_add(&q, ", ");
	p2pcd_sql_lit(&q, p->id.impu, p->id.impu_len);
	p2pcd_sql_addf(&q, ", %lld, '%s', ", p->b.price, p->b.currency);
	p2pcd_sql_lit(&q, p->b.rights, strlen(p->b.rights));
	p2pcd_sql_add(&q, "::jsonb, ");
	p2pcd_sql_lit(&q, etag, strlen(etag));
	p2pcd_sql_addf(&q,
			", now() + make_interval(secs => %d)) RETURNING doi), "
			"t AS (INSERT INTO torrents (doi, torrent) SELECT doi, ",
			p->expires);
	p2pcd_sql_bytea(&q, p->torrent, p->torrent_len);
	p2pcd_sql_add(&q, " FROM c), k AS (INSERT INTO content_keys (kid, doi, "
					  "sealed_key) SELECT ");
	p2pcd_sql_bytea(&q, p->b.kid, 16);
	p2pcd_sql_add(&q, ", doi, ");
	p2pcd_sql_bytea(&q, p->b.sealed, p->b.sealed_len);
	/* the tokens' parts, as the acquisition stores them (0011); the
	 * rights as the PUBLISH body gave them, not as content stores them */
	p2pcd_sql_add(&q, " FROM c), g AS (INSERT INTO grants (id, doi, impu, "
					  "subject, role, tok_aud, tok_macs, expires, icid, "
					  "tok_iat, tok_key_version, tok_iss, tok_rights) SELECT ");
	p2pcd_sql_lit(&q, gid, strlen(gid));
	p2pcd_sql_add(&q, ", doi, ");
	p2pcd_sql_lit(&q, p->id.impu, p->id.impu_len);
	p2pcd_sql_add(&q, ", ");
	p2pcd_sql_lit(&q, sub, strlen(sub));
	p2pcd_sql_add(&q, ", 'seed', ");
	p2pcd_sql_lit(&q, c.tracker, strlen(c.tracker));
	p2pcd_sql_add(&q, ", ");
	p2pcd_sql_bytea(&q, tok.macs, sizeof(tok.macs));
	p2pcd_sql_addf(&q, ", to_timestamp(%lld), ", now + p2pcd_grant_ttl);
	p2pcd_sql_lit_or_null(&q, p->id.icid, p->id.icid_len);
	p2pcd_sql_addf(&q, ", %lld, %u, ", now, tok.key_version);
	p2pcd_sql_lit(&q, p2pcd_issuer.s, p2pcd_issuer.len);
	p2pcd_sql_add(&q, ", ");
	p2pcd_sql_lit(&q, c.rights, c.rights_len);
	p2pcd_sql_add(&q, " FROM c) SELECT doi FROM c");
	p2pcd_tokens_free(&tok);
	if(p2pcd_db_exec(&q, NULL) < 0) {
		p2pcd_sql_free(&q);
		p2pcd_pub_unavailable(job, "Service Unavailable");
		return;
	}
	p2pcd_sql_free(&q);
	update_stat(p2pcd_publishes_stat, 1);
	p2pcd_cache_reload();
	p2pcd_pub_ok(job, p, etag, doi);
	return;
done:
	p2pcd_db_free(res);
}

static void p2pcd_pub_refresh(p2pcd_job_t *job, p2pcd_pub_t *p)
{
	p2pcd_sql_t q;
	db1_res_t *res = NULL;
	char etag[P2PCD_GRANT_ID_LEN + 1];
	str doi;

	p2pcd_grant_id(etag);
	p2pcd_sql_init(&q);
	if(p->kind == P2PCD_PUB_REMOVE) {
		p2pcd_sql_add(&q, "UPDATE content SET state = 'removed', etag = NULL, "
						  "expires = now() WHERE etag = ");
	} else {
		p2pcd_sql_add(&q, "UPDATE content SET etag = ");
		p2pcd_sql_lit(&q, etag, strlen(etag));
		p2pcd_sql_addf(&q,
				", expires = now() + make_interval(secs => %d) "
				"WHERE state <> 'removed' AND etag = ",
				p->expires);
	}
	p2pcd_sql_lit(&q, p->etag, strlen(p->etag));
	p2pcd_sql_add(&q, " AND publisher = ");
	p2pcd_sql_lit(&q, p->id.impu, p->id.impu_len);
	p2pcd_sql_add(&q, " RETURNING doi");
	if(p2pcd_db_exec(&q, &res) < 0) {
		p2pcd_sql_free(&q);
		p2pcd_pub_unavailable(job, "Service Unavailable");
		return;
	}
	p2pcd_sql_free(&q);
	if(p2pcd_db_str(res, 0, 0, &doi) < 0) {
		update_stat(p2pcd_ref_etag_stat, 1);
		p2pcd_job_set(job, 412, "Conditional Request Failed");
	} else if(p->kind == P2PCD_PUB_REMOVE) {
		update_stat(p2pcd_withdrawals_stat, 1);
		p2pcd_cache_set_state(&doi, P2PCD_ST_REMOVED);
		p2pcd_job_set(job, 200, "OK");
		p2pcd_job_hdr(job, "Expires: 0\r\n");
	} else {
		update_stat(p2pcd_refreshes_stat, 1);
		p2pcd_job_set(job, 200, "OK");
		p2pcd_job_hdr(job, "SIP-ETag: %s\r\nExpires: %d\r\n", etag, p->expires);
	}
	p2pcd_db_free(res);
}

static void p2pcd_pub_run(p2pcd_job_t *job)
{
	p2pcd_pub_t *p = job->data;

	if(p->kind == P2PCD_PUB_NEW)
		p2pcd_pub_new(job, p);
	else
		p2pcd_pub_refresh(job, p);
}

static int p2pcd_bad(sip_msg_t *msg, const char *why)
{
	char reason[96];

	update_stat(p2pcd_ref_malformed_stat, 1);
	snprintf(reason, sizeof(reason), "Bad Publication: %s", why);
	return p2pcd_reply(msg, 400, reason, NULL);
}

/* the job, allocated once the torrent's decoded size is known */
static unsigned char *p2pcd_pub_torrent_buf(size_t len, void *ctx)
{
	p2pcd_job_t **job = ctx;

	*job = p2pcd_job_new(p2pcd_pub_run, sizeof(p2pcd_pub_t) + len);
	if(*job == NULL)
		return NULL;
	return ((p2pcd_pub_t *)(*job)->data)->torrent;
}

/* parse and check the body into a new job (or answer and return NULL) */
static p2pcd_job_t *p2pcd_pub_body(sip_msg_t *msg, str *body)
{
	p2pcd_job_t *job = NULL;
	p2pcd_pubinfo_t pi;
	p2pcd_pub_t *p;
	const char *why;
	size_t n;
	int ret;

	ret = p2pcd_pub_body_parse(body->s, body->len, p2pcd_max_content_size, &pi,
			p2pcd_pub_torrent_buf, &job, &n, &why);
	if(ret == -2) {
		p2pcd_reply(msg, 500, "Server Internal Error", NULL);
		return NULL;
	}
	if(ret < 0) {
		p2pcd_bad(msg, why);
		p2pcd_job_free(job);
		return NULL;
	}
	p = job->data;
	p->b = pi;
	p->torrent_len = n;
	return job;
}

/*
 * The seed grant id of a new publication: keyed by the request (Call-ID,
 * CSeq, identity) like an acquisition's request id, so that the same
 * request again finds what it stored (p2pcd_pub_replay). The pseudonym
 * HMAC key (secret, stable across restarts), another input domain.
 */
static int p2pcd_pub_seed_gid(
		sip_msg_t *msg, p2pcd_ident_t *id, char out[P2PCD_GRANT_ID_LEN + 1])
{
	char buf[1024], sub[P2PCD_SUBJECT_LEN + 1];
	struct cseq_body *cs;
	int n;

	if(parse_headers(msg, HDR_CALLID_F | HDR_CSEQ_F, 0) < 0
			|| msg->callid == NULL || msg->cseq == NULL)
		return -1;
	cs = get_cseq(msg);
	n = snprintf(buf, sizeof(buf), "p2pcd-seed-grant\n%.*s\n%.*s\n%s",
			msg->callid->body.len, msg->callid->body.s, cs->number.len,
			cs->number.s, id->impu);
	if(n < 0 || n >= (int)sizeof(buf) || p2pcd_pseudonym(buf, n, sub) < 0)
		return -1;
	memcpy(out, sub + 2, P2PCD_GRANT_ID_LEN);
	out[P2PCD_GRANT_ID_LEN] = '\0';
	return 0;
}

/* 1 if the Event header names our package */
static int p2pcd_event_ok(sip_msg_t *msg)
{
	hdr_field_t *hf;
	str e;
	char *semi;

	hf = p2pcd_hdr(msg, "Event");
	if(hf == NULL)
		hf = p2pcd_hdr(msg, "o");
	if(hf == NULL)
		return 0;
	e = hf->body;
	semi = memchr(e.s, ';', e.len);
	if(semi)
		e.len = semi - e.s;
	trim(&e);
	return e.len == sizeof(P2PCD_EVENT) - 1
		   && strncasecmp(e.s, P2PCD_EVENT, e.len) == 0;
}

/* Expires: the requested value, default_expires when absent, -1 if bad */
static int p2pcd_expires(sip_msg_t *msg)
{
	hdr_field_t *hf;
	unsigned int v;
	str e;

	hf = p2pcd_hdr(msg, "Expires");
	if(hf == NULL)
		return p2pcd_default_expires;
	e = hf->body;
	trim(&e);
	if(e.len == 0 || e.len > 10 || str2int(&e, &v) < 0)
		return -1;
	return v > (unsigned int)p2pcd_max_expires ? p2pcd_max_expires : (int)v;
}

/**
 * p2pcd_publish(): answer a PUBLISH of Event p2pcd-content. Returns 0
 * (answered now or after the commit; the script ends).
 */
int ki_p2pcd_publish(sip_msg_t *msg)
{
	int ret;
	p2pcd_ident_t id;
	p2pcd_job_t *job;
	p2pcd_pub_t *p;
	hdr_field_t *ifm;
	char hdr[64];
	str body, etag = STR_NULL;
	int expires;

	if(p2pcd_trust_request(msg, METHOD_PUBLISH, "Allow: PUBLISH\r\n", &id, &ret)
			< 0)
		return ret;
	if(!p2pcd_event_ok(msg)) {
		update_stat(p2pcd_ref_bad_event_stat, 1);
		return p2pcd_reply(
				msg, 489, "Bad Event", "Allow-Events: " P2PCD_EVENT "\r\n");
	}
	expires = p2pcd_expires(msg);
	if(expires < 0)
		return p2pcd_bad(msg, "bad Expires");
	if(expires > 0 && expires < p2pcd_min_expires) {
		snprintf(hdr, sizeof(hdr), "Min-Expires: %d\r\n", p2pcd_min_expires);
		return p2pcd_reply(msg, 423, "Interval Too Brief", hdr);
	}
	if(p2pcd_body(msg, &body) < 0)
		return p2pcd_bad(msg, "unreadable body");
	if(body.len > p2pcd_max_publish_body) {
		update_stat(p2pcd_ref_too_large_stat, 1);
		return p2pcd_reply(msg, 413, "Request Entity Too Large", NULL);
	}
	ifm = p2pcd_hdr(msg, "SIP-If-Match");
	if(ifm != NULL) {
		etag = ifm->body;
		trim(&etag);
		if(etag.len == 0 || etag.len > P2PCD_ETAG_MAX
				|| !p2pcd_printable(etag.s, etag.len))
			return p2pcd_bad(msg, "bad SIP-If-Match");
		if(body.len > 0)
			return p2pcd_bad(msg, "modify not supported: withdraw and "
								  "publish again");
	} else if(expires == 0) {
		return p2pcd_bad(msg, "Expires 0 needs SIP-If-Match");
	} else if(body.len == 0) {
		return p2pcd_bad(msg, "body required");
	}
	if(!p2pcd_db_enabled())
		return p2pcd_reply(msg, 500, "No Database Configured", NULL);

	if(ifm != NULL) {
		job = p2pcd_job_new(p2pcd_pub_run, sizeof(p2pcd_pub_t));
		if(job == NULL)
			return p2pcd_reply(msg, 500, "Server Internal Error", NULL);
		p = job->data;
		p->kind = expires == 0 ? P2PCD_PUB_REMOVE : P2PCD_PUB_REFRESH;
		memcpy(p->etag, etag.s, etag.len);
	} else {
		if(p2pcd_is_json(msg) != 1) {
			update_stat(p2pcd_ref_media_type_stat, 1);
			return p2pcd_reply(msg, 415, "Unsupported Media Type",
					"Accept: application/json\r\n");
		}
		job = p2pcd_pub_body(msg, &body);
		if(job == NULL)
			return 0;
		p = job->data;
		p->kind = P2PCD_PUB_NEW;
		if(p2pcd_pub_seed_gid(msg, &id, p->gid) < 0) {
			p2pcd_job_free(job);
			return p2pcd_bad(msg, "bad Call-ID or CSeq");
		}
	}
	p->id = id;
	p->expires = expires;
	return p2pcd_job_dispatch(msg, job);
}
