/*
 * The floor under the bad-token goal: a server that answers every HTTP
 * request with one fixed body and does nothing else, set up like the
 * tracker's announce listener (a thread per CPU, pinned, SO_REUSEPORT
 * group steered by CPU, TCP_DEFER_ACCEPT). What it costs per request is
 * what any refusal costs before a token is even looked at.
 *
 *   floor_server mhd PORT BODY   libmicrohttpd with the tracker's flags
 *                                and options, one shared response
 *   floor_server raw PORT BODY   epoll, recv, send: no HTTP library
 *   ... BODY unpinned            threads not pinned (the tracker's
 *                                listen.cpu_affinity = false)
 *
 * Keep-alive GETs only (the bench's bad-token load): raw reads no body
 * (one would be taken for the next request), and a header over 8 KiB, a
 * burst of pipelined requests whose replies exceed 16 KiB, or a short
 * send closes the connection. Stops on SIGTERM or SIGINT.
 */
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cpu_steer.h"

#define MAX_THREADS 64
#define CONN_BUF 8192

static const char *body;
static size_t body_len;
static char head[256];
static size_t head_len;
/* SIGTERM and SIGINT: blocked in every thread, taken by sigwait */
static sigset_t stop;

/* ---- libmicrohttpd: the tracker's flags and options ---- */

static struct MHD_Response *shared;

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *con,
		const char *url, const char *method, const char *version,
		const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	/* as the tracker: answer on the second call, or the reply closes */
	if(!*req_cls) {
		*req_cls = con;
		return MHD_YES;
	}
	*upload_data_size = 0;
	return MHD_queue_response(con, MHD_HTTP_OK, shared);
}

static int run_mhd(uint16_t port, int n, const int *cpus, int pin)
{
	struct MHD_Daemon *d[MAX_THREADS];
	const union MHD_DaemonInfo *di;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD
					 | MHD_USE_TURBO | MHD_USE_SUPPRESS_DATE_NO_CLOCK;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int i, secs = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	shared = MHD_create_response_from_buffer(
			body_len, (void *)body, MHD_RESPMEM_PERSISTENT);
	if(!shared)
		return 1;
	MHD_add_response_header(shared, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	for(i = 0; i < n; i++) {
		if(pin && cpu_steer_pin(cpus[i]))
			return 1;
		d[i] = MHD_start_daemon(flags, port, NULL, NULL, access_cb, NULL,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)20000,
				MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)12288,
				MHD_OPTION_END);
		if(!d[i])
			return 1;
		di = MHD_get_daemon_info(d[i], MHD_DAEMON_INFO_LISTEN_FD);
		if(di)
			setsockopt(di->listen_fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs,
					sizeof(secs));
	}
	cpu_steer_unpin();
	di = MHD_get_daemon_info(d[0], MHD_DAEMON_INFO_LISTEN_FD);
	if(pin && (!di || cpu_steer_attach(di->listen_fd, cpus[0])))
		fprintf(stderr, "floor_server: connections not steered by CPU\n");
	sigwait(&stop, &i);
	for(i = 0; i < n; i++)
		MHD_stop_daemon(d[i]);
	MHD_destroy_response(shared);
	return 0;
}

/* ---- raw: epoll, recv, send ---- */

struct conn
{
	int fd;
	size_t have;
	char buf[CONN_BUF];
};

static int listen_on(uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if(fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))
			|| bind(fd, (struct sockaddr *)&sa, sizeof(sa))
			|| listen(fd, 1024))
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof(one));
	return fd;
}

static void drop(struct conn *c)
{
	close(c->fd);
	free(c);
}

/* answer every complete request in c's buffer; -1: close it */
static int serve(struct conn *c)
{
	char out[16 * 1024];
	size_t used = 0, off = 0, one = head_len + body_len;
	ssize_t n = recv(c->fd, c->buf + c->have, CONN_BUF - c->have, 0);
	char *end;

	if(n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	if(n < 0)
		return 0;
	c->have += (size_t)n;
	while((end = memmem(c->buf + off, c->have - off, "\r\n\r\n", 4))) {
		if(used + one > sizeof(out))
			return -1;
		memcpy(out + used, head, head_len);
		memcpy(out + used + head_len, body, body_len);
		used += one;
		off = (size_t)(end + 4 - c->buf);
	}
	memmove(c->buf, c->buf + off, c->have - off);
	c->have -= off;
	if(c->have == CONN_BUF)
		return -1;
	if(used && send(c->fd, out, used, MSG_NOSIGNAL) != (ssize_t)used)
		return -1;
	return 0;
}

static void *raw_loop(void *arg)
{
	int lfd = (int)(intptr_t)arg, ep = epoll_create1(0), i, n;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL}, evs[64];

	if(ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
		return NULL;
	for(;;) {
		n = epoll_wait(ep, evs, 64, -1);
		for(i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if(!c) {
				int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);

				if(fd < 0)
					continue;
				c = malloc(sizeof(*c));
				if(!c) {
					close(fd);
					continue;
				}
				c->fd = fd;
				c->have = 0;
				ev.data.ptr = c;
				if(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
					drop(c);
					continue;
				}
				/* deferred accept: the request is already in */
			}
			if(serve(c))
				drop(c);
		}
	}
	return NULL;
}

static int run_raw(uint16_t port, int n, const int *cpus, int pin)
{
	pthread_t th;
	int i, fd0 = -1;

	for(i = 0; i < n; i++) {
		int fd = listen_on(port);

		if(fd < 0)
			return 1;
		if(i == 0)
			fd0 = fd;
		if(pin && cpu_steer_pin(cpus[i]))
			return 1;
		if(pthread_create(&th, NULL, raw_loop, (void *)(intptr_t)fd))
			return 1;
	}
	cpu_steer_unpin();
	if(pin && cpu_steer_attach(fd0, cpus[0]))
		fprintf(stderr, "floor_server: connections not steered by CPU\n");
	sigwait(&stop, &i);
	return 0;
}

int main(int argc, char **argv)
{
	int cpus[MAX_THREADS], n, pin;
	long port;

	if(argc < 4 || argc > 5 || (strcmp(argv[1], "mhd") && strcmp(argv[1], "raw"))
			|| (port = strtol(argv[2], NULL, 10)) <= 0 || port > 65535
			|| (argc == 5 && strcmp(argv[4], "unpinned"))) {
		fprintf(stderr, "usage: floor_server mhd|raw PORT BODY [unpinned]\n");
		return 2;
	}
	body = argv[3];
	body_len = strlen(body);
	head_len = (size_t)snprintf(head, sizeof(head),
			"HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
			"Content-Type: text/plain\r\n\r\n",
			body_len);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	/* as the tracker's default: a thread per CPU, pinned if there is one
	 * for each */
	n = cpu_steer_cpus(cpus, MAX_THREADS);
	if(n < 1)
		n = 1;
	pin = n > 1 && argc == 4;
	if(strcmp(argv[1], "mhd") == 0)
		return run_mhd((uint16_t)port, n, cpus, pin);
	return run_raw((uint16_t)port, n, cpus, pin);
}
