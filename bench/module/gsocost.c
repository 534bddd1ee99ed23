/*
 * gsocost: the sender's CPU per UDP datagram over loopback, for a batch of
 * answers to one address sent by sendmmsg() and by one sendmsg() with UDP
 * GSO (UDP_SEGMENT), as the module's reply_gso does. Over loopback the
 * receiving side's stack work runs in the sender's context too, so this is
 * what the async worker pays per answer.
 *
 *   cc -O2 -o /tmp/gsocost bench/module/gsocost.c && /tmp/gsocost [BATCH [LEN]]
 *
 * Defaults: batches of 26 datagrams (the bench's acquisitions per commit) of
 * 420 bytes, 20000 datagrams each way. The receiving is timed apart and left
 * out.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define N 20000
#define BATCH_MAX 64

static double cpu_us(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return r.ru_utime.tv_sec * 1e6 + r.ru_utime.tv_usec
		   + r.ru_stime.tv_sec * 1e6 + r.ru_stime.tv_usec;
}

static int send_mmsg(int s, struct sockaddr_in *to, char *buf, int b, int len)
{
	struct mmsghdr m[BATCH_MAX];
	struct iovec io[BATCH_MAX];
	int k;

	memset(m, 0, sizeof(m));
	for(k = 0; k < b; k++) {
		io[k].iov_base = buf + k * len;
		io[k].iov_len = len;
		m[k].msg_hdr.msg_iov = &io[k];
		m[k].msg_hdr.msg_iovlen = 1;
		m[k].msg_hdr.msg_name = to;
		m[k].msg_hdr.msg_namelen = sizeof(*to);
	}
	return sendmmsg(s, m, b, 0) == b ? 0 : -1;
}

static int send_gso(int s, struct sockaddr_in *to, char *buf, int b, int len)
{
	union
	{
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl;
	struct iovec io = {buf, (size_t)b * len};
	struct msghdr h;
	struct cmsghdr *cm;
	uint16_t seg = len;

	memset(&h, 0, sizeof(h));
	memset(&ctl, 0, sizeof(ctl));
	h.msg_name = to;
	h.msg_namelen = sizeof(*to);
	h.msg_iov = &io;
	h.msg_iovlen = 1;
	h.msg_control = ctl.buf;
	h.msg_controllen = sizeof(ctl.buf);
	cm = CMSG_FIRSTHDR(&h);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	return sendmsg(s, &h, 0) == (ssize_t)io.iov_len ? 0 : -1;
}

int main(int argc, char **argv)
{
	int b = argc > 1 ? atoi(argv[1]) : 26, len = argc > 2 ? atoi(argv[2]) : 420;
	int r, s, mode, i, k, big = 1 << 24;
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	char *buf, rb[2048];
	double c0, rcv;

	if(b < 1 || b > BATCH_MAX || len < 1 || len > 1400) {
		fprintf(stderr, "usage: gsocost [BATCH (1-64) [LEN (1-1400)]]\n");
		return 2;
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = socket(AF_INET, SOCK_DGRAM, 0);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(r, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if(bind(r, (struct sockaddr *)&a, sizeof(a))
			|| getsockname(r, (struct sockaddr *)&a, &al))
		return 1;
	buf = malloc((size_t)b * len);
	memset(buf, 'x', (size_t)b * len);
	for(mode = 0; mode < 2; mode++) {
		c0 = cpu_us();
		rcv = 0;
		for(i = 0; i < N / b; i++) {
			double c1;

			if((mode ? send_gso : send_mmsg)(s, &a, buf, b, len) < 0) {
				perror(mode ? "sendmsg (GSO)" : "sendmmsg");
				return 1;
			}
			c1 = cpu_us();
			for(k = 0; k < b; k++)
				if(recv(r, rb, sizeof(rb), 0) != len) {
					fprintf(stderr, "a datagram of another length\n");
					return 1;
				}
			rcv += cpu_us() - c1;
		}
		printf("%-8s %2d x %4d bytes: %.2f us CPU per datagram sent\n",
				mode ? "GSO" : "sendmmsg", b, len,
				(cpu_us() - c0 - rcv) / (N / b * b));
	}
	return 0;
}
