/*
 * An announce or scrape answer on a connection that closes after it,
 * written on the socket by the tracker itself, its FIN in the same
 * segment as the reply. libmicrohttpd 0.9.75 sends the reply, sets
 * TCP_NODELAY (which pushes it) and only then closes: one more system
 * call and two more packets per connection (docs/tracker.md, Measured).
 */
#ifndef P2PCD_TRACKER_CLOSE_REPLY_H
#define P2PCD_TRACKER_CLOSE_REPLY_H

#include <stddef.h>
#include <stdint.h>

/* the largest answer (status line, headers and body) sent this way;
 * larger ones go through libmicrohttpd */
#define CLOSE_REPLY_MAX 2048

/*
 * 1 if libmicrohttpd would close the connection after this request's
 * reply: HTTP/1.1 with a "close" token in Connection, or HTTP/1.0
 * without "keep-alive" (RFC 9112 section 9.3). conn may be NULL.
 */
int close_reply_wanted(const char *version, const char *conn);

/*
 * Writes "200 OK", text/plain, body on fd and shuts its sending side.
 * 0 when all of it is in the socket; 1 when it does not fit
 * CLOSE_REPLY_MAX (nothing written: answer through libmicrohttpd);
 * -1 when the socket took less than all (the connection is to be
 * closed).
 */
int close_reply_send(int fd, const uint8_t *body, size_t len);

#endif
