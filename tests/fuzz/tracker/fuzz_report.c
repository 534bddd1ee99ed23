/*
 * libFuzzer target: the body parser of bad-piece reports (POST
 * /report/TOKEN, tracker/tamper_req.h) with arbitrary bytes. Invariants
 * the tracker relies on: an accepted report has an IPv4 or IPv6 address,
 * a non-zero port, a count of 1..TREQ_MAX_COUNT and a piece of -1 or
 * more; a refusal always has a reason; nothing past the body is read.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tamper_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct treq r;
	const char *why = NULL;
	char *copy = malloc(size ? size : 1); /* exact size: ASan sees overreads */

	if(!copy)
		return 0;
	memcpy(copy, data, size);
	if(treq_parse(copy, size, &r, &why) == 0) {
		if(why || (r.ip_len != 4 && r.ip_len != 16) || r.port == 0
				|| r.count < 1 || r.count > TREQ_MAX_COUNT || r.piece < -1
				|| size > TREQ_MAX_BODY)
			abort();
	} else if(!why || r.ip_len != 0) {
		abort();
	}
	free(copy);
	return 0;
}
