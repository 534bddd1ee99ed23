/*
 * p2pcd - IMS-controlled P2P content distribution: SIP Application Server
 *
 * Module-wide declarations shared by the p2pcd_*.c files.
 */

#ifndef _P2PCD_H_
#define _P2PCD_H_

#include "core/str.h"
#include "core/counters.h"

/* the module's own version (RPC p2pcd.version); the build may override it */
#ifndef P2PCD_VERSION
#define P2PCD_VERSION "0.1.0"
#endif

/* module parameters (p2pcd_mod.c) */
extern str p2pcd_db_url;
extern str p2pcd_trusted_scscf;

/* statistics group "p2pcd:" (p2pcd_mod.c) */
extern stat_var *p2pcd_acquisitions_stat;
extern stat_var *p2pcd_injections_stat;

#endif /* _P2PCD_H_ */
