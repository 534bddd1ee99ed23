/*
 * Announce and scrape: admission, catalog state, swarm update, bencoded
 * reply. No I/O and no database: the HTTP glue (http_public.c) hands in
 * the parsed query and the peer's socket address and sends what comes out.
 */
#ifndef P2PCD_TRACKER_ANNOUNCE_H
#define P2PCD_TRACKER_ANNOUNCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "query.h"
#include "tracker.h"

struct request_in
{
	enum tq_kind kind;
	const char *token;
	size_t token_len;
	const struct tq *q;		 /* NULL when the query did not parse */
	const char *parse_error; /* the parser's reason then */
	const struct sockaddr *peer;
};

/* the reply body, malloc()ed (caller frees); NULL only when out of memory */
uint8_t *tracker_handle(
		struct worker *w, const struct request_in *in, size_t *len);

/* a bencoded failure reply (BEP 3 + BEP 31) */
uint8_t *failure_reply(
		enum refusal r, const char *detail, int retry_minutes, size_t *len);

#endif
