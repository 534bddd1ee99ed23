/*
 * The client's license keystore (client/keystore.c): durations, put/get,
 * expiry never returned and dropped on rewrite, removal, file mode, and a
 * malformed file refused.
 */
#include "drm_testutil.h"

#include <time.h>

#include "keystore.h"

static void test_durations(void **state)
{
	(void)state;
	assert_int_equal(ks_parse_duration("3600"), 3600);
	assert_int_equal(ks_parse_duration("90s"), 90);
	assert_int_equal(ks_parse_duration("30m"), 1800);
	assert_int_equal(ks_parse_duration("24h"), 86400);
	assert_int_equal(ks_parse_duration("7d"), 7 * 86400);
	assert_int_equal(ks_parse_duration("PT24H"), 86400);
	assert_int_equal(ks_parse_duration("P1DT12H30M5S"), 86400 + 45005);
	assert_int_equal(ks_parse_duration("P2D"), 2 * 86400);
	assert_int_equal(ks_parse_duration("PT"), 0);
	assert_int_equal(ks_parse_duration(""), -1);
	assert_int_equal(ks_parse_duration("-5"), -1);
	assert_int_equal(ks_parse_duration("5y"), -1);
	assert_int_equal(ks_parse_duration("P1H"), -1); /* H needs T */
	assert_int_equal(ks_parse_duration("PT1D"), -1);
	assert_int_equal(ks_parse_duration("PTxH"), -1);
}

static void test_store(void **state)
{
	char *dir = tmpdir_new(), path[256];
	uint8_t kid1[16], kid2[16], kid3[16], key[32], got[32];
	int64_t now = (int64_t)time(NULL), exp;
	struct stat st;
	size_t klen, len;
	uint8_t *text;
	FILE *f;

	(void)state;
	memset(kid1, 1, 16);
	memset(kid2, 2, 16);
	memset(kid3, 3, 16);
	memset(key, 0x5a, 32);
	snprintf(path, sizeof(path), "%s/sub/keystore", dir);
	/* missing: nothing, no file made by a read */
	assert_int_equal(ks_get("t", path, kid1, got, &klen, &exp), KS_MISSING);
	assert_int_equal(ks_put("t", path, kid1, key, 32, now + 3600), 0);
	assert_int_equal(ks_put("t", path, kid2, key, 16, 0), 0);
	/* an already expired key is dropped at once */
	assert_int_equal(ks_put("t", path, kid3, key, 32, now - 1), 0);
	assert_int_equal(ks_get("t", path, kid3, got, &klen, &exp), KS_MISSING);
	/* one that expired since it was stored */
	f = fopen(path, "a");
	assert_non_null(f);
	fprintf(f, "%s %s %lld\n", "03030303030303030303030303030303",
			"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a", (long long)now - 10);
	fclose(f);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(ks_get("t", path, kid1, got, &klen, &exp), KS_FOUND);
	assert_int_equal(klen, 32);
	assert_int_equal(exp, now + 3600);
	assert_memory_equal(got, key, 32);
	assert_int_equal(ks_get("t", path, kid2, got, &klen, &exp), KS_FOUND);
	assert_int_equal(klen, 16);
	/* expired: kept until the next rewrite, never returned */
	assert_int_equal(ks_get("t", path, kid3, got, &klen, &exp), KS_EXPIRED);
	/* replacing kid1 rewrites the file, dropping kid3 */
	assert_int_equal(ks_put("t", path, kid1, key, 32, 0), 0);
	assert_int_equal(ks_get("t", path, kid3, got, &klen, &exp), KS_MISSING);
	assert_int_equal(ks_get("t", path, kid1, got, &klen, &exp), KS_FOUND);
	assert_int_equal(exp, 0);

	assert_int_equal(ks_remove("t", path, kid2), 0);
	assert_int_equal(ks_remove("t", path, kid2), 1);
	assert_int_equal(ks_get("t", path, kid2, got, &klen, &exp), KS_MISSING);

	/* a malformed line: refused, not guessed at */
	text = read_file(path, &len);
	write_file(path, (const uint8_t *)"0101 zz 5\n", 10);
	assert_int_equal(ks_get("t", path, kid1, got, &klen, &exp), KS_ERROR);
	assert_int_equal(ks_put("t", path, kid1, key, 32, 0), -1);
	free(text);

	snprintf(path, sizeof(path), "%s/sub/keystore.lock", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub/keystore", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(rmdir(path), 0);
	tmpdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_durations),
			cmocka_unit_test(test_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
