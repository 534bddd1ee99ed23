/*
 * p2pcd - database access through the srdb1 API (db_postgres in production)
 */

#ifndef _P2PCD_DB_H_
#define _P2PCD_DB_H_

#include "lib/srdb1/db.h"

/* bound DB API and this process's connection (NULL if db_url is unset) */
extern db_func_t p2pcd_dbf;
extern db1_con_t *p2pcd_db_handle;

int p2pcd_db_enabled(void);
int p2pcd_db_bind(void);
int p2pcd_db_check_versions(void);
int p2pcd_db_child_init(int rank);
int p2pcd_db_connect(void);
void p2pcd_db_close(void);

/* SQL text built in pkg memory; the first error sticks (err != 0) */
typedef struct p2pcd_sql
{
	char *s;
	int len;
	int cap;
	int err;
} p2pcd_sql_t;

void p2pcd_sql_init(p2pcd_sql_t *q);
void p2pcd_sql_free(p2pcd_sql_t *q);
/* room for n more bytes at once (a long statement grows once, not by
 * doubling and copying): 0, or -1 (q is marked failed) */
int p2pcd_sql_reserve(p2pcd_sql_t *q, int n);
/* raw SQL text (trusted: written by this module) */
void p2pcd_sql_add(p2pcd_sql_t *q, const char *s);
/* a decimal integer (no printf on the acquisition path) */
void p2pcd_sql_int(p2pcd_sql_t *q, long long v);
void p2pcd_sql_addf(p2pcd_sql_t *q, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
/* a string literal E'...' (quote and backslash escaped; no NUL allowed) */
void p2pcd_sql_lit(p2pcd_sql_t *q, const char *s, int len);
/* NULL when s is empty, else a literal */
void p2pcd_sql_lit_or_null(p2pcd_sql_t *q, const char *s, int len);
/* a text[] literal E'{...}': open, then one call per element (first
 * nonzero for the first), then close */
void p2pcd_sql_arr_open(p2pcd_sql_t *q);
void p2pcd_sql_arr_str(p2pcd_sql_t *q, int first, const char *s, int len);
/* a NULL element when s is empty */
void p2pcd_sql_arr_str_or_null(
		p2pcd_sql_t *q, int first, const char *s, int len);
void p2pcd_sql_arr_close(p2pcd_sql_t *q);
/* decode('HEX','hex') for binary values */
void p2pcd_sql_bytea(p2pcd_sql_t *q, const unsigned char *p, int len);

/*
 * Run q. 0 and *res (free with p2pcd_db_free) on success, -1 on a failed
 * query (database down, constraint violation...). res may be NULL.
 */
int p2pcd_db_exec(p2pcd_sql_t *q, db1_res_t **res);
void p2pcd_db_free(db1_res_t *res);
/* column j of row i as a string; 0, or -1 when NULL/absent */
int p2pcd_db_str(db1_res_t *res, int i, int j, str *out);
/* 1 when the value at row i, column j is there and NULL, else 0 */
int p2pcd_db_is_null(db1_res_t *res, int i, int j);
long long p2pcd_db_ll(db1_res_t *res, int i, int j, long long dflt);

#endif /* _P2PCD_DB_H_ */
