/* The license service's grant, key and audit queries: see license_db.h. */
#include "license_db.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "log.h"
#include "p2pcd/keyfile.h"
#include "sbuf.h"

#define LDB_STATEMENT_TIMEOUT_MS "10000"

int lkeys_load(const struct license_config *c, struct lkeys *k)
{
	uint8_t pk[P2PCD_X25519_PK_LEN];
	char err[512];

	if(p2pcd_keyfile_get_named(c->secret_key_file, "secret", k->sk,
			   sizeof(k->sk), err, sizeof(err))
			|| p2pcd_seal_public_of(k->sk, k->pk)) {
		LOG_E("license.secret_key_file: %s", err);
		return -1;
	}
	/* a public= line that disagrees means a mixed-up file */
	if(p2pcd_keyfile_get_named(
			   c->secret_key_file, "public", pk, sizeof(pk), err, sizeof(err))
					== 0
			&& sodium_memcmp(pk, k->pk, sizeof(pk)) != 0) {
		LOG_E("license.secret_key_file: public= is not the secret's key");
		return -1;
	}
	if(p2pcd_keyfile_get(
			   c->kek_file, "kek", k->kek, sizeof(k->kek), err, sizeof(err))) {
		LOG_E("license.kek_file: %s", err);
		return -1;
	}
	k->kek_version = c->kek_version;
	return 0;
}

void ldb_init(struct ldb *db, const struct tracker_config *cfg)
{
	db->cfg = cfg;
	db->conn = NULL;
}

void ldb_close(struct ldb *db)
{
	PQfinish(db->conn);
	db->conn = NULL;
}

/*
 * One round trip: the grant (by jti), its content's state, whether the
 * content is on the blocklist (its info-hash or its fingerprint: two
 * probes of the blocklist primary key, DESIGN.md 7.4, checked again here
 * because the blocklist may have grown since the injection) and the
 * requested keys of that content. A row per key found, or one row with
 * NULL key columns. Columns: expires, doi, state, kid, sealed, wrapped,
 * kek_version, blocked (the blocklist kind, '' if none).
 */
#define GRANT_KEYS_SQL                                                       \
	"SELECT extract(epoch FROM g.expires)::bigint, g.doi, "                  \
	"coalesce(c.state, 'removed'), coalesce(encode(k.kid, 'hex'), ''), "     \
	"encode(k.sealed_key, 'hex'), coalesce(encode(k.wrapped_key, 'hex'), "   \
	"''), coalesce(k.kek_version, 0), CASE WHEN EXISTS (SELECT 1 FROM "      \
	"blocklist b WHERE b.kind = 'fingerprint' AND b.value = c.fingerprint) " \
	"THEN 'fingerprint' WHEN EXISTS (SELECT 1 FROM blocklist b WHERE "       \
	"b.kind = 'info_hash' AND b.value = c.info_hash) THEN 'info_hash' ELSE " \
	"'' END FROM grants g LEFT JOIN content c ON c.doi = g.doi LEFT JOIN "   \
	"content_keys k ON k.doi = g.doi AND k.kid IN (SELECT decode(h, 'hex') " \
	"FROM unnest($2::text[]) AS h) WHERE g.id = $1"

/* blocklisted content found by a license request: muted, as p2pcd.mute
 * does (from active or pending), so the trackers drop its swarm on the
 * content NOTIFY and the AS answers 410 to new purchases */
#define MUTE_SQL                                                      \
	"UPDATE content SET state = 'muted' WHERE doi = $1 AND state IN " \
	"('active', 'pending')"

#define AUDIT_SQL                                                     \
	"INSERT INTO license_audit (grant_id, doi, subject, kids, icid, " \
	"service, client) VALUES ($1, $2, $3, $4::text[], $5, $6, $7)"

/* parse and plan once per connection: most of a license's DB time
 * otherwise */
static int prepare(PGconn *c)
{
	PGresult *r1 = PQprepare(c, "lic_grant", GRANT_KEYS_SQL, 2, NULL);
	PGresult *r2 = PQprepare(c, "lic_audit", AUDIT_SQL, 7, NULL);
	PGresult *r3 = PQprepare(c, "lic_mute", MUTE_SQL, 1, NULL);
	int rc = PQresultStatus(r1) == PGRES_COMMAND_OK
							 && PQresultStatus(r2) == PGRES_COMMAND_OK
							 && PQresultStatus(r3) == PGRES_COMMAND_OK
					 ? 0
					 : -1;

	PQclear(r1);
	PQclear(r2);
	PQclear(r3);
	return rc;
}

static PGconn *conn_of(struct ldb *db)
{
	const char *keys[] = {
			"dbname", "connect_timeout", "application_name", "options", NULL};
	/* a stuck database must not hold a worker (and its client) forever */
	const char *vals[] = {db->cfg->db_conninfo, "3", "p2pcd-license",
			"-c statement_timeout=" LDB_STATEMENT_TIMEOUT_MS, NULL};
	int skip = db->cfg->db_conninfo[0] == '\0'; /* PG* and defaults */
	PGconn *c = db->conn;

	if(c && PQstatus(c) == CONNECTION_OK)
		return c;
	PQfinish(c);
	c = PQconnectdbParams(keys + skip, vals + skip, 1);
	if(PQstatus(c) != CONNECTION_OK || prepare(c)) {
		LOG_W("license: database: %s", PQerrorMessage(c));
		PQfinish(c);
		c = NULL;
	}
	db->conn = c;
	return c;
}

/* one statement; NULL (logged) on failure, else PQclear() the result */
static PGresult *exec(
		struct ldb *db, const char *sql, int n, const char *const *p)
{
	PGconn *c = conn_of(db);
	PGresult *r;
	ExecStatusType st;

	if(!c)
		return NULL;
	if(strncmp(sql, "lic_", 4) == 0) /* a prepared statement's name */
		r = PQexecPrepared(c, sql, n, p, NULL, NULL, 0);
	else
		r = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
	st = PQresultStatus(r);
	if(st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		LOG_W("license: database: %s", PQresultErrorMessage(r));
		PQclear(r);
		return NULL;
	}
	return r;
}

static int unavailable(struct license_job *j)
{
	license_error(j, 503, "unavailable", "the license database is unavailable");
	return -1;
}

/*
 * Blocklisted content (column 7 of r not empty): no license, the key is
 * not registered (not even unsealed), and the content is muted if it is
 * still active or pending. The 451 stands even when the mute cannot be
 * written: the mute is retried by the next license request.
 */
static void refuse_blocked(struct ldb *db, struct license_job *j,
		const struct lgrant *g, PGresult *r)
{
	const char *kind = PQgetvalue(r, 0, 7);
	const char *state = PQgetvalue(r, 0, 2);
	const char *p[1] = {g->doi};
	PGresult *u;

	license_error(j, 451, "unavailable_for_legal_reasons",
			strcmp(kind, "info_hash") == 0
					? "the content's info-hash is on the blocklist: no "
					  "license is issued"
					: "the content's fingerprint is on the blocklist: no "
					  "license is issued");
	if(strcmp(state, "active") != 0 && strcmp(state, "pending") != 0) {
		LOG_W("license: %s is blocklisted (%s), state %s: refused", g->doi,
				kind, state);
		return;
	}
	u = exec(db, "lic_mute", 1, p);
	if(!u) {
		LOG_E("license: %s is blocklisted (%s): refused, but the mute "
			  "failed",
				g->doi, kind);
		return;
	}
	LOG_W("license: %s is blocklisted (%s): refused and %s", g->doi, kind,
			strcmp(PQcmdTuples(u), "1") == 0 ? "muted" : "already not served");
	PQclear(u);
}

/*
 * The grant is the token's (jti, doi), unexpired; the content not
 * blocklisted (451) and active (410).
 */
static int check_grant(struct ldb *db, struct license_job *j,
		const struct lgrant *g, PGresult *r)
{
	const char *state;

	if(PQntuples(r) < 1 || strcmp(PQgetvalue(r, 0, 1), g->doi) != 0)
		license_error(j, 401, "invalid_token", "no grant matches the token");
	else if(strtoll(PQgetvalue(r, 0, 0), NULL, 10) <= (long long)time(NULL))
		license_error(j, 401, "grant_expired", "the grant has expired");
	else if(PQgetvalue(r, 0, 7)[0] != '\0')
		refuse_blocked(db, j, g, r);
	else if(strcmp((state = PQgetvalue(r, 0, 2)), "active") != 0)
		license_error(j, 410, "content_unavailable",
				strcmp(state, "muted") == 0 ? "the content is muted"
											: "the content is not available");
	else
		return 0;
	return -1;
}

/* wrap key under the current KEK into its row (lazy registration) */
static int store_wrapped(struct ldb *db, const char *kid_hex,
		const uint8_t kid[16], const struct lkeys *keys, const struct lkey *k)
{
	uint8_t w[P2PCD_WRAPPED_KEY_MAX];
	char hex[2 * P2PCD_WRAPPED_KEY_MAX + 1], ver[16];
	const char *p[3] = {kid_hex, hex, ver};
	size_t wl;
	PGresult *r;

	if(p2pcd_keywrap(keys->kek, keys->kek_version, kid, k->key, k->len, w, &wl)
			|| p2pcd_hex_encode(w, wl, hex, sizeof(hex)))
		return -1;
	snprintf(ver, sizeof(ver), "%u", keys->kek_version);
	r = exec(db,
			"UPDATE content_keys SET wrapped_key = decode($2, 'hex'), "
			"kek_version = $3 WHERE kid = decode($1, 'hex')",
			3, p);
	if(!r)
		return -1;
	PQclear(r);
	LOG_I("license: key %s registered (wrapped under KEK v%u)", kid_hex,
			keys->kek_version);
	return 0;
}

/* the clear key of kid (row i of r): unwrapped, or unsealed and wrapped */
static int key_of(struct ldb *db, struct license_job *j, PGresult *r, int i,
		const uint8_t kid[16], const struct lkeys *keys, struct lkey *k)
{
	const char *kid_hex = PQgetvalue(r, i, 3);
	const char *sealed = PQgetvalue(r, i, 4);
	const char *wrapped = PQgetvalue(r, i, 5);
	uint8_t blob[P2PCD_SEALED_KEY_MAX];
	size_t n = strlen(wrapped) / 2;
	int rc = -1;

	if(n && strtoul(PQgetvalue(r, i, 6), NULL, 10) == keys->kek_version
			&& n <= sizeof(blob)
			&& p2pcd_hex_decode(wrapped, 2 * n, blob, n) == 0
			&& p2pcd_keyunwrap(keys->kek, kid, blob, n, k->key, &k->len) == 0) {
		rc = 0;
		goto out;
	}
	if(n)
		LOG_W("license: key %s: wrapped under another KEK or damaged: "
			  "re-registering from the sealed key",
				kid_hex);
	n = strlen(sealed) / 2;
	if(n > sizeof(blob) || p2pcd_hex_decode(sealed, 2 * n, blob, n)
			|| p2pcd_unseal_content_key(
					   keys->pk, keys->sk, blob, n, kid, NULL, k->key, &k->len)
					   != P2PCD_SEAL_OK) {
		LOG_E("license: key %s: the sealed key does not open with this "
			  "service's key pair for this KID",
				kid_hex);
		license_error(j, 500, "key_unusable",
				"the content key cannot be opened by this service");
		goto out;
	}
	if(store_wrapped(db, kid_hex, kid, keys, k)) {
		sodium_memzero(k, sizeof(*k));
		unavailable(j);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(blob, sizeof(blob));
	return rc;
}

/* "{hex,hex}": the requested KIDs as a text[] literal */
static void kid_array(struct sbuf *b, const struct lreq *rq)
{
	size_t i;

	sbuf_puts(b, "{");
	for(i = 0; i < rq->n_kids; i++) {
		char hex[33];

		p2pcd_hex_encode(rq->kids[i], 16, hex, sizeof(hex));
		sbuf_puts(b, i ? "," : "");
		sbuf_puts(b, hex);
	}
	sbuf_puts(b, "}");
}

static int audit(struct ldb *db, struct license_job *j, const struct lgrant *g,
		const struct lreq *rq)
{
	struct sbuf kids;
	const char *p[7];
	PGresult *r;

	sbuf_init(&kids);
	kid_array(&kids, rq);
	p[0] = g->jti;
	p[1] = g->doi;
	p[2] = g->sub;
	p[3] = kids.p;
	p[4] = g->icid[0] ? g->icid : NULL;
	p[5] = db->cfg->tracker_id;
	p[6] = j->peer[0] ? j->peer : NULL;
	r = kids.oom ? NULL : exec(db, "lic_audit", 7, p);
	sbuf_free(&kids);
	if(!r)
		return unavailable(j);
	PQclear(r);
	return 0;
}

int ldb_issue(struct ldb *db, struct license_job *j, const struct lgrant *g,
		const struct lreq *rq, const struct lkeys *keys, struct lkey *k)
{
	struct sbuf kids;
	const char *p[2];
	PGresult *r;
	size_t i;
	int row, n, rc = -1;

	sbuf_init(&kids);
	kid_array(&kids, rq);
	p[0] = g->jti;
	p[1] = kids.p;
	r = kids.oom ? NULL : exec(db, "lic_grant", 2, p);
	sbuf_free(&kids);
	if(!r)
		return unavailable(j);
	if(check_grant(db, j, g, r))
		goto out;
	n = PQntuples(r);
	for(i = 0; i < rq->n_kids; i++) {
		char hex[33];

		p2pcd_hex_encode(rq->kids[i], 16, hex, sizeof(hex));
		for(row = 0; row < n; row++)
			if(strcmp(PQgetvalue(r, row, 3), hex) == 0)
				break;
		if(row == n) {
			license_error(j, 404, "key_not_found",
					"no key is registered for a requested kid of this "
					"content");
			goto out;
		}
		if(key_of(db, j, r, row, rq->kids[i], keys, &k[i]))
			goto out;
	}
	/* no license without its audit row */
	rc = audit(db, j, g, rq);
out:
	PQclear(r);
	return rc;
}
