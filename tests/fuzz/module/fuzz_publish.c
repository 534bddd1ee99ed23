/*
 * libFuzzer: the PUBLISH body (content injection) as the module checks it
 * without Kamailio, p2pcd_pub_body_parse: JSON members, title, price,
 * currency, rights, kid, fingerprint, sealed key, and the torrent through
 * p2pcd_torrent_check. The torrent buffer is allocated at exactly the size
 * asked for (ASan sees any overrun); an accepted publication must be what
 * the SQL of p2pcd_publish.c can store (common.h); a refusal must carry a
 * reason fit for "400 Bad Publication: ...".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define MAX_SIZE (4LL << 30)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tbuf
{
	unsigned char *p;
	size_t len;
	int calls;
};

static unsigned char *tbuf_get(size_t len, void *ctx)
{
	struct tbuf *t = ctx;

	t->calls++;
	t->len = len;
	t->p = malloc(len ? len : 1);
	return t->p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tbuf t = {NULL, 0, 0};
	p2pcd_pubinfo_t *pi = malloc(sizeof(*pi));
	const char *why = NULL;
	size_t n = 0;
	int ret;

	if(pi == NULL)
		return 0;
	ret = p2pcd_pub_body_parse(
			(const char *)data, size, MAX_SIZE, pi, tbuf_get, &t, &n, &why);
	if(t.calls > 1 || (ret == -2))
		abort();
	if(ret == 0) {
		if(t.calls != 1 || n == 0 || n > t.len || why != NULL)
			abort();
		fuzz_check_pubinfo(pi, MAX_SIZE);
	} else {
		if(ret != -1)
			abort();
		fuzz_check_reason(why);
	}
	free(t.p);
	free(pi);
	return 0;
}
