/*
 * libFuzzer target: the announce and scrape query parser with arbitrary
 * bytes, as a client can send them after '?'. Checks the invariants the
 * tracker relies on: a parsed announce has exactly one info-hash and a
 * non-zero port; a refusal always has a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	return 0;
}
