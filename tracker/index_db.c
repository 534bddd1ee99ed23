/* The index role's thread-local connections and queries: see index_db.h. */
#include "index_db.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "p2pcd/keyfile.h"

#define STATEMENT_TIMEOUT_MS "5000"
#define S(x) #x
#define XS(x) S(x)

#define CATALOG_SQL                                                           \
	"SELECT c.doi, c.title, c.size_bytes, c.price_cents, c.currency, "        \
	"encode(c.info_hash, 'hex'), c.tracker_id, "                              \
	"extract(epoch FROM c.created)::bigint, coalesce(sum(s.seeders), 0), "    \
	"coalesce(sum(s.leechers), 0), coalesce(sum(s.completed), 0), "           \
	"coalesce(extract(epoch FROM max(s.updated))::bigint, -1) "               \
	"FROM content c LEFT JOIN swarm_stats s ON s.info_hash = c.info_hash "    \
	"WHERE c.state = 'active' GROUP BY c.doi ORDER BY c.created DESC, c.doi " \
	"LIMIT " XS(IDX_CATALOG_MAX)

#define GRANT_SQL                                                             \
	"SELECT g.id, g.doi, c.title, g.role, c.state, encode(c.info_hash, "      \
	"'hex'), encode(c.kid, 'hex'), encode(c.fingerprint, 'hex'), "            \
	"c.currency, c.rights::text, c.tracker_id, t.announce_url, g.adm_token, " \
	"g.lic_token, c.size_bytes, c.price_cents, "                              \
	"extract(epoch FROM g.expires)::bigint, g.expires <= now(), "             \
	"encode(tr.torrent, 'hex'), g.subject, g.tok_iss, g.tok_aud, "            \
	"g.tok_iat, g.tok_key_version, coalesce(g.tok_rights, c.rights::text), "  \
	"g.icid, encode(g.tok_macs, 'hex') "                                      \
	"FROM grants g JOIN content c ON c.doi = "                                \
	"g.doi JOIN trackers t ON t.id = c.tracker_id LEFT JOIN torrents tr ON "  \
	"tr.doi = c.doi WHERE g.id = $1"

static const struct tracker_config *cfg;
static pthread_key_t conn_key;
static int key_made;

static void conn_free(void *p)
{
	PQfinish(p);
}

int idx_db_setup(const struct tracker_config *c)
{
	cfg = c;
	if(pthread_key_create(&conn_key, conn_free))
		return -1;
	key_made = 1;
	return 0;
}

void idx_db_teardown(void)
{
	/* the pool threads ran the destructor when they exited */
	if(key_made)
		pthread_key_delete(conn_key);
	key_made = 0;
}

static int prepare(PGconn *c)
{
	PGresult *r1 = PQprepare(c, "idx_catalog", CATALOG_SQL, 0, NULL);
	PGresult *r2 = PQprepare(c, "idx_grant", GRANT_SQL, 1, NULL);
	int rc = PQresultStatus(r1) == PGRES_COMMAND_OK
							 && PQresultStatus(r2) == PGRES_COMMAND_OK
					 ? 0
					 : -1;

	if(rc)
		LOG_E("index: database: cannot prepare: %s",
				PQresultErrorMessage(
						PQresultStatus(r1) == PGRES_COMMAND_OK ? r2 : r1));
	PQclear(r1);
	PQclear(r2);
	return rc;
}

/* this thread's connection: made on first use, made again when bad */
static PGconn *conn_get(int fresh)
{
	const char *keys[] = {"dbname", "connect_timeout", "application_name",
			"client_encoding", "options", NULL};
	/* a stuck database must not hold a pool thread for long */
	const char *vals[] = {cfg->db_conninfo, "3", "p2pcd-index", "UTF8",
			"-c statement_timeout=" STATEMENT_TIMEOUT_MS, NULL};
	int skip = cfg->db_conninfo[0] == '\0'; /* PG* and defaults */
	PGconn *c = pthread_getspecific(conn_key);

	if(c && !fresh && PQstatus(c) == CONNECTION_OK)
		return c;
	PQfinish(c);
	pthread_setspecific(conn_key, NULL);
	c = PQconnectdbParams(keys + skip, vals + skip, 1);
	if(PQstatus(c) != CONNECTION_OK || prepare(c)) {
		LOG_W("index: database: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	pthread_setspecific(conn_key, c);
	return c;
}

/*
 * A prepared statement's rows, or NULL (logged). A connection that broke
 * since its last use (a PostgreSQL restart) is made again and the
 * statement retried once, so the first request after a restart succeeds.
 */
static PGresult *exec(const char *stmt, int n, const char *const *p)
{
	int try;

	for(try = 0; try < 2; try++) {
		PGconn *c = conn_get(try);
		PGresult *r;

		if(!c)
			return NULL;
		r = PQexecPrepared(c, stmt, n, p, NULL, NULL, 0);
		if(PQresultStatus(r) == PGRES_TUPLES_OK)
			return r;
		LOG_W("index: database: %s", PQresultErrorMessage(r));
		PQclear(r);
		if(PQstatus(c) == CONNECTION_OK)
			return NULL;
	}
	return NULL;
}

static int64_t i64(PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int idx_db_catalog(struct idx_catalog *c)
{
	PGresult *r = exec("idx_catalog", 0, NULL);
	int i, n;

	memset(c, 0, sizeof(*c));
	if(!r)
		return -1;
	n = PQntuples(r);
	c->res = r;
	if(n == 0)
		return 0;
	c->items = calloc((size_t)n, sizeof(*c->items));
	if(!c->items) {
		idx_catalog_free(c);
		return -1;
	}
	for(i = 0; i < n; i++) {
		struct index_item *it = &c->items[i];

		it->doi = PQgetvalue(r, i, 0);
		it->title = PQgetvalue(r, i, 1);
		it->size_bytes = i64(r, i, 2);
		it->price_cents = i64(r, i, 3);
		it->currency = PQgetvalue(r, i, 4);
		it->info_hash = PQgetvalue(r, i, 5);
		it->tracker = PQgetvalue(r, i, 6);
		it->created = i64(r, i, 7);
		it->seeders = i64(r, i, 8);
		it->leechers = i64(r, i, 9);
		it->completed = i64(r, i, 10);
		it->stats_updated = i64(r, i, 11);
	}
	c->n = (size_t)n;
	return 0;
}

void idx_catalog_free(struct idx_catalog *c)
{
	PQclear(c->res);
	free(c->items);
	memset(c, 0, sizeof(*c));
}

/* a grant stored as its tokens' parts (sql/migrations/0011): the tokens
 * the AS minted, again (lib/grant_token.c) */
static int rebuild_tokens(PGresult *r, struct idx_grant_row *row)
{
	struct index_grant *g = &row->g;
	struct idx_token_parts tp = {
			.sub = PQgetvalue(r, 0, 19),
			.iss = PQgetvalue(r, 0, 20),
			.aud = PQgetvalue(r, 0, 21),
			.iat = i64(r, 0, 22),
			.key_version = i64(r, 0, 23),
			.rights = PQgetvalue(r, 0, 24),
			.icid = PQgetisnull(r, 0, 25) ? NULL : PQgetvalue(r, 0, 25),
			.macs_hex = PQgetvalue(r, 0, 26),
	};
	const char *why = idx_grant_tokens(g, &tp, &row->adm_tok, &row->lic_tok);

	if(why) {
		LOG_E("index: grant %s: cannot rebuild its tokens: %s", g->gid, why);
		return -2;
	}
	g->adm_token = row->adm_tok;
	g->lic_token = row->lic_tok;
	return 1;
}

int idx_db_grant(const char *gid, struct idx_grant_row *row)
{
	const char *p[1] = {gid};
	struct index_grant *g = &row->g;
	PGresult *r;
	size_t hl;

	memset(row, 0, sizeof(*row));
	r = exec("idx_grant", 1, p);
	if(!r)
		return -1;
	row->res = r;
	if(PQntuples(r) < 1)
		return 0;
	g->gid = PQgetvalue(r, 0, 0);
	g->doi = PQgetvalue(r, 0, 1);
	g->title = PQgetvalue(r, 0, 2);
	g->role = PQgetvalue(r, 0, 3);
	g->state = PQgetvalue(r, 0, 4);
	g->info_hash = PQgetvalue(r, 0, 5);
	g->kid = PQgetvalue(r, 0, 6);
	g->fingerprint = PQgetisnull(r, 0, 7) ? NULL : PQgetvalue(r, 0, 7);
	g->currency = PQgetvalue(r, 0, 8);
	g->rights = PQgetvalue(r, 0, 9);
	g->tracker = PQgetvalue(r, 0, 10);
	g->tracker_url = PQgetvalue(r, 0, 11);
	g->adm_token = PQgetisnull(r, 0, 12) ? NULL : PQgetvalue(r, 0, 12);
	g->lic_token = PQgetisnull(r, 0, 13) ? NULL : PQgetvalue(r, 0, 13);
	g->size_bytes = i64(r, 0, 14);
	g->price_cents = i64(r, 0, 15);
	g->expires = i64(r, 0, 16);
	row->expired = strcmp(PQgetvalue(r, 0, 17), "t") == 0;
	if(!PQgetisnull(r, 0, 18) && (hl = (size_t)PQgetlength(r, 0, 18)) > 0) {
		row->torrent = malloc(hl / 2);
		if(!row->torrent
				|| p2pcd_hex_decode(
						PQgetvalue(r, 0, 18), hl, row->torrent, hl / 2)) {
			free(row->torrent);
			row->torrent = NULL;
		} else
			row->torrent_len = hl / 2;
	}
	if(!g->adm_token || !g->lic_token)
		return rebuild_tokens(r, row);
	return 1;
}

void idx_grant_row_free(struct idx_grant_row *r)
{
	PQclear(r->res);
	free(r->torrent);
	free(r->adm_tok);
	free(r->lic_tok);
	memset(r, 0, sizeof(*r));
}
