/*
 * p2pcd - SIP side: replies through the sl API
 */

#ifndef _P2PCD_SIP_H_
#define _P2PCD_SIP_H_

#include "core/parser/msg_parser.h"

int p2pcd_sip_init(void);
int ki_p2pcd_ping(sip_msg_t *msg);

#endif /* _P2PCD_SIP_H_ */
