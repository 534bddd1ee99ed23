/*
 * p2pcd - IMS-controlled P2P content distribution: SIP Application Server
 *
 * Module exports only (parameters, cfg functions, KEMI, RPC, statistics,
 * init/destroy); the work is done in p2pcd_*.c.
 */

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/kemi.h"
#include "core/counters.h"

#include "p2pcd.h"
#include "p2pcd_db.h"
#include "p2pcd_rpc.h"
#include "p2pcd_sip.h"

MODULE_VERSION

str p2pcd_db_url = STR_NULL;
/* CIDR list of the S-CSCFs whose P-Asserted-Identity is believed */
str p2pcd_trusted_scscf = STR_NULL;

stat_var *p2pcd_acquisitions_stat = NULL;
stat_var *p2pcd_injections_stat = NULL;

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);

static int w_p2pcd_ping(sip_msg_t *msg, char *p1, char *p2);

/* clang-format off */
static cmd_export_t cmds[] = {
	{"p2pcd_ping", (cmd_function)w_p2pcd_ping, 0, 0, 0, REQUEST_ROUTE},
	{0, 0, 0, 0, 0, 0}
};

static param_export_t params[] = {
	{"db_url",        PARAM_STR, &p2pcd_db_url},
	{"trusted_scscf", PARAM_STR, &p2pcd_trusted_scscf},
	{0, 0, 0}
};

static stat_export_t mod_stats[] = {
	{"acquisitions", 0, &p2pcd_acquisitions_stat},
	{"injections",   0, &p2pcd_injections_stat},
	{0, 0, 0}
};

struct module_exports exports = {
	"p2pcd",          /* module name */
	DEFAULT_DLFLAGS,  /* dlopen flags */
	cmds,             /* exported functions */
	params,           /* exported parameters */
	p2pcd_rpc_cmds,   /* RPC method exports */
	0,                /* exported pseudo-variables */
	0,                /* response handling function */
	mod_init,         /* module initialization function */
	child_init,       /* per-child init function */
	mod_destroy       /* module destroy function */
};
/* clang-format on */

static int mod_init(void)
{
	if(register_module_stats(exports.name, mod_stats) != 0) {
		LM_ERR("cannot register the statistics\n");
		return -1;
	}
	if(p2pcd_sip_init() != 0)
		return -1;
	if(p2pcd_db_bind() != 0)
		return -1;
	if(p2pcd_trusted_scscf.s == NULL || p2pcd_trusted_scscf.len <= 0)
		LM_WARN("trusted_scscf not set: no S-CSCF is trusted\n");
	return 0;
}

static int child_init(int rank)
{
	return p2pcd_db_child_init(rank);
}

static void mod_destroy(void)
{
	p2pcd_db_close();
}

static int w_p2pcd_ping(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_p2pcd_ping(msg);
}

/* clang-format off */
static sr_kemi_t sr_kemi_p2pcd_exports[] = {
	{ str_init("p2pcd"), str_init("p2pcd_ping"),
		SR_KEMIP_INT, ki_p2pcd_ping,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},

	{ {0, 0}, {0, 0}, 0, NULL, { 0, 0, 0, 0, 0, 0 } }
};
/* clang-format on */

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(sr_kemi_p2pcd_exports);
	return 0;
}
