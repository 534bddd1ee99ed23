/*
 * The content index role's database side. Every libmicrohttpd pool thread
 * of the index listener has its own libpq connection (thread-local, made
 * on first use, made again when it went bad, closed when the thread
 * exits), with prepared statements: titles and grant ids are hostile
 * input and never become SQL text.
 */
#ifndef P2PCD_TRACKER_INDEX_DB_H
#define P2PCD_TRACKER_INDEX_DB_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "index_grant.h"
#include "index_page.h"

/* the newest active items the page and content.json list */
#define IDX_CATALOG_MAX 1000

/* once, before the listener starts (cfg must outlive it). 0 or -1 */
int idx_db_setup(const struct tracker_config *cfg);
/* after the listener's threads are gone */
void idx_db_teardown(void);

struct idx_catalog
{
	void *res; /* PGresult: the strings of items point into it */
	struct index_item *items;
	size_t n;
};

/* the active items, newest first. 0, or -1: database unavailable */
int idx_db_catalog(struct idx_catalog *c);
void idx_catalog_free(struct idx_catalog *c);

struct idx_grant_row
{
	void *res;
	struct index_grant g;
	int expired;	  /* grants.expires <= now() */
	uint8_t *torrent; /* the stored torrent, NULL if none */
	size_t torrent_len;
	char *adm_tok, *lic_tok; /* rebuilt tokens (g points at them) */
};

/* 1 found, 0 no such grant, -1 database unavailable, -2 the row's tokens
 * cannot be rebuilt (logged) */
int idx_db_grant(const char *gid, struct idx_grant_row *r);
void idx_grant_row_free(struct idx_grant_row *r);

#endif
