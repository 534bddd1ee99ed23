/*
 * p2pcd - the stateless answers of a batch, sent together
 *
 * An async worker answers a batch of acquisitions at once. Through sl each
 * answer meant parsing the request again, building the reply, and a
 * sendto() of its own between the next one's parsing and building; over
 * UDP the system calls and the receiver's wake-ups were a third of the
 * async worker's CPU. Instead the SIP worker, which has the request
 * parsed, builds the reply's head as sl would (the core's
 * build_res_buf_from_sip_req, sl's to-tag, the destination sl would
 * choose) and the job keeps it instead of the request; after the commit
 * the async worker points the answer's pieces (the head, its status line,
 * the answer's headers, the end) at it, and sends all of a batch's
 * answers with one sendmmsg() per socket; the kernel gathers the pieces.
 *
 * What sl does besides building and sending is skipped: its callbacks, its
 * statistics, event_route[sl:local-response] and the outgoing-data events. So
 * the deferred path is off (each answer goes through sl) when anything in this
 * instance would miss them: a module with sl callbacks (siptrace,
 * nat_traversal, sca), the event route or sl's KEMI callback for it
 * (event_callback_lres_sent), a SREV_NET_DATA_OUT or SREV_SIP_REPLY_OUT
 * handler (topoh, ...), the core's reply_to_via, or the module parameter
 * reply_batch 0.
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
/* an answer's pieces: the head's "SIP/2.0", " CODE REASON" CRLF, the head's
 * other lines, the answer's headers, the tail */
#define P2PCD_REPLY_IOV 5
#define P2PCD_STATUS_MAX 72 /* " CODE " + a job's reason (< 64) + CRLF */

/* this process's answers not yet sent: the heads and headers they point
 * to stay with their jobs until p2pcd_reply_flush() */
static struct
{
	int n;
	struct mmsghdr mm[P2PCD_REPLY_MAX];
	struct iovec iov[P2PCD_REPLY_MAX][P2PCD_REPLY_IOV];
	char status[P2PCD_REPLY_MAX][P2PCD_STATUS_MAX];
	union sockaddr_union to[P2PCD_REPLY_MAX];
	int fd[P2PCD_REPLY_MAX];
} p2pcd_rq;

/* -1 not decided yet, 0 every answer through sl, 1 deferred */
static int p2pcd_reply_defer_ok = -1;

/* sl's KEMI callback for its local replies, when one is set */
static int p2pcd_sl_kemi_callback(void)
{
	modparam_t type;
	str *cb;

	if(sr_kemi_eng_get() == NULL)
		return 0;
	cb = find_param_export(find_module_by_name("sl"),
			"event_callback_lres_sent", PARAM_STR, &type);
	return cb == NULL || cb->len > 0; /* unknown: assume one */
}

static int p2pcd_reply_defer_allowed(void)
{
	static const char *const sl_users[] = {
			"siptrace", "nat_traversal", "sca", NULL};
	int i;

	if(!p2pcd_reply_batch || reply_to_via || p2pcd_sl_kemi_callback()
			|| sr_event_enabled(SREV_NET_DATA_OUT)
			|| sr_event_enabled(SREV_SIP_REPLY_OUT)
			|| route_lookup(&event_rt, "sl:local-response") >= 0)
		return 0;
	for(i = 0; sl_users[i] != NULL; i++)
		if(module_loaded((char *)sl_users[i]))
			return 0;
	return 1;
}

/* what build_res_buf_from_sip_req() ends a reply without a body with
 * (sip_warning off) */
#define P2PCD_TAIL CONTENT_LENGTH "0" CRLF CRLF
#define P2PCD_TAIL_LEN (sizeof(P2PCD_TAIL) - 1)

int p2pcd_reply_head(sip_msg_t *msg, str *head, union sockaddr_union *to)
{
	struct lump_rpl *lumps;
	struct bookmark bm;
	str text = str_init("OK"), tag, *ptag = NULL;
	unsigned int len;
	char *buf;

	if(p2pcd_reply_defer_ok < 0)
		p2pcd_reply_defer_ok = p2pcd_reply_defer_allowed();
	if(!p2pcd_reply_defer_ok || msg->rcv.proto != PROTO_UDP
			|| msg->rcv.bind_address == NULL
			|| msg->first_line.type != SIP_REQUEST
			|| msg->first_line.u.request.method_value == METHOD_ACK
			|| (msg->msg_flags & FL_MSG_NOREPLY)
			|| parse_headers(msg, HDR_EOH_F, 0) < 0 || msg->via1 == NULL
			|| msg->to == NULL || msg->record_route != NULL)
		return -1; /* Record-Route: only some codes copy it */
	/* a to-tag as sl gives one, when the To has none */
	if(get_to(msg)->tag_value.len == 0 && p2pcd_sl_totag(msg, &tag) > 0)
		ptag = &tag;
	/* the script's reply headers go with the answer's own */
	lumps = msg->reply_lump;
	msg->reply_lump = NULL;
	buf = build_res_buf_from_sip_req(200, &text, ptag, msg, &len, &bm);
	msg->reply_lump = lumps;
	if(buf == NULL)
		return -1;
	if(len < P2PCD_TAIL_LEN
			|| memcmp(buf + len - P2PCD_TAIL_LEN, P2PCD_TAIL, P2PCD_TAIL_LEN)
					   != 0) {
		pkg_free(buf);
		return -1;
	}
	head->s = buf;
	head->len = len - P2PCD_TAIL_LEN;
	update_sock_struct_from_ip(to, msg);
	return 0;
}

void p2pcd_reply_defer(struct socket_info *si, union sockaddr_union *to,
		str *head, int code, const char *reason, const char *hdrs)
{
	struct iovec *iov;
	char *eol, *sp, *st;
	int n, rlen;

	eol = memchr(head->s, '\n', head->len);
	sp = memchr(head->s, ' ', head->len);
	if(eol == NULL || sp == NULL || sp > eol) {
		LM_ERR("bad reply head\n");
		return;
	}
	eol++;
	if(p2pcd_rq.n == P2PCD_REPLY_MAX)
		p2pcd_reply_flush();
	n = p2pcd_rq.n++;
	rlen = strlen(reason);
	if(rlen > P2PCD_STATUS_MAX - 5 - CRLF_LEN)
		rlen = P2PCD_STATUS_MAX - 5 - CRLF_LEN;
	st = p2pcd_rq.status[n];
	st[0] = ' ';
	st[1] = '0' + code / 100 % 10;
	st[2] = '0' + code / 10 % 10;
	st[3] = '0' + code % 10;
	st[4] = ' ';
	memcpy(st + 5, reason, rlen);
	memcpy(st + 5 + rlen, CRLF, CRLF_LEN);

	/* the pieces are gathered by the kernel: no copy of the head here */
	iov = p2pcd_rq.iov[n];
	iov[0].iov_base = head->s;
	iov[0].iov_len = sp - head->s;
	iov[1].iov_base = st;
	iov[1].iov_len = 5 + rlen + CRLF_LEN;
	iov[2].iov_base = eol;
	iov[2].iov_len = head->s + head->len - eol;
	iov[3].iov_base = (char *)(hdrs != NULL ? hdrs : "");
	iov[3].iov_len = hdrs != NULL ? strlen(hdrs) : 0;
	iov[4].iov_base = (void *)P2PCD_TAIL;
	iov[4].iov_len = P2PCD_TAIL_LEN;

	p2pcd_rq.to[n] = *to;
	p2pcd_rq.fd[n] = si->socket;
	memset(&p2pcd_rq.mm[n], 0, sizeof(p2pcd_rq.mm[n]));
	p2pcd_rq.mm[n].msg_hdr.msg_name = &p2pcd_rq.to[n].s;
	p2pcd_rq.mm[n].msg_hdr.msg_namelen = sockaddru_len(p2pcd_rq.to[n]);
	p2pcd_rq.mm[n].msg_hdr.msg_iov = iov;
	p2pcd_rq.mm[n].msg_hdr.msg_iovlen = P2PCD_REPLY_IOV;
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
	p2pcd_rq.n = 0;
}
