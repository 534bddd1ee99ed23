/*
 * Info-hash. Expected values were computed outside lib/ when the tests
 * were written:
 *  - data/sample.torrent (a private multi-file torrent) is made by
 *    data/mktorrent.py, which bencodes with its own encoder and hashes the
 *    info dict with Python's hashlib; aria2c -S data/sample.torrent (a
 *    third, unrelated implementation) printed the same Info Hash.
 *  - the small inline torrents: python3 -c 'import hashlib;
 *    print(hashlib.sha1(INFO_BYTES).hexdigest())'.
 */
#include "testutil.h"

#include "p2pcd/infohash.h"

#define SAMPLE_IH "94167dc40e23cb3b2f1affc58fd6467bd019d64f"

static void expect_ih(const uint8_t *buf, size_t len, const char *want)
{
	uint8_t ih[P2PCD_INFOHASH_LEN];
	char hex[P2PCD_INFOHASH_HEX_LEN + 1];
	struct p2pcd_benc_error err;

	assert_int_equal(
			p2pcd_infohash_torrent(buf, len, NULL, ih, &err), P2PCD_IH_OK);
	p2pcd_infohash_hex(ih, hex);
	assert_string_equal(hex, want);
}

static void test_sample_torrent(void **state)
{
	size_t len;
	uint8_t *buf = read_file(TEST_DATA_DIR "/sample.torrent", &len);

	(void)state;
	expect_ih(buf, len, SAMPLE_IH);
	free(buf);
}

static void test_inline_torrents(void **state)
{
	static const char t1[] =
			"d8:announce9:http://x/4:infod6:lengthi1e4:name1:a"
			"12:piece lengthi16384e6:pieces20:AAAAAAAAAAAAAAAAAAAAee";

	(void)state;
	expect_ih((const uint8_t *)t1, sizeof(t1) - 1,
			"96a0c2b54d79fdf0f3a567ccae8edb15960951b0");
	/* an empty info dict is still a dict: SHA-1("de") */
	expect_ih((const uint8_t *)"d4:infodee", 10,
			"600ccd1b71569232d01d110bc63e906beab04d8c");
}

/* the hash covers exactly the raw bytes of the info value */
static void test_raw_span(void **state)
{
	size_t len, ilen;
	uint8_t *buf = read_file(TEST_DATA_DIR "/sample.torrent", &len);
	p2pcd_bdoc_t *doc;
	const struct p2pcd_bnode *info;
	const uint8_t *raw;
	uint8_t ih[P2PCD_INFOHASH_LEN], want[P2PCD_INFOHASH_LEN];

	(void)state;
	assert_int_equal(p2pcd_bdecode(buf, len, NULL, &doc, NULL), 0);
	info = p2pcd_bdict_gets(p2pcd_bdoc_root(doc), "info");
	assert_int_equal(p2pcd_bnode_raw(info, &raw, &ilen), 0);
	/* the info dict is the last value of the top-level dict */
	assert_ptr_equal(raw + ilen, buf + len - 1);
	assert_int_equal(raw[0], 'd');
	assert_int_equal(p2pcd_infohash_info(info, ih), P2PCD_IH_OK);
	assert_int_equal(p2pcd_infohash_from_hex(SAMPLE_IH, 40, want), 0);
	assert_memory_equal(ih, want, sizeof(ih));
	assert_int_equal(p2pcd_infohash_info(p2pcd_bdict_gets(info, "name"), ih),
			P2PCD_IH_E_INFO_NOT_DICT);
	p2pcd_bdoc_free(doc);
	free(buf);
}

static void test_rejects(void **state)
{
	uint8_t ih[P2PCD_INFOHASH_LEN];
	struct p2pcd_benc_error err;

	(void)state;
	assert_int_equal(
			p2pcd_infohash_torrent((const uint8_t *)"li1ee", 5, NULL, ih, &err),
			P2PCD_IH_E_NOT_DICT);
	assert_int_equal(p2pcd_infohash_torrent((const uint8_t *)"d4:infai1ee", 11,
							 NULL, ih, &err),
			P2PCD_IH_E_NO_INFO);
	assert_int_equal(p2pcd_infohash_torrent((const uint8_t *)"d4:infoi1ee", 11,
							 NULL, ih, &err),
			P2PCD_IH_E_INFO_NOT_DICT);
	/* non-canonical bencode inside info: never hashed */
	assert_int_equal(
			p2pcd_infohash_torrent((const uint8_t *)"d4:infod1:bi1e1:ai2eee",
					22, NULL, ih, &err),
			P2PCD_IH_E_BENCODE);
	assert_int_equal(err.code, P2PCD_BENC_E_KEY_ORDER);
	assert_int_equal(err.offset, 14);
	/* trailing garbage after a valid torrent */
	assert_int_equal(p2pcd_infohash_torrent((const uint8_t *)"d4:infodee\n", 11,
							 NULL, ih, &err),
			P2PCD_IH_E_BENCODE);
	assert_int_equal(err.code, P2PCD_BENC_E_TRAILING);
	assert_int_equal(
			p2pcd_infohash_torrent((const uint8_t *)"de", 2, NULL, NULL, &err),
			P2PCD_IH_E_ARG);
	assert_string_equal(p2pcd_infohash_strerror(P2PCD_IH_E_NO_INFO),
			"torrent has no info dict");
}

static void test_hex(void **state)
{
	uint8_t ih[P2PCD_INFOHASH_LEN], back[P2PCD_INFOHASH_LEN];
	char hex[P2PCD_INFOHASH_HEX_LEN + 1];
	size_t i;

	(void)state;
	for(i = 0; i < sizeof(ih); i++)
		ih[i] = (uint8_t)(i * 13 + 0xa5);
	p2pcd_infohash_hex(ih, hex);
	assert_int_equal(strlen(hex), 40);
	assert_string_equal(hex, "a5b2bfccd9e6f3000d1a2734414e5b6875828f9c");
	assert_int_equal(p2pcd_infohash_from_hex(hex, 40, back), 0);
	assert_memory_equal(ih, back, sizeof(ih));
	assert_int_equal(
			p2pcd_infohash_from_hex(
					"A5B2BFCCD9E6F3000D1A2734414E5B6875828F9C", 40, back),
			0);
	assert_memory_equal(ih, back, sizeof(ih));
	assert_int_equal(p2pcd_infohash_from_hex(hex, 39, back), -1);
	assert_int_equal(
			p2pcd_infohash_from_hex(
					"g5b2bfccd9e6f3000d1a2734414e5b6875828f9c", 40, back),
			-1);
	assert_int_equal(
			p2pcd_infohash_from_hex(
					"a5b2bfccd9e6f3000d1a2734414e5b6875828f9 ", 40, back),
			-1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_sample_torrent),
			cmocka_unit_test(test_inline_torrents),
			cmocka_unit_test(test_raw_span),
			cmocka_unit_test(test_rejects),
			cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
