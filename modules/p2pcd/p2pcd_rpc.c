/*
 * p2pcd - RPC commands p2pcd.*
 */

#include "core/rpc.h"

#include "p2pcd.h"
#include "p2pcd_rpc.h"

static const char *rpc_p2pcd_version_doc[2] = {
		"Return the version of the p2pcd module.", 0};

static void rpc_p2pcd_version(rpc_t *rpc, void *ctx)
{
	rpc->add(ctx, "s", P2PCD_VERSION);
}

/* clang-format off */
rpc_export_t p2pcd_rpc_cmds[] = {
	{"p2pcd.version", rpc_p2pcd_version, rpc_p2pcd_version_doc, 0},
	{0, 0, 0, 0}
};
/* clang-format on */
