/*
 * libFuzzer: arbitrary bytes as what the SIP UAC receives for a request
 * it sent (client/sip_*.c): TCP framing, matching by Via branch and CSeq
 * method, reading the final response (headers, Call-Info), and answering
 * a 401/407 challenge with digest credentials. Nothing may crash, leak
 * or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_int.h"

#define BRANCH "z9hG4bKfuzzbranch0001"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const char *buf, size_t len)
{
	osip_message_t *m = NULL;
	struct sip_resp r;
	const char *name;
	char *v = NULL, err[256];
	int stale;

	if(sip_resp_match(buf, len, BRANCH, "MESSAGE", &m) != 1)
		return;
	if(m->status_code == 401 || m->status_code == 407) {
		if(!sip_digest_answer(m, "MESSAGE", "sip:10.9999/x@content.ims.test",
				   "bob", "secret", &name, &v, &stale, err, sizeof(err))
				&& (!v || !name))
			abort();
		free(v);
	}
	if(sip_resp_fill(&r, m))
		return; /* freed m */
	(void)sip_resp_header(&r, "SIP-ETag");
	(void)sip_resp_header(&r, "Event");
	free(sip_resp_call_info(&r, "p2pcd-grant"));
	free(sip_resp_call_info(&r, "p2pcd-content"));
	sip_resp_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	long fl;

	/* as one UDP datagram */
	one(p, size);
	/* as a TCP stream: every complete message in it */
	while(size) {
		fl = sip_frame_len(p, size);
		if(fl <= 0)
			break;
		if((size_t)fl > size)
			abort();
		one(p, (size_t)fl);
		p += fl;
		size -= (size_t)fl;
	}
	return 0;
}
