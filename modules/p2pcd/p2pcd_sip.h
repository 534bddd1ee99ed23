/*
 * p2pcd - SIP side: replies (sl, tm), request helpers
 */

#ifndef _P2PCD_SIP_H_
#define _P2PCD_SIP_H_

#include "core/parser/msg_parser.h"
#include "modules/tm/tm_load.h"

extern struct tm_binds p2pcd_tmb;
extern int p2pcd_have_tm;

int p2pcd_sip_init(void);
int ki_p2pcd_ping(sip_msg_t *msg);
/*
 * Reply now (statefully if the request has a transaction, else
 * statelessly), with extra header lines hdrs (each ending in CRLF, may be
 * NULL). Returns 0: the script ends, the request is answered.
 */
int p2pcd_reply(sip_msg_t *msg, int code, const char *reason, const char *hdrs);
/* the to-tag sl gives its replies to msg (sl's buffer, valid until the
 * next call): 1, or -1 */
int p2pcd_sl_totag(sip_msg_t *msg, str *tag);
/* the message body and its length (0 when none), -1 on a parse error */
int p2pcd_body(sip_msg_t *msg, str *body);
/* 1 if the Content-Type's media type is application/json, 0 if not, -1
 * when there is no Content-Type */
int p2pcd_is_json(sip_msg_t *msg);
/* a header's body by name, or NULL */
hdr_field_t *p2pcd_hdr(sip_msg_t *msg, const char *name);

#endif /* _P2PCD_SIP_H_ */
