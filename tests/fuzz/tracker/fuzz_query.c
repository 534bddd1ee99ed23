/*
 * libFuzzer target: the announce and scrape query parser with arbitrary
 * bytes, as a client can send them after '?'. Checks the invariants the
 * tracker relies on: a parsed announce has exactly one info-hash and a
 * non-zero port; a refusal always has a reason. The same bytes as a
 * Connection header value: a "close" token appended always closes an
 * HTTP/1.1 connection, a "keep-alive" token always keeps an HTTP/1.0 one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "close_reply.h"
#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the closing decision on data as a header value (NUL-terminated, as
 * libmicrohttpd gives it) */
static void connection_header(const uint8_t *data, size_t size)
{
	char *v = malloc(size + 16);

	if(!v)
		return;
	memcpy(v, data, size);
	v[size] = '\0';
	(void)close_reply_wanted("HTTP/1.1", v);
	(void)close_reply_wanted("HTTP/1.0", v);
	strcat(v, ", close");
	if(!close_reply_wanted("HTTP/1.1", v))
		abort();
	v[strlen(v) - strlen(", close")] = '\0';
	strcat(v, ",keep-alive");
	if(close_reply_wanted("HTTP/1.0", v))
		abort();
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tq t;
	const char *why;
	uint8_t out[64];

	if(tq_parse((const char *)data, size, TQ_ANNOUNCE, &t, &why) == 0) {
		if(t.n_info_hash != 1 || t.port == 0)
			abort();
	} else if(!why) {
		abort();
	}
	if(tq_parse((const char *)data, size, TQ_SCRAPE, &t, &why) == 0) {
		if(t.n_info_hash > TQ_MAX_SCRAPE)
			abort();
	} else if(!why) {
		abort();
	}
	(void)tq_pct_decode((const char *)data, size, out, sizeof(out));
	connection_header(data, size);
	return 0;
}
