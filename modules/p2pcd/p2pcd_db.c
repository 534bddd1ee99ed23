/*
 * p2pcd - database access through the srdb1 API (db_postgres in production)
 *
 * The DB API is bound once in mod_init; every process that handles SIP or
 * RPC, and every async task worker, opens its own connection in child_init,
 * as modules/permissions does. Queries are raw SQL (PostgreSQL dialect):
 * the acquisition and the injection are each one statement, hence one
 * transaction, built with data-modifying CTEs.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/sr_module.h"

#include "p2pcd/decimal.h"

#include "p2pcd.h"
#include "p2pcd_db.h"

db_func_t p2pcd_dbf;
db1_con_t *p2pcd_db_handle = NULL;

/* what the module's queries need from the DB module */
#define P2PCD_DB_CAPS (DB_CAP_QUERY | DB_CAP_RAW_QUERY)

/* the tables the module reads or writes and the versions it knows */
typedef struct p2pcd_table_version
{
	str name;
	unsigned int version;
} p2pcd_table_version_t;

static p2pcd_table_version_t p2pcd_tables[] = {{str_init("content"), 1},
		{str_init("torrents"), 1}, {str_init("content_keys"), 1},
		{str_init("grants"), 2}, {str_init("charging_records"), 2},
		{str_init("publishers"), 1}, {str_init("trackers"), 1},
		{str_init("blocklist"), 1}, {STR_NULL, 0}};

int p2pcd_db_enabled(void)
{
	return p2pcd_db_url.s != NULL && p2pcd_db_url.len > 0;
}

/**
 * bind the DB module named by db_url (mod_init)
 */
int p2pcd_db_bind(void)
{
	if(!p2pcd_db_enabled()) {
		LM_INFO("db_url not set: running without a database\n");
		return 0;
	}
	if(db_bind_mod(&p2pcd_db_url, &p2pcd_dbf) < 0) {
		LM_ERR("cannot bind a database module for db_url\n");
		return -1;
	}
	if(!DB_CAPABILITY(p2pcd_dbf, P2PCD_DB_CAPS)) {
		LM_ERR("the database module lacks query or raw_query\n");
		return -1;
	}
	return 0;
}

/**
 * check the version rows of every table used (mod_init, own connection)
 */
int p2pcd_db_check_versions(void)
{
	db1_con_t *h;
	int i;

	if(!p2pcd_db_enabled())
		return 0;
	h = p2pcd_dbf.init(&p2pcd_db_url);
	if(h == NULL) {
		LM_ERR("cannot connect to the database\n");
		return -1;
	}
	for(i = 0; p2pcd_tables[i].name.s != NULL; i++) {
		if(db_check_table_version(&p2pcd_dbf, h, &p2pcd_tables[i].name,
				   p2pcd_tables[i].version)
				< 0) {
			DB_TABLE_VERSION_ERROR(p2pcd_tables[i].name);
			p2pcd_dbf.close(h);
			return -1;
		}
	}
	p2pcd_dbf.close(h);
	return 0;
}

/**
 * open this process's DB connection if it has none
 */
int p2pcd_db_connect(void)
{
	if(!p2pcd_db_enabled())
		return -1;
	if(p2pcd_db_handle != NULL)
		return 0;
	p2pcd_db_handle = p2pcd_dbf.init(&p2pcd_db_url);
	if(p2pcd_db_handle == NULL) {
		LM_ERR("cannot connect to the database\n");
		return -1;
	}
	return 0;
}

/**
 * open this process's DB connection (child_init): SIP workers, the
 * processes that serve RPC commands and the async task workers (forked
 * with rank PROC_RPC)
 */
int p2pcd_db_child_init(int rank)
{
	if(!p2pcd_db_enabled())
		return 0;
	if(rank <= 0 && rank != PROC_RPC && rank != PROC_UNIXSOCK)
		return 0;
	if(p2pcd_db_connect() < 0) {
		LM_ERR("cannot connect to the database (rank %d)\n", rank);
		return -1;
	}
	return 0;
}

/**
 * close this process's DB connection, if any
 */
void p2pcd_db_close(void)
{
	if(p2pcd_db_handle != NULL) {
		p2pcd_dbf.close(p2pcd_db_handle);
		p2pcd_db_handle = NULL;
	}
}

void p2pcd_sql_init(p2pcd_sql_t *q)
{
	memset(q, 0, sizeof(*q));
}

void p2pcd_sql_free(p2pcd_sql_t *q)
{
	if(q->s != NULL)
		pkg_free(q->s);
	memset(q, 0, sizeof(*q));
}

int p2pcd_sql_reserve(p2pcd_sql_t *q, int n)
{
	char *p;
	int cap;

	if(q->err)
		return -1;
	if(q->len + n + 1 <= q->cap)
		return 0;
	cap = q->cap ? q->cap : 1024;
	while(cap < q->len + n + 1)
		cap *= 2;
	p = pkg_realloc(q->s, cap);
	if(p == NULL) {
		PKG_MEM_ERROR;
		q->err = 1;
		return -1;
	}
	q->s = p;
	q->cap = cap;
	return 0;
}

void p2pcd_sql_add(p2pcd_sql_t *q, const char *s)
{
	int n = strlen(s);

	if(p2pcd_sql_reserve(q, n) < 0)
		return;
	memcpy(q->s + q->len, s, n);
	q->len += n;
	q->s[q->len] = '\0';
}

void p2pcd_sql_int(p2pcd_sql_t *q, long long v)
{
	if(p2pcd_sql_reserve(q, P2PCD_DEC_I64_MAX) < 0)
		return;
	q->len += p2pcd_dec_i64(v, q->s + q->len);
	q->s[q->len] = '\0';
}

void p2pcd_sql_addf(p2pcd_sql_t *q, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if(n < 0 || p2pcd_sql_reserve(q, n) < 0) {
		q->err = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(q->s + q->len, n + 1, fmt, ap);
	va_end(ap);
	q->len += n;
}

/* nonzero if one of the 8 bytes of w is c */
static inline uint64_t p2pcd_sql_has8(uint64_t w, unsigned char c)
{
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t x = w ^ (ones * c);

	return (x - ones) & ~x & (ones << 7);
}

/* nonzero if one of the 8 bytes of w is a quote, a backslash or a NUL
 * (the bytes a literal escapes or refuses) */
static inline uint64_t p2pcd_sql_special8(uint64_t w)
{
	return p2pcd_sql_has8(w, 0) | p2pcd_sql_has8(w, '\'')
		   | p2pcd_sql_has8(w, '\\');
}

/*
 * Copy s to *d 8 bytes at a time up to the first 8 that hold a special
 * byte (or a '"' too, with dquote): tokens and ids have none (byte by
 * byte this loop was 1.5 % of the module's CPU). Returns the bytes
 * copied; *d moves past them.
 */
static int p2pcd_sql_copy_plain(char **d, const char *s, int len, int dquote)
{
	uint64_t w;
	int i;

	for(i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		if(p2pcd_sql_special8(w) | (dquote ? p2pcd_sql_has8(w, '"') : 0))
			break;
		memcpy(*d, &w, 8);
		*d += 8;
	}
	return i;
}

void p2pcd_sql_lit(p2pcd_sql_t *q, const char *s, int len)
{
	int i;
	char *d;

	if(p2pcd_sql_reserve(q, 2 * len + 3) < 0)
		return;
	d = q->s + q->len;
	*d++ = 'E';
	*d++ = '\'';
	for(i = p2pcd_sql_copy_plain(&d, s, len, 0); i < len; i++) {
		if(s[i] == '\0') {
			q->err = 1;
			return;
		}
		if(s[i] == '\'' || s[i] == '\\')
			*d++ = s[i];
		*d++ = s[i];
	}
	*d++ = '\'';
	*d = '\0';
	q->len = d - q->s;
}

void p2pcd_sql_lit_or_null(p2pcd_sql_t *q, const char *s, int len)
{
	if(s == NULL || len <= 0)
		p2pcd_sql_add(q, "NULL");
	else
		p2pcd_sql_lit(q, s, len);
}

void p2pcd_sql_arr_open(p2pcd_sql_t *q)
{
	p2pcd_sql_add(q, "E'{");
}

void p2pcd_sql_arr_close(p2pcd_sql_t *q)
{
	p2pcd_sql_add(q, "}'");
}

/*
 * An element is a double-quoted string inside the E'' literal: the array
 * parser wants a backslash before '"' and '\', the literal doubles each
 * backslash and quote again.
 */
void p2pcd_sql_arr_str(p2pcd_sql_t *q, int first, const char *s, int len)
{
	int i;
	char *d;

	if(p2pcd_sql_reserve(q, 4 * len + 3) < 0)
		return;
	d = q->s + q->len;
	if(!first)
		*d++ = ',';
	*d++ = '"';
	for(i = p2pcd_sql_copy_plain(&d, s, len, 1); i < len; i++) {
		switch(s[i]) {
			case '\0':
				q->err = 1;
				return;
			case '\'':
				*d++ = '\'';
				break;
			case '\\':
				memcpy(d, "\\\\\\", 3);
				d += 3;
				break;
			case '"':
				memcpy(d, "\\\\", 2);
				d += 2;
				break;
		}
		*d++ = s[i];
	}
	*d++ = '"';
	*d = '\0';
	q->len = d - q->s;
}

void p2pcd_sql_arr_str_or_null(
		p2pcd_sql_t *q, int first, const char *s, int len)
{
	if(s == NULL || len <= 0)
		p2pcd_sql_add(q, first ? "NULL" : ",NULL");
	else
		p2pcd_sql_arr_str(q, first, s, len);
}

void p2pcd_sql_bytea(p2pcd_sql_t *q, const unsigned char *p, int len)
{
	static const char hex[] = "0123456789abcdef";
	char *d;
	int i;

	if(p2pcd_sql_reserve(q, 2 * len + 20) < 0)
		return;
	d = q->s + q->len;
	memcpy(d, "decode('", 8);
	d += 8;
	for(i = 0; i < len; i++) {
		*d++ = hex[p[i] >> 4];
		*d++ = hex[p[i] & 15];
	}
	memcpy(d, "','hex')", 8);
	d += 8;
	*d = '\0';
	q->len = d - q->s;
}

int p2pcd_db_exec(p2pcd_sql_t *q, db1_res_t **res)
{
	str sql;
	db1_res_t *r = NULL;

	if(res != NULL)
		*res = NULL;
	if(q->err || q->s == NULL) {
		LM_ERR("cannot build the SQL statement\n");
		return -1;
	}
	if(p2pcd_db_handle == NULL && p2pcd_db_connect() < 0)
		return -1;
	sql.s = q->s;
	sql.len = q->len;
	if(p2pcd_dbf.raw_query(p2pcd_db_handle, &sql, &r) < 0) {
		LM_WARN("database statement failed\n");
		if(r != NULL)
			p2pcd_dbf.free_result(p2pcd_db_handle, r);
		return -1;
	}
	if(res != NULL)
		*res = r;
	else if(r != NULL)
		p2pcd_dbf.free_result(p2pcd_db_handle, r);
	return 0;
}

void p2pcd_db_free(db1_res_t *res)
{
	if(res != NULL && p2pcd_db_handle != NULL)
		p2pcd_dbf.free_result(p2pcd_db_handle, res);
}

/* the value at row i, column j, or NULL when there is none */
static db_val_t *p2pcd_db_val(db1_res_t *res, int i, int j)
{
	if(res == NULL || i >= RES_ROW_N(res) || j >= RES_COL_N(res))
		return NULL;
	return &ROW_VALUES(&RES_ROWS(res)[i])[j];
}

int p2pcd_db_is_null(db1_res_t *res, int i, int j)
{
	db_val_t *v = p2pcd_db_val(res, i, j);

	return v != NULL && VAL_NULL(v);
}

int p2pcd_db_str(db1_res_t *res, int i, int j, str *out)
{
	db_val_t *v = p2pcd_db_val(res, i, j);

	if(v == NULL || VAL_NULL(v))
		return -1;
	switch(VAL_TYPE(v)) {
		case DB1_STRING:
			out->s = (char *)VAL_STRING(v);
			out->len = out->s ? strlen(out->s) : 0;
			return out->s ? 0 : -1;
		case DB1_STR:
			*out = VAL_STR(v);
			return 0;
		case DB1_BLOB:
			*out = VAL_BLOB(v);
			return 0;
		default:
			LM_ERR("column %d is not text (type %d)\n", j, VAL_TYPE(v));
			return -1;
	}
}

long long p2pcd_db_ll(db1_res_t *res, int i, int j, long long dflt)
{
	db_val_t *v = p2pcd_db_val(res, i, j);
	str s;
	char buf[32];

	if(v == NULL || VAL_NULL(v))
		return dflt;
	switch(VAL_TYPE(v)) {
		case DB1_INT:
			return VAL_INT(v);
		case DB1_BIGINT:
			return VAL_BIGINT(v);
		case DB1_UINT:
			return VAL_UINT(v);
		case DB1_UBIGINT:
			return (long long)VAL_UBIGINT(v);
		default:
			if(p2pcd_db_str(res, i, j, &s) < 0 || s.len <= 0
					|| s.len >= (int)sizeof(buf))
				return dflt;
			memcpy(buf, s.s, s.len);
			buf[s.len] = '\0';
			return strtoll(buf, NULL, 10);
	}
}
