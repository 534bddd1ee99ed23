/*
 * base64url without padding. Vectors: RFC 4648 section 10 with the '='
 * padding removed (section 5 alphabet, section 3.2 allows no padding),
 * plus bytes that exercise '-' and '_'.
 */
#include "testutil.h"

#include <sodium.h>

#include "p2pcd/base64url.h"

static const struct
{
	const char *bin;
	const char *b64;
} rfc4648[] = {
		{"", ""},
		{"f", "Zg"},
		{"fo", "Zm8"},
		{"foo", "Zm9v"},
		{"foob", "Zm9vYg"},
		{"fooba", "Zm9vYmE"},
		{"foobar", "Zm9vYmFy"},
};

static void test_rfc4648_vectors(void **state)
{
	char out[32];
	uint8_t bin[32];
	size_t i, n, len;

	(void)state;
	for(i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		len = strlen(rfc4648[i].bin);
		assert_int_equal(p2pcd_b64url_enc_len(len), strlen(rfc4648[i].b64));
		assert_int_equal(p2pcd_b64url_encode((const uint8_t *)rfc4648[i].bin,
								 len, out, sizeof(out)),
				0);
		assert_string_equal(out, rfc4648[i].b64);
		assert_int_equal(p2pcd_b64url_decode(rfc4648[i].b64,
								 strlen(rfc4648[i].b64), bin, sizeof(bin), &n),
				0);
		assert_int_equal(n, len);
		assert_memory_equal(bin, rfc4648[i].bin, len);
		assert_true(p2pcd_b64url_dec_max(strlen(rfc4648[i].b64)) == len);
	}
}

static void test_url_alphabet(void **state)
{
	static const uint8_t in[] = {0xfb, 0xff, 0xbf, 0xfe};
	char out[16];
	uint8_t bin[8];
	size_t n;

	(void)state;
	/* standard base64 would be "+/+//g==" */
	assert_int_equal(p2pcd_b64url_encode(in, sizeof(in), out, sizeof(out)), 0);
	assert_string_equal(out, "-_-__g");
	assert_int_equal(p2pcd_b64url_decode("-_-__g", 6, bin, sizeof(bin), &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(bin, in, 4);
	/* the standard alphabet's characters are refused */
	assert_int_equal(p2pcd_b64url_decode("+/+/", 4, bin, sizeof(bin), &n), -1);
	assert_int_equal(p2pcd_b64url_decode("-_+_", 4, bin, sizeof(bin), &n), -1);
	assert_int_equal(p2pcd_b64url_decode("-_/_", 4, bin, sizeof(bin), &n), -1);
}

static void test_strict_decode(void **state)
{
	static const struct
	{
		const char *in;
		size_t len;
	} bad[] = {
			{"Zg==", 4}, /* padding */
			{"Zg=", 3},
			{"Zm8=", 4},
			{"Zm9v====", 8},
			{"=", 1},
			{"Z", 1}, /* impossible lengths: 4n+1 */
			{"Zm9vY", 5},
			{"Zh", 2}, /* non-zero trailing bits */
			{"Zm9", 3},
			{"Zm9vYh", 6},
			{"Zm 9v", 5}, /* whitespace, control, NUL, other */
			{"Zm9v\n", 5},
			{" Zm9v", 5},
			{"Zm\0v", 4},
			{"Zm9v.", 5},
			{"Zm*v", 4},
			{"Zm\xc3\xa9", 4},
	};
	char hi[4] = {'Z', 'm', 0, 'A'};
	int c;
	uint8_t bin[16];
	size_t i, n;

	(void)state;
	for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 99;
		if(p2pcd_b64url_decode(bad[i].in, bad[i].len, bin, sizeof(bin), &n)
				!= -1)
			fail_msg("case %zu accepted", i);
		assert_int_equal(n, 0);
	}
	/* libsodium 1.0.18 alone accepts every byte >= 0x80: not we */
	for(c = 0x80; c < 0x100; c++) {
		hi[2] = (char)c;
		assert_int_equal(p2pcd_b64url_decode(hi, 4, bin, sizeof(bin), &n), -1);
	}
	/* the canonical last characters are accepted */
	assert_int_equal(p2pcd_b64url_decode("Zg", 2, bin, sizeof(bin), &n), 0);
	assert_int_equal(p2pcd_b64url_decode("Zm8", 3, bin, sizeof(bin), &n), 0);
	/* output too small is an error, not an overflow */
	assert_int_equal(p2pcd_b64url_decode("Zm9vYmFy", 8, bin, 5, &n), -1);
	assert_int_equal(p2pcd_b64url_decode("Zm9vYmFy", 8, bin, 6, &n), 0);
	assert_int_equal(n, 6);
	/* empty input is the empty string */
	assert_int_equal(p2pcd_b64url_decode("", 0, bin, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(p2pcd_b64url_decode(NULL, 3, bin, sizeof(bin), &n), -1);
}

static void test_encode_bounds(void **state)
{
	char out[8];

	(void)state;
	/* "foobar" needs 8 characters and the NUL */
	assert_int_equal(
			p2pcd_b64url_encode((const uint8_t *)"foobar", 6, out, 8), -1);
	assert_int_equal(
			p2pcd_b64url_encode((const uint8_t *)"fooba", 5, out, 8), 0);
	assert_string_equal(out, "Zm9vYmE");
	assert_int_equal(p2pcd_b64url_encode(NULL, 0, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(p2pcd_b64url_encode(NULL, 1, out, sizeof(out)), -1);
}

static void test_roundtrip(void **state)
{
	uint64_t s = 42;
	uint8_t in[300] = {0}, back[300];
	char enc[420], ref[420];
	size_t len, i, n;

	(void)state;
	for(len = 0; len < sizeof(in); len++) {
		for(i = 0; i < len; i++)
			in[i] = (uint8_t)rnd(&s);
		assert_int_equal(p2pcd_b64url_encode(in, len, enc, sizeof(enc)), 0);
		assert_int_equal(strlen(enc), p2pcd_b64url_enc_len(len));
		/* the same text as libsodium's encoder (the reference) */
		sodium_bin2base64(ref, sizeof(ref), in, len,
				sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		assert_string_equal(enc, ref);
		assert_int_equal(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
									 "abcdefghijklmnopqrstuvwxyz"
									 "0123456789-_"),
				strlen(enc));
		assert_int_equal(
				p2pcd_b64url_decode(enc, strlen(enc), back, sizeof(back), &n),
				0);
		assert_int_equal(n, len);
		if(len)
			assert_memory_equal(in, back, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_rfc4648_vectors),
			cmocka_unit_test(test_url_alphabet),
			cmocka_unit_test(test_strict_decode),
			cmocka_unit_test(test_encode_bounds),
			cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
