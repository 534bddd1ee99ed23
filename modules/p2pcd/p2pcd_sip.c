/*
 * p2pcd - SIP side: replies through the sl API
 */

#include "core/dprint.h"
#include "modules/sl/sl.h"

#include "p2pcd.h"
#include "p2pcd_sip.h"

static sl_api_t p2pcd_slb;

/**
 * bind the sl API (mod_init); sl must be loaded
 */
int p2pcd_sip_init(void)
{
	if(sl_load_api(&p2pcd_slb) != 0) {
		LM_ERR("cannot bind the sl API: load the sl module\n");
		return -1;
	}
	return 0;
}

/**
 * p2pcd_ping(): answer the request with a stateless 200 "p2pcd"
 */
int ki_p2pcd_ping(sip_msg_t *msg)
{
	static str reason = str_init("p2pcd");

	if(p2pcd_slb.sreply(msg, 200, &reason) < 0) {
		LM_ERR("cannot send the reply\n");
		return -1;
	}
	return 1;
}
