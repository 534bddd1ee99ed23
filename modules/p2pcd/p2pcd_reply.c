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
 * Most answers of a batch go to one address (the S-CSCF that sent the
 * requests). Those leave in one sendmsg() with UDP GSO (UDP_SEGMENT, Linux
 * 4.18): the kernel cuts the payload into datagrams of one size, so each
 * answer is padded to the longest of its group with spaces after
 * "Content-Length:" (linear white space, RFC 3261 7.3.1). One pass through
 * the stack for the group instead of one per answer: about 0.6 instead of
 * 3.3 us of CPU per answer sent over loopback here (bench/module/gsocost.c).
 * A device that refuses it turns it off in that process (reply_gso 0 turns
 * it off everywhere); a path whose MTU is below an answer's length gets the
 * group by sendmmsg() (IP fragments).
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
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/udp.h>
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
#include "core/counters.h"

#include "p2pcd.h"
#include "p2pcd_sip.h"
#include "p2pcd_reply.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 /* linux/udp.h */
#endif

#define P2PCD_REPLY_MAX 64 /* answers kept before they are sent */
/* an answer's pieces: the head's "SIP/2.0", " CODE REASON" CRLF, the head's
 * other lines, the answer's headers, "Content-Length:", the padding, " 0"
 * CRLF CRLF */
#define P2PCD_REPLY_IOV 7
#define P2PCD_IOV_PAD 5
#define P2PCD_STATUS_MAX 72 /* " CODE " + a job's reason (< 64) + CRLF */
/* GSO: answers no longer than this (one datagram within a 1500-byte MTU
 * with IPv6 and UDP headers), padded by at most P2PCD_PAD_MAX bytes, at
 * most P2PCD_GSO_BYTES in one send (an IP packet's limit; 46 segments,
 * under the kernel's UDP_MAX_SEGMENTS of 64) */
#define P2PCD_GSO_SEG_MAX 1400
#define P2PCD_PAD_MAX 512
#define P2PCD_GSO_BYTES 65000
#define P2PCD_GSO_SEGS (P2PCD_GSO_BYTES / P2PCD_GSO_SEG_MAX)

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
/* 0 once the kernel refused a GSO send in this process */
static int p2pcd_gso_ok = 1;
static const char p2pcd_pad[P2PCD_PAD_MAX] = {[0 ... P2PCD_PAD_MAX - 1] = ' '};

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
 * (sip_warning off); the answer's own tail is the same in two pieces with
 * room for padding between them */
#define P2PCD_TAIL CONTENT_LENGTH "0" CRLF CRLF
#define P2PCD_TAIL_LEN (sizeof(P2PCD_TAIL) - 1)
#define P2PCD_CL_NAME "Content-Length:"
#define P2PCD_CL_NAME_LEN (sizeof(P2PCD_CL_NAME) - 1)
#define P2PCD_CL_END " 0" CRLF CRLF
#define P2PCD_CL_END_LEN (sizeof(P2PCD_CL_END) - 1)

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
	iov[4].iov_base = (void *)P2PCD_CL_NAME;
	iov[4].iov_len = P2PCD_CL_NAME_LEN;
	iov[P2PCD_IOV_PAD].iov_base = (void *)p2pcd_pad;
	iov[P2PCD_IOV_PAD].iov_len = 0;
	iov[6].iov_base = (void *)P2PCD_CL_END;
	iov[6].iov_len = P2PCD_CL_END_LEN;

	p2pcd_rq.to[n] = *to;
	p2pcd_rq.fd[n] = si->socket;
	memset(&p2pcd_rq.mm[n], 0, sizeof(p2pcd_rq.mm[n]));
	p2pcd_rq.mm[n].msg_hdr.msg_name = &p2pcd_rq.to[n].s;
	p2pcd_rq.mm[n].msg_hdr.msg_namelen = sockaddru_len(p2pcd_rq.to[n]);
	p2pcd_rq.mm[n].msg_hdr.msg_iov = iov;
	p2pcd_rq.mm[n].msg_hdr.msg_iovlen = P2PCD_REPLY_IOV;
}

/* send the answers idx[0..k) over fd by sendmmsg(): a datagram refused
 * by the kernel is logged and skipped, as sl's sendto() failure would be */
static void p2pcd_reply_send(int fd, const int *idx, int k)
{
	struct mmsghdr mm[P2PCD_REPLY_MAX];
	int i, r;

	for(i = 0; i < k; i++)
		mm[i] = p2pcd_rq.mm[idx[i]];
	i = 0;
	while(i < k) {
		r = sendmmsg(fd, &mm[i], k - i, 0);
		if(r < 0 && errno == EINTR)
			continue;
		if(r <= 0) {
			LM_ERR("cannot send a reply: %s\n", strerror(errno));
			r = 1;
		}
		i += r;
	}
}

/* the length of answer i */
static size_t p2pcd_reply_len(int i)
{
	size_t len = 0;
	int y;

	for(y = 0; y < P2PCD_REPLY_IOV; y++)
		len += p2pcd_rq.iov[i][y].iov_len;
	return len;
}

/* send the answers idx[0..k) (one socket, one address, k at most
 * P2PCD_GSO_SEGS) in one sendmsg() with UDP GSO, each but the last padded
 * to the longest: 0, or -1 when they must go by p2pcd_reply_send() (too
 * long, too different, the send failed, or the device refused GSO: then
 * not again in this process) */
static int p2pcd_reply_send_gso(int fd, const int *idx, int k)
{
	static struct iovec iov[P2PCD_REPLY_MAX * P2PCD_REPLY_IOV];
	union
	{
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl;
	size_t len[P2PCD_REPLY_MAX], seg = 0, min = (size_t)-1;
	struct msghdr h;
	struct cmsghdr *cm;
	uint16_t gso;
	int i;
	ssize_t r;

	for(i = 0; i < k; i++) {
		len[i] = p2pcd_reply_len(idx[i]);
		if(len[i] > seg)
			seg = len[i];
		if(len[i] < min)
			min = len[i];
	}
	if(seg > P2PCD_GSO_SEG_MAX || seg - min > P2PCD_PAD_MAX)
		return -1;
	for(i = 0; i < k; i++) {
		memcpy(&iov[i * P2PCD_REPLY_IOV], p2pcd_rq.iov[idx[i]],
				sizeof(p2pcd_rq.iov[0]));
		if(i < k - 1)
			iov[i * P2PCD_REPLY_IOV + P2PCD_IOV_PAD].iov_len = seg - len[i];
	}
	memset(&h, 0, sizeof(h));
	h.msg_name = p2pcd_rq.mm[idx[0]].msg_hdr.msg_name;
	h.msg_namelen = p2pcd_rq.mm[idx[0]].msg_hdr.msg_namelen;
	h.msg_iov = iov;
	h.msg_iovlen = k * P2PCD_REPLY_IOV;
	h.msg_control = ctl.buf;
	h.msg_controllen = sizeof(ctl.buf);
	cm = CMSG_FIRSTHDR(&h);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(gso));
	gso = seg;
	memcpy(CMSG_DATA(cm), &gso, sizeof(gso));
	do
		r = sendmsg(fd, &h, 0);
	while(r < 0 && errno == EINTR);
	if(r < 0) {
		/* refused by the device (no checksum offload on some kernels) or
		 * the kernel: not again; a segment over the path's MTU (EINVAL)
		 * or short buffers: this group only */
		if(errno == EIO || errno == EOPNOTSUPP || errno == ENOPROTOOPT) {
			LM_NOTICE("UDP GSO refused (%s): sendmmsg() from now on\n",
					strerror(errno));
			p2pcd_gso_ok = 0;
		}
		return -1;
	}
	update_stat(p2pcd_answers_gso_stat, k);
	return 0;
}

/* the kept answers, grouped by socket and address: those of a group that
 * fit a datagram of P2PCD_GSO_SEG_MAX in GSO sends, the others (and all
 * with reply_gso 0) by sendmmsg() */
void p2pcd_reply_flush(void)
{
	char done[P2PCD_REPLY_MAX] = {0};
	int idx[P2PCD_REPLY_MAX], lone[P2PCD_REPLY_MAX], i, j, k, nl, c, fd;

	for(i = 0; i < p2pcd_rq.n; i++) {
		if(done[i])
			continue;
		fd = p2pcd_rq.fd[i];
		for(j = i, k = nl = 0; j < p2pcd_rq.n; j++)
			if(!done[j] && p2pcd_rq.fd[j] == fd
					&& su_cmp(&p2pcd_rq.to[j], &p2pcd_rq.to[i])) {
				done[j] = 1;
				if(p2pcd_reply_gso && p2pcd_gso_ok
						&& p2pcd_reply_len(j) <= P2PCD_GSO_SEG_MAX)
					idx[k++] = j;
				else
					lone[nl++] = j;
			}
		if(nl > 0)
			p2pcd_reply_send(fd, lone, nl);
		if(k == 1) {
			p2pcd_reply_send(fd, idx, 1);
			continue;
		}
		/* as many per send as fit in one IP packet at the longest size */
		for(j = 0; j < k; j += c) {
			c = k - j < P2PCD_GSO_SEGS ? k - j : P2PCD_GSO_SEGS;
			if(!p2pcd_gso_ok || p2pcd_reply_send_gso(fd, idx + j, c) < 0)
				p2pcd_reply_send(fd, idx + j, c);
		}
	}
	p2pcd_rq.n = 0;
}
