/* Strict bencode parser and canonical encoder. */
#include "testutil.h"

#include "p2pcd/bencode.h"

#define S(lit) (const uint8_t *)(lit), sizeof(lit) - 1

static p2pcd_bdoc_t *parse_ok(const uint8_t *buf, size_t len)
{
	p2pcd_bdoc_t *doc = NULL;
	struct p2pcd_benc_error err;

	if(p2pcd_bdecode(buf, len, NULL, &doc, &err) != P2PCD_BENC_OK)
		fail_msg("unexpected parse error: %s", err.msg);
	assert_non_null(doc);
	assert_int_equal(err.code, P2PCD_BENC_OK);
	return doc;
}

static void test_scalars(void **state)
{
	p2pcd_bdoc_t *doc;
	const struct p2pcd_bnode *n;
	const uint8_t *p;
	size_t len;
	int64_t v;
	static const struct
	{
		const char *in;
		int64_t want;
	} ints[] = {
			{"i0e", 0},
			{"i42e", 42},
			{"i-1e", -1},
			{"i-10e", -10},
			{"i9223372036854775807e", INT64_MAX},
			{"i-9223372036854775808e", INT64_MIN},
	};
	size_t i;

	(void)state;
	for(i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		doc = parse_ok((const uint8_t *)ints[i].in, strlen(ints[i].in));
		n = p2pcd_bdoc_root(doc);
		assert_int_equal(p2pcd_bnode_type(n), P2PCD_BT_INT);
		assert_int_equal(p2pcd_bnode_int(n, &v), 0);
		assert_true(v == ints[i].want);
		assert_int_equal(p2pcd_bnode_str(n, &p, &len), -1);
		assert_int_equal(p2pcd_bnode_len(n), 0);
		p2pcd_bdoc_free(doc);
	}

	doc = parse_ok(S("0:"));
	assert_int_equal(p2pcd_bnode_str(p2pcd_bdoc_root(doc), &p, &len), 0);
	assert_int_equal(len, 0);
	p2pcd_bdoc_free(doc);

	/* binary string with a NUL points into the input (zero copy) */
	{
		static const uint8_t in[] = "5:a\0b:c";
		doc = parse_ok(in, sizeof(in) - 1);
		n = p2pcd_bdoc_root(doc);
		assert_int_equal(p2pcd_bnode_str(n, &p, &len), 0);
		assert_int_equal(len, 5);
		assert_ptr_equal(p, in + 2);
		assert_memory_equal(p, "a\0b:c", 5);
		assert_int_equal(p2pcd_bnode_int(n, &v), -1);
		assert_ptr_equal(n->raw, in);
		assert_int_equal(n->raw_len, 7);
		p2pcd_bdoc_free(doc);
	}
}

static void test_containers(void **state)
{
	static const uint8_t in[] =
			"d1:ai1e2:bbl4:spami-3eld0:0:eee3:cowd0:lee1:k4:\x00\x01\x02\x03"
			"e";
	p2pcd_bdoc_t *doc;
	const struct p2pcd_bnode *root, *l, *inner, *k, *v;
	const uint8_t *p;
	size_t len;
	int64_t i64;

	(void)state;
	doc = parse_ok(in, sizeof(in) - 1);
	root = p2pcd_bdoc_root(doc);
	assert_int_equal(p2pcd_bnode_type(root), P2PCD_BT_DICT);
	assert_int_equal(p2pcd_bnode_len(root), 4);
	assert_int_equal(p2pcd_bdoc_nodes(doc), 17);

	assert_int_equal(p2pcd_bdict_get_int(root, "a", &i64), 0);
	assert_int_equal(i64, 1);
	assert_int_equal(p2pcd_bdict_get_str(root, "a", &p, &len), -1);
	assert_null(p2pcd_bdict_gets(root, "zz"));
	assert_null(p2pcd_bdict_gets(root, ""));
	assert_null(p2pcd_bdict_get(root, "b", 1)); /* prefix of "bb" */
	assert_null(p2pcd_blist_at(root, 0));		/* dict is no list */

	l = p2pcd_bdict_gets(root, "bb");
	assert_int_equal(p2pcd_bnode_type(l), P2PCD_BT_LIST);
	assert_int_equal(p2pcd_bnode_len(l), 3);
	assert_int_equal(p2pcd_bnode_str(p2pcd_blist_at(l, 0), &p, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(p, "spam", 4);
	assert_int_equal(p2pcd_bnode_int(p2pcd_blist_at(l, 1), &i64), 0);
	assert_int_equal(i64, -3);
	inner = p2pcd_blist_at(l, 2);
	assert_int_equal(p2pcd_bnode_len(inner), 1);
	/* an empty key is a valid key */
	v = p2pcd_bdict_get(p2pcd_blist_at(inner, 0), "", 0);
	assert_int_equal(p2pcd_bnode_str(v, &p, &len), 0);
	assert_int_equal(len, 0);
	assert_null(p2pcd_blist_at(l, 3));
	assert_null(p2pcd_bdict_gets(l, "x")); /* list is no dict */

	/* raw span of a nested value is its exact bytes in the input */
	assert_int_equal(p2pcd_bnode_raw(l, &p, &len), 0);
	assert_int_equal(len, strlen("l4:spami-3eld0:0:eee"));
	assert_memory_equal(p, "l4:spami-3eld0:0:eee", len);
	assert_ptr_equal(p, in + 11);

	/* binary-safe key lookup, and the pairs in order */
	v = p2pcd_bdict_get(root, "k", 1);
	assert_int_equal(p2pcd_bnode_str(v, &p, &len), 0);
	assert_memory_equal(p, "\x00\x01\x02\x03", 4);
	assert_int_equal(p2pcd_bdict_entry(root, 2, &k, &v), 0);
	assert_int_equal(p2pcd_bnode_str(k, &p, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(p, "cow", 3);
	assert_int_equal(p2pcd_bnode_type(v), P2PCD_BT_DICT);
	assert_int_equal(p2pcd_bdict_entry(root, 4, &k, &v), -1);

	/* NULL-safety of the accessors */
	assert_null(p2pcd_bdict_gets(NULL, "a"));
	assert_int_equal(p2pcd_bnode_int(NULL, &i64), -1);
	assert_int_equal(p2pcd_bnode_len(NULL), 0);
	assert_null(p2pcd_bdoc_root(NULL));
	p2pcd_bdoc_free(doc);
	p2pcd_bdoc_free(NULL);
}

static void test_dict_binary_keys(void **state)
{
	/* raw byte order: 0x00 < "a" < 0xff, shorter first on a prefix */
	static const uint8_t in[] = "d1:\x00i0e1:ai1e2:aai2e1:\xffi3ee";
	p2pcd_bdoc_t *doc;
	int64_t v;

	(void)state;
	doc = parse_ok(in, sizeof(in) - 1);
	assert_int_equal(
			p2pcd_bnode_int(
					p2pcd_bdict_get(p2pcd_bdoc_root(doc), "\x00", 1), &v),
			0);
	assert_int_equal(v, 0);
	assert_int_equal(
			p2pcd_bnode_int(
					p2pcd_bdict_get(p2pcd_bdoc_root(doc), "\xff", 1), &v),
			0);
	assert_int_equal(v, 3);
	assert_int_equal(p2pcd_bdict_get_int(p2pcd_bdoc_root(doc), "aa", &v), 0);
	assert_int_equal(v, 2);
	p2pcd_bdoc_free(doc);
}

struct reject
{
	const char *in;
	size_t len; /* 0: strlen */
	enum p2pcd_benc_err code;
	size_t off;
};

static void test_rejections(void **state)
{
	static const struct reject r[] = {
			/* integers */
			{"i01e", 0, P2PCD_BENC_E_INT_NONCANON, 1},
			{"i00e", 0, P2PCD_BENC_E_INT_NONCANON, 1},
			{"i-0e", 0, P2PCD_BENC_E_INT_NONCANON, 2},
			{"i-01e", 0, P2PCD_BENC_E_INT_NONCANON, 2},
			{"ie", 0, P2PCD_BENC_E_INT_SYNTAX, 1},
			{"i-e", 0, P2PCD_BENC_E_INT_SYNTAX, 2},
			{"i+1e", 0, P2PCD_BENC_E_INT_SYNTAX, 1},
			{"i 1e", 0, P2PCD_BENC_E_INT_SYNTAX, 1},
			{"i1.5e", 0, P2PCD_BENC_E_INT_SYNTAX, 2},
			{"i--1e", 0, P2PCD_BENC_E_INT_SYNTAX, 2},
			{"i9223372036854775808e", 0, P2PCD_BENC_E_INT_OVERFLOW, 0},
			{"i-9223372036854775809e", 0, P2PCD_BENC_E_INT_OVERFLOW, 0},
			{"i99999999999999999999e", 0, P2PCD_BENC_E_INT_OVERFLOW, 0},
			{"li1ei18446744073709551616ee", 0, P2PCD_BENC_E_INT_OVERFLOW, 4},
			/* strings */
			{"01:a", 0, P2PCD_BENC_E_STR_LEN, 0},
			{"00:", 0, P2PCD_BENC_E_STR_LEN, 0},
			{"1a:a", 0, P2PCD_BENC_E_STR_LEN, 1},
			{"-1:a", 0, P2PCD_BENC_E_BAD_TYPE, 0},
			{"5:abcd", 0, P2PCD_BENC_E_STR_RANGE, 0},
			{"1:", 0, P2PCD_BENC_E_STR_RANGE, 0},
			{"l3:ae", 0, P2PCD_BENC_E_STR_RANGE, 1},
			{"18446744073709551617:x", 0, P2PCD_BENC_E_STR_RANGE, 0},
			/* dicts */
			{"d1:bi1e1:ai2ee", 0, P2PCD_BENC_E_KEY_ORDER, 7},
			{"d2:abi1e1:ai2ee", 0, P2PCD_BENC_E_KEY_ORDER, 8},
			{"d1:ai1e1:ai2ee", 0, P2PCD_BENC_E_KEY_DUP, 7},
			{"d0:i1e0:i2ee", 0, P2PCD_BENC_E_KEY_DUP, 6},
			{"di1ei2ee", 0, P2PCD_BENC_E_KEY_NOT_STR, 1},
			{"dlei2ee", 0, P2PCD_BENC_E_KEY_NOT_STR, 1},
			{"d1:adei1ei2ee", 0, P2PCD_BENC_E_KEY_NOT_STR, 6},
			{"dxe", 0, P2PCD_BENC_E_BAD_TYPE, 1},
			/* structure */
			{"", 0, P2PCD_BENC_E_TRUNCATED, 0},
			{"l", 0, P2PCD_BENC_E_TRUNCATED, 1},
			{"d", 0, P2PCD_BENC_E_TRUNCATED, 1},
			{"d1:a", 0, P2PCD_BENC_E_TRUNCATED, 4},
			{"d1:ae", 0, P2PCD_BENC_E_TRUNCATED, 4},
			{"li1e", 0, P2PCD_BENC_E_TRUNCATED, 4},
			{"i12", 0, P2PCD_BENC_E_TRUNCATED, 3},
			{"i-", 0, P2PCD_BENC_E_TRUNCATED, 2},
			{"1", 0, P2PCD_BENC_E_TRUNCATED, 1},
			{"12", 0, P2PCD_BENC_E_STR_RANGE, 0},
			{"i1ei2e", 0, P2PCD_BENC_E_TRAILING, 3},
			{"4:spamx", 0, P2PCD_BENC_E_TRAILING, 6},
			{"lee", 0, P2PCD_BENC_E_TRAILING, 2},
			{"de\n", 0, P2PCD_BENC_E_TRAILING, 2},
			{"x", 0, P2PCD_BENC_E_BAD_TYPE, 0},
			{"e", 0, P2PCD_BENC_E_BAD_TYPE, 0},
			{"lxe", 0, P2PCD_BENC_E_BAD_TYPE, 1},
			{"l\0e", 3, P2PCD_BENC_E_BAD_TYPE, 1},
			{" i1e", 0, P2PCD_BENC_E_BAD_TYPE, 0},
	};
	size_t i, len;
	p2pcd_bdoc_t *doc;
	struct p2pcd_benc_error err;
	enum p2pcd_benc_err code;

	(void)state;
	for(i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		len = r[i].len ? r[i].len : strlen(r[i].in);
		doc = (p2pcd_bdoc_t *)1;
		code = p2pcd_bdecode((const uint8_t *)r[i].in, len, NULL, &doc, &err);
		if(code != r[i].code || err.offset != r[i].off)
			fail_msg("case %zu \"%s\": got %d (%s) at %zu, want %d "
					 "at %zu",
					i, r[i].in, code, err.msg, err.offset, r[i].code, r[i].off);
		assert_int_equal(err.code, code);
		assert_null(doc);
		assert_non_null(strstr(err.msg, p2pcd_benc_strerror(code)));
	}
}

static void test_error_message(void **state)
{
	p2pcd_bdoc_t *doc;
	struct p2pcd_benc_error err;

	(void)state;
	assert_int_equal(p2pcd_bdecode(S("d1:bi1e1:ai2ee"), NULL, &doc, &err),
			P2PCD_BENC_E_KEY_ORDER);
	assert_string_equal(err.msg, "offset 7: dict keys not sorted");
	assert_string_equal(
			p2pcd_benc_strerror(P2PCD_BENC_E_KEY_DUP), "duplicate dict key");
	assert_string_equal(
			p2pcd_benc_strerror((enum p2pcd_benc_err)999), "unknown error");
	/* err may be NULL */
	assert_int_equal(
			p2pcd_bdecode(S("x"), NULL, &doc, NULL), P2PCD_BENC_E_BAD_TYPE);
	assert_int_equal(
			p2pcd_bdecode(NULL, 3, NULL, &doc, &err), P2PCD_BENC_E_ARG);
	assert_int_equal(
			p2pcd_bdecode(S("i1e"), NULL, NULL, &err), P2PCD_BENC_E_ARG);
}

static void test_depth_limit(void **state)
{
	char buf[2 * 300 + 1];
	p2pcd_bdoc_t *doc;
	struct p2pcd_benc_error err;
	struct p2pcd_benc_limits lim = {0, 0};
	unsigned n;

	(void)state;
	/* default 32: 32 nested lists pass, 33 fail at the 33rd 'l' */
	for(n = 32; n <= 33; n++) {
		memset(buf, 'l', n);
		memset(buf + n, 'e', n);
		p2pcd_bdecode((const uint8_t *)buf, 2 * n, NULL, &doc, &err);
		if(n == 32) {
			assert_int_equal(err.code, P2PCD_BENC_OK);
			p2pcd_bdoc_free(doc);
		} else {
			assert_int_equal(err.code, P2PCD_BENC_E_DEPTH);
			assert_int_equal(err.offset, 32);
		}
	}
	/* explicit limit; dicts count too */
	lim.max_depth = 2;
	assert_int_equal(p2pcd_bdecode(S("d1:ald1:ai1eeee"), &lim, &doc, &err),
			P2PCD_BENC_E_DEPTH);
	assert_int_equal(err.offset, 5);
	assert_int_equal(
			p2pcd_bdecode(S("d1:ali1eee"), &lim, &doc, &err), P2PCD_BENC_OK);
	p2pcd_bdoc_free(doc);
	/* the hard cap, and 300 nested lists within a raised limit */
	lim.max_depth = P2PCD_BENC_MAX_DEPTH + 1;
	assert_int_equal(
			p2pcd_bdecode(S("i1e"), &lim, &doc, &err), P2PCD_BENC_E_ARG);
	lim.max_depth = P2PCD_BENC_MAX_DEPTH;
	memset(buf, 'l', 256);
	memset(buf + 256, 'e', 256);
	assert_int_equal(p2pcd_bdecode((const uint8_t *)buf, 512, &lim, &doc, &err),
			P2PCD_BENC_OK);
	p2pcd_bdoc_free(doc);
}

static void test_node_limit(void **state)
{
	p2pcd_bdoc_t *doc;
	struct p2pcd_benc_error err;
	struct p2pcd_benc_limits lim = {0, 3};

	(void)state;
	assert_int_equal(
			p2pcd_bdecode(S("li1ei2ee"), &lim, &doc, &err), P2PCD_BENC_OK);
	assert_int_equal(p2pcd_bdoc_nodes(doc), 3);
	p2pcd_bdoc_free(doc);
	assert_int_equal(p2pcd_bdecode(S("li1ei2ei3ee"), &lim, &doc, &err),
			P2PCD_BENC_E_NODES);
	assert_int_equal(err.offset, 7);
	assert_null(doc);
}

static void test_encoder(void **state)
{
	struct p2pcd_benc e;
	const uint8_t *p;
	uint8_t *taken;
	size_t len;

	(void)state;
	p2pcd_benc_init(&e);
	assert_int_equal(p2pcd_benc_result(&e, &p, &len), P2PCD_BENC_E_STATE);
	assert_int_equal(p2pcd_benc_dict(&e), 0);
	assert_int_equal(p2pcd_benc_cstr(&e, "a"), 0);
	assert_int_equal(p2pcd_benc_int(&e, INT64_MIN), 0);
	assert_int_equal(p2pcd_benc_cstr(&e, "b"), 0);
	assert_int_equal(p2pcd_benc_list(&e), 0);
	assert_int_equal(p2pcd_benc_str(&e, "x\0y", 3), 0);
	assert_int_equal(p2pcd_benc_int(&e, 0), 0);
	assert_int_equal(p2pcd_benc_dict(&e), 0);
	assert_int_equal(p2pcd_benc_end(&e), 0);
	assert_int_equal(p2pcd_benc_end(&e), 0);
	assert_int_equal(p2pcd_benc_str(&e, "bb", 2), 0);
	assert_int_equal(p2pcd_benc_str(&e, NULL, 0), 0);
	assert_int_equal(p2pcd_benc_result(&e, &p, &len), P2PCD_BENC_E_STATE);
	assert_int_equal(p2pcd_benc_end(&e), 0);
	assert_int_equal(p2pcd_benc_result(&e, &p, &len), 0);
	assert_int_equal(len, sizeof("d1:ai-9223372036854775808e1:bl3:x\0yi0edee"
								 "2:bb0:e")
								  - 1);
	assert_memory_equal(
			p, "d1:ai-9223372036854775808e1:bl3:x\0yi0edee2:bb0:e", len);
	/* a second top-level value is refused, and the error sticks */
	assert_int_equal(p2pcd_benc_int(&e, 1), P2PCD_BENC_E_STATE);
	assert_int_equal(p2pcd_benc_result(&e, &p, &len), P2PCD_BENC_E_STATE);
	p2pcd_benc_free(&e);

	p2pcd_benc_init(&e);
	assert_int_equal(p2pcd_benc_int(&e, -42), 0);
	assert_int_equal(p2pcd_benc_take(&e, &taken, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(taken, "i-42e", 5);
	assert_null(e.buf);
	free(taken);
	p2pcd_benc_free(&e);
}

static void test_encoder_misuse(void **state)
{
	struct p2pcd_benc e;
	const uint8_t *p;
	size_t len;

	(void)state;
	/* keys out of order, duplicate, non-string */
	p2pcd_benc_init(&e);
	p2pcd_benc_dict(&e);
	p2pcd_benc_cstr(&e, "b");
	p2pcd_benc_int(&e, 1);
	assert_int_equal(p2pcd_benc_cstr(&e, "a"), P2PCD_BENC_E_KEY_ORDER);
	assert_int_equal(p2pcd_benc_end(&e), P2PCD_BENC_E_KEY_ORDER);
	assert_int_equal(p2pcd_benc_result(&e, &p, &len), P2PCD_BENC_E_KEY_ORDER);
	p2pcd_benc_free(&e);

	p2pcd_benc_init(&e);
	p2pcd_benc_dict(&e);
	p2pcd_benc_cstr(&e, "ab");
	p2pcd_benc_int(&e, 1);
	assert_int_equal(p2pcd_benc_cstr(&e, "a"), P2PCD_BENC_E_KEY_ORDER);
	p2pcd_benc_free(&e);

	p2pcd_benc_init(&e);
	p2pcd_benc_dict(&e);
	p2pcd_benc_cstr(&e, "a");
	p2pcd_benc_int(&e, 1);
	assert_int_equal(p2pcd_benc_cstr(&e, "a"), P2PCD_BENC_E_KEY_DUP);
	p2pcd_benc_free(&e);

	p2pcd_benc_init(&e);
	p2pcd_benc_dict(&e);
	assert_int_equal(p2pcd_benc_int(&e, 1), P2PCD_BENC_E_KEY_NOT_STR);
	p2pcd_benc_free(&e);

	p2pcd_benc_init(&e);
	p2pcd_benc_dict(&e);
	assert_int_equal(p2pcd_benc_list(&e), P2PCD_BENC_E_KEY_NOT_STR);
	p2pcd_benc_free(&e);

	/* a key without its value, an end with nothing open */
	p2pcd_benc_init(&e);
	p2pcd_benc_dict(&e);
	p2pcd_benc_cstr(&e, "k");
	assert_int_equal(p2pcd_benc_end(&e), P2PCD_BENC_E_STATE);
	p2pcd_benc_free(&e);
	p2pcd_benc_init(&e);
	assert_int_equal(p2pcd_benc_end(&e), P2PCD_BENC_E_STATE);
	p2pcd_benc_free(&e);

	/* unclosed list is no result */
	p2pcd_benc_init(&e);
	p2pcd_benc_list(&e);
	assert_int_equal(p2pcd_benc_result(&e, &p, &len), P2PCD_BENC_E_STATE);
	p2pcd_benc_free(&e);

	/* depth cap */
	{
		int i;

		p2pcd_benc_init(&e);
		for(i = 0; i < P2PCD_BENC_MAX_DEPTH; i++)
			assert_int_equal(p2pcd_benc_list(&e), 0);
		assert_int_equal(p2pcd_benc_list(&e), P2PCD_BENC_E_DEPTH);
		p2pcd_benc_free(&e);
	}
}

/* encode(parse(b)) == b for canonical inputs */
static void test_roundtrip_samples(void **state)
{
	static const char *const in[] = {
			"i0e",
			"i-7e",
			"0:",
			"3:abc",
			"le",
			"de",
			"llelleee",
			"d1:ad1:bd1:cleeee",
			"l0:0:0:e",
			("d8:announce3:url4:infod6:lengthi5e4:name1:x"
			 "12:piece lengthi16384e6:pieces0:ee"),
	};
	size_t i;
	p2pcd_bdoc_t *doc;
	struct p2pcd_benc e;
	const uint8_t *p;
	size_t len;

	(void)state;
	for(i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		doc = parse_ok((const uint8_t *)in[i], strlen(in[i]));
		p2pcd_benc_init(&e);
		assert_int_equal(p2pcd_benc_node(&e, p2pcd_bdoc_root(doc)), 0);
		assert_int_equal(p2pcd_benc_result(&e, &p, &len), 0);
		assert_int_equal(len, strlen(in[i]));
		assert_memory_equal(p, in[i], len);
		p2pcd_benc_free(&e);
		p2pcd_bdoc_free(doc);
	}
}

/* random tree into the encoder; keys ascending by construction */
static void gen(struct p2pcd_benc *e, uint64_t *s, int depth)
{
	unsigned t = (unsigned)(rnd(s) % (depth > 4 ? 2 : 4));
	unsigned n, i;
	char key[16];
	uint8_t str[16];

	switch(t) {
		case 0:
			assert_int_equal(
					p2pcd_benc_int(e, (int64_t)rnd(s) >> (rnd(s) % 64)), 0);
			break;
		case 1:
			n = (unsigned)(rnd(s) % sizeof(str));
			for(i = 0; i < n; i++)
				str[i] = (uint8_t)rnd(s);
			assert_int_equal(p2pcd_benc_str(e, str, n), 0);
			break;
		case 2:
			assert_int_equal(p2pcd_benc_list(e), 0);
			n = (unsigned)(rnd(s) % 5);
			for(i = 0; i < n; i++)
				gen(e, s, depth + 1);
			assert_int_equal(p2pcd_benc_end(e), 0);
			break;
		default:
			assert_int_equal(p2pcd_benc_dict(e), 0);
			n = (unsigned)(rnd(s) % 5);
			for(i = 0; i < n; i++) {
				snprintf(
						key, sizeof(key), "k%u%c", i, 'a' + (int)(rnd(s) % 26));
				assert_int_equal(p2pcd_benc_cstr(e, key), 0);
				gen(e, s, depth + 1);
			}
			assert_int_equal(p2pcd_benc_end(e), 0);
			break;
	}
}

/* deep equality of two parsed trees */
static void same_tree(const struct p2pcd_bnode *a, const struct p2pcd_bnode *b)
{
	size_t i, n;

	assert_int_equal(a->type, b->type);
	assert_int_equal(a->raw_len, b->raw_len);
	switch(a->type) {
		case P2PCD_BT_INT:
			assert_true(a->u.i == b->u.i);
			break;
		case P2PCD_BT_STR:
			assert_int_equal(a->u.s.len, b->u.s.len);
			if(a->u.s.len)
				assert_memory_equal(a->u.s.p, b->u.s.p, a->u.s.len);
			break;
		default:
			assert_int_equal(a->u.c.n, b->u.c.n);
			n = a->type == P2PCD_BT_DICT ? 2 * a->u.c.n : a->u.c.n;
			for(i = 0; i < n; i++)
				same_tree(&a->u.c.v[i], &b->u.c.v[i]);
	}
}

static void test_roundtrip_random(void **state)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	struct p2pcd_benc e1, e2;
	const uint8_t *p1, *p2;
	size_t l1, l2;
	p2pcd_bdoc_t *d1, *d2;
	int i;

	(void)state;
	for(i = 0; i < 2000; i++) {
		p2pcd_benc_init(&e1);
		gen(&e1, &s, 0);
		assert_int_equal(p2pcd_benc_result(&e1, &p1, &l1), 0);
		d1 = parse_ok(p1, l1);
		/* parse(encode(x)) == x, then encode(parse(b)) == b */
		p2pcd_benc_init(&e2);
		assert_int_equal(p2pcd_benc_node(&e2, p2pcd_bdoc_root(d1)), 0);
		assert_int_equal(p2pcd_benc_result(&e2, &p2, &l2), 0);
		assert_int_equal(l1, l2);
		assert_memory_equal(p1, p2, l1);
		d2 = parse_ok(p2, l2);
		same_tree(p2pcd_bdoc_root(d1), p2pcd_bdoc_root(d2));
		p2pcd_bdoc_free(d1);
		p2pcd_bdoc_free(d2);
		p2pcd_benc_free(&e1);
		p2pcd_benc_free(&e2);
	}
}

/* every proper prefix of a valid value is refused, none crashes */
static void test_truncations(void **state)
{
	static const char in[] = "d1:ali1ei-20e3:xyzd1:k0:ee1:bi99ee";
	p2pcd_bdoc_t *doc;
	struct p2pcd_benc_error err;
	size_t n;

	(void)state;
	for(n = 0; n < sizeof(in) - 1; n++) {
		assert_int_not_equal(
				p2pcd_bdecode((const uint8_t *)in, n, NULL, &doc, &err),
				P2PCD_BENC_OK);
		assert_null(doc);
		assert_true(err.offset <= n);
	}
	doc = parse_ok((const uint8_t *)in, sizeof(in) - 1);
	p2pcd_bdoc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_scalars),
			cmocka_unit_test(test_containers),
			cmocka_unit_test(test_dict_binary_keys),
			cmocka_unit_test(test_rejections),
			cmocka_unit_test(test_error_message),
			cmocka_unit_test(test_depth_limit),
			cmocka_unit_test(test_node_limit),
			cmocka_unit_test(test_encoder),
			cmocka_unit_test(test_encoder_misuse),
			cmocka_unit_test(test_roundtrip_samples),
			cmocka_unit_test(test_roundtrip_random),
			cmocka_unit_test(test_truncations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
