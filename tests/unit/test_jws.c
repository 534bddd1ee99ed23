/*
 * JWS HS256: key derivation and kid format, RFC 7515 appendix A.1, sign and
 * verify, every verify failure code, key rotation.
 */
#include "testutil.h"

#include "p2pcd/base64url.h"
#include "p2pcd/hmac.h"
#include "p2pcd/jws.h"

#define NOW 1700000000
#define AUD "tracker-1"
#define HDR_ADM \
	"{\"alg\":\"HS256\",\"typ\":\"p2pcd-adm+jwt\",\"kid\":\"tracker-1:v2\"}"

static uint8_t master[32];

struct fx
{
	struct p2pcd_jws_signer sig; /* tracker-1:v2 */
	struct p2pcd_jws_keyring kr; /* tracker-1, holds v2 */
	struct p2pcd_jws_expect ex;
};

static int group_setup(void **state)
{
	size_t i;

	(void)state;
	for(i = 0; i < sizeof(master); i++)
		master[i] = (uint8_t)i;
	return 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if(!f || p2pcd_jws_signer_init(&f->sig, master, 32, AUD, 2)
			|| p2pcd_jws_keyring_init(&f->kr, AUD)
			|| p2pcd_jws_keyring_set_master(&f->kr, 2, master, 32))
		return -1;
	f->ex.typ = P2PCD_JWS_TYP_ADM;
	f->ex.aud = NULL;
	f->ex.now = NOW;
	f->ex.skew = 30;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* admission-token claims as DESIGN.md section 3 lists them */
static json_t *adm_claims(int64_t now)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, "
						  "s:s, s:s}",
			"iss", "as.example.net", "sub", "u-7f3a", "aud", AUD, "iat",
			(json_int_t)now, "nbf", (json_int_t)now, "exp",
			(json_int_t)(now + 300), "jti", "j-1", "ih",
			"94167dc40e23cb3b2f1affc58fd6467bd019d64f", "doi",
			"10.5555/p2pcd.1", "role", "leech", "icid", "icid-1");

	assert_non_null(c);
	return c;
}

static char *sign(
		const struct p2pcd_jws_signer *s, const char *typ, json_t *claims)
{
	char *tok = NULL;
	size_t len;

	assert_int_equal(p2pcd_jws_sign(s, typ, claims, &tok, &len), 0);
	assert_int_equal(strlen(tok), len);
	json_decref(claims);
	return tok;
}

/* A token from raw header and payload texts, MAC'd with key. */
static char *craft_sig(
		const char *hdr, const char *pl, const struct p2pcd_hmac_key *key)
{
	char *t = malloc(8192);
	uint8_t mac[32];
	size_t off;

	assert_non_null(t);
	assert_int_equal(
			p2pcd_b64url_encode((const uint8_t *)hdr, strlen(hdr), t, 8192), 0);
	off = strlen(t);
	t[off++] = '.';
	assert_int_equal(p2pcd_b64url_encode((const uint8_t *)pl, strlen(pl),
							 t + off, 8192 - off),
			0);
	off += strlen(t + off);
	p2pcd_hmac_sha256(key, (const uint8_t *)t, off, mac);
	t[off++] = '.';
	assert_int_equal(p2pcd_b64url_encode(mac, 32, t + off, 8192 - off), 0);
	return t;
}

static enum p2pcd_jws_result verify(struct fx *f, const char *tok)
{
	json_t *c = (json_t *)1;
	enum p2pcd_jws_result r;

	r = p2pcd_jws_verify(&f->kr, tok, strlen(tok), &f->ex, &c, NULL);
	if(r == P2PCD_JWS_OK) {
		assert_non_null(c);
		json_decref(c);
	} else {
		assert_null(c);
	}
	return r;
}

#define EXPECT(f, tok, want)                                           \
	do {                                                               \
		enum p2pcd_jws_result r_ = verify(f, tok);                     \
		if(r_ != (want))                                               \
			fail_msg("line %d: got %s, want %s", __LINE__,             \
					p2pcd_jws_strerror(r_), p2pcd_jws_strerror(want)); \
	} while(0)

/* a claims text with exp/aud valid now, plus extra members */
static void claims_text(char *out, size_t n, const char *extra)
{
	snprintf(out, n, "{\"aud\":\"" AUD "\",\"exp\":%d%s}", NOW + 300, extra);
}

static void test_kid_format(void **state)
{
	char kid[P2PCD_JWS_KID_MAX + 1];
	const char *aud;
	size_t alen;
	uint32_t v;
	static const char *const bad_kids[] = {
			"tracker-1:v02",
			"tracker-1:2",
			"tracker-1:v",
			":v1",
			"a:v4294967296",
			"a:v1x",
			"a:b:v1",
			"a:v0",
			"a:V1",
			"a",
			"",
			"a:v-1",
			"a b:v1",
	};
	size_t i;

	(void)state;
	assert_int_equal(p2pcd_jws_kid("tracker-1", 2, kid, sizeof(kid)), 0);
	assert_string_equal(kid, "tracker-1:v2");
	assert_int_equal(p2pcd_jws_kid("license", 1, kid, sizeof(kid)), 0);
	assert_string_equal(kid, "license:v1");
	assert_int_equal(
			p2pcd_jws_kid("A.b_c-9", 4294967295u, kid, sizeof(kid)), 0);
	assert_string_equal(kid, "A.b_c-9:v4294967295");
	assert_int_equal(p2pcd_jws_kid("tracker-1", 0, kid, sizeof(kid)), -1);
	assert_int_equal(p2pcd_jws_kid("a:b", 1, kid, sizeof(kid)), -1);
	assert_int_equal(p2pcd_jws_kid("a/b", 1, kid, sizeof(kid)), -1);
	assert_int_equal(p2pcd_jws_kid("", 1, kid, sizeof(kid)), -1);
	assert_int_equal(p2pcd_jws_kid("caf\xc3\xa9", 1, kid, sizeof(kid)), -1);
	assert_int_equal(p2pcd_jws_kid("tracker-1", 2, kid, 12), -1);

	/* 64 characters is the longest audience */
	memset(kid, 'a', 64);
	kid[64] = '\0';
	assert_true(p2pcd_jws_audience_valid(kid, 64));
	assert_false(p2pcd_jws_audience_valid(kid, 0));
	{
		char a65[66];

		memset(a65, 'a', 65);
		a65[65] = '\0';
		assert_false(p2pcd_jws_audience_valid(a65, 65));
		assert_int_equal(p2pcd_jws_kid(a65, 1, kid, sizeof(kid)), -1);
	}

	assert_int_equal(
			p2pcd_jws_kid_parse("tracker-1:v12", 13, &aud, &alen, &v), 0);
	assert_int_equal(alen, 9);
	assert_memory_equal(aud, "tracker-1", 9);
	assert_int_equal(v, 12);
	assert_int_equal(
			p2pcd_jws_kid_parse("x:v4294967295", 13, NULL, NULL, &v), 0);
	assert_int_equal(v, 4294967295u);
	for(i = 0; i < sizeof(bad_kids) / sizeof(bad_kids[0]); i++)
		if(p2pcd_jws_kid_parse(
				   bad_kids[i], strlen(bad_kids[i]), &aud, &alen, &v)
				!= -1)
			fail_msg("kid \"%s\" accepted", bad_kids[i]);
}

/*
 * Known answers computed independently when written (Python hmac/hashlib,
 * RFC 5869 by hand): salt "p2pcd-jws-v1", info "p2pcd/jws/AUD/vN", IKM
 * bytes 00..1f.
 */
static void test_derive_key(void **state)
{
	uint8_t k[32], want[32], k2[32];

	(void)state;
	assert_int_equal(p2pcd_jws_derive_key(master, 32, "tracker-1", 2, k), 0);
	unhex("09ee8942c729209acc5dbb9520e80edfd96d2054a741d3a2a2d6a4e537cb2e3a",
			want, 32);
	assert_memory_equal(k, want, 32);
	assert_int_equal(p2pcd_jws_derive_key(master, 32, "license", 1, k), 0);
	unhex("3b3e8f3565bbfe84ff2e7ea929f154d513705f2f6740392cab47b9b3d07a32ce",
			want, 32);
	assert_memory_equal(k, want, 32);
	/* another version, another key */
	assert_int_equal(p2pcd_jws_derive_key(master, 32, "license", 2, k2), 0);
	assert_memory_not_equal(k, k2, 32);
	/* master too short, bad audience, version 0 */
	assert_int_equal(p2pcd_jws_derive_key(master, 31, "license", 1, k), -1);
	assert_int_equal(p2pcd_jws_derive_key(master, 32, "lic/ense", 1, k), -1);
	assert_int_equal(p2pcd_jws_derive_key(master, 32, "license", 0, k), -1);
}

/* RFC 7515 A.1: the HMAC over its exact signing input gives its MAC. */
static void test_rfc7515_a1(void **state)
{
	static const char jwk_k[] =
			"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3"
			"Yj0iPS4hcgUuTwjAzZr1Z9CAow";
	static const char input[] =
			"eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
			"."
			"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
			"cGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
	static const char sig[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
	static const char hdr_json[] = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
	uint8_t key[64], mac[32], hdr[64];
	char out[64], tok[256];
	size_t klen, n;
	struct p2pcd_hmac_key hk;
	struct p2pcd_jws_keyring kr;
	struct p2pcd_jws_expect ex = {"JWT", NULL, 1300819000, 0};

	(void)state;
	assert_int_equal(
			p2pcd_b64url_decode(jwk_k, strlen(jwk_k), key, sizeof(key), &klen),
			0);
	assert_int_equal(klen, 64);
	/* the header part is the appendix's exact JSON text, CRLF included */
	assert_int_equal(p2pcd_b64url_decode(input, 40, hdr, sizeof(hdr), &n), 0);
	assert_int_equal(n, strlen(hdr_json));
	assert_memory_equal(hdr, hdr_json, n);

	assert_int_equal(p2pcd_hmac_key_init(&hk, key, klen), 0);
	p2pcd_hmac_sha256(&hk, (const uint8_t *)input, strlen(input), mac);
	assert_int_equal(p2pcd_b64url_encode(mac, 32, out, sizeof(out)), 0);
	assert_string_equal(out, sig);

	/* the appendix token itself has no kid: refused, at the kid step */
	snprintf(tok, sizeof(tok), "%s.%s", input, sig);
	assert_int_equal(p2pcd_jws_keyring_init(&kr, "rfc7515"), 0);
	assert_int_equal(p2pcd_jws_keyring_set(&kr, 1, key), 0);
	assert_int_equal(p2pcd_jws_verify(&kr, tok, strlen(tok), &ex, NULL, NULL),
			P2PCD_JWS_E_UNKNOWN_KID);
	ex.typ = P2PCD_JWS_TYP_ADM;
	assert_int_equal(p2pcd_jws_verify(&kr, tok, strlen(tok), &ex, NULL, NULL),
			P2PCD_JWS_E_TYP);
}

/*
 * The full verify path on a hand-made token: our header with the
 * appendix's whitespace style, the appendix's claims plus aud, MAC'd with
 * the keyring key. Any valid serialization verifies, not only ours.
 */
static void test_handmade_token(void **state)
{
	struct fx *f = *state;
	char *tok;
	json_t *c = NULL;
	uint32_t ver = 0;
	int64_t exp;
	const char *iss;

	f->ex.now = 1300819000;
	tok = craft_sig("{\"typ\":\"p2pcd-adm+jwt\",\r\n \"alg\":\"HS256\",\r\n"
					" \"kid\":\"tracker-1:v2\"}",
			"{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n"
			" \"http://example.com/is_root\":true,"
			" \"aud\":\"tracker-1\"}",
			&f->kr.k[0].key);
	assert_int_equal(
			p2pcd_jws_verify(&f->kr, tok, strlen(tok), &f->ex, &c, &ver),
			P2PCD_JWS_OK);
	assert_int_equal(ver, 2);
	assert_int_equal(p2pcd_jws_claim_int(c, "exp", &exp), 0);
	assert_int_equal(exp, 1300819380);
	assert_int_equal(p2pcd_jws_claim_str(c, "iss", &iss), 0);
	assert_string_equal(iss, "joe");
	assert_true(json_is_true(json_object_get(c, "http://example.com/is_root")));
	json_decref(c);
	/* past exp: expired */
	f->ex.now = 1300819380 + 30;
	EXPECT(f, tok, P2PCD_JWS_E_EXPIRED);
	free(tok);
}

/*
 * A token made by a second, independent implementation when this test was
 * written (tests/fuzz/mkcorpus_jws.py: Python hmac/hashlib HKDF, base64,
 * JSON text by hand) with the same master, kid and claims: our signer must
 * produce it byte for byte, and our verifier must accept it.
 */
static void test_interop_python(void **state)
{
	static const char py[] =
			"eyJhbGciOiJIUzI1NiIsInR5cCI6InAycGNkLWFkbStqd3QiLCJraWQiOiJ0"
			"cmFja2VyLTE6djIifQ.eyJpc3MiOiJhcy5leGFtcGxlLm5ldCIsInN1YiI6In"
			"UtN2YzYSIsImF1ZCI6InRyYWNrZXItMSIsImlhdCI6MTcwMDAwMDAwMCwibmJm"
			"IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDAzMDAsImp0aSI6ImotMSIsImloIj"
			"oiOTQxNjdkYzQwZTIzY2IzYjJmMWFmZmM1OGZkNjQ2N2JkMDE5ZDY0ZiIsImRv"
			"aSI6IjEwLjU1NTUvcDJwY2QuMSIsInJvbGUiOiJsZWVjaCIsImljaWQiOiJpY2"
			"lkLTEifQ.HXfPk_bkf_jWkHX-ZamVNkRaaFjGPNDGAyRqVWimWw4";
	struct fx *f = *state;
	char *tok = sign(&f->sig, P2PCD_JWS_TYP_ADM, adm_claims(NOW));

	assert_string_equal(tok, py);
	EXPECT(f, py, P2PCD_JWS_OK);
	free(tok);
}

static void test_sign_verify(void **state)
{
	struct fx *f = *state;
	char *tok = sign(&f->sig, P2PCD_JWS_TYP_ADM, adm_claims(NOW));
	const char *d1 = strchr(tok, '.'), *s;
	uint8_t hdr[128];
	size_t n;
	json_t *c = NULL;
	uint32_t ver = 0;
	int64_t i;

	/* the header is exactly DESIGN.md's, in that member order */
	assert_non_null(d1);
	assert_int_equal(
			p2pcd_b64url_decode(tok, (size_t)(d1 - tok), hdr, sizeof(hdr), &n),
			0);
	assert_int_equal(n, strlen(HDR_ADM));
	assert_memory_equal(hdr, HDR_ADM, n);
	/* the signature part is 43 characters */
	assert_int_equal(strlen(strrchr(tok, '.') + 1), 43);

	assert_int_equal(
			p2pcd_jws_verify(&f->kr, tok, strlen(tok), &f->ex, &c, &ver),
			P2PCD_JWS_OK);
	assert_int_equal(ver, 2);
	assert_int_equal(p2pcd_jws_claim_str(c, "role", &s), 0);
	assert_string_equal(s, "leech");
	assert_int_equal(p2pcd_jws_claim_str(c, "ih", &s), 0);
	assert_string_equal(s, "94167dc40e23cb3b2f1affc58fd6467bd019d64f");
	assert_int_equal(p2pcd_jws_claim_int(c, "iat", &i), 0);
	assert_int_equal(i, NOW);
	/* typed getters fail cleanly on a type mismatch or absence */
	assert_int_equal(p2pcd_jws_claim_int(c, "role", &i), -1);
	assert_int_equal(p2pcd_jws_claim_str(c, "exp", &s), -1);
	assert_int_equal(p2pcd_jws_claim_str(c, "nope", &s), -1);
	json_decref(c);

	/* claims pointer optional; a token need not be NUL-terminated */
	assert_int_equal(
			p2pcd_jws_verify(&f->kr, tok, strlen(tok), &f->ex, NULL, NULL),
			P2PCD_JWS_OK);
	{
		char *copy = malloc(strlen(tok) + 5);

		memcpy(copy, tok, strlen(tok));
		memcpy(copy + strlen(tok), ".xyz", 4);
		assert_int_equal(
				p2pcd_jws_verify(&f->kr, copy, strlen(tok), &f->ex, NULL, NULL),
				P2PCD_JWS_OK);
		free(copy);
	}
	/* explicit expected audience */
	f->ex.aud = "tracker-1";
	EXPECT(f, tok, P2PCD_JWS_OK);
	f->ex.aud = "tracker-2";
	EXPECT(f, tok, P2PCD_JWS_E_WRONG_AUDIENCE);
	free(tok);
}

static void test_license_token(void **state)
{
	struct p2pcd_jws_signer s;
	struct p2pcd_jws_keyring kr;
	struct p2pcd_jws_expect ex = {P2PCD_JWS_TYP_LIC, NULL, NOW, 30};
	json_t *c;
	char *tok;

	(void)state;
	assert_int_equal(p2pcd_jws_signer_init(&s, master, 32, "license", 1), 0);
	assert_string_equal(s.kid, "license:v1");
	assert_int_equal(p2pcd_jws_keyring_init(&kr, "license"), 0);
	assert_int_equal(p2pcd_jws_keyring_set_master(&kr, 1, master, 32), 0);
	c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:[s], s:{s:s}, "
				  "s:s}",
			"iss", "as", "sub", "u-1", "aud", "license", "iat", (json_int_t)NOW,
			"exp", (json_int_t)NOW + 600, "jti", "j-2", "doi",
			"10.5555/p2pcd.1", "kids", "nrQFDeRLSAKTLifXUIPiZg", "rights",
			"play", "PT24H", "icid", "icid-2");
	tok = sign(&s, P2PCD_JWS_TYP_LIC, c);
	assert_int_equal(p2pcd_jws_verify(&kr, tok, strlen(tok), &ex, NULL, NULL),
			P2PCD_JWS_OK);
	/* a license token is no admission token, and the reverse */
	ex.typ = P2PCD_JWS_TYP_ADM;
	assert_int_equal(p2pcd_jws_verify(&kr, tok, strlen(tok), &ex, NULL, NULL),
			P2PCD_JWS_E_TYP);
	free(tok);
	p2pcd_jws_signer_wipe(&s);
	p2pcd_jws_keyring_wipe(&kr);
}

static void test_typ_swapped(void **state)
{
	struct fx *f = *state;
	char *tok = sign(&f->sig, P2PCD_JWS_TYP_LIC, adm_claims(NOW));

	EXPECT(f, tok, P2PCD_JWS_E_TYP);
	f->ex.typ = P2PCD_JWS_TYP_LIC;
	EXPECT(f, tok, P2PCD_JWS_OK);
	free(tok);
	tok = sign(&f->sig, P2PCD_JWS_TYP_ADM, adm_claims(NOW));
	EXPECT(f, tok, P2PCD_JWS_E_TYP);
	free(tok);
}

static void test_forged_mac(void **state)
{
	struct fx *f = *state;
	char *tok = sign(&f->sig, P2PCD_JWS_TYP_ADM, adm_claims(NOW));
	char *sigp = strrchr(tok, '.') + 1, *tampered;
	uint8_t mac[33];
	size_t n, i;
	struct p2pcd_jws_signer other;

	/* every single bit of the MAC matters */
	for(i = 0; i < 256; i++) {
		char *t = strdup(tok);
		char *sp = strrchr(t, '.') + 1;

		assert_int_equal(
				p2pcd_b64url_decode(sigp, 43, mac, sizeof(mac), &n), 0);
		mac[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(p2pcd_b64url_encode(mac, 32, sp, 44), 0);
		EXPECT(f, t, P2PCD_JWS_E_BAD_SIGNATURE);
		free(t);
	}
	/* claims changed under the same MAC */
	{
		char pl[256];

		claims_text(pl, sizeof(pl), ",\"role\":\"seed\"");
		tampered = craft_sig(HDR_ADM, pl, &f->kr.k[0].key);
		EXPECT(f, tampered, P2PCD_JWS_OK);
		memcpy(strrchr(tampered, '.') + 1, sigp, 43);
		EXPECT(f, tampered, P2PCD_JWS_E_BAD_SIGNATURE);
		free(tampered);
	}
	/* right kid, wrong key (another master) */
	{
		uint8_t m2[32] = {1};

		assert_int_equal(p2pcd_jws_signer_init(&other, m2, 32, AUD, 2), 0);
		tampered = sign(&other, P2PCD_JWS_TYP_ADM, adm_claims(NOW));
		EXPECT(f, tampered, P2PCD_JWS_E_BAD_SIGNATURE);
		free(tampered);
	}
	/* signature of the wrong length or encoding */
	tampered = strdup(tok);
	strcpy(strrchr(tampered, '.') + 43, "");
	EXPECT(f, tampered, P2PCD_JWS_E_BAD_SIGNATURE); /* 42 chars */
	free(tampered);
	tampered = malloc(strlen(tok) + 8);
	sprintf(tampered, "%sA", tok);
	EXPECT(f, tampered, P2PCD_JWS_E_BAD_SIGNATURE); /* 44 chars */
	sprintf(tampered, "%s", tok);
	strrchr(tampered, '.')[1] = '+';
	EXPECT(f, tampered, P2PCD_JWS_E_BAD_SIGNATURE); /* not base64url */
	/*
	 * The last character carries 4 MAC bits and 2 unused bits (which
	 * must be 0): setting an unused bit decodes to the same MAC in a lax
	 * decoder, a second spelling of one token. Refused here.
	 */
	{
		static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
								  "abcdefghijklmnopqrstuvwxyz0123456789-_";
		char *last;

		sprintf(tampered, "%s", tok);
		last = tampered + strlen(tampered) - 1;
		assert_int_equal((strchr(b64, *last) - b64) & 3, 0);
		*last = b64[(strchr(b64, *last) - b64) | 1];
		EXPECT(f, tampered, P2PCD_JWS_E_BAD_SIGNATURE);
	}
	free(tampered);
	free(tok);
}

static void test_alg(void **state)
{
	struct fx *f = *state;
	char pl[256], hdr[256], *tok;
	static const char *const algs[] = {
			"\"none\"",
			"\"HS512\"",
			"\"hs256\"",
			"\"HS256 \"",
			"\"RS256\"",
			"\"EdDSA\"",
			"null",
			"256",
			"[\"HS256\"]",
	};
	size_t i;

	claims_text(pl, sizeof(pl), "");
	for(i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		snprintf(hdr, sizeof(hdr),
				"{\"alg\":%s,\"typ\":\"p2pcd-adm+jwt\","
				"\"kid\":\"tracker-1:v2\"}",
				algs[i]);
		/* even with a correct MAC */
		tok = craft_sig(hdr, pl, &f->kr.k[0].key);
		EXPECT(f, tok, P2PCD_JWS_E_ALG);
		free(tok);
	}
	/* no alg at all */
	tok = craft_sig("{\"typ\":\"p2pcd-adm+jwt\",\"kid\":\"tracker-1:v2\"}", pl,
			&f->kr.k[0].key);
	EXPECT(f, tok, P2PCD_JWS_E_ALG);
	/* alg none, unsecured form (empty signature) */
	strrchr(tok, '.')[1] = '\0';
	EXPECT(f, tok, P2PCD_JWS_E_MALFORMED);
	free(tok);
	/* the same text with HS256 passes: the MAC was right all along */
	tok = craft_sig(HDR_ADM, pl, &f->kr.k[0].key);
	EXPECT(f, tok, P2PCD_JWS_OK);
	free(tok);
}

static void test_crit_and_header(void **state)
{
	struct fx *f = *state;
	char pl[256], *tok;
	size_t i;
	static const struct
	{
		const char *hdr;
		enum p2pcd_jws_result want;
	} h[] = {
			{"{\"alg\":\"HS256\",\"typ\":\"p2pcd-adm+jwt\","
			 "\"kid\":\"tracker-1:v2\",\"crit\":[\"exp\"]}",
					P2PCD_JWS_E_CRIT},
			{"{\"alg\":\"HS256\",\"typ\":\"p2pcd-adm+jwt\","
			 "\"kid\":\"tracker-1:v2\",\"crit\":[]}",
					P2PCD_JWS_E_CRIT},
			/* duplicate member: the second alg could fool a lax parser */
			{"{\"alg\":\"none\",\"alg\":\"HS256\",\"typ\":\"p2pcd-adm+jwt\","
			 "\"kid\":\"tracker-1:v2\"}",
					P2PCD_JWS_E_BAD_HEADER},
			{"[\"HS256\"]", P2PCD_JWS_E_BAD_HEADER},
			{"\"HS256\"", P2PCD_JWS_E_BAD_HEADER},
			{"{\"alg\":\"HS256\"", P2PCD_JWS_E_BAD_HEADER},
			{"{\"alg\":\"HS256\",\"typ\":\"p2pcd-adm+jwt\","
			 "\"kid\":\"tracker-1:v2\"} x",
					P2PCD_JWS_E_BAD_HEADER},
			{"{\"alg\":\"HS256\",\"kid\":\"tracker-1:v2\"}", P2PCD_JWS_E_TYP},
			{"{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"tracker-1:v2\"}",
					P2PCD_JWS_E_TYP},
			/* kid: absent, other version, other audience, odd forms */
			{"{\"alg\":\"HS256\",\"typ\":\"p2pcd-adm+jwt\"}",
					P2PCD_JWS_E_UNKNOWN_KID},
			{"{\"alg\":\"HS256\",\"typ\":\"p2pcd-adm+jwt\","
			 "\"kid\":\"tracker-1:v9\"}",
					P2PCD_JWS_E_UNKNOWN_KID},
			{"{\"alg\":\"HS256\",\"typ\":\"p2pcd-adm+jwt\","
			 "\"kid\":\"tracker-2:v2\"}",
					P2PCD_JWS_E_UNKNOWN_KID},
			{"{\"alg\":\"HS256\",\"typ\":\"p2pcd-adm+jwt\","
			 "\"kid\":\"tracker-1:v02\"}",
					P2PCD_JWS_E_UNKNOWN_KID},
			{"{\"alg\":\"HS256\",\"typ\":\"p2pcd-adm+jwt\","
			 "\"kid\":\"tracker-1\"}",
					P2PCD_JWS_E_UNKNOWN_KID},
			{"{\"alg\":\"HS256\",\"typ\":\"p2pcd-adm+jwt\",\"kid\":2}",
					P2PCD_JWS_E_UNKNOWN_KID},
			/* unknown members are ignored (RFC 7515 4), like our order */
			{"{\"kid\":\"tracker-1:v2\",\"x5u\":\"http://evil/\","
			 "\"typ\":\"p2pcd-adm+jwt\",\"alg\":\"HS256\"}",
					P2PCD_JWS_OK},
	};

	claims_text(pl, sizeof(pl), "");
	for(i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		tok = craft_sig(h[i].hdr, pl, &f->kr.k[0].key);
		if(verify(f, tok) != h[i].want)
			fail_msg("header %zu: got %s, want %s", i,
					p2pcd_jws_strerror(verify(f, tok)),
					p2pcd_jws_strerror(h[i].want));
		free(tok);
	}
}

static void test_structure(void **state)
{
	struct fx *f = *state;
	char *tok = sign(&f->sig, P2PCD_JWS_TYP_ADM, adm_claims(NOW));
	size_t len = strlen(tok);
	char *t = malloc(P2PCD_JWS_MAX_LEN + 16);
	char *d1 = strchr(tok, '.');
	static const char *const malformed[] = {
			"",
			".",
			"..",
			"...",
			"a.b",
			"a.b.c.d",
			".b.c",
			"a..c",
			"a.b.",
			"abc",
	};
	size_t i;

	/* three dots: a fourth part */
	snprintf(t, P2PCD_JWS_MAX_LEN, "%s.", tok);
	EXPECT(f, t, P2PCD_JWS_E_MALFORMED);
	snprintf(t, P2PCD_JWS_MAX_LEN, "%s.AAAA", tok);
	EXPECT(f, t, P2PCD_JWS_E_MALFORMED);
	for(i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		EXPECT(f, malformed[i], P2PCD_JWS_E_MALFORMED);

	/* too long: checked before anything else */
	memset(t, 'A', P2PCD_JWS_MAX_LEN + 1);
	t[P2PCD_JWS_MAX_LEN + 1] = '\0';
	EXPECT(f, t, P2PCD_JWS_E_TOO_LONG);
	memcpy(t, tok, len);
	EXPECT(f, t, P2PCD_JWS_E_TOO_LONG);

	/* bad base64url in the header part */
	snprintf(t, P2PCD_JWS_MAX_LEN, "%s", tok);
	t[0] = '=';
	EXPECT(f, t, P2PCD_JWS_E_BAD_HEADER);
	snprintf(t, P2PCD_JWS_MAX_LEN, "%s", tok);
	t[1] = '/';
	EXPECT(f, t, P2PCD_JWS_E_BAD_HEADER);
	snprintf(t, P2PCD_JWS_MAX_LEN, "%.*s=%s", (int)(d1 - tok), tok, d1);
	EXPECT(f, t, P2PCD_JWS_E_BAD_HEADER);
	/* an oversized header is refused before base64 decoding */
	memset(t, 'e', 600);
	snprintf(t + 600, P2PCD_JWS_MAX_LEN - 600, "%s", d1);
	EXPECT(f, t, P2PCD_JWS_E_BAD_HEADER);
	free(t);
	free(tok);

	/* NULL arguments */
	assert_int_equal(p2pcd_jws_verify(NULL, "a.b.c", 5, &f->ex, NULL, NULL),
			P2PCD_JWS_E_INTERNAL);
	assert_int_equal(p2pcd_jws_verify(&f->kr, NULL, 5, &f->ex, NULL, NULL),
			P2PCD_JWS_E_INTERNAL);
	assert_int_equal(p2pcd_jws_verify(&f->kr, NULL, 0, &f->ex, NULL, NULL),
			P2PCD_JWS_E_MALFORMED);
}

static void test_claims_payload(void **state)
{
	struct fx *f = *state;
	char *tok;
	size_t i;
	static const struct
	{
		const char *pl;
		enum p2pcd_jws_result want;
	} c[] = {
			{"[1]", P2PCD_JWS_E_BAD_CLAIMS},
			{"not json", P2PCD_JWS_E_BAD_CLAIMS},
			{"{\"aud\":\"tracker-1\",\"exp\":1700000300,"
			 "\"exp\":1900000000}",
					P2PCD_JWS_E_BAD_CLAIMS}, /* duplicate exp */
			{"{\"aud\":\"tracker-1\"}", P2PCD_JWS_E_MISSING_CLAIM},
			{"{\"exp\":1700000300}", P2PCD_JWS_E_MISSING_CLAIM},
			{"{\"aud\":\"tracker-1\",\"exp\":\"1700000300\"}",
					P2PCD_JWS_E_BAD_CLAIM},
			{"{\"aud\":\"tracker-1\",\"exp\":1700000300.5}",
					P2PCD_JWS_E_BAD_CLAIM},
			{"{\"aud\":\"tracker-1\",\"exp\":1700000300,\"nbf\":null}",
					P2PCD_JWS_E_BAD_CLAIM},
			{"{\"aud\":\"tracker-1\",\"exp\":1700000300,\"iat\":true}",
					P2PCD_JWS_E_BAD_CLAIM},
			{"{\"aud\":[\"tracker-1\"],\"exp\":1700000300}",
					P2PCD_JWS_E_BAD_CLAIM},
			{"{\"aud\":\"tracker-2\",\"exp\":1700000300}",
					P2PCD_JWS_E_WRONG_AUDIENCE},
			{"{\"aud\":\"tracker-1x\",\"exp\":1700000300}",
					P2PCD_JWS_E_WRONG_AUDIENCE},
			{"{\"aud\":\"tracker-\",\"exp\":1700000300}",
					P2PCD_JWS_E_WRONG_AUDIENCE},
			{"{\"aud\":\"tracker-1\",\"exp\":1700000300}", P2PCD_JWS_OK},
			/* extreme values must not overflow the arithmetic */
			{"{\"aud\":\"tracker-1\",\"exp\":-9223372036854775808}",
					P2PCD_JWS_E_EXPIRED},
			{"{\"aud\":\"tracker-1\",\"exp\":9223372036854775807,"
			 "\"nbf\":-9223372036854775808,"
			 "\"iat\":-9223372036854775808}",
					P2PCD_JWS_OK},
			{"{\"aud\":\"tracker-1\",\"exp\":9223372036854775807,"
			 "\"nbf\":9223372036854775807}",
					P2PCD_JWS_E_NOT_YET_VALID},
			{"{\"aud\":\"tracker-1\",\"exp\":99999999999999999999}",
					P2PCD_JWS_E_BAD_CLAIMS},
	};

	for(i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		tok = craft_sig(HDR_ADM, c[i].pl, &f->kr.k[0].key);
		if(verify(f, tok) != c[i].want)
			fail_msg("payload %zu: got %s, want %s", i,
					p2pcd_jws_strerror(verify(f, tok)),
					p2pcd_jws_strerror(c[i].want));
		free(tok);
	}
	/* payload that is not base64url, under a valid MAC */
	tok = craft_sig(HDR_ADM, "{}", &f->kr.k[0].key);
	{
		/* rebuild "HDR.<bad>" and MAC it by hand */
		char *d1 = strchr(tok, '.');
		char buf[512];
		uint8_t mac[32];
		size_t off;

		off = (size_t)snprintf(
				buf, sizeof(buf), "%.*s.e30=", (int)(d1 - tok), tok);
		p2pcd_hmac_sha256(&f->kr.k[0].key, (const uint8_t *)buf, off, mac);
		buf[off++] = '.';
		p2pcd_b64url_encode(mac, 32, buf + off, sizeof(buf) - off);
		EXPECT(f, buf, P2PCD_JWS_E_BAD_CLAIMS);
	}
	free(tok);
}

static void test_time(void **state)
{
	struct fx *f = *state;
	char pl[256], *tok;
	static const struct
	{
		int exp_off, nbf_off, iat_off;
		enum p2pcd_jws_result want;
	} t[] = {
			/* exp: valid while now < exp + skew (skew 30) */
			{1, 0, 0, P2PCD_JWS_OK},
			{0, 0, 0, P2PCD_JWS_OK},
			{-29, -100, -100, P2PCD_JWS_OK},
			{-30, -100, -100, P2PCD_JWS_E_EXPIRED},
			{-31, -100, -100, P2PCD_JWS_E_EXPIRED},
			{-86400, -90000, -90000, P2PCD_JWS_E_EXPIRED},
			/* nbf: valid from nbf - skew */
			{300, 30, 0, P2PCD_JWS_OK},
			{300, 31, 0, P2PCD_JWS_E_NOT_YET_VALID},
			{300, 3600, 0, P2PCD_JWS_E_NOT_YET_VALID},
			/* iat in the future beyond skew */
			{300, 0, 30, P2PCD_JWS_OK},
			{300, 0, 31, P2PCD_JWS_E_IAT_FUTURE},
	};
	size_t i;

	for(i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(pl, sizeof(pl),
				"{\"aud\":\"tracker-1\",\"exp\":%d,\"nbf\":%d,"
				"\"iat\":%d}",
				NOW + t[i].exp_off, NOW + t[i].nbf_off, NOW + t[i].iat_off);
		tok = craft_sig(HDR_ADM, pl, &f->kr.k[0].key);
		if(verify(f, tok) != t[i].want)
			fail_msg("time case %zu: got %s, want %s", i,
					p2pcd_jws_strerror(verify(f, tok)),
					p2pcd_jws_strerror(t[i].want));
		free(tok);
	}
	/* with zero skew, exp == now is expired already; negative = 0 */
	tok = sign(&f->sig, P2PCD_JWS_TYP_ADM, adm_claims(NOW - 300));
	f->ex.skew = 0;
	EXPECT(f, tok, P2PCD_JWS_E_EXPIRED);
	f->ex.now = NOW - 1;
	EXPECT(f, tok, P2PCD_JWS_OK);
	f->ex.skew = -100;
	EXPECT(f, tok, P2PCD_JWS_OK);
	f->ex.now = NOW;
	EXPECT(f, tok, P2PCD_JWS_E_EXPIRED);
	free(tok);
}

static void test_rotation(void **state)
{
	struct p2pcd_jws_signer s1, s2, s3, s3b;
	struct p2pcd_jws_keyring kr;
	struct p2pcd_jws_expect ex = {P2PCD_JWS_TYP_ADM, NULL, NOW, 30};
	char *t1, *t2, *t3, *t3b;
	uint32_t ver;
	uint8_t m2[32];

	(void)state;
	memset(m2, 0x42, sizeof(m2));
	assert_int_equal(p2pcd_jws_signer_init(&s1, master, 32, AUD, 1), 0);
	assert_int_equal(p2pcd_jws_signer_init(&s2, master, 32, AUD, 2), 0);
	assert_int_equal(p2pcd_jws_signer_init(&s3, master, 32, AUD, 3), 0);
	assert_int_equal(p2pcd_jws_signer_init(&s3b, m2, 32, AUD, 3), 0);
	t1 = sign(&s1, P2PCD_JWS_TYP_ADM, adm_claims(NOW));
	t2 = sign(&s2, P2PCD_JWS_TYP_ADM, adm_claims(NOW));
	t3 = sign(&s3, P2PCD_JWS_TYP_ADM, adm_claims(NOW));
	t3b = sign(&s3b, P2PCD_JWS_TYP_ADM, adm_claims(NOW));

	assert_int_equal(p2pcd_jws_keyring_init(&kr, AUD), 0);
	/* an empty keyring knows no kid */
	assert_int_equal(p2pcd_jws_verify(&kr, t1, strlen(t1), &ex, NULL, NULL),
			P2PCD_JWS_E_UNKNOWN_KID);
	assert_int_equal(p2pcd_jws_keyring_set_master(&kr, 1, master, 32), 0);
	assert_int_equal(p2pcd_jws_verify(&kr, t1, strlen(t1), &ex, NULL, &ver),
			P2PCD_JWS_OK);
	assert_int_equal(ver, 1);
	assert_int_equal(p2pcd_jws_verify(&kr, t2, strlen(t2), &ex, NULL, NULL),
			P2PCD_JWS_E_UNKNOWN_KID);

	/* rotate to v2: v1 is previous and still accepted */
	assert_int_equal(p2pcd_jws_keyring_set_master(&kr, 2, master, 32), 0);
	assert_int_equal(p2pcd_jws_verify(&kr, t2, strlen(t2), &ex, NULL, &ver),
			P2PCD_JWS_OK);
	assert_int_equal(ver, 2);
	assert_int_equal(p2pcd_jws_verify(&kr, t1, strlen(t1), &ex, NULL, &ver),
			P2PCD_JWS_OK);
	assert_int_equal(ver, 1);

	/* rotate to v3: v1 is evicted, v2 stays as previous */
	assert_int_equal(p2pcd_jws_keyring_set_master(&kr, 3, master, 32), 0);
	assert_int_equal(p2pcd_jws_verify(&kr, t1, strlen(t1), &ex, NULL, NULL),
			P2PCD_JWS_E_UNKNOWN_KID);
	assert_int_equal(p2pcd_jws_verify(&kr, t2, strlen(t2), &ex, NULL, NULL),
			P2PCD_JWS_OK);
	assert_int_equal(p2pcd_jws_verify(&kr, t3, strlen(t3), &ex, NULL, NULL),
			P2PCD_JWS_OK);

	/* reloading v3 with another key replaces it in place, keeps v2 */
	assert_int_equal(p2pcd_jws_keyring_set_master(&kr, 3, m2, 32), 0);
	assert_int_equal(p2pcd_jws_verify(&kr, t3, strlen(t3), &ex, NULL, NULL),
			P2PCD_JWS_E_BAD_SIGNATURE);
	assert_int_equal(p2pcd_jws_verify(&kr, t3b, strlen(t3b), &ex, NULL, NULL),
			P2PCD_JWS_OK);
	assert_int_equal(p2pcd_jws_verify(&kr, t2, strlen(t2), &ex, NULL, NULL),
			P2PCD_JWS_OK);

	/* bad keyring arguments */
	assert_int_equal(p2pcd_jws_keyring_set(&kr, 0, master), -1);
	assert_int_equal(p2pcd_jws_keyring_init(&kr, "bad aud"), -1);
	assert_int_equal(p2pcd_jws_keyring_set(&kr, 1, master), -1);

	free(t1);
	free(t2);
	free(t3);
	free(t3b);
}

static void test_sign_limits(void **state)
{
	struct fx *f = *state;
	json_t *c = json_object();
	char *big = malloc(4000), *tok = (char *)1;
	size_t len;
	enum p2pcd_jws_result r;
	int i, verified = 0;

	memset(big, 'x', 3999);
	big[3999] = '\0';
	json_object_set_new(c, "pad", json_string(big));
	/* the signer refuses what every verifier would refuse */
	assert_int_equal(
			p2pcd_jws_sign(&f->sig, P2PCD_JWS_TYP_ADM, c, &tok, &len), -1);
	assert_null(tok);
	json_decref(c);
	/* not an object, empty typ */
	c = json_array();
	assert_int_equal(
			p2pcd_jws_sign(&f->sig, P2PCD_JWS_TYP_ADM, c, &tok, &len), -1);
	json_decref(c);
	c = json_object();
	assert_int_equal(p2pcd_jws_sign(&f->sig, "", c, &tok, &len), -1);
	json_decref(c);
	free(big);

	/* the largest token that fits still verifies */
	for(i = 2500; i < 3100; i++) {
		c = adm_claims(NOW);
		big = malloc((size_t)i + 1);
		memset(big, 'y', (size_t)i);
		big[i] = '\0';
		json_object_set_new(c, "pad", json_string(big));
		free(big);
		if(p2pcd_jws_sign(&f->sig, P2PCD_JWS_TYP_ADM, c, &tok, &len)) {
			json_decref(c);
			break;
		}
		json_decref(c);
		assert_true(len <= P2PCD_JWS_MAX_LEN);
		r = p2pcd_jws_verify(&f->kr, tok, len, &f->ex, NULL, NULL);
		assert_int_equal(r, P2PCD_JWS_OK);
		free(tok);
		verified++;
	}
	/* some fitted, then the limit was reached */
	assert_true(verified > 0);
	assert_true(i < 3100);
	assert_true(len > P2PCD_JWS_MAX_LEN - 4);
}

static void test_strerror(void **state)
{
	int i, j;

	(void)state;
	for(i = 0; i <= P2PCD_JWS_E_INTERNAL; i++) {
		const char *a = p2pcd_jws_strerror((enum p2pcd_jws_result)i);

		assert_non_null(a);
		assert_string_not_equal(a, "unknown result");
		for(j = 0; j < i; j++)
			assert_string_not_equal(
					a, p2pcd_jws_strerror((enum p2pcd_jws_result)j));
	}
	assert_string_equal(
			p2pcd_jws_strerror((enum p2pcd_jws_result)99), "unknown result");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_kid_format),
			cmocka_unit_test(test_derive_key),
			cmocka_unit_test(test_rfc7515_a1),
			cmocka_unit_test_setup_teardown(
					test_handmade_token, setup, teardown),
			cmocka_unit_test_setup_teardown(test_sign_verify, setup, teardown),
			cmocka_unit_test_setup_teardown(
					test_interop_python, setup, teardown),
			cmocka_unit_test(test_license_token),
			cmocka_unit_test_setup_teardown(test_typ_swapped, setup, teardown),
			cmocka_unit_test_setup_teardown(test_forged_mac, setup, teardown),
			cmocka_unit_test_setup_teardown(test_alg, setup, teardown),
			cmocka_unit_test_setup_teardown(
					test_crit_and_header, setup, teardown),
			cmocka_unit_test_setup_teardown(test_structure, setup, teardown),
			cmocka_unit_test_setup_teardown(
					test_claims_payload, setup, teardown),
			cmocka_unit_test_setup_teardown(test_time, setup, teardown),
			cmocka_unit_test(test_rotation),
			cmocka_unit_test_setup_teardown(test_sign_limits, setup, teardown),
			cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
