/*
 * Every kind of container corruption is refused with its own error, the
 * file API leaves no output file behind (nor touches an existing one), and
 * the push API releases only authentic plaintext (a prefix of the
 * original, at chunk boundaries).
 */
#include "drm_testutil.h"

#include "p2pcd/container.h"

#define CS 1024u
#define REC (CS + P2PCD_CONT_TAG_LEN)
#define HDR P2PCD_CONT_HEADER_LEN
#define PT_LEN (4 * CS + 300) /* four full chunks and a short final one */
#define REC_OFF(i) (HDR + (size_t)(i)*REC)

static const uint8_t KEY[32] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 1, 2, 3, 4, 5, 6, 7, 8,
		9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t KID[16] = {
		0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0};

static uint8_t *pt;
static struct buf good; /* the valid container of pt */

static void encrypt(const uint8_t *p, size_t len, uint32_t cs, struct buf *out)
{
	struct p2pcd_cont_enc *e;

	assert_int_equal(
			p2pcd_container_enc_new(&e, KEY, KID, cs, buf_sink, out), 0);
	assert_int_equal(p2pcd_container_enc_update(e, p, len), 0);
	assert_int_equal(p2pcd_container_enc_final(e), 0);
	p2pcd_container_enc_free(e);
}

static int setup(void **state)
{
	(void)state;
	pt = rnd_bytes(PT_LEN, 7);
	memset(&good, 0, sizeof(good));
	encrypt(pt, PT_LEN, CS, &good);
	assert_int_equal(good.len, REC_OFF(4) + 300 + P2PCD_CONT_TAG_LEN);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	buf_free(&good);
	free(pt);
	return 0;
}

/* push API: the error, and what was released is authentic */
static enum p2pcd_cont_err dec_push(const uint8_t *c, size_t len,
		const uint8_t *key, const uint8_t *kid, const uint8_t *orig,
		size_t orig_len)
{
	struct p2pcd_cont_dec *d;
	struct buf out = {0};
	enum p2pcd_cont_err rc;

	assert_int_equal(p2pcd_container_dec_new(&d, key, kid, buf_sink, &out), 0);
	rc = p2pcd_container_dec_update(d, c, len);
	if(rc == P2PCD_CONT_OK)
		rc = p2pcd_container_dec_final(d);
	p2pcd_container_dec_free(d);
	assert_true(out.len <= orig_len);
	if(rc != P2PCD_CONT_OK)
		assert_true(out.len % CS == 0 || orig_len < CS);
	if(out.len)
		assert_memory_equal(out.p, orig, out.len);
	buf_free(&out);
	return rc;
}

/* file API: the error, and no output file left behind */
static enum p2pcd_cont_err dec_file(
		const uint8_t *c, size_t len, const uint8_t *key, const uint8_t *kid)
{
	char *dir = tmpdir_new(), in[256], out[256];
	enum p2pcd_cont_err rc;
	uint64_t n;

	snprintf(in, sizeof(in), "%s/in.p2pcd", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	write_file(in, c, len);
	rc = p2pcd_container_decrypt_file(in, out, key, kid, &n);
	if(rc != P2PCD_CONT_OK) {
		assert_false(file_exists(out));
		assert_int_equal(dir_entries(dir), 1); /* no temporary file */
	}
	tmpdir_free(dir);
	return rc;
}

/* both APIs agree on the error; returns it */
static enum p2pcd_cont_err check(
		const uint8_t *c, size_t len, const uint8_t *key, const uint8_t *kid)
{
	enum p2pcd_cont_err a = dec_push(c, len, key, kid, pt, PT_LEN);
	enum p2pcd_cont_err b = dec_file(c, len, key, kid);

	assert_int_equal(a, b);
	return a;
}

static void expect(const char *what, const uint8_t *c, size_t len,
		enum p2pcd_cont_err want)
{
	enum p2pcd_cont_err got = check(c, len, KEY, KID);

	if(got != want)
		fail_msg("%s: got %d (%s), want %d (%s)", what, got,
				p2pcd_container_strerror(got), want,
				p2pcd_container_strerror(want));
}

static void test_valid(void **state)
{
	(void)state;
	expect("valid", good.p, good.len, P2PCD_CONT_OK);
}

static void test_truncate(void **state)
{
	(void)state;
	expect("last byte cut", good.p, good.len - 1, P2PCD_CONT_E_AUTH);
	expect("final tag cut", good.p, good.len - 16, P2PCD_CONT_E_AUTH);
	expect("inside chunk 2", good.p, REC_OFF(2) + 500, P2PCD_CONT_E_AUTH);
	expect("inside chunk 0", good.p, REC_OFF(0) + 17, P2PCD_CONT_E_AUTH);
	expect("final chunk dropped", good.p, REC_OFF(4), P2PCD_CONT_E_TRUNCATED);
	expect("at chunk boundary 2", good.p, REC_OFF(2), P2PCD_CONT_E_TRUNCATED);
	expect("less than a tag after a chunk", good.p, REC_OFF(3) + 15,
			P2PCD_CONT_E_TRUNCATED);
	expect("header only", good.p, HDR, P2PCD_CONT_E_TRUNCATED);
	expect("inside header", good.p, HDR - 1, P2PCD_CONT_E_SHORT_HEADER);
	expect("magic only", good.p, 8, P2PCD_CONT_E_SHORT_HEADER);
	expect("empty file", good.p, 0, P2PCD_CONT_E_SHORT_HEADER);
}

static void test_every_truncation(void **state)
{
	size_t n;

	(void)state;
	for(n = 0; n < good.len; n++)
		assert_int_not_equal(dec_push(good.p, n, KEY, KID, pt, PT_LEN), 0);
}

/* a copy of good with records rearranged: order lists record indexes */
static void rearrange(const int *order, size_t n, struct buf *out)
{
	size_t i, len;

	out->len = 0;
	buf_sink(out, good.p, HDR);
	for(i = 0; i < n; i++) {
		len = order[i] == 4 ? good.len - REC_OFF(4) : REC;
		buf_sink(out, good.p + REC_OFF(order[i]), len);
	}
}

static void test_reorder(void **state)
{
	static const int drop[] = {0, 2, 3, 4}, swap[] = {0, 2, 1, 3, 4},
					 dup[] = {0, 1, 1, 2, 3, 4}, repl[] = {0, 1, 1, 3, 4},
					 same[] = {0, 1, 2, 3, 4}, nofinal_dup[] = {0, 1, 2, 3, 3};
	struct buf b = {0};

	(void)state;
	rearrange(same, 5, &b);
	expect("identity", b.p, b.len, P2PCD_CONT_OK);
	rearrange(drop, 4, &b);
	expect("chunk 1 dropped", b.p, b.len, P2PCD_CONT_E_AUTH);
	rearrange(swap, 5, &b);
	expect("chunks 1 and 2 swapped", b.p, b.len, P2PCD_CONT_E_AUTH);
	rearrange(dup, 6, &b);
	expect("chunk 1 duplicated", b.p, b.len, P2PCD_CONT_E_AUTH);
	rearrange(repl, 5, &b);
	expect("chunk 2 replaced by chunk 1", b.p, b.len, P2PCD_CONT_E_AUTH);
	rearrange(nofinal_dup, 5, &b);
	expect("final replaced by a copy of chunk 3", b.p, b.len,
			P2PCD_CONT_E_AUTH);
	buf_free(&b);
}

static void flip(struct buf *b, size_t off, int bit)
{
	b->len = 0;
	buf_sink(b, good.p, good.len);
	b->p[off] ^= (uint8_t)(1u << bit);
}

static void test_bit_flips(void **state)
{
	struct buf b = {0};

	(void)state;
	flip(&b, 0, 0);
	expect("magic", b.p, b.len, P2PCD_CONT_E_MAGIC);
	flip(&b, 8, 1);
	expect("version", b.p, b.len, P2PCD_CONT_E_VERSION);
	flip(&b, 9, 7);
	expect("suite", b.p, b.len, P2PCD_CONT_E_VERSION);
	flip(&b, 11, 0);
	expect("flags", b.p, b.len, P2PCD_CONT_E_HEADER);
	flip(&b, 12, 7);
	expect("chunk size out of range", b.p, b.len, P2PCD_CONT_E_HEADER);
	flip(&b, 14, 0);
	expect("chunk size in range", b.p, b.len, P2PCD_CONT_E_KEY);
	flip(&b, 20, 3);
	expect("KID", b.p, b.len, P2PCD_CONT_E_KID);
	assert_int_equal(check(b.p, b.len, KEY, NULL), P2PCD_CONT_E_KEY);
	flip(&b, 40, 5);
	expect("salt (nonce source)", b.p, b.len, P2PCD_CONT_E_KEY);
	flip(&b, 95, 0);
	expect("key commitment", b.p, b.len, P2PCD_CONT_E_KEY);
	flip(&b, REC_OFF(0), 0);
	expect("ciphertext chunk 0", b.p, b.len, P2PCD_CONT_E_AUTH);
	flip(&b, REC_OFF(3) + 700, 6);
	expect("ciphertext chunk 3", b.p, b.len, P2PCD_CONT_E_AUTH);
	flip(&b, REC_OFF(4) + 1, 2);
	expect("ciphertext final chunk", b.p, b.len, P2PCD_CONT_E_AUTH);
	flip(&b, REC_OFF(1) + CS + 3, 4);
	expect("tag chunk 1", b.p, b.len, P2PCD_CONT_E_AUTH);
	flip(&b, good.len - 1, 7);
	expect("tag final chunk", b.p, b.len, P2PCD_CONT_E_AUTH);
	buf_free(&b);
}

/* every bit of a small multi-chunk container */
static void test_every_bit(void **state)
{
	uint8_t small_pt[50];
	struct buf c = {0};
	size_t i;
	int bit;

	(void)state;
	for(i = 0; i < sizeof(small_pt); i++)
		small_pt[i] = (uint8_t)i;
	encrypt(small_pt, sizeof(small_pt), 16, &c);
	for(i = 0; i < c.len; i++)
		for(bit = 0; bit < 8; bit++) {
			c.p[i] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(
					dec_push(c.p, c.len, KEY, NULL, small_pt, sizeof(small_pt)),
					0);
			c.p[i] ^= (uint8_t)(1u << bit);
		}
	assert_int_equal(
			dec_push(c.p, c.len, KEY, NULL, small_pt, sizeof(small_pt)), 0);
	buf_free(&c);
}

static void test_append(void **state)
{
	struct buf b = {0};

	(void)state;
	buf_sink(&b, good.p, good.len);
	buf_sink(&b, (const uint8_t *)"\0", 1);
	expect("1 byte appended", b.p, b.len, P2PCD_CONT_E_AUTH);
	buf_sink(&b, good.p + HDR, 15);
	expect("16 bytes appended", b.p, b.len, P2PCD_CONT_E_AUTH);
	b.len = 0;
	buf_sink(&b, good.p, good.len);
	buf_sink(&b, good.p + REC_OFF(0), REC);
	expect("a whole record appended", b.p, b.len, P2PCD_CONT_E_AUTH);
	buf_free(&b);
}

static void test_wrong_key_kid(void **state)
{
	uint8_t key[32], kid[16];

	(void)state;
	memcpy(key, KEY, 32);
	key[31] ^= 1;
	assert_int_equal(check(good.p, good.len, key, KID), P2PCD_CONT_E_KEY);
	assert_int_equal(check(good.p, good.len, key, NULL), P2PCD_CONT_E_KEY);
	memcpy(kid, KID, 16);
	kid[0] ^= 0x80;
	assert_int_equal(check(good.p, good.len, KEY, kid), P2PCD_CONT_E_KID);
	assert_int_equal(check(good.p, good.len, KEY, NULL), P2PCD_CONT_OK);
}

static void test_spliced_header(void **state)
{
	struct buf other = {0}, b = {0};

	(void)state;
	/* same key and KID, another file: its header on our chunks */
	encrypt(pt, PT_LEN, CS, &other);
	buf_sink(&b, other.p, HDR);
	buf_sink(&b, good.p + HDR, good.len - HDR);
	expect("header of another file", b.p, b.len, P2PCD_CONT_E_AUTH);
	buf_free(&other);
	buf_free(&b);
}

static void test_exact_multiple(void **state)
{
	struct buf c = {0};

	(void)state;
	/* 2 full chunks and an empty final one */
	encrypt(pt, 2 * CS, CS, &c);
	assert_int_equal(c.len, REC_OFF(2) + P2PCD_CONT_TAG_LEN);
	assert_int_equal(dec_push(c.p, c.len, KEY, KID, pt, 2 * CS), 0);
	assert_int_equal(
			dec_push(c.p, c.len - P2PCD_CONT_TAG_LEN, KEY, KID, pt, 2 * CS),
			P2PCD_CONT_E_TRUNCATED);
	c.p[c.len - 1] ^= 1;
	assert_int_equal(
			dec_push(c.p, c.len, KEY, KID, pt, 2 * CS), P2PCD_CONT_E_AUTH);
	buf_free(&c);
}

static void test_existing_output_kept(void **state)
{
	char *dir = tmpdir_new(), in[256], out[256];
	uint8_t *got;
	size_t len;

	(void)state;
	snprintf(in, sizeof(in), "%s/in.p2pcd", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	write_file(in, good.p, good.len - 1);
	write_file(out, (const uint8_t *)"old", 3);
	assert_int_equal(p2pcd_container_decrypt_file(in, out, KEY, KID, NULL),
			P2PCD_CONT_E_AUTH);
	got = read_file(out, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(got, "old", 3);
	free(got);
	assert_int_equal(dir_entries(dir), 2);
	tmpdir_free(dir);
}

static void test_not_a_container(void **state)
{
	(void)state;
	expect("mp4",
			(const uint8_t *)"\0\0\0\x20"
							 "ftypisom",
			12, P2PCD_CONT_E_MAGIC);
	expect("text", (const uint8_t *)"hello", 5, P2PCD_CONT_E_MAGIC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_valid),
			cmocka_unit_test(test_truncate),
			cmocka_unit_test(test_every_truncation),
			cmocka_unit_test(test_reorder),
			cmocka_unit_test(test_bit_flips),
			cmocka_unit_test(test_every_bit),
			cmocka_unit_test(test_append),
			cmocka_unit_test(test_wrong_key_kid),
			cmocka_unit_test(test_spliced_header),
			cmocka_unit_test(test_exact_multiple),
			cmocka_unit_test(test_existing_output_kept),
			cmocka_unit_test(test_not_a_container),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
