/*
 * p2pcd - content cache in shared memory, loaded from the content table
 *
 * The whole table (removed items too, so 410 differs from 404) is loaded
 * into one shared memory block, sorted by DOI; a reload builds a new block
 * and swaps the pointer under a lock, as permissions does with its double
 * buffered trusted table. Readers copy the item out under the same lock.
 * The cache is only a filter: the acquisition statement re-checks the
 * state in the database, so a mute is authoritative at once.
 *
 * Kept current by: p2pcd.reload, p2pcd.mute/unmute (in place), and a
 * timer process that every cache_interval seconds expires publications
 * whose Expires passed and reloads when count(*)/max(updated) changed.
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/ut.h"

#include "p2pcd.h"
#include "p2pcd_db.h"
#include "p2pcd_cache.h"

typedef struct p2pcd_cache_tbl
{
	int n;
	p2pcd_content_t *items; /* sorted by doi (bytes) */
} p2pcd_cache_tbl_t;

typedef struct p2pcd_cache_ctl
{
	gen_lock_t lock;
	p2pcd_cache_tbl_t *tbl;
	char sig[128]; /* count/max(updated) of the last load */
} p2pcd_cache_ctl_t;

static p2pcd_cache_ctl_t *p2pcd_cache = NULL;

static const char *p2pcd_state_names[] = {
		"pending", "active", "muted", "removed"};

const char *p2pcd_state_name(int state)
{
	if(state < 0 || state > P2PCD_ST_REMOVED)
		return "unknown";
	return p2pcd_state_names[state];
}

int p2pcd_state_parse(str *s)
{
	int i;

	for(i = 0; i <= P2PCD_ST_REMOVED; i++)
		if(s->len == strlen(p2pcd_state_names[i])
				&& memcmp(s->s, p2pcd_state_names[i], s->len) == 0)
			return i;
	return -1;
}

int p2pcd_cache_init(void)
{
	p2pcd_cache = shm_malloc(sizeof(*p2pcd_cache));
	if(p2pcd_cache == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(p2pcd_cache, 0, sizeof(*p2pcd_cache));
	if(lock_init(&p2pcd_cache->lock) == NULL) {
		LM_ERR("cannot init the cache lock\n");
		return -1;
	}
	return 0;
}

void p2pcd_cache_destroy(void)
{
	if(p2pcd_cache == NULL)
		return;
	if(p2pcd_cache->tbl != NULL)
		shm_free(p2pcd_cache->tbl);
	lock_destroy(&p2pcd_cache->lock);
	shm_free(p2pcd_cache);
	p2pcd_cache = NULL;
}

/* 1 if the rights text is a JSON object (checked once per load, not per
 * token) */
static int p2pcd_rights_object(str *v)
{
	json_t *j;
	int ok;

	j = json_loadb(v->s, v->len, JSON_REJECT_DUPLICATES, NULL);
	ok = json_is_object(j);
	json_decref(j);
	return ok;
}

static int p2pcd_item_cmp(const void *a, const void *b)
{
	const p2pcd_content_t *x = a, *y = b;
	int n = x->doi_len < y->doi_len ? x->doi_len : y->doi_len;
	int r = memcmp(x->doi, y->doi, n);

	return r ? r : x->doi_len - y->doi_len;
}

static int p2pcd_hex2bin(str *h, unsigned char *out, int n)
{
	int i, hi, lo;

	if(h->len != 2 * n)
		return -1;
	for(i = 0; i < n; i++) {
		hi = hex2int(h->s[2 * i]);
		lo = hex2int(h->s[2 * i + 1]);
		if(hi < 0 || lo < 0)
			return -1;
		out[i] = (hi << 4) | lo;
	}
	return 0;
}

static int p2pcd_cache_sig(char *sig, int size)
{
	p2pcd_sql_t q;
	db1_res_t *res = NULL;
	str s;
	int ret = -1;

	p2pcd_sql_init(&q);
	p2pcd_sql_add(&q, "SELECT count(*)::text || '/' || "
					  "coalesce(max(updated)::text, '') FROM content");
	if(p2pcd_db_exec(&q, &res) == 0 && p2pcd_db_str(res, 0, 0, &s) == 0
			&& s.len < size) {
		memcpy(sig, s.s, s.len);
		sig[s.len] = '\0';
		ret = 0;
	}
	p2pcd_db_free(res);
	p2pcd_sql_free(&q);
	return ret;
}

int p2pcd_cache_reload(void)
{
	p2pcd_sql_t q;
	db1_res_t *res = NULL;
	p2pcd_cache_tbl_t *tbl, *old;
	p2pcd_content_t *it;
	char sig[128];
	char *strings;
	size_t size;
	str v;
	int i, n, total;

	if(p2pcd_cache == NULL)
		return -1;
	if(p2pcd_cache_sig(sig, sizeof(sig)) < 0)
		return -1;
	p2pcd_sql_init(&q);
	/* text that may hold a backslash goes as bytea: db_postgres reads
	 * TEXT columns as DB1_BLOB through PQunescapeBytea, which eats the
	 * backslashes of a DOI or of the rights' JSON escapes */
	p2pcd_sql_add(&q, "SELECT convert_to(doi, 'UTF8'), state, "
					  "convert_to(tracker_id, 'UTF8'), price_cents, currency, "
					  "encode(info_hash, 'hex'), encode(kid, 'hex'), "
					  "convert_to(rights::text, 'UTF8') FROM content");
	if(p2pcd_db_exec(&q, &res) < 0) {
		p2pcd_sql_free(&q);
		return -1;
	}
	p2pcd_sql_free(&q);
	n = RES_ROW_N(res);
	total = 0;
	for(i = 0; i < n; i++) {
		if(p2pcd_db_str(res, i, 7, &v) == 0 && v.len <= P2PCD_RIGHTS_MAX)
			total += v.len;
		total += 3;
	}
	size = sizeof(*tbl) + n * sizeof(p2pcd_content_t) + total;
	tbl = shm_malloc(size);
	if(tbl == NULL) {
		SHM_MEM_ERROR;
		p2pcd_db_free(res);
		return -1;
	}
	memset(tbl, 0, size);
	tbl->items = (p2pcd_content_t *)(tbl + 1);
	strings = (char *)(tbl->items + n);
	for(i = 0; i < n; i++) {
		it = &tbl->items[tbl->n];
		if(p2pcd_db_str(res, i, 0, &v) < 0 || v.len > P2PCD_DOI_MAX)
			continue;
		memcpy(it->doi, v.s, v.len);
		it->doi_len = v.len;
		if(p2pcd_db_str(res, i, 1, &v) < 0
				|| (it->state = p2pcd_state_parse(&v)) < 0)
			continue;
		if(p2pcd_db_str(res, i, 2, &v) < 0 || v.len > P2PCD_TRACKER_MAX)
			continue;
		memcpy(it->tracker, v.s, v.len);
		it->price_cents = p2pcd_db_ll(res, i, 3, 0);
		if(p2pcd_db_str(res, i, 4, &v) == 0 && v.len == 3)
			memcpy(it->currency, v.s, 3);
		if(p2pcd_db_str(res, i, 5, &v) < 0
				|| p2pcd_hex2bin(&v, it->info_hash, 20) < 0)
			continue;
		if(p2pcd_db_str(res, i, 6, &v) < 0
				|| p2pcd_hex2bin(&v, it->kid, 16) < 0)
			continue;
		it->rights = strings;
		/* tokens embed the rights as they are: only a JSON object */
		if(p2pcd_db_str(res, i, 7, &v) == 0 && v.len <= P2PCD_RIGHTS_MAX
				&& p2pcd_rights_object(&v)) {
			memcpy(strings, v.s, v.len);
			it->rights_len = v.len;
			it->rights_stored = 1;
		} else {
			memcpy(strings, "{}", 2);
			it->rights_len = 2;
			it->rights_stored = 0;
		}
		strings += it->rights_len + 1;
		tbl->n++;
	}
	p2pcd_db_free(res);
	qsort(tbl->items, tbl->n, sizeof(p2pcd_content_t), p2pcd_item_cmp);

	lock_get(&p2pcd_cache->lock);
	old = p2pcd_cache->tbl;
	p2pcd_cache->tbl = tbl;
	strcpy(p2pcd_cache->sig, sig);
	lock_release(&p2pcd_cache->lock);
	if(old != NULL)
		shm_free(old);
	LM_DBG("content cache loaded: %d items\n", tbl->n);
	return tbl->n;
}

/* under the lock */
static p2pcd_content_t *p2pcd_cache_find(str *doi)
{
	p2pcd_content_t key;

	if(p2pcd_cache->tbl == NULL || doi->len > P2PCD_DOI_MAX)
		return NULL;
	memcpy(key.doi, doi->s, doi->len);
	key.doi_len = doi->len;
	return bsearch(&key, p2pcd_cache->tbl->items, p2pcd_cache->tbl->n,
			sizeof(p2pcd_content_t), p2pcd_item_cmp);
}

int p2pcd_cache_get(str *doi, p2pcd_content_t *c, char *rbuf, int rsize)
{
	p2pcd_content_t *it;
	int found = 0;

	if(p2pcd_cache == NULL)
		return 0;
	lock_get(&p2pcd_cache->lock);
	it = p2pcd_cache_find(doi);
	if(it != NULL) {
		*c = *it;
		c->rights = rbuf;
		if(it->rights_len < rsize) {
			memcpy(rbuf, it->rights, it->rights_len + 1);
		} else {
			memcpy(rbuf, "{}", 3);
			c->rights_len = 2;
			c->rights_stored = 0;
		}
		found = 1;
	}
	lock_release(&p2pcd_cache->lock);
	return found;
}

void p2pcd_cache_set_state(str *doi, int state)
{
	p2pcd_content_t *it;

	if(p2pcd_cache == NULL)
		return;
	lock_get(&p2pcd_cache->lock);
	it = p2pcd_cache_find(doi);
	if(it != NULL)
		it->state = state;
	lock_release(&p2pcd_cache->lock);
}

int p2pcd_cache_count(void)
{
	int n = 0;

	if(p2pcd_cache == NULL)
		return 0;
	lock_get(&p2pcd_cache->lock);
	if(p2pcd_cache->tbl != NULL)
		n = p2pcd_cache->tbl->n;
	lock_release(&p2pcd_cache->lock);
	return n;
}

int p2pcd_cache_check(void)
{
	char sig[128];
	int changed;

	if(p2pcd_cache_sig(sig, sizeof(sig)) < 0)
		return -1;
	lock_get(&p2pcd_cache->lock);
	changed = strcmp(sig, p2pcd_cache->sig) != 0;
	lock_release(&p2pcd_cache->lock);
	if(!changed)
		return 0;
	return p2pcd_cache_reload();
}

/* withdraw the publications whose Expires passed (RFC 3903) */
static void p2pcd_cache_expire(void)
{
	p2pcd_sql_t q;

	p2pcd_sql_init(&q);
	p2pcd_sql_add(&q, "UPDATE content SET state = 'removed', etag = NULL "
					  "WHERE expires < now() AND state <> 'removed'");
	p2pcd_db_exec(&q, NULL);
	p2pcd_sql_free(&q);
}

void p2pcd_cache_timer(unsigned int ticks, void *param)
{
	if(p2pcd_db_connect() < 0)
		return;
	p2pcd_cache_expire();
	p2pcd_cache_check();
}
