/*
 * p2pcd - the stateless answers of a batch, sent together
 */

#ifndef _P2PCD_REPLY_H_
#define _P2PCD_REPLY_H_

#include "core/parser/msg_parser.h"

/* module parameter reply_batch: 0 sends every answer through sl */
extern int p2pcd_reply_batch;

/*
 * Build the stateless answer to msg as sl would, with extra header lines
 * hdrs (each ending in CRLF, may be NULL), and keep it for
 * p2pcd_reply_flush(). Returns 0 (kept, or it could not be built: the
 * request is left unanswered, as sl would leave it), or -1 when this
 * answer must go through sl (not UDP, or something in this instance
 * needs sl's callbacks or events): nothing was changed, call
 * p2pcd_reply().
 */
int p2pcd_reply_defer(
		sip_msg_t *msg, int code, const char *reason, const char *hdrs);
/* send the kept answers, one sendmmsg() per socket, and free them */
void p2pcd_reply_flush(void);

#endif /* _P2PCD_REPLY_H_ */
