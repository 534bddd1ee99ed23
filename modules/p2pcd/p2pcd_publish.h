/*
 * p2pcd - content injection: SIP PUBLISH, Event p2pcd-content (RFC 3903)
 */

#ifndef _P2PCD_PUBLISH_H_
#define _P2PCD_PUBLISH_H_

#include "core/parser/msg_parser.h"

int ki_p2pcd_publish(sip_msg_t *msg);

#endif /* _P2PCD_PUBLISH_H_ */
