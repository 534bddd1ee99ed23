/*
 * p2pcd - content acquisition: SIP MESSAGE to a content URI
 */

#ifndef _P2PCD_ACQUIRE_H_
#define _P2PCD_ACQUIRE_H_

#include "core/parser/msg_parser.h"

int ki_p2pcd_acquire(sip_msg_t *msg);
/* the DOI named by the Request-URI user part (%-unescaped); 0 or -1 */
int p2pcd_ruri_doi(sip_msg_t *msg, char *out, int size, str *doi);

#endif /* _P2PCD_ACQUIRE_H_ */
