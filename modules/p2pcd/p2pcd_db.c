/*
 * p2pcd - database access through the srdb1 API (db_postgres in production)
 *
 * The DB API is bound once in mod_init; every process that handles SIP or
 * RPC opens its own connection in child_init, as modules/permissions does.
 */

#include "core/dprint.h"
#include "core/sr_module.h"

#include "p2pcd.h"
#include "p2pcd_db.h"

db_func_t p2pcd_dbf;
db1_con_t *p2pcd_db_handle = NULL;

/* what the module's queries need from the DB module */
#define P2PCD_DB_CAPS (DB_CAP_QUERY | DB_CAP_INSERT | DB_CAP_UPDATE)

/* the table the connection starts on; the queries select their own */
static str p2pcd_content_table = str_init("content");

static int p2pcd_db_enabled(void)
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
		LM_ERR("the database module lacks query, insert or update\n");
		return -1;
	}
	return 0;
}

/**
 * open this process's DB connection (child_init): SIP workers and the
 * processes that serve RPC commands
 */
int p2pcd_db_child_init(int rank)
{
	if(!p2pcd_db_enabled())
		return 0;
	if(rank <= 0 && rank != PROC_RPC && rank != PROC_UNIXSOCK)
		return 0;

	p2pcd_db_handle = p2pcd_dbf.init(&p2pcd_db_url);
	if(p2pcd_db_handle == NULL) {
		LM_ERR("cannot connect to the database (rank %d)\n", rank);
		return -1;
	}
	if(p2pcd_dbf.use_table(p2pcd_db_handle, &p2pcd_content_table) < 0) {
		LM_ERR("cannot use table %.*s\n", p2pcd_content_table.len,
				p2pcd_content_table.s);
		p2pcd_db_close();
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
