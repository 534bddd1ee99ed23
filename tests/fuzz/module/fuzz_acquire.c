/*
 * libFuzzer: what the module reads from a MESSAGE (content acquisition)
 * without Kamailio: the DOI of the Request-URI user part
 * (p2pcd_doi_unescape) and the JSON body (p2pcd_acq_body_parse). Input:
 * USER-PART '\n' BODY (no '\n': all of it is both). A DOI must come out
 * printable ASCII, at most 128 bytes, NUL-terminated, inside its buffer; a
 * refusal must carry a reason phrase fit for a SIP status line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *why = NULL;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t ulen = nl ? (size_t)(nl - data) : size;
	const char *body = nl ? (const char *)nl + 1 : s;
	size_t blen = nl ? size - ulen - 1 : size;
	/* the module's buffer: P2PCD_DOI_MAX + 2, exact size for ASan */
	char *out = malloc(P2PCD_DOI_MAX + 2);
	long long max_price;
	int n;

	if(out == NULL || ulen > 1 << 16)
		goto done;
	n = p2pcd_doi_unescape(s, (int)ulen, out, P2PCD_DOI_MAX + 2);
	if(n >= 0) {
		if(n == 0 || n > P2PCD_DOI_MAX || out[n] != '\0'
				|| strlen(out) != (size_t)n || !p2pcd_printable(out, n))
			abort();
		/* unescaping never lengthens */
		if((size_t)n > ulen)
			abort();
	}
	if(blen > 0) {
		if(p2pcd_acq_body_parse(body, blen, &max_price, &why) == 0) {
			if(max_price < -1)
				abort();
		} else {
			fuzz_check_reason(why);
			if(max_price != -1)
				abort();
		}
	}
done:
	free(out);
	return 0;
}
