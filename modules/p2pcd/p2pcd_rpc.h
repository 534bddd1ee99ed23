/*
 * p2pcd - RPC commands p2pcd.*
 */

#ifndef _P2PCD_RPC_H_
#define _P2PCD_RPC_H_

#include "core/rpc.h"

extern rpc_export_t p2pcd_rpc_cmds[];

#endif /* _P2PCD_RPC_H_ */
