/* SIP UAC: the next hop's address and a connected socket to it
 * (sip_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "sip_int.h"

long long sip_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sip_hop_parse(const char *proxy, struct sip_hop *h, int *uri_tcp, char *err,
		size_t err_size)
{
	char buf[512];
	osip_uri_t *u = NULL;
	osip_uri_param_t *tp = NULL;
	char *e;
	long port = 5060;
	int rc = -1;

	memset(h, 0, sizeof(*h));
	*uri_tcp = 0;
	if(!proxy || !*proxy) {
		snprintf(err, err_size, "no proxy given (--proxy or P2PCD_PROXY)");
		return -1;
	}
	if(!strncasecmp(proxy, "sips:", 5)) {
		snprintf(err, err_size, "sips: (TLS) is not supported: use sip:");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s%s",
			strncasecmp(proxy, "sip:", 4) ? "sip:" : "", proxy);
	if(osip_uri_init(&u))
		goto bad;
	if(osip_uri_parse(u, buf) || !u->host || !*u->host
			|| strlen(u->host) >= sizeof(h->host))
		goto bad;
	if(u->port && *u->port) {
		port = strtol(u->port, &e, 10);
		if(*e || port < 1 || port > 65535)
			goto bad;
	}
	if(!osip_uri_uparam_get_byname(u, "transport", &tp) && tp && tp->gvalue) {
		if(!strcasecmp(tp->gvalue, "tcp"))
			*uri_tcp = 1;
		else if(strcasecmp(tp->gvalue, "udp")) {
			snprintf(err, err_size,
					"proxy transport '%s' is not supported: udp or tcp",
					tp->gvalue);
			goto out;
		}
	}
	snprintf(h->host, sizeof(h->host), "%s", u->host);
	snprintf(h->port, sizeof(h->port), "%ld", port);
	rc = 0;
	goto out;
bad:
	snprintf(err, err_size,
			"bad proxy '%s': want host[:port] or "
			"sip:host[:port][;transport=tcp]",
			proxy);
out:
	if(u)
		osip_uri_free(u);
	return rc;
}

static void addr_str(const struct sockaddr_storage *ss, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned port;

	if(ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		port = ntohs(a->sin6_port);
		snprintf(out, size, "[%s]:%u", ip, port);
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		port = ntohs(a->sin_port);
		snprintf(out, size, "%s:%u", ip, port);
	}
}

static int do_bind(
		int fd, int family, const char *bind_addr, char *err, size_t err_size)
{
	struct addrinfo hints, *ai = NULL;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_flags = AI_PASSIVE;
	r = getaddrinfo(bind_addr, NULL, &hints, &ai);
	if(r || !ai) {
		snprintf(err, err_size, "bad bind address '%s' for this proxy: %s",
				bind_addr, r ? gai_strerror(r) : "no address");
		return -1;
	}
	r = bind(fd, ai->ai_addr, ai->ai_addrlen);
	if(r)
		snprintf(err, err_size, "cannot bind to %s: %s", bind_addr,
				strerror(errno));
	freeaddrinfo(ai);
	return r ? -1 : 0;
}

/* a non-blocking connect finished by the deadline; 0 or errno */
static int wait_connect(int fd, long long deadline_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	long long left;
	socklen_t sl = sizeof(int);
	int e = 0, r;

	for(;;) {
		left = deadline_ms - sip_now_ms();
		if(left <= 0)
			return ETIMEDOUT;
		r = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if(r < 0 && errno == EINTR)
			continue;
		if(r < 0)
			return errno;
		if(r == 0)
			continue;
		if(getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl))
			return errno;
		return e;
	}
}

int sip_net_open(const struct sip_hop *h, const char *bind_addr,
		long long deadline_ms, char *local, size_t local_size, char *err,
		size_t err_size)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const char *tn = h->tcp ? "TCP" : "UDP";
	int fd, r, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = h->tcp ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	r = getaddrinfo(h->host, h->port, &hints, &ai);
	if(r || !ai) {
		snprintf(err, err_size, "cannot resolve proxy host '%s': %s", h->host,
				r ? gai_strerror(r) : "no address");
		return -1;
	}
	fd = socket(
			ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if(fd < 0) {
		snprintf(err, err_size, "socket: %s", strerror(errno));
		goto fail;
	}
	if(bind_addr && *bind_addr
			&& do_bind(fd, ai->ai_family, bind_addr, err, err_size))
		goto fail;
	if(connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		e = errno == EINPROGRESS && h->tcp ? wait_connect(fd, deadline_ms)
										   : errno;
		if(e == ETIMEDOUT) {
			snprintf(err, err_size,
					"%s connection to %s port %s timed out: is the proxy "
					"reachable? (--proxy)",
					tn, h->host, h->port);
			goto fail;
		}
		if(e == ECONNREFUSED) {
			snprintf(err, err_size,
					"%s connection to %s port %s refused: nothing listens "
					"there; check --proxy and that the proxy runs",
					tn, h->host, h->port);
			goto fail;
		}
		if(e) {
			snprintf(err, err_size, "cannot reach %s port %s over %s: %s",
					h->host, h->port, tn, strerror(e));
			goto fail;
		}
	}
	if(getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		snprintf(err, err_size, "getsockname: %s", strerror(errno));
		goto fail;
	}
	addr_str(&ss, local, local_size);
	freeaddrinfo(ai);
	return fd;
fail:
	if(fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return -1;
}
