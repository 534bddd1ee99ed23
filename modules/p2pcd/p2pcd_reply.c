/*
 * p2pcd - the stateless answers of a batch, sent together
 *
 * An async worker answers a batch of acquisitions at once. Through sl each
 * answer is a sendto() of its own, spread out between the parsing and
 * building of the next; over UDP the system call and the wake-up of the
 * receiver were a third of the async worker's CPU. Here the answers are
 * built as sl builds them (the core's build_res_buf_from_sip_req, sl's
 * to-tag, the destination sl would choose), kept, and sent by one
 * sendmmsg() per socket when the batch is answered.
 *
 * What sl does besides building and sending is skipped: its callbacks,
 * its statistics, event_route[sl:local-response] and the outgoing-data
 * events. So the deferred path is off (each answer goes through sl) when
 * anything in this instance would miss them: a module with sl callbacks
 * (siptrace, nat_traversal, sca), the event route, a KEMI engine, a
 * SREV_NET_DATA_OUT or SREV_SIP_REPLY_OUT handler (topoh, ...), the core's
 * reply_to_via, or the module parameter reply_batch 0.
 */

#define _GNU_SOURCE /* sendmmsg */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "core/data_lump_rpl.h"
#include "core/dprint.h"
#include "core/events.h"
#include "core/forward.h"
#include "core/globals.h"
#include "core/ip_addr.h"
#include "core/kemi.h"
#include "core/mem/mem.h"
#include "core/msg_translator.h"
#include "core/parser/parse_to.h"
#include "core/route.h"
#include "core/sr_module.h"

#include "p2pcd.h"
#include "p2pcd_sip.h"
#include "p2pcd_reply.h"

#define P2PCD_REPLY_MAX 64 /* answers kept before they are sent */

int p2pcd_reply_batch = 1;

/* this process's answers not yet sent */
static struct
{
	int n;
	struct mmsghdr mm[P2PCD_REPLY_MAX];
	struct iovec iov[P2PCD_REPLY_MAX];
	union sockaddr_union to[P2PCD_REPLY_MAX];
	int fd[P2PCD_REPLY_MAX];
} p2pcd_rq;

/* -1 not decided yet, 0 every answer through sl, 1 deferred */
static int p2pcd_reply_defer_ok = -1;

static int p2pcd_reply_defer_allowed(void)
{
	static const char *const sl_users[] = {
			"siptrace", "nat_traversal", "sca", NULL};
	int i;

	if(!p2pcd_reply_batch || reply_to_via || sr_kemi_eng_get() != NULL
			|| sr_event_enabled(SREV_NET_DATA_OUT)
			|| sr_event_enabled(SREV_SIP_REPLY_OUT)
			|| route_lookup(&event_rt, "sl:local-response") >= 0)
		return 0;
	for(i = 0; sl_users[i] != NULL; i++)
		if(module_loaded((char *)sl_users[i]))
			return 0;
	return 1;
}

int p2pcd_reply_defer(
		sip_msg_t *msg, int code, const char *reason, const char *hdrs)
{
	str text, tag, *ptag = NULL;
	struct bookmark bm;
	unsigned int len;
	char *buf;
	int n;

	if(p2pcd_reply_defer_ok < 0)
		p2pcd_reply_defer_ok = p2pcd_reply_defer_allowed();
	if(!p2pcd_reply_defer_ok || msg->rcv.proto != PROTO_UDP
			|| msg->rcv.bind_address == NULL || code < 200
			|| msg->first_line.type != SIP_REQUEST
			|| msg->first_line.u.request.method_value == METHOD_ACK
			|| (msg->msg_flags & FL_MSG_NOREPLY)
			|| parse_headers(msg, HDR_EOH_F, 0) < 0 || msg->via1 == NULL
			|| msg->to == NULL)
		return -1;
	if(p2pcd_rq.n == P2PCD_REPLY_MAX)
		p2pcd_reply_flush();
	if(hdrs != NULL && *hdrs != '\0'
			&& add_lump_rpl(msg, (char *)hdrs, strlen(hdrs), LUMP_RPL_HDR)
					   == NULL) {
		LM_ERR("cannot add the reply headers\n");
	}
	/* a to-tag as sl gives one, when the To has none */
	if(get_to(msg)->tag_value.len == 0 && p2pcd_sl_totag(msg, &tag) > 0) {
		ptag = &tag;
	}
	text.s = (char *)reason;
	text.len = strlen(reason);
	buf = build_res_buf_from_sip_req(code, &text, ptag, msg, &len, &bm);
	if(buf == NULL) {
		LM_ERR("cannot build the %d reply\n", code);
		return 0; /* as sl: the request is not answered */
	}
	n = p2pcd_rq.n++;
	update_sock_struct_from_ip(&p2pcd_rq.to[n], msg);
	p2pcd_rq.fd[n] = msg->rcv.bind_address->socket;
	p2pcd_rq.iov[n].iov_base = buf;
	p2pcd_rq.iov[n].iov_len = len;
	memset(&p2pcd_rq.mm[n], 0, sizeof(p2pcd_rq.mm[n]));
	p2pcd_rq.mm[n].msg_hdr.msg_name = &p2pcd_rq.to[n].s;
	p2pcd_rq.mm[n].msg_hdr.msg_namelen = sockaddru_len(p2pcd_rq.to[n]);
	p2pcd_rq.mm[n].msg_hdr.msg_iov = &p2pcd_rq.iov[n];
	p2pcd_rq.mm[n].msg_hdr.msg_iovlen = 1;
	return 0;
}

/* send answers [i, i + k) over fd: a datagram refused by the kernel is
 * logged and skipped, as sl's sendto() failure would be */
static void p2pcd_reply_send(int fd, int i, int k)
{
	int r;

	while(k > 0) {
		r = sendmmsg(fd, &p2pcd_rq.mm[i], k, 0);
		if(r < 0 && errno == EINTR)
			continue;
		if(r <= 0) {
			LM_ERR("cannot send a reply: %s\n", strerror(errno));
			r = 1;
		}
		i += r;
		k -= r;
	}
}

void p2pcd_reply_flush(void)
{
	int i, j;

	for(i = 0; i < p2pcd_rq.n; i = j) {
		for(j = i + 1; j < p2pcd_rq.n && p2pcd_rq.fd[j] == p2pcd_rq.fd[i]; j++)
			;
		p2pcd_reply_send(p2pcd_rq.fd[i], i, j - i);
	}
	for(i = 0; i < p2pcd_rq.n; i++)
		pkg_free(p2pcd_rq.iov[i].iov_base);
	p2pcd_rq.n = 0;
}
