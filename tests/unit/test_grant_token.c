/*
 * A grant's tokens rebuilt from their parts (lib/grant_token.c): the same
 * bytes as the signer made, a MAC that still verifies, and a rebuilt token
 * that fails once any stored part changes.
 */
#include "testutil.h"

#include "p2pcd/grant_token.h"
#include "p2pcd/jws.h"

#define NOW 1700000000

static uint8_t master[32];
static const uint8_t ih[20] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
static const uint8_t kid[16] = {
		0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

static struct p2pcd_grant_claims claims(const char *icid)
{
	static const char rights[] = "{\"play\": \"PT24H\"}";
	struct p2pcd_grant_claims c = {
			.iss = "p2pcd-as",
			.iss_len = 8,
			.sub = "p-AAAAAAAAAAAAAAAAAAAAAA",
			.jti = "gBBBBBBBBBBBBBBBBBBBBB",
			.role = "leech",
			.aud = "trk-1",
			.doi = "10.9999/p2pcd.\"quoted\"",
			.doi_len = 22,
			.rights = rights,
			.rights_len = sizeof(rights) - 1,
			.icid = icid,
			.icid_len = icid ? strlen(icid) : 0,
			.ih = ih,
			.kid = kid,
			.iat = NOW,
			.exp = NOW + 86400,
	};
	return c;
}

/* sign c's two tokens as the AS does; their MACs into macs */
static void mint(const struct p2pcd_grant_claims *c, uint32_t ver, char **adm,
		char **lic, uint8_t macs[64])
{
	struct p2pcd_jws_signer s;
	char buf[P2PCD_JWS_MAX_LEN];
	long n;

	assert_int_equal(p2pcd_jws_signer_init(&s, master, 32, c->aud, ver), 0);
	n = p2pcd_grant_adm_claims(c, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(p2pcd_jws_sign_text_mac(&s, P2PCD_JWS_TYP_ADM, buf,
							 (size_t)n, adm, NULL, macs),
			0);
	p2pcd_jws_signer_wipe(&s);
	assert_int_equal(
			p2pcd_jws_signer_init(&s, master, 32, P2PCD_GRANT_LICENSE_AUD, ver),
			0);
	n = p2pcd_grant_lic_claims(c, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(p2pcd_jws_sign_text_mac(&s, P2PCD_JWS_TYP_LIC, buf,
							 (size_t)n, lic, NULL, macs + 32),
			0);
	p2pcd_jws_signer_wipe(&s);
}

static enum p2pcd_jws_result verify(
		const char *aud, const char *typ, const char *tok, uint32_t ver)
{
	struct p2pcd_jws_keyring kr;
	struct p2pcd_jws_expect ex = {.typ = typ, .now = NOW + 1, .skew = 30};
	enum p2pcd_jws_result r;

	assert_int_equal(p2pcd_jws_keyring_init(&kr, aud), 0);
	assert_int_equal(p2pcd_jws_keyring_set_master(&kr, ver, master, 32), 0);
	r = p2pcd_jws_verify(&kr, tok, strlen(tok), &ex, NULL, NULL);
	p2pcd_jws_keyring_wipe(&kr);
	return r;
}

static void same_tokens(const char *icid)
{
	struct p2pcd_grant_claims c = claims(icid);
	uint8_t macs[64];
	char *adm, *lic, *adm2, *lic2;

	mint(&c, 7, &adm, &lic, macs);
	assert_int_equal(
			p2pcd_grant_tokens_build(&c, 7, macs, macs + 32, &adm2, &lic2), 0);
	assert_string_equal(adm2, adm);
	assert_string_equal(lic2, lic);
	assert_int_equal(verify("trk-1", P2PCD_JWS_TYP_ADM, adm2, 7), P2PCD_JWS_OK);
	assert_int_equal(
			verify(P2PCD_GRANT_LICENSE_AUD, P2PCD_JWS_TYP_LIC, lic2, 7),
			P2PCD_JWS_OK);
	free(adm);
	free(lic);
	free(adm2);
	free(lic2);
}

static void test_rebuilt_with_icid(void **state)
{
	(void)state;
	same_tokens("icid-0123;orig");
}

static void test_rebuilt_without_icid(void **state)
{
	(void)state;
	same_tokens(NULL);
	same_tokens("");
}

/* a stored part that changed (or a wrong key version) gives a token whose
 * MAC does not verify: never a different valid token */
static void test_changed_part_fails(void **state)
{
	struct p2pcd_grant_claims c = claims("x");
	uint8_t macs[64];
	char *adm, *lic, *adm2, *lic2;

	(void)state;
	mint(&c, 3, &adm, &lic, macs);
	c.iat++;
	assert_int_equal(
			p2pcd_grant_tokens_build(&c, 3, macs, macs + 32, &adm2, &lic2), 0);
	assert_int_equal(verify("trk-1", P2PCD_JWS_TYP_ADM, adm2, 3),
			P2PCD_JWS_E_BAD_SIGNATURE);
	assert_int_equal(
			verify(P2PCD_GRANT_LICENSE_AUD, P2PCD_JWS_TYP_LIC, lic2, 3),
			P2PCD_JWS_E_BAD_SIGNATURE);
	free(adm2);
	free(lic2);
	c.iat--;
	assert_int_equal(
			p2pcd_grant_tokens_build(&c, 4, macs, macs + 32, &adm2, &lic2), 0);
	assert_int_equal(verify("trk-1", P2PCD_JWS_TYP_ADM, adm2, 3),
			P2PCD_JWS_E_UNKNOWN_KID);
	free(adm2);
	free(lic2);
	macs[0] ^= 1;
	assert_int_equal(
			p2pcd_grant_tokens_build(&c, 3, macs, macs + 32, &adm2, &lic2), 0);
	assert_int_equal(verify("trk-1", P2PCD_JWS_TYP_ADM, adm2, 3),
			P2PCD_JWS_E_BAD_SIGNATURE);
	assert_string_equal(lic2, lic);
	free(adm);
	free(lic);
	free(adm2);
	free(lic2);
}

/* claims that cannot be written (invalid UTF-8, no audience) make no token */
static void test_bad_claims(void **state)
{
	struct p2pcd_grant_claims c = claims(NULL);
	uint8_t macs[64] = {0};
	char *adm = (char *)1, *lic = (char *)1;

	(void)state;
	c.doi = "\xff\xfe";
	c.doi_len = 2;
	assert_int_equal(
			p2pcd_grant_tokens_build(&c, 1, macs, macs + 32, &adm, &lic), -1);
	assert_null(adm);
	assert_null(lic);
	c = claims(NULL);
	c.aud = "bad audience";
	assert_int_equal(
			p2pcd_grant_tokens_build(&c, 1, macs, macs + 32, &adm, &lic), -1);
	assert_null(adm);
	assert_null(lic);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_rebuilt_with_icid),
			cmocka_unit_test(test_rebuilt_without_icid),
			cmocka_unit_test(test_changed_part_fails),
			cmocka_unit_test(test_bad_claims),
	};
	size_t i;

	for(i = 0; i < sizeof(master); i++)
		master[i] = (uint8_t)(0x40 + i);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
