/*
 * libFuzzer: the strict .torrent validation of the module
 * (p2pcd_torrent.c) reached the way a PUBLISH reaches it: the input is
 * the raw torrent, base64url-encoded into an otherwise valid PUBLISH body
 * and given to p2pcd_pub_body_parse, so mutations work on bencode, not on
 * base64. Accepted: the stored bytes are the input, the info-hash is the
 * SHA-1 of the info dict's raw bytes, private=1, size within the limit;
 * and p2pcd_torrent_check alone agrees.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "p2pcd/base64url.h"
#include "p2pcd/bencode.h"

#include "common.h"
#include "p2pcd_torrent.h"

#define MAX_SIZE (1LL << 30)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tbuf
{
	unsigned char *p;
	size_t len;
};

static unsigned char *tbuf_get(size_t len, void *ctx)
{
	struct tbuf *t = ctx;

	t->len = len;
	t->p = malloc(len ? len : 1);
	return t->p;
}

static const char head[] =
		"{\"title\":\"T\",\"kid\":\"000102030405060708090a0b0c0d0e"
		"0f\",\"sealed_key\":\"";
static const char mid[] = "\",\"torrent\":\"";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tbuf t = {NULL, 0};
	p2pcd_pubinfo_t *pi;
	unsigned char sealed[64], ih2[20], sha[SHA_DIGEST_LENGTH];
	const struct p2pcd_bnode *info;
	p2pcd_bdoc_t *doc = NULL;
	const char *why = NULL, *why2 = NULL;
	char *body, *p;
	size_t enc, n = 0;
	long long sz2 = 0;
	int ret, ret2;

	if(size == 0 || size > 1 << 20)
		return 0;
	enc = p2pcd_b64url_enc_len(size);
	body = malloc(sizeof(head) + 2 * sizeof(sealed) + sizeof(mid) + enc + 3);
	pi = malloc(sizeof(*pi));
	if(body == NULL || pi == NULL)
		goto out;
	memset(sealed, 0x5a, sizeof(sealed));
	p = body;
	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	if(p2pcd_b64url_encode(sealed, sizeof(sealed), p, 2 * sizeof(sealed)) < 0)
		abort();
	p += p2pcd_b64url_enc_len(sizeof(sealed));
	memcpy(p, mid, sizeof(mid) - 1);
	p += sizeof(mid) - 1;
	if(p2pcd_b64url_encode(data, size, p, enc + 1) < 0)
		abort();
	p += enc;
	memcpy(p, "\"}", 2);
	p += 2;

	ret = p2pcd_pub_body_parse(
			body, p - body, MAX_SIZE, pi, tbuf_get, &t, &n, &why);
	ret2 = p2pcd_torrent_check(data, size, MAX_SIZE, ih2, &sz2, &why2);
	if(ret == 0) {
		if(ret2 != 0 || n != size || n > t.len || memcmp(t.p, data, size))
			abort();
		fuzz_check_pubinfo(pi, MAX_SIZE);
		if(memcmp(pi->ih, ih2, 20) || pi->size != sz2)
			abort();
		/* the info-hash is the SHA-1 of the info dict as sent */
		if(p2pcd_bdecode(data, size, NULL, &doc, NULL) != P2PCD_BENC_OK)
			abort();
		info = p2pcd_bdict_gets(p2pcd_bdoc_root(doc), "info");
		if(info == NULL)
			abort();
		SHA1(info->raw, info->raw_len, sha);
		if(memcmp(sha, pi->ih, 20))
			abort();
		p2pcd_bdoc_free(doc);
	} else {
		if(ret != -1 || ret2 != -1 || why2 == NULL)
			abort();
		fuzz_check_reason(why);
		/* the same refusal reason either way */
		if(strcmp(why, why2) != 0)
			abort();
	}
out:
	free(t.p);
	free(pi);
	free(body);
	return 0;
}
