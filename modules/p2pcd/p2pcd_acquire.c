/*
 * p2pcd - content acquisition: SIP MESSAGE to a content URI
 *
 * Content URI: sip:DOI@content_domain, the DOI in the user part with the
 * characters RFC 3261 does not allow there %-escaped ("10.9999/p2pcd.x"
 * needs none: '/' is a user-unreserved character).
 *
 * In the SIP worker: trust, identity, DOI, body, cache. In the job (async
 * worker): one SQL statement, hence one transaction, that re-checks the
 * content state, inserts the grant and the charging record unless the
 * request id (the first 128 bits of the SHA-256 of Call-ID, CSeq, DOI and
 * identity) was charged before, and returns the grant id of the first
 * charge. The 200 OK carries
 * Call-Info: <https://ACCESS/grants/GRANT-ID>;purpose=p2pcd-grant and no
 * body (RFC 3428).
 */

#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/dprint.h"
#include "core/parser/parse_cseq.h"
#include "core/parser/parse_uri.h"
#include "core/parser/parse_via.h"
#include "core/ut.h"

#include "p2pcd/sha256.h"

#include "p2pcd.h"
#include "p2pcd_acquire.h"
#include "p2pcd_async.h"
#include "p2pcd_cache.h"
#include "p2pcd_db.h"
#include "p2pcd_keys.h"
#include "p2pcd_parse.h"
#include "p2pcd_sip.h"
#include "p2pcd_trust.h"

/* bytes of the digest kept as the request id: 128 bits (two requests
 * share one by chance only near 2^64 purchases) in an index a third the
 * size of the whole digest's hex */
#define P2PCD_REQUEST_ID_LEN 16

typedef struct p2pcd_acq
{
	p2pcd_ident_t id;
	p2pcd_content_t c;
	char rights[P2PCD_RIGHTS_MAX + 1];
	char request_id[2 * P2PCD_REQUEST_ID_LEN + 1];
} p2pcd_acq_t;

int p2pcd_ruri_doi(sip_msg_t *msg, char *out, int size, str *doi)
{
	int n;

	if(parse_sip_msg_uri(msg) < 0)
		return -1;
	n = p2pcd_doi_unescape(
			msg->parsed_uri.user.s, msg->parsed_uri.user.len, out, size);
	if(n < 0)
		return -1;
	doi->s = out;
	doi->len = n;
	return 0;
}

/* the request id (hex, into out: the digest's first 128 bits, stored as
 * bytea) and the whole digest (into h) */
static int p2pcd_request_id(sip_msg_t *msg, str *doi, p2pcd_ident_t *id,
		char out[2 * P2PCD_REQUEST_ID_LEN + 1],
		unsigned char h[P2PCD_SHA256_LEN])
{
	struct p2pcd_sha256 st;
	struct cseq_body *cs;

	if(parse_headers(msg, HDR_CALLID_F | HDR_CSEQ_F, 0) < 0
			|| msg->callid == NULL || msg->cseq == NULL)
		return -1;
	cs = get_cseq(msg);
	p2pcd_sha256_init(&st);
	p2pcd_sha256_update(&st, msg->callid->body.s, msg->callid->body.len);
	p2pcd_sha256_update(&st, "\n", 1);
	p2pcd_sha256_update(&st, cs->number.s, cs->number.len);
	p2pcd_sha256_update(&st, "\n", 1);
	p2pcd_sha256_update(&st, cs->method.s, cs->method.len);
	p2pcd_sha256_update(&st, "\n", 1);
	p2pcd_sha256_update(&st, doi->s, doi->len);
	p2pcd_sha256_update(&st, "\n", 1);
	p2pcd_sha256_update(&st, id->impu, id->impu_len);
	p2pcd_sha256_final(&st, h);
	p2pcd_hex_public(h, P2PCD_REQUEST_ID_LEN, out);
	return 0;
}

/*
 * The same request id and top Via branch: a retransmission of the same
 * transaction (a repeat in a new transaction has another branch): 64
 * bits for the in-flight set, the branch's SipHash keyed by the request
 * id's digest, mixed with more of the digest (cheaper than the second
 * SHA-256 it replaces). Two requests sharing a key only delay the second:
 * it is absorbed, and answered when its client retransmits it.
 */
static unsigned long long p2pcd_retransmission_key(
		sip_msg_t *msg, const unsigned char h[P2PCD_SHA256_LEN])
{
	unsigned char b[crypto_shorthash_BYTES];
	unsigned long long k, kb = 0;

	memcpy(&k, h + crypto_shorthash_KEYBYTES, sizeof(k));
	if(msg->via1 != NULL && msg->via1->branch != NULL) {
		crypto_shorthash(b, (unsigned char *)msg->via1->branch->value.s,
				msg->via1->branch->value.len, h);
		memcpy(&kb, b, sizeof(kb));
	}
	return k ^ kb;
}

static void p2pcd_acq_granted(p2pcd_job_t *job, str *gid)
{
	/* Call-Info: <https://ACCESS/grants/GRANT-ID>;purpose=p2pcd-grant */
	str v[] = {str_init("Call-Info: <https://"), p2pcd_access_host,
			str_init("/grants/"), *gid, str_init(">;purpose=p2pcd-grant\r\n")};

	p2pcd_job_set(job, 200, "OK");
	p2pcd_job_hdr_addv(job, v, sizeof(v) / sizeof(v[0]));
}

static void p2pcd_acq_unavailable(p2pcd_job_t *job)
{
	update_stat(p2pcd_db_unavailable_stat, 1);
	p2pcd_job_set(job, 503, "Service Unavailable");
	p2pcd_job_hdr(job, "Retry-After: %d\r\n", p2pcd_retry_after);
}

/* the repeat path: the grant of an earlier charge of this request id */
static int p2pcd_acq_lookup(p2pcd_acq_t *a, p2pcd_job_t *job)
{
	p2pcd_sql_t q;
	db1_res_t *res = NULL;
	str gid;
	int ret = -1;

	p2pcd_sql_init(&q);
	p2pcd_sql_add(&q, "SELECT grant_id FROM charging_records "
					  "WHERE request_id = decode(");
	p2pcd_sql_lit(&q, a->request_id, strlen(a->request_id));
	p2pcd_sql_add(&q, ", 'hex')");
	if(p2pcd_db_exec(&q, &res) == 0) {
		ret = 0;
		if(p2pcd_db_str(res, 0, 0, &gid) == 0) {
			update_stat(p2pcd_acq_repeats_stat, 1);
			p2pcd_acq_granted(job, &gid);
			ret = 1;
		}
	}
	p2pcd_db_free(res);
	p2pcd_sql_free(&q);
	return ret;
}

/*
 * The acquisition statement, prepared once per connection (parse and plan
 * once: most of the database's CPU otherwise). Parameters: $1 doi, $2
 * request id (hex), $3 grant id, $4 IMPU, $5 subject, $6 the admission
 * token's aud, $7 the two MACs (hex), $8 expiry (unix time), $9 icid, $10
 * orig-ioi, $11 iat, $12 key version, $13 iss, $14 the license token's
 * rights (NULL: the title's, as stored). The grant keeps what the tokens
 * are made of, not the tokens (sql/migrations/0011). Returns the answer's
 * row (see p2pcd_acq_answer).
 */
#define P2PCD_ACQ_SQL                                                        \
	"(text, text, text, text, text, text, text, bigint, text, text, "        \
	"bigint, bigint, text, text) AS "                                        \
	"WITH c AS (SELECT doi, state, price_cents, currency FROM content "      \
	"WHERE doi = $1), "                                                      \
	"prev AS (SELECT grant_id FROM charging_records WHERE request_id = "     \
	"decode($2, 'hex')), "                                                   \
	"g AS (INSERT INTO grants (id, doi, impu, subject, role, tok_aud, "      \
	"tok_macs, expires, icid, tok_iat, tok_key_version, tok_iss, "           \
	"tok_rights) SELECT $3, c.doi, $4, $5, 'leech', $6, decode($7, "         \
	"'hex'), to_timestamp($8), $9, $11, $12, $13, $14 FROM c WHERE "         \
	"c.state = 'active' AND NOT EXISTS (SELECT 1 FROM prev) RETURNING id), " \
	"r AS (INSERT INTO charging_records (request_id, icid, orig_ioi, impu, " \
	"doi, grant_id, amount_cents, currency) SELECT decode($2, 'hex'), $9, "  \
	"$10, $4, c.doi, g.id, c.price_cents, c.currency FROM c, g RETURNING "   \
	"grant_id) "                                                             \
	"SELECT (SELECT grant_id FROM prev)::varchar, CASE WHEN NOT EXISTS "     \
	"(SELECT 1 FROM r) THEN coalesce((SELECT state FROM content WHERE "      \
	"doi = $1), '') END::varchar"

/*
 * A batch of acquisitions, the same logic as P2PCD_ACQ_SQL over arrays (one
 * element per job; $8 the expiry, $11 the iat and $13 the iss of all): one
 * statement, one transaction.
 * Prepared, not sent as a VALUES list of literals: parsing and planning
 * that list took a fifth of the database's CPU per batch. "buy" holds the
 * requests to charge; the grants and the charging records are both made
 * from it, and the answer reads the same content rows (the same snapshot):
 * the statement commits whole or not at all, so a request was charged
 * exactly when its title is active and it has no earlier charge, and no
 * insert's RETURNING rows need joining back (n x n nested loops; their
 * CPU was within the noise of bench/module/sqlcost.sh).
 */
#define P2PCD_ACQ_BATCH_SQL                                               \
	"(text[], text[], text[], text[], text[], text[], text[], bigint, "   \
	"text[], text[], bigint, text[], text, text[]) AS "                   \
	"WITH req AS (SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $9, "  \
	"$10, $12, $14) WITH ORDINALITY AS u(doi, rid, gid, impu, sub, aud, " \
	"macs, icid, ioi, kv, rights, n)), "                                  \
	"prev AS (SELECT req.n, cr.grant_id FROM req JOIN "                   \
	"charging_records cr ON cr.request_id = decode(req.rid, 'hex')), "    \
	"buy AS (SELECT req.*, t.price_cents, t.currency FROM req JOIN "      \
	"content t ON t.doi = req.doi WHERE t.state = 'active' AND NOT "      \
	"EXISTS (SELECT 1 FROM prev WHERE prev.n = req.n)), "                 \
	"g AS (INSERT INTO grants (id, doi, impu, subject, role, tok_aud, "   \
	"tok_macs, expires, icid, tok_iat, tok_key_version, tok_iss, "        \
	"tok_rights) SELECT gid, doi, impu, sub, 'leech', aud, decode(macs, " \
	"'hex'), to_timestamp($8), icid, $11, kv::bigint, $13, rights FROM "  \
	"buy), "                                                              \
	"r AS (INSERT INTO charging_records (request_id, icid, orig_ioi, "    \
	"impu, doi, grant_id, amount_cents, currency) SELECT decode(rid, "    \
	"'hex'), icid, ioi, impu, doi, gid, price_cents, currency FROM buy) " \
	"SELECT prev.grant_id::varchar, CASE WHEN prev.n IS NOT NULL OR "     \
	"t.state IS DISTINCT FROM 'active' THEN coalesce(t.state, '') "       \
	"END::varchar FROM req LEFT JOIN prev ON prev.n = req.n LEFT JOIN "   \
	"content t ON t.doi = req.doi ORDER BY req.n"

/*
 * Sent before each EXECUTE in the same query string (one implicit
 * transaction, so the settings end with it): a plan made for this session
 * is kept, and one made while a table was small reads it whole (a
 * sequential scan, a hash or merge join) as it grows. At the start of a
 * bench run 1568 batches read 33 million rows of charging_records so,
 * until ANALYZE made a new plan. Nested loops over the keys are the plan
 * for a few rows at any table size.
 */
#define P2PCD_ACQ_PLAN                                                  \
	"SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; " \
	"SET LOCAL enable_mergejoin = off; "

/* a statement this process prepares on its connection: the number in its
 * name, 0 when not prepared */
typedef struct p2pcd_stmt
{
	const char *name;
	const char *sql;
	unsigned int num;
	unsigned int next;
} p2pcd_stmt_t;

static p2pcd_stmt_t p2pcd_acq_one = {"p2pcd_acq", P2PCD_ACQ_SQL, 0, 0};
static p2pcd_stmt_t p2pcd_acq_many = {"p2pcd_acqb", P2PCD_ACQ_BATCH_SQL, 0, 0};

static int p2pcd_acq_prepare(p2pcd_stmt_t *st)
{
	p2pcd_sql_t q;
	int ret;

	/* a new name each time: a statement left over in a session that
	 * survived an error does not collide */
	st->next++;
	p2pcd_sql_init(&q);
	p2pcd_sql_addf(&q, "PREPARE %s_%u ", st->name, st->next);
	p2pcd_sql_add(&q, st->sql);
	ret = p2pcd_db_exec(&q, NULL);
	p2pcd_sql_free(&q);
	if(ret == 0)
		st->num = st->next;
	return ret;
}

/*
 * The answer from row i of an acquisition statement: column 0 the grant of
 * an earlier charge of this request id (a repeat), column 1 NULL when the
 * request was charged now with grant gid, else the content's state ('' when
 * there is no such content). Both NULL, the common case, leave nothing for
 * db_postgres to convert; varchar, not text, which it would copy as a blob.
 */
static void p2pcd_acq_answer(p2pcd_job_t *job, p2pcd_acq_t *a, const char *gid,
		db1_res_t *res, int i)
{
	str v;
	int st;

	if(p2pcd_db_str(res, i, 0, &v) == 0) {
		update_stat(p2pcd_acq_repeats_stat, 1);
		p2pcd_acq_granted(job, &v);
	} else if(p2pcd_db_is_null(res, i, 1)) {
		update_stat(p2pcd_acquisitions_stat, 1);
		v.s = (char *)gid;
		v.len = strlen(gid);
		p2pcd_acq_granted(job, &v);
	} else if(p2pcd_db_str(res, i, 1, &v) < 0 || v.len == 0) {
		update_stat(p2pcd_ref_unknown_stat, 1);
		p2pcd_job_set(job, 404, "Not Found");
	} else {
		st = p2pcd_state_parse(&v);
		p2pcd_cache_set_state(&(str){a->c.doi, a->c.doi_len}, st);
		if(st == P2PCD_ST_PENDING) {
			update_stat(p2pcd_ref_unknown_stat, 1);
			p2pcd_job_set(job, 404, "Not Found");
		} else {
			update_stat(p2pcd_ref_muted_stat, 1);
			p2pcd_job_set(job, 410, "Gone");
		}
	}
}

static void p2pcd_acq_run(p2pcd_job_t *job)
{
	p2pcd_acq_t *a = job->data;
	p2pcd_tokens_t tok;
	p2pcd_sql_t q;
	db1_res_t *res = NULL;
	char gid[P2PCD_GRANT_ID_LEN + 1];
	char sub[P2PCD_SUBJECT_LEN + 1];
	char macs[P2PCD_TOKEN_MACS_HEX + 1];
	long long now, exp;
	int attempt, ret;

	now = time(NULL);
	exp = now + p2pcd_grant_ttl;
	p2pcd_grant_id(gid);
	if(p2pcd_pseudonym(a->id.impu, a->id.impu_len, sub) < 0
			|| p2pcd_tokens_mint(
					   &a->c, "leech", sub, gid, a->id.icid, now, exp, &tok)
					   < 0) {
		p2pcd_job_set(job, 500, "Cannot Mint Tokens");
		return;
	}
	p2pcd_tokens_macs_hex(&tok, macs);
	for(attempt = 0; attempt < 2; attempt++) {
		if(p2pcd_acq_one.num == 0 && p2pcd_acq_prepare(&p2pcd_acq_one) < 0)
			break;
		p2pcd_sql_init(&q);
		p2pcd_sql_addf(&q, P2PCD_ACQ_PLAN "EXECUTE %s_%u(", p2pcd_acq_one.name,
				p2pcd_acq_one.num);
		p2pcd_sql_lit(&q, a->c.doi, a->c.doi_len);
		p2pcd_sql_add(&q, ", ");
		p2pcd_sql_lit(&q, a->request_id, strlen(a->request_id));
		p2pcd_sql_add(&q, ", ");
		p2pcd_sql_lit(&q, gid, strlen(gid));
		p2pcd_sql_add(&q, ", ");
		p2pcd_sql_lit(&q, a->id.impu, a->id.impu_len);
		p2pcd_sql_add(&q, ", ");
		p2pcd_sql_lit(&q, sub, strlen(sub));
		p2pcd_sql_add(&q, ", ");
		p2pcd_sql_lit(&q, a->c.tracker, strlen(a->c.tracker));
		p2pcd_sql_add(&q, ", ");
		p2pcd_sql_lit(&q, macs, strlen(macs));
		p2pcd_sql_addf(&q, ", %lld, ", exp);
		p2pcd_sql_lit_or_null(&q, a->id.icid, a->id.icid_len);
		p2pcd_sql_add(&q, ", ");
		p2pcd_sql_lit_or_null(&q, a->id.orig_ioi, a->id.orig_ioi_len);
		p2pcd_sql_addf(&q, ", %lld, %u, ", now, tok.key_version);
		p2pcd_sql_lit(&q, p2pcd_issuer.s, p2pcd_issuer.len);
		p2pcd_sql_add(&q, ", ");
		if(a->c.rights_stored)
			p2pcd_sql_add(&q, "NULL");
		else
			p2pcd_sql_lit(&q, a->c.rights, a->c.rights_len);
		p2pcd_sql_add(&q, ")");
		ret = p2pcd_db_exec(&q, &res);
		p2pcd_sql_free(&q);
		if(ret == 0) {
			p2pcd_acq_answer(job, a, gid, res, 0);
			p2pcd_db_free(res);
			p2pcd_tokens_free(&tok);
			return;
		}
		/* the session may have been reset (prepared statement gone), or
		 * a concurrent duplicate lost on request_id UNIQUE (its twin
		 * committed), or the database is down */
		ret = p2pcd_acq_lookup(a, job);
		if(ret == 1)
			break; /* the twin's grant: the statement is still prepared */
		p2pcd_acq_one.num = 0;
		if(ret < 0)
			break; /* the database is unavailable */
	}
	p2pcd_tokens_free(&tok);
	if(job->code != 200)
		p2pcd_acq_unavailable(job);
}

/* the batch statement's array parameters, in order: $1-$7, $9, $10, $12,
 * $14 */
#define P2PCD_ACQ_COLS 11

/* what one job adds to the batch besides its request */
typedef struct p2pcd_acq_item
{
	p2pcd_tokens_t tok;
	char macs[P2PCD_TOKEN_MACS_HEX + 1];
	char kv[12];
} p2pcd_acq_item_t;

/* request a's element of the batch statement's array parameter c; s NULL
 * for SQL NULL */
static str p2pcd_acq_col(
		int c, p2pcd_acq_t *a, p2pcd_acq_item_t *it, char *gid, char *sub)
{
	switch(c) {
		case 0:
			return (str){a->c.doi, a->c.doi_len};
		case 1:
			return (str){a->request_id, strlen(a->request_id)};
		case 2:
			return (str){gid, strlen(gid)};
		case 3:
			return (str){a->id.impu, a->id.impu_len};
		case 4:
			return (str){sub, strlen(sub)};
		case 5:
			return (str){a->c.tracker, strlen(a->c.tracker)};
		case 6:
			return (str){it->macs, strlen(it->macs)};
		case 7:
			return (str){a->id.icid, a->id.icid_len};
		case 8:
			return (str){a->id.orig_ioi, a->id.orig_ioi_len};
		case 9:
			return (str){it->kv, strlen(it->kv)};
		default:
			if(a->c.rights_stored)
				return (str){NULL, 0};
			return (str){a->c.rights, a->c.rights_len};
	}
}

/*
 * A batch of acquisitions in one statement (P2PCD_ACQ_BATCH_SQL). If it
 * fails (the database is down, the session was reset and lost the
 * statement, or two requests of the batch collided on UNIQUE), every job
 * runs alone, and the next batch prepares the statement again.
 */
static void p2pcd_acq_batch(p2pcd_job_t **jobs, int n)
{
	p2pcd_acq_item_t it[P2PCD_BATCH_MAX];
	char gid[P2PCD_BATCH_MAX][P2PCD_GRANT_ID_LEN + 1];
	char sub[P2PCD_BATCH_MAX][P2PCD_SUBJECT_LEN + 1];
	p2pcd_acq_t *a[P2PCD_BATCH_MAX];
	p2pcd_sql_t q;
	db1_res_t *res = NULL;
	long long now, exp;
	int i, c, len, minted, ret = -1;
	str v;

	now = time(NULL);
	exp = now + p2pcd_grant_ttl;
	p2pcd_grant_ids(gid, n);
	for(minted = 0; minted < n; minted++) {
		a[minted] = jobs[minted]->data;
		if(p2pcd_pseudonym(
				   a[minted]->id.impu, a[minted]->id.impu_len, sub[minted])
						< 0
				|| p2pcd_tokens_mint(&a[minted]->c, "leech", sub[minted],
						   gid[minted], a[minted]->id.icid, now, exp,
						   &it[minted].tok)
						   < 0)
			break;
		p2pcd_tokens_macs_hex(&it[minted].tok, it[minted].macs);
		snprintf(it[minted].kv, sizeof(it[minted].kv), "%u",
				it[minted].tok.key_version);
		/* only the MACs are stored */
		p2pcd_tokens_free_text(&it[minted].tok);
	}
	if(minted == n
			&& (p2pcd_acq_many.num != 0
					|| p2pcd_acq_prepare(&p2pcd_acq_many) == 0)) {
		/* sized once: the elements, their quotes and commas, and room
		 * for the escapes of the longest (the rights) */
		for(i = 0, len = 4096; i < n; i++)
			for(c = 0; c < P2PCD_ACQ_COLS; c++)
				len += p2pcd_acq_col(c, a[i], &it[i], gid[i], sub[i]).len + 4;
		p2pcd_sql_init(&q);
		p2pcd_sql_reserve(&q, len);
		p2pcd_sql_addf(&q, P2PCD_ACQ_PLAN "EXECUTE %s_%u(", p2pcd_acq_many.name,
				p2pcd_acq_many.num);
		for(c = 0; c < P2PCD_ACQ_COLS; c++) {
			if(c == 7) {
				p2pcd_sql_int(&q, exp); /* $8 */
				p2pcd_sql_add(&q, ", ");
			} else if(c == 9) {
				p2pcd_sql_int(&q, now); /* $11 */
				p2pcd_sql_add(&q, ", ");
			} else if(c == 10) {
				p2pcd_sql_lit(&q, p2pcd_issuer.s, p2pcd_issuer.len); /* $13 */
				p2pcd_sql_add(&q, ", ");
			}
			p2pcd_sql_arr_open(&q);
			for(i = 0; i < n; i++) {
				v = p2pcd_acq_col(c, a[i], &it[i], gid[i], sub[i]);
				if(c < 7 || c == 9)
					p2pcd_sql_arr_str(&q, !i, v.s, v.len);
				else /* icid, orig-ioi, rights: NULL when absent */
					p2pcd_sql_arr_str_or_null(&q, !i, v.s, v.len);
			}
			p2pcd_sql_arr_close(&q);
			p2pcd_sql_add(&q, c < P2PCD_ACQ_COLS - 1 ? ", " : ")");
		}
		ret = p2pcd_db_exec(&q, &res);
		p2pcd_sql_free(&q);
	}
	if(ret < 0 || RES_ROW_N(res) != n) {
		p2pcd_db_free(res);
		if(minted == n)
			p2pcd_acq_many.num = 0;
		for(i = 0; i < n; i++)
			p2pcd_acq_run(jobs[i]);
		return;
	}
	for(i = 0; i < n; i++)
		p2pcd_acq_answer(jobs[i], a[i], gid[i], res, i);
	p2pcd_db_free(res);
}

/* the optional body: a JSON object; "max_price_cents" is honoured */
static int p2pcd_acq_body(sip_msg_t *msg, long long *max_price)
{
	str body;
	const char *why;

	*max_price = -1;
	if(p2pcd_body(msg, &body) < 0) {
		update_stat(p2pcd_ref_malformed_stat, 1);
		return p2pcd_reply(msg, 400, "Bad Request Body", NULL) - 1;
	}
	if(body.len == 0)
		return 0;
	if(body.len > p2pcd_max_message_body) {
		update_stat(p2pcd_ref_too_large_stat, 1);
		return p2pcd_reply(msg, 413, "Request Entity Too Large", NULL) - 1;
	}
	if(p2pcd_is_json(msg) != 1) {
		update_stat(p2pcd_ref_media_type_stat, 1);
		return p2pcd_reply(msg, 415, "Unsupported Media Type",
					   "Accept: application/json\r\n")
			   - 1;
	}
	if(p2pcd_acq_body_parse(body.s, body.len, max_price, &why) < 0) {
		update_stat(p2pcd_ref_malformed_stat, 1);
		return p2pcd_reply(msg, 400, why, NULL) - 1;
	}
	return 0;
}

/**
 * p2pcd_acquire(): answer a MESSAGE to a content URI. Returns 0 (the
 * request is answered, now or after the commit; the script ends).
 */
int ki_p2pcd_acquire(sip_msg_t *msg)
{
	int ret;
	p2pcd_job_t *job;
	p2pcd_acq_t *a;
	p2pcd_ident_t id;
	p2pcd_content_t c;
	char rights[P2PCD_RIGHTS_MAX + 1];
	char doibuf[P2PCD_DOI_MAX + 2];
	unsigned char digest[P2PCD_SHA256_LEN];
	long long max_price;
	str doi;

	if(p2pcd_trust_request(msg, METHOD_MESSAGE, "Allow: MESSAGE\r\n", &id, &ret)
			< 0)
		return ret;
	if(p2pcd_ruri_doi(msg, doibuf, sizeof(doibuf), &doi) < 0) {
		update_stat(p2pcd_ref_unknown_stat, 1);
		return p2pcd_reply(msg, 404, "Not Found", NULL);
	}
	if(p2pcd_acq_body(msg, &max_price) < 0)
		return 0;
	if(!p2pcd_cache_get(&doi, &c, rights, sizeof(rights))
			|| c.state == P2PCD_ST_PENDING) {
		update_stat(p2pcd_ref_unknown_stat, 1);
		return p2pcd_reply(msg, 404, "Not Found", NULL);
	}
	if(c.state != P2PCD_ST_ACTIVE) {
		update_stat(p2pcd_ref_muted_stat, 1);
		return p2pcd_reply(msg, 410, "Gone", NULL);
	}
	if(max_price >= 0 && c.price_cents > max_price) {
		update_stat(p2pcd_ref_price_stat, 1);
		return p2pcd_reply(msg, 403, "Price Above max_price_cents", NULL);
	}
	if(!p2pcd_db_enabled()) {
		update_stat(p2pcd_db_unavailable_stat, 1);
		return p2pcd_reply(msg, 500, "No Database Configured", NULL);
	}

	/* every field of a is written below; the answer's head (or the
	 * request) is kept after it, and is seldom longer than the request */
	job = p2pcd_job_new_raw(p2pcd_acq_run, sizeof(p2pcd_acq_t), msg->len + 1);
	if(job == NULL)
		return p2pcd_reply(msg, 500, "Server Internal Error", NULL);
	job->batch = p2pcd_acq_batch;
	a = job->data;
	a->id = id;
	a->c = c;
	memcpy(a->rights, rights, c.rights_len + 1);
	a->c.rights = a->rights;
	if(p2pcd_request_id(msg, &doi, &id, a->request_id, digest) < 0) {
		p2pcd_job_free(job);
		update_stat(p2pcd_ref_malformed_stat, 1);
		return p2pcd_reply(msg, 400, "Bad Call-ID Or CSeq", NULL);
	}
	job->key = p2pcd_retransmission_key(msg, digest);
	return p2pcd_job_dispatch(msg, job);
}
