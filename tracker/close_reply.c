/* A reply with its FIN, on a connection that closes: see close_reply.h. */
#include "close_reply.h"

#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "p2pcd/decimal.h"

#define HEAD                       \
	"HTTP/1.1 200 OK\r\n"          \
	"Connection: close\r\n"        \
	"Content-Type: text/plain\r\n" \
	"Content-Length: "

/* tok, case-insensitive, as one of the comma-separated tokens of v */
static int has_token(const char *v, const char *tok)
{
	size_t n = strlen(tok), len;
	const char *end;

	while(v && *v) {
		while(*v == ' ' || *v == '\t' || *v == ',')
			v++;
		end = strchr(v, ',');
		len = end ? (size_t)(end - v) : strlen(v);
		while(len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		if(len == n && strncasecmp(v, tok, n) == 0)
			return 1;
		v = end;
	}
	return 0;
}

int close_reply_wanted(const char *version, const char *conn)
{
	if(strcmp(version, "HTTP/1.1") == 0)
		return has_token(conn, "close");
	if(strcmp(version, "HTTP/1.0") == 0)
		return !has_token(conn, "keep-alive");
	return 0;
}

int close_reply_send(int fd, const uint8_t *body, size_t len)
{
	char buf[CLOSE_REPLY_MAX];
	size_t head = sizeof(HEAD) - 1;
	ssize_t sent;

	if(len > sizeof(buf) - head - P2PCD_DEC_I64_MAX - 4)
		return 1;
	memcpy(buf, HEAD, head);
	head += p2pcd_dec_i64((int64_t)len, buf + head);
	memcpy(buf + head, "\r\n\r\n", 4);
	head += 4;
	memcpy(buf + head, body, len);
	/* MSG_MORE holds the segment back; shutdown() then sets the FIN on
	 * it and sends both at once */
	sent = send(fd, buf, head + len, MSG_NOSIGNAL | MSG_DONTWAIT | MSG_MORE);
	shutdown(fd, SHUT_WR);
	return sent == (ssize_t)(head + len) ? 0 : -1;
}
