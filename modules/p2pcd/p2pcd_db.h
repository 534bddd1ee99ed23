/*
 * p2pcd - database access through the srdb1 API (db_postgres in production)
 */

#ifndef _P2PCD_DB_H_
#define _P2PCD_DB_H_

#include "lib/srdb1/db.h"

/* bound DB API and this process's connection (NULL if db_url is unset) */
extern db_func_t p2pcd_dbf;
extern db1_con_t *p2pcd_db_handle;

int p2pcd_db_bind(void);
int p2pcd_db_child_init(int rank);
void p2pcd_db_close(void);

#endif /* _P2PCD_DB_H_ */
