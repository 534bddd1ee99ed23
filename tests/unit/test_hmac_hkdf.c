/*
 * HMAC-SHA256: RFC 4231 test cases 1-7. HKDF-SHA256: RFC 5869 test cases
 * 1-3 (PRK and OKM). The values are copied from the RFCs (and were checked
 * against Python's hmac module when written).
 */
#include "testutil.h"

#include "p2pcd/hkdf.h"
#include "p2pcd/hmac.h"

struct hmac_vec
{
	int tc;
	uint8_t key_byte; /* key = key_len copies of key_byte... */
	size_t key_len;
	const char *key_hex; /* ...unless this is set */
	const char *data;	 /* text data, or */
	uint8_t data_byte;	 /* data_len copies of data_byte */
	size_t data_len;
	const char *mac; /* hex; tc 5 is truncated to 128 bits */
};

static const struct hmac_vec rfc4231[] = {
		{1, 0x0b, 20, NULL, "Hi There", 0, 0,
				"b0344c61d8db38535ca8afceaf0bf12b"
				"881dc200c9833da726e9376c2e32cff7"},
		{2, 0, 0, "4a656665", "what do ya want for nothing?", 0, 0,
				"5bdcc146bf60754e6a042426089575c7"
				"5a003f089d2739839dec58b964ec3843"},
		{3, 0xaa, 20, NULL, NULL, 0xdd, 50,
				"773ea91e36800e46854db8ebd09181a7"
				"2959098b3ef8c122d9635514ced565fe"},
		{4, 0, 0, "0102030405060708090a0b0c0d0e0f10111213141516171819", NULL,
				0xcd, 50,
				"82558a389a443c0ea4cc819899f2083a"
				"85f0faa3e578f8077a2e3ff46729665b"},
		{5, 0x0c, 20, NULL, "Test With Truncation", 0, 0,
				"a3b6167473100ee06e0c796c2955552b"},
		{6, 0xaa, 131, NULL,
				"Test Using Larger Than Block-Size Key - Hash Key First", 0, 0,
				"60e431591ee0b67f0d8a26aacbf5b77f"
				"8e0bc6213728c5140546040f0ee37f54"},
		{7, 0xaa, 131, NULL,
				"This is a test using a larger than block-size key and a "
				"larger than block-size data. The key needs to be hashed "
				"before being used by the HMAC algorithm.",
				0, 0,
				"9b09ffa71b942fcb27635fbcd5b0e944"
				"bfdc63644f0713938a7f51535c3a35e2"},
};

static void vec_inputs(const struct hmac_vec *v, uint8_t *key, size_t *klen,
		uint8_t *data, size_t *dlen)
{
	if(v->key_hex) {
		*klen = unhex(v->key_hex, key, 256);
	} else {
		memset(key, v->key_byte, v->key_len);
		*klen = v->key_len;
	}
	if(v->data) {
		*dlen = strlen(v->data);
		memcpy(data, v->data, *dlen);
	} else {
		memset(data, v->data_byte, v->data_len);
		*dlen = v->data_len;
	}
}

static void test_rfc4231(void **state)
{
	uint8_t key[256], data[256], want[32], mac[32], mac2[32];
	size_t klen, dlen, wlen, i, j;
	struct p2pcd_hmac_key k;
	struct p2pcd_hmac_ctx c;

	(void)state;
	for(i = 0; i < sizeof(rfc4231) / sizeof(rfc4231[0]); i++) {
		const struct hmac_vec *v = &rfc4231[i];

		vec_inputs(v, key, &klen, data, &dlen);
		wlen = unhex(v->mac, want, sizeof(want));
		assert_int_equal(wlen, v->tc == 5 ? 16 : 32);

		assert_int_equal(p2pcd_hmac_key_init(&k, key, klen), 0);
		/* the precomputed key is reusable: same MAC every time */
		for(j = 0; j < 3; j++) {
			p2pcd_hmac_sha256(&k, data, dlen, mac);
			if(memcmp(mac, want, wlen))
				fail_msg("RFC 4231 test case %d mismatch", v->tc);
		}
		assert_int_equal(
				p2pcd_hmac_sha256_oneshot(key, klen, data, dlen, mac2), 0);
		assert_memory_equal(mac, mac2, 32);
		/* streaming in two pieces gives the same */
		p2pcd_hmac_start(&c, &k);
		p2pcd_hmac_update(&c, data, dlen / 2);
		p2pcd_hmac_update(&c, data + dlen / 2, dlen - dlen / 2);
		p2pcd_hmac_final(&c, mac2);
		assert_memory_equal(mac, mac2, 32);
		p2pcd_hmac_key_wipe(&k);
	}
}

static void test_hmac_verify(void **state)
{
	uint8_t mac[32];
	struct p2pcd_hmac_key k;
	static const uint8_t msg[] = "message";

	(void)state;
	assert_int_equal(p2pcd_hmac_key_init(&k, (const uint8_t *)"key", 3), 0);
	p2pcd_hmac_sha256(&k, msg, 7, mac);
	assert_true(p2pcd_hmac_sha256_verify(&k, msg, 7, mac, 32));
	assert_false(p2pcd_hmac_sha256_verify(&k, msg, 6, mac, 32));
	assert_false(p2pcd_hmac_sha256_verify(&k, msg, 7, mac, 16));
	assert_false(p2pcd_hmac_sha256_verify(&k, msg, 7, NULL, 32));
	mac[31] ^= 1;
	assert_false(p2pcd_hmac_sha256_verify(&k, msg, 7, mac, 32));
	/* an empty key is a key (RFC 2104 pads it with zeros) */
	assert_int_equal(p2pcd_hmac_key_init(&k, NULL, 0), 0);
	assert_int_equal(p2pcd_hmac_key_init(&k, NULL, 1), -1);
}

struct hkdf_vec
{
	int tc;
	const char *ikm, *salt, *info;
	size_t L;
	const char *prk, *okm;
};

static const struct hkdf_vec rfc5869[] = {
		{1, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
				"000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
				"077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3"
				"e5",
				"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5"
				"bf"
				"34007208d5b887185865"},
		{2,
				"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e"
				"1f"
				"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e"
				"3f"
				"404142434445464748494a4b4c4d4e4f",
				"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e"
				"7f"
				"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e"
				"9f"
				"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
				"b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdce"
				"cf"
				"d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedee"
				"ef"
				"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
				82,
				"06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc2"
				"44",
				"b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa9"
				"7c"
				"59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db"
				"71"
				"cc30c58179ec3e87c14c01d5c1f3434f1d87"},
		{3, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42,
				"19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb"
				"04",
				"8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d"
				"2d"
				"9d201395faa4b61a96c8"},
};

static void test_rfc5869(void **state)
{
	uint8_t ikm[128], salt[128], info[128], prk[32], okm[128], want[128];
	uint8_t out[128];
	size_t il, sl, nl, i;

	(void)state;
	for(i = 0; i < sizeof(rfc5869) / sizeof(rfc5869[0]); i++) {
		const struct hkdf_vec *v = &rfc5869[i];

		il = unhex(v->ikm, ikm, sizeof(ikm));
		sl = unhex(v->salt, salt, sizeof(salt));
		nl = unhex(v->info, info, sizeof(info));

		assert_int_equal(
				p2pcd_hkdf_sha256_extract(sl ? salt : NULL, sl, ikm, il, prk),
				0);
		unhex(v->prk, want, sizeof(want));
		if(memcmp(prk, want, 32))
			fail_msg("RFC 5869 test case %d: PRK mismatch", v->tc);

		assert_int_equal(p2pcd_hkdf_sha256_expand(
								 prk, 32, nl ? info : NULL, nl, okm, v->L),
				0);
		assert_int_equal(unhex(v->okm, want, sizeof(want)), v->L);
		if(memcmp(okm, want, v->L))
			fail_msg("RFC 5869 test case %d: OKM mismatch", v->tc);

		memset(out, 0, sizeof(out));
		assert_int_equal(p2pcd_hkdf_sha256(sl ? salt : NULL, sl, ikm, il,
								 nl ? info : NULL, nl, out, v->L),
				0);
		assert_memory_equal(out, want, v->L);
		/* nothing written past L */
		assert_int_equal(out[v->L], 0);
	}
}

static void test_hkdf_bounds(void **state)
{
	uint8_t out[32];
	static uint8_t big[255 * 32 + 1];

	(void)state;
	assert_int_equal(p2pcd_hkdf_sha256(NULL, 0, (const uint8_t *)"k", 1, NULL,
							 0, big, 255 * 32),
			0);
	assert_int_equal(p2pcd_hkdf_sha256(NULL, 0, (const uint8_t *)"k", 1, NULL,
							 0, big, 255 * 32 + 1),
			-1);
	assert_int_equal(p2pcd_hkdf_sha256(
							 NULL, 0, (const uint8_t *)"k", 1, NULL, 0, out, 0),
			-1);
	assert_int_equal(p2pcd_hkdf_sha256(NULL, 4, (const uint8_t *)"k", 1, NULL,
							 0, out, 32),
			-1);
	assert_int_equal(p2pcd_hkdf_sha256_expand(
							 (const uint8_t *)"short", 5, NULL, 0, out, 32),
			-1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_rfc4231),
			cmocka_unit_test(test_hmac_verify),
			cmocka_unit_test(test_rfc5869),
			cmocka_unit_test(test_hkdf_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
