/*
 * libFuzzer: the container reader (lib/container*.c).
 *
 * Input byte 0 picks a mode:
 *   even: the rest is a container, decrypted under a fixed key in pieces
 *         whose sizes come from byte 1; whatever it accepts must be
 *         released only after authentication (nothing is checked but
 *         memory safety and the API contract);
 *   odd:  the rest is [chunk size][operation][position(2)][plaintext]:
 *         encrypt, corrupt (flip a bit, truncate, duplicate or drop a
 *         range), decrypt. An unchanged container must round-trip; a
 *         changed one must be refused, having released only a prefix of
 *         the plaintext.
 * The CSPRNG is replaced by a deterministic one so runs reproduce.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "p2pcd/container.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* the key of the seed corpus (mkcorpus.sh): bytes 0..31, KID 0xa0.. */
static uint8_t KEY[32];
static uint8_t KID[16];

static uint64_t rng_state;

static const char *rng_name(void)
{
	return "fuzz-deterministic";
}

static uint32_t rng_u32(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng_state >> 32);
}

static void rng_stir(void)
{
}

static void rng_buf(void *p, size_t len)
{
	uint8_t *b = p;
	size_t i;

	for(i = 0; i < len; i++)
		b[i] = (uint8_t)rng_u32();
}

static int rng_close(void)
{
	return 0;
}

static struct randombytes_implementation rng = {
		.implementation_name = rng_name,
		.random = rng_u32,
		.stir = rng_stir,
		.uniform = NULL,
		.buf = rng_buf,
		.close = rng_close,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int i;

	(void)argc;
	(void)argv;
	randombytes_set_implementation(&rng);
	if(sodium_init() < 0)
		abort();
	for(i = 0; i < 32; i++)
		KEY[i] = (uint8_t)i;
	for(i = 0; i < 16; i++)
		KID[i] = (uint8_t)(0xa0 + i);
	return 0;
}

struct buf
{
	uint8_t *p;
	size_t len, cap;
};

static int sink(void *arg, const uint8_t *p, size_t len)
{
	struct buf *b = arg;

	if(b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if(!b->p)
			abort();
	}
	if(len)
		memcpy(b->p + b->len, p, len);
	b->len += len;
	return 0;
}

static enum p2pcd_cont_err decrypt(const uint8_t *c, size_t len, unsigned piece,
		const uint8_t *kid, struct buf *out)
{
	struct p2pcd_cont_dec *d;
	enum p2pcd_cont_err rc = P2PCD_CONT_OK;
	size_t off = 0, n;

	if(p2pcd_container_dec_new(&d, KEY, kid, sink, out))
		abort();
	while(off < len && rc == P2PCD_CONT_OK) {
		n = piece ? piece : len - off;
		if(n > len - off)
			n = len - off;
		rc = p2pcd_container_dec_update(d, c + off, n);
		off += n;
	}
	if(rc == P2PCD_CONT_OK)
		rc = p2pcd_container_dec_final(d);
	/* an error sticks */
	if(rc && p2pcd_container_dec_final(d) != rc)
		abort();
	p2pcd_container_dec_free(d);
	return rc;
}

static void raw_mode(const uint8_t *data, size_t size)
{
	struct p2pcd_cont_header h = {0};
	struct buf out = {0};
	enum p2pcd_cont_err rc;
	unsigned piece;

	if(size < 1)
		return;
	piece = data[0];
	p2pcd_container_header_parse(data + 1, size - 1, &h);
	rc = decrypt(data + 1, size - 1, piece, NULL, &out);
	if(rc == P2PCD_CONT_OK
			&& p2pcd_container_size(out.len, h.chunk_size) != size - 1)
		abort(); /* accepted: its size must be the format's */
	free(out.p);
}

static void roundtrip_mode(const uint8_t *data, size_t size)
{
	struct p2pcd_cont_enc *e;
	struct buf c = {0}, out = {0}, m = {0};
	enum p2pcd_cont_err rc;
	uint32_t cs;
	unsigned op;
	size_t pos, plen, end;
	const uint8_t *pt;

	if(size < 4)
		return;
	cs = 16 + data[0] % 49; /* small chunks: many chunks per input */
	op = data[1] % 5;
	pos = (size_t)data[2] << 8 | data[3];
	pt = data + 4;
	plen = size - 4;
	rng_state = plen; /* the salt depends on the input only */
	if(p2pcd_container_enc_new(&e, KEY, KID, cs, sink, &c)
			|| p2pcd_container_enc_update(e, pt, plen)
			|| p2pcd_container_enc_final(e))
		abort();
	p2pcd_container_enc_free(e);
	if(c.len != p2pcd_container_size(plen, cs))
		abort();
	pos %= c.len;
	switch(op) {
		case 0: /* unchanged */
			sink(&m, c.p, c.len);
			break;
		case 1: /* one bit */
			sink(&m, c.p, c.len);
			m.p[pos] ^= (uint8_t)(1u << (data[1] / 5 % 8));
			break;
		case 2: /* truncated */
			sink(&m, c.p, pos);
			break;
		case 3: /* a range duplicated */
			end = pos + 1 + data[0] % 64;
			if(end > c.len)
				end = c.len;
			sink(&m, c.p, end);
			sink(&m, c.p + pos, end - pos);
			sink(&m, c.p + end, c.len - end);
			break;
		default: /* a range dropped */
			end = pos + 1 + data[0] % 64;
			if(end > c.len)
				end = c.len;
			sink(&m, c.p, pos);
			sink(&m, c.p + end, c.len - end);
			break;
	}
	rc = decrypt(m.p, m.len, data[1], KID, &out);
	if(m.len == c.len && memcmp(m.p, c.p, c.len) == 0) {
		if(rc != P2PCD_CONT_OK || out.len != plen
				|| (plen && memcmp(out.p, pt, plen)))
			abort();
	} else {
		/* changed: refused, and only an authentic prefix released */
		if(rc == P2PCD_CONT_OK || out.len > plen
				|| (out.len && memcmp(out.p, pt, out.len)) || out.len % cs)
			abort();
	}
	free(c.p);
	free(m.p);
	free(out.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if(size < 1)
		return 0;
	if(data[0] % 2 == 0)
		raw_mode(data + 1, size - 1);
	else
		roundtrip_mode(data + 1, size - 1);
	return 0;
}
