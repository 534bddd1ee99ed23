/*
 * The JSON object writer used for token claims: escapes, integers, UTF-8
 * validation, overflow, and the text read back by jansson.
 */
#include "testutil.h"

#include <jansson.h>
#include <stdint.h>

#include "p2pcd/json_write.h"

static void test_escapes_round_trip(void **state)
{
	static const char v[] = "a\"b\\c\x01\x1f/\tz \xc3\xa9\xe2\x82\xac"
							"\xf0\x9f\x8e\xb5";
	char buf[256];
	struct p2pcd_jw w;
	json_t *j;
	long n;

	(void)state;
	p2pcd_jw_begin(&w, buf, sizeof(buf));
	p2pcd_jw_str(&w, "s", v, sizeof(v) - 1);
	p2pcd_jw_int(&w, "i", -42);
	p2pcd_jw_raw(&w, "o", "{\"k\": [1, 2]}", 13);
	p2pcd_jw_str_array1(&w, "a", "x", 1);
	n = p2pcd_jw_end(&w);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_string_equal(buf,
			"{\"s\":\"a\\\"b\\\\c\\u0001\\u001f/\\u0009z \xc3\xa9\xe2\x82\xac"
			"\xf0\x9f\x8e\xb5\",\"i\":-42,\"o\":{\"k\": [1, 2]},"
			"\"a\":[\"x\"]}");
	j = json_loadb(buf, n, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "s")), v);
	assert_int_equal(json_integer_value(json_object_get(j, "i")), -42);
	assert_string_equal(
			json_string_value(json_array_get(json_object_get(j, "a"), 0)), "x");
	json_decref(j);
}

static void test_integers(void **state)
{
	char buf[128];
	struct p2pcd_jw w;

	(void)state;
	p2pcd_jw_begin(&w, buf, sizeof(buf));
	p2pcd_jw_int(&w, "a", 0);
	p2pcd_jw_int(&w, "b", INT64_MAX);
	p2pcd_jw_int(&w, "c", INT64_MIN);
	p2pcd_jw_int(&w, "d", 1700000000);
	assert_true(p2pcd_jw_end(&w) > 0);
	assert_string_equal(buf, "{\"a\":0,\"b\":9223372036854775807,"
							 "\"c\":-9223372036854775808,\"d\":1700000000}");
}

static void test_invalid_utf8_fails(void **state)
{
	static const char *bad[] = {
			"\x80",
			"\xc0\xaf",
			"\xc3",
			"\xe0\x80\xaf",
			"\xed\xa0\x80",
			"\xf4\x90\x80\x80",
			"\xf5\x80\x80\x80",
			"\xff",
			"ok\xe2\x82",
	};
	char buf[64];
	struct p2pcd_jw w;
	size_t i;

	(void)state;
	for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(p2pcd_utf8_valid(bad[i], strlen(bad[i])), 0);
		p2pcd_jw_begin(&w, buf, sizeof(buf));
		p2pcd_jw_str(&w, "s", bad[i], strlen(bad[i]));
		assert_int_equal(p2pcd_jw_end(&w), -1);
	}
	assert_int_equal(p2pcd_utf8_valid("\xf4\x8f\xbf\xbf", 4), 1);
	assert_int_equal(p2pcd_utf8_valid("\xef\xbf\xbf", 3), 1);
	/* an embedded NUL is valid UTF-8 and escaped */
	p2pcd_jw_begin(&w, buf, sizeof(buf));
	p2pcd_jw_str(&w, "s", "a\0b", 3);
	assert_true(p2pcd_jw_end(&w) > 0);
	assert_string_equal(buf, "{\"s\":\"a\\u0000b\"}");
}

static void test_overflow_sticks(void **state)
{
	char buf[16];
	struct p2pcd_jw w;
	size_t cut;

	(void)state;
	for(cut = 1; cut < sizeof(buf); cut++) {
		p2pcd_jw_begin(&w, buf, cut);
		p2pcd_jw_str(&w, "key", "value", 5);
		assert_int_equal(p2pcd_jw_end(&w), -1);
		assert_true(strlen(buf) < cut);
	}
	p2pcd_jw_begin(&w, buf, 0);
	assert_int_equal(p2pcd_jw_end(&w), -1);
	p2pcd_jw_begin(&w, buf, sizeof(buf));
	p2pcd_jw_raw(&w, "r", "", 0);
	assert_int_equal(p2pcd_jw_end(&w), -1);
}

/* the word-at-a-time test for plain ASCII must see one byte that needs
 * escaping or UTF-8 checking at any position of any length */
static void test_special_byte_anywhere(void **state)
{
	static const char special[] = {'"', '\\', '\0', '\x01', '\x1f', (char)0xc3};
	char v[24], want[128], buf[128];
	struct p2pcd_jw w;
	size_t len, pos, k, i, o;

	(void)state;
	for(len = 1; len <= sizeof(v); len++)
		for(pos = 0; pos < len; pos++)
			for(k = 0; k < sizeof(special); k++) {
				memset(v, 'a', len);
				v[pos] = special[k];
				p2pcd_jw_begin(&w, buf, sizeof(buf));
				p2pcd_jw_str(&w, "s", v, len);
				if((unsigned char)special[k] >= 0x80) {
					/* a lone lead byte: not UTF-8 */
					assert_int_equal(p2pcd_jw_end(&w), -1);
					continue;
				}
				assert_true(p2pcd_jw_end(&w) > 0);
				o = (size_t)sprintf(want, "{\"s\":\"");
				for(i = 0; i < len; i++) {
					if(v[i] == '"' || v[i] == '\\')
						o += sprintf(want + o, "\\%c", v[i]);
					else if((unsigned char)v[i] < 0x20)
						o += sprintf(want + o, "\\u%04x", v[i]);
					else
						want[o++] = v[i];
				}
				strcpy(want + o, "\"}");
				assert_string_equal(buf, want);
			}
	/* DEL and '~' go out as they are */
	p2pcd_jw_begin(&w, buf, sizeof(buf));
	p2pcd_jw_str(&w, "s", "~\x7f ~abcdefgh", 12);
	assert_true(p2pcd_jw_end(&w) > 0);
	assert_string_equal(buf, "{\"s\":\"~\x7f ~abcdefgh\"}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_escapes_round_trip),
			cmocka_unit_test(test_integers),
			cmocka_unit_test(test_invalid_utf8_fails),
			cmocka_unit_test(test_overflow_sticks),
			cmocka_unit_test(test_special_byte_anywhere),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
