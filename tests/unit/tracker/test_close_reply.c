/*
 * The reply written by the tracker on a connection that closes: which
 * requests take it (the Connection header's tokens, the HTTP version),
 * its bytes, and that its FIN comes in the reply's own segment on a real
 * TCP connection over loopback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/tcp.h> /* tcpi_segs_in: glibc's tcp_info lacks it */
#include <sys/socket.h>
#include <unistd.h>

#include "close_reply.h"

static void test_wanted(void **state)
{
	(void)state;
	assert_true(close_reply_wanted("HTTP/1.1", "close"));
	assert_true(close_reply_wanted("HTTP/1.1", "Close"));
	assert_true(close_reply_wanted("HTTP/1.1", "keep-alive, close"));
	assert_true(close_reply_wanted("HTTP/1.1", " TE ,\tclose\t"));
	assert_false(close_reply_wanted("HTTP/1.1", NULL));
	assert_false(close_reply_wanted("HTTP/1.1", ""));
	assert_false(close_reply_wanted("HTTP/1.1", "keep-alive"));
	assert_false(close_reply_wanted("HTTP/1.1", "closed"));
	assert_false(close_reply_wanted("HTTP/1.1", "x-close"));
	assert_false(close_reply_wanted("HTTP/1.1", "clo se"));
	/* HTTP/1.0 closes unless the client asks to keep the connection */
	assert_true(close_reply_wanted("HTTP/1.0", NULL));
	assert_true(close_reply_wanted("HTTP/1.0", "close"));
	assert_false(close_reply_wanted("HTTP/1.0", "Keep-Alive"));
	assert_false(close_reply_wanted("HTTP/1.0", "foo, keep-alive"));
	/* versions libmicrohttpd answers its own way are left to it */
	assert_false(close_reply_wanted("HTTP/0.9", "close"));
	assert_false(close_reply_wanted("HTTP/2.0", "close"));
}

/* a connected pair over 127.0.0.1: *cli and *srv */
static void tcp_pair(int *cli, int *srv)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(l >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &alen), 0);
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(*cli, (struct sockaddr *)&a, sizeof(a)), 0);
	*srv = accept(l, NULL, NULL);
	assert_true(*srv >= 0);
	close(l);
}

/* all a socket gives until its peer's FIN */
static size_t read_all(int fd, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while(got < size && (n = recv(fd, buf + got, size - got, 0)) > 0)
		got += (size_t)n;
	return got;
}

static void test_reply_and_fin_in_one_segment(void **state)
{
	static const char body[] = "d8:intervali60ee";
	static const char want[] = "HTTP/1.1 200 OK\r\n"
							   "Connection: close\r\n"
							   "Content-Type: text/plain\r\n"
							   "Content-Length: 16\r\n"
							   "\r\n"
							   "d8:intervali60ee";
	struct tcp_info ti;
	socklen_t tlen = sizeof(ti);
	char buf[256];
	int cli, srv;
	size_t got;

	(void)state;
	tcp_pair(&cli, &srv);
	assert_int_equal(
			close_reply_send(srv, (const uint8_t *)body, strlen(body)), 0);
	got = read_all(cli, buf, sizeof(buf));
	assert_int_equal(got, strlen(want));
	assert_memory_equal(buf, want, got);
	/* the client has had the SYN-ACK and one segment with the reply and
	 * the FIN; a reply pushed before the shutdown makes that three */
	assert_int_equal(getsockopt(cli, IPPROTO_TCP, TCP_INFO, &ti, &tlen), 0);
	assert_int_equal(ti.tcpi_segs_in, 2);
	close(cli);
	close(srv);
}

static void test_too_large_left_to_libmicrohttpd(void **state)
{
	static uint8_t big[CLOSE_REPLY_MAX];
	char buf[16];
	int cli, srv;

	(void)state;
	memset(big, 'x', sizeof(big));
	tcp_pair(&cli, &srv);
	assert_int_equal(close_reply_send(srv, big, sizeof(big)), 1);
	/* nothing was written and the connection is still open both ways */
	assert_int_equal(send(srv, "ok", 2, 0), 2);
	assert_int_equal(recv(cli, buf, sizeof(buf), 0), 2);
	close(cli);
	close(srv);
}

static void test_client_gone(void **state)
{
	struct linger reset = {.l_onoff = 1, .l_linger = 0};
	int cli, srv;

	(void)state;
	tcp_pair(&cli, &srv);
	/* the client resets the connection before the reply */
	assert_int_equal(
			setsockopt(cli, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset)), 0);
	close(cli);
	assert_int_equal(close_reply_send(srv, (const uint8_t *)"x", 1), -1);
	close(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_wanted),
			cmocka_unit_test(test_reply_and_fin_in_one_segment),
			cmocka_unit_test(test_too_large_left_to_libmicrohttpd),
			cmocka_unit_test(test_client_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
