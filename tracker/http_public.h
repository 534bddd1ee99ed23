/*
 * The public listener: one single-threaded epoll libmicrohttpd daemon per
 * worker, all bound to the same port with SO_REUSEPORT so the kernel
 * spreads connections over them.
 */
#ifndef P2PCD_TRACKER_HTTP_PUBLIC_H
#define P2PCD_TRACKER_HTTP_PUBLIC_H

#include <sys/socket.h>

#include "tracker.h"

/* 0, or -1 (logged) if a daemon does not start */
int http_public_start(struct tracker *t);
void http_public_stop(struct tracker *t);

/* parse "ADDR" into a sockaddr with port; 0 or -1 */
int http_sockaddr(const char *addr, uint16_t port, struct sockaddr_storage *ss,
		int *is_v6);

#endif
