/*
 * libFuzzer target: the license service's ClearKey request parser with
 * arbitrary bodies, and the token kid decoder. Invariants the service
 * relies on: an accepted request has 1..LREQ_MAX_KIDS distinct KIDs; a
 * refusal always has a reason for the client.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "license_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lreq r;
	const char *why = NULL;
	uint8_t kid[16];
	size_t i, k;

	if(lreq_parse((const char *)data, size, &r, &why) == 0) {
		if(why || r.n_kids == 0 || r.n_kids > LREQ_MAX_KIDS)
			abort();
		for(i = 0; i < r.n_kids; i++)
			for(k = 0; k < i; k++)
				if(memcmp(r.kids[i], r.kids[k], 16) == 0)
					abort();
	} else if(!why || r.n_kids != 0) {
		abort();
	}
	(void)lreq_kid_decode((const char *)data, size, kid);
	return 0;
}
