/*
 * Token admission: claims, refusal reasons, the verified-token cache (hits,
 * expiry on a hit, negative entries), forgeries of a known header, and key
 * rotation invalidating the cache.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "accounting.h"
#include "admission.h"
#include "p2pcd/init.h"

#define NOW 1800000000
#define AUD "trk-unit"
#define IH "94167dc40e23cb3b2f1affc58fd6467bd019d64f"

static uint8_t master[32];
static struct adm_cache cache;

static char *mint_full(const char *aud, uint32_t version, const char *ih,
		const char *role, int64_t exp, int with_sub)
{
	struct p2pcd_jws_signer s;
	json_t *c = json_pack("{s:s, s:s, s:I, s:s, s:s}", "aud", aud, "doi",
			"10.9999/u", "exp", (json_int_t)exp, "role", role, "sub",
			"buyer-u");
	char *tok;
	size_t len;

	assert_non_null(c);
	if(ih)
		json_object_set_new(c, "ih", json_string(ih));
	if(!with_sub)
		json_object_del(c, "sub");
	assert_int_equal(p2pcd_jws_signer_init(&s, master, 32, aud, version), 0);
	assert_int_equal(p2pcd_jws_sign(&s, P2PCD_JWS_TYP_ADM, c, &tok, &len), 0);
	json_decref(c);
	return tok;
}

static char *mint(const char *ih, int64_t exp)
{
	return mint_full(AUD, 1, ih, "seed", exp, 1);
}

static void keys(uint32_t cur, uint32_t prev)
{
	struct p2pcd_jws_keyring kr;

	assert_int_equal(p2pcd_jws_keyring_init(&kr, AUD), 0);
	if(prev)
		assert_int_equal(
				p2pcd_jws_keyring_set_master(&kr, prev, master, 32), 0);
	assert_int_equal(p2pcd_jws_keyring_set_master(&kr, cur, master, 32), 0);
	assert_int_equal(adm_set_keys(&kr), 0);
}

static int setup(void **state)
{
	size_t i;

	(void)state;
	for(i = 0; i < sizeof(master); i++)
		master[i] = (uint8_t)(i * 7);
	if(p2pcd_lib_init() || acct_init() || adm_setup(30, 60)
			|| adm_cache_init(&cache, 1024))
		return -1;
	keys(1, 0);
	return 0;
}

static enum refusal check(const char *tok, int64_t now, struct adm_claims *cl)
{
	const char *detail;
	struct adm_claims dummy;

	return adm_check(&cache, tok, strlen(tok), now, cl ? cl : &dummy, &detail);
}

static void test_valid_and_cached(void **state)
{
	char *tok = mint(IH, NOW + 300);
	struct adm_claims cl;
	uint64_t hits;

	(void)state;
	assert_int_equal(check(tok, NOW, &cl), RF_OK);
	assert_int_equal(cl.role, ROLE_SEED);
	assert_int_equal(cl.ih[0], 0x94);
	assert_string_equal(acct_subject_name(cl.subject), "buyer-u");
	hits = counter_get(&cache.hits);
	assert_int_equal(check(tok, NOW + 1, &cl), RF_OK);
	assert_int_equal(counter_get(&cache.hits), hits + 1);
	/* a cached token still expires (skew 30 s) */
	assert_int_equal(check(tok, NOW + 300 + 31, NULL), RF_EXPIRED_TOKEN);
	free(tok);
}

static void test_refusals(void **state)
{
	char *tok;

	(void)state;
	assert_int_equal(check("", NOW, NULL), RF_NO_TOKEN);
	assert_int_equal(check("a.b.c", NOW, NULL), RF_BAD_TOKEN);
	tok = mint(IH, NOW - 100);
	assert_int_equal(check(tok, NOW, NULL), RF_EXPIRED_TOKEN);
	free(tok);
	tok = mint_full("trk-other", 1, IH, "seed", NOW + 300, 1);
	assert_int_equal(check(tok, NOW, NULL), RF_FOREIGN_TOKEN);
	free(tok);
	tok = mint_full(AUD, 9, IH, "seed", NOW + 300, 1);
	assert_int_equal(check(tok, NOW, NULL), RF_FOREIGN_TOKEN);
	free(tok);
	tok = mint(NULL, NOW + 300);
	assert_int_equal(check(tok, NOW, NULL), RF_BAD_TOKEN);
	free(tok);
	tok = mint("94167d", NOW + 300);
	assert_int_equal(check(tok, NOW, NULL), RF_BAD_TOKEN);
	free(tok);
	tok = mint_full(AUD, 1, IH, "admin", NOW + 300, 1);
	assert_int_equal(check(tok, NOW, NULL), RF_BAD_TOKEN);
	free(tok);
	tok = mint_full(AUD, 1, IH, "leech", NOW + 300, 0);
	assert_int_equal(check(tok, NOW, NULL), RF_BAD_TOKEN);
	free(tok);
}

static void test_forgeries(void **state)
{
	char *tok = mint(IH, NOW + 300), *forged;
	size_t n;
	int i;

	(void)state;
	assert_int_equal(check(tok, NOW, NULL), RF_OK);
	n = strlen(tok);
	/* header known from the valid token: refused on the MAC alone */
	for(i = 0; i < 50; i++) {
		forged = strdup(tok);
		forged[n - 2] = (char)('A' + i % 26);
		forged[n - 3] = (char)('a' + i / 26);
		if(strcmp(forged, tok) != 0)
			assert_int_equal(check(forged, NOW, NULL), RF_BAD_TOKEN);
		free(forged);
	}
	/* a changed payload with the original signature */
	forged = strdup(tok);
	forged[strchr(tok, '.') - tok + 3] ^= 1;
	assert_int_equal(check(forged, NOW, NULL), RF_BAD_TOKEN);
	free(forged);
	/* the genuine token is still fine */
	assert_int_equal(check(tok, NOW, NULL), RF_OK);
	free(tok);
}

static void test_rotation(void **state)
{
	char *v1 = mint(IH, NOW + 300);
	char *v2 = mint_full(AUD, 2, IH, "leech", NOW + 300, 1);

	(void)state;
	keys(1, 0);
	assert_int_equal(check(v1, NOW, NULL), RF_OK);
	assert_int_equal(check(v2, NOW, NULL), RF_FOREIGN_TOKEN);
	keys(2, 1);
	assert_int_equal(check(v1, NOW, NULL), RF_OK);
	assert_int_equal(check(v2, NOW, NULL), RF_OK);
	/* v1 retired: a cached v1 token is verified again and refused */
	keys(3, 2);
	assert_int_equal(check(v1, NOW, NULL), RF_FOREIGN_TOKEN);
	assert_int_equal(check(v2, NOW, NULL), RF_OK);
	keys(1, 0);
	free(v1);
	free(v2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_valid_and_cached),
			cmocka_unit_test(test_refusals),
			cmocka_unit_test(test_forgeries),
			cmocka_unit_test(test_rotation),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
