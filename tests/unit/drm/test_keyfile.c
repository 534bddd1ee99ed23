/* Key files and key encodings: hex, base64, base64url; modes; errors. */
#include "drm_testutil.h"

#include "p2pcd/keyfile.h"

static const uint8_t K[32] = {0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5, 6, 7, 8,
		9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 0xfe,
		0xff};

static void test_hex(void **state)
{
	char hex[65];
	uint8_t out[32];

	(void)state;
	assert_int_equal(p2pcd_hex_encode(K, 32, hex, sizeof(hex)), 0);
	assert_int_equal(strncmp(hex, "deadbeef00010203", 16), 0);
	assert_int_equal(p2pcd_hex_encode(K, 32, hex, 64), -1);
	assert_int_equal(p2pcd_hex_decode(hex, 64, out, 32), 0);
	assert_memory_equal(out, K, 32);
	hex[0] = 'D';
	assert_int_equal(p2pcd_hex_decode(hex, 64, out, 32), 0);
	hex[0] = 'g';
	assert_int_equal(p2pcd_hex_decode(hex, 64, out, 32), -1);
	assert_int_equal(p2pcd_hex_decode(hex, 63, out, 32), -1);
}

static void test_key_decode(void **state)
{
	/* K in base64url without padding, and standard base64 padded */
	const char *b64u = "3q2-7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZ_v8";
	const char *b64 = "3q2+7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZ/v8=";
	uint8_t out[32];

	(void)state;
	assert_int_equal(p2pcd_key_decode(b64u, strlen(b64u), out, 32), 0);
	assert_memory_equal(out, K, 32);
	memset(out, 0, 32);
	assert_int_equal(p2pcd_key_decode(b64, strlen(b64), out, 32), 0);
	assert_memory_equal(out, K, 32);
	/* a byte short, non-alphabet bytes */
	assert_int_equal(p2pcd_key_decode(b64u, strlen(b64u) - 1, out, 32), -1);
	assert_int_equal(p2pcd_key_decode("\xc3\xa9", 2, out, 1), -1);
	assert_int_equal(p2pcd_key_decode("", 0, out, 32), -1);
}

static void test_write_read(void **state)
{
	char *dir = tmpdir_new(), path[256], err[256];
	uint8_t kid[16], out[32], out16[16];
	struct p2pcd_keyfile_item items[2];
	struct stat st;
	size_t i;

	(void)state;
	for(i = 0; i < 16; i++)
		kid[i] = (uint8_t)(0xa0 + i);
	items[0] = (struct p2pcd_keyfile_item){"kid", kid, 16};
	items[1] = (struct p2pcd_keyfile_item){"key", K, 32};
	snprintf(path, sizeof(path), "%s/k", dir);
	assert_int_equal(p2pcd_keyfile_write(path, 0600, "test key", items, 2), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(dir_entries(dir), 1);
	assert_int_equal(
			p2pcd_keyfile_get(path, "key", out, 32, err, sizeof(err)), 0);
	assert_memory_equal(out, K, 32);
	assert_int_equal(
			p2pcd_keyfile_get(path, "kid", out16, 16, err, sizeof(err)), 0);
	assert_memory_equal(out16, kid, 16);
	assert_int_equal(
			p2pcd_keyfile_get_named(path, "kid", out16, 16, err, sizeof(err)),
			0);
	/* missing name, wrong length */
	assert_int_equal(
			p2pcd_keyfile_get(path, "secret", out, 32, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no 'secret=' line"));
	assert_int_equal(
			p2pcd_keyfile_get(path, "kid", out, 32, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not 32 bytes"));
	assert_int_equal(p2pcd_keyfile_get("/nonexistent/k", "key", out, 32, err,
							 sizeof(err)),
			-1);
	assert_non_null(strstr(err, "cannot open key file /nonexistent/k"));
	/* bad names are refused before anything is created */
	items[0].name = "1bad";
	unlink(path);
	assert_int_equal(p2pcd_keyfile_write(path, 0600, NULL, items, 2), -1);
	assert_false(file_exists(path));
	tmpdir_free(dir);
}

static void test_bare_values(void **state)
{
	char *dir = tmpdir_new(), path[256], err[256];
	const char *hex = "# from ffmpeg\n\n  deadbeef000102030405060708090a0b0c0d"
					  "0e0f10111213141516171819feff  \r\n";
	const char *jwk = "3q2-7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZ_v8\n";
	const char *two = "deadbeef\ncafebabe\n";
	uint8_t out[32];

	(void)state;
	snprintf(path, sizeof(path), "%s/k", dir);
	write_file(path, (const uint8_t *)hex, strlen(hex));
	assert_int_equal(
			p2pcd_keyfile_get(path, "key", out, 32, err, sizeof(err)), 0);
	assert_memory_equal(out, K, 32);
	/* ...but not where only a named line counts */
	assert_int_equal(
			p2pcd_keyfile_get_named(path, "key", out, 32, err, sizeof(err)),
			-1);
	assert_non_null(strstr(err, "no 'key=' line"));
	write_file(path, (const uint8_t *)jwk, strlen(jwk));
	memset(out, 0, 32);
	assert_int_equal(
			p2pcd_keyfile_get(path, "key", out, 32, err, sizeof(err)), 0);
	assert_memory_equal(out, K, 32);
	/* two bare values: ambiguous */
	write_file(path, (const uint8_t *)two, strlen(two));
	assert_int_equal(
			p2pcd_keyfile_get(path, "key", out, 4, err, sizeof(err)), -1);
	tmpdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_hex),
			cmocka_unit_test(test_key_decode),
			cmocka_unit_test(test_write_read),
			cmocka_unit_test(test_bare_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
