/*
 * p2pcd - the stateless answers of a batch, sent together
 */

#ifndef _P2PCD_REPLY_H_
#define _P2PCD_REPLY_H_

#include "core/ip_addr.h"
#include "core/parser/msg_parser.h"

/*
 * In the SIP worker: the head of a stateless 200 reply to msg as sl would
 * build it (status line, Vias, From, To with sl's to-tag, Call-ID, CSeq,
 * Server), without the script's reply headers and without its
 * Content-Length and end, in pkg memory (the caller frees head->s), and
 * the address sl would send it to. 0, or -1 when this request's answer
 * must go through sl (not UDP, a Record-Route, or something in this
 * instance that needs sl's callbacks or events).
 */
int p2pcd_reply_head(sip_msg_t *msg, str *head, union sockaddr_union *to);
/*
 * In the async worker: the answer from a head, with its own status code
 * and reason and the header lines hdrs (each ending in CRLF, may be
 * NULL), kept for p2pcd_reply_flush() to send to to from socket si. The
 * answer points into head and hdrs: both must stay as they are until the
 * flush.
 */
void p2pcd_reply_defer(struct socket_info *si, union sockaddr_union *to,
		str *head, int code, const char *reason, const char *hdrs);
/* send the kept answers: one GSO send per socket and address where it can
 * (reply_gso), else one sendmmsg() per socket and address */
void p2pcd_reply_flush(void);

#endif /* _P2PCD_REPLY_H_ */
