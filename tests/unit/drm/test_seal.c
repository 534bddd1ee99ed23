/*
 * Content keys sealed to the license service (sealed boxes) and wrapped
 * under a KEK: round trips for both key lengths (16-byte cenc, 32-byte
 * container), and every refusal (wrong key pair, wrong KID, modified
 * bytes, wrong lengths, edited KEK version).
 */
#include "drm_testutil.h"

#include "p2pcd/keywrap.h"
#include "p2pcd/seal.h"

static void test_keypair(void **state)
{
	uint8_t pk[32], sk[32], pk2[32], sk2[32], derived[32];

	(void)state;
	assert_int_equal(p2pcd_seal_keypair(pk, sk), 0);
	assert_int_equal(p2pcd_seal_keypair(pk2, sk2), 0);
	assert_memory_not_equal(pk, pk2, 32);
	assert_memory_not_equal(sk, sk2, 32);
	assert_int_equal(p2pcd_seal_public_of(sk, derived), 0);
	assert_memory_equal(derived, pk, 32);
}

static void test_random_keys(void **state)
{
	uint8_t k1[32], k2[32], i1[16], i2[16], zero[32] = {0};

	(void)state;
	p2pcd_content_key_new(k1, 32);
	p2pcd_content_key_new(k2, 32);
	p2pcd_kid_new(i1);
	p2pcd_kid_new(i2);
	assert_memory_not_equal(k1, k2, 32);
	assert_memory_not_equal(i1, i2, 16);
	assert_memory_not_equal(k1, zero, 32);
	assert_true(p2pcd_content_key_len_ok(16));
	assert_true(p2pcd_content_key_len_ok(32));
	assert_false(p2pcd_content_key_len_ok(24));
	assert_true(p2pcd_sealed_key_len_ok(81));
	assert_true(p2pcd_sealed_key_len_ok(97));
	assert_false(p2pcd_sealed_key_len_ok(96));
}

static void seal_roundtrip(size_t klen)
{
	uint8_t pk[32], sk[32], key[32], kid[16], sealed[P2PCD_SEALED_KEY_MAX],
			sealed2[P2PCD_SEALED_KEY_MAX], got_key[32], got_kid[16];
	size_t slen, slen2, glen = 0;

	assert_int_equal(p2pcd_seal_keypair(pk, sk), 0);
	p2pcd_content_key_new(key, klen);
	p2pcd_kid_new(kid);
	assert_int_equal(
			p2pcd_seal_content_key(pk, kid, key, klen, sealed, &slen), 0);
	assert_int_equal(slen, 1 + 16 + klen + 48);
	assert_int_equal(
			p2pcd_seal_content_key(pk, kid, key, klen, sealed2, &slen2), 0);
	/* ephemeral sender key: never the same twice */
	assert_memory_not_equal(sealed, sealed2, slen);
	assert_int_equal(p2pcd_unseal_content_key(pk, sk, sealed, slen, kid,
							 got_kid, got_key, &glen),
			P2PCD_SEAL_OK);
	assert_int_equal(glen, klen);
	assert_memory_equal(got_key, key, klen);
	assert_memory_equal(got_kid, kid, 16);
	memset(got_key, 0, 32);
	assert_int_equal(p2pcd_unseal_content_key(pk, sk, sealed2, slen2, NULL,
							 NULL, got_key, &glen),
			P2PCD_SEAL_OK);
	assert_memory_equal(got_key, key, klen);
}

static void test_seal_roundtrip(void **state)
{
	(void)state;
	assert_int_equal(P2PCD_SEALED_KEY_MAX, 97);
	seal_roundtrip(32);
	seal_roundtrip(16);
}

static void test_seal_refusals(void **state)
{
	uint8_t pk[32], sk[32], pk2[32], sk2[32], key[32], kid[16], other_kid[16],
			sealed[P2PCD_SEALED_KEY_MAX], got[32], untouched[32];
	size_t i, slen, glen = 99;
	int bit;

	(void)state;
	assert_int_equal(p2pcd_seal_keypair(pk, sk), 0);
	assert_int_equal(p2pcd_seal_keypair(pk2, sk2), 0);
	p2pcd_content_key_new(key, 32);
	p2pcd_kid_new(kid);
	memcpy(other_kid, kid, 16);
	other_kid[15] ^= 1;
	assert_int_equal(
			p2pcd_seal_content_key(pk, kid, key, 24, sealed, &slen), -1);
	assert_int_equal(
			p2pcd_seal_content_key(pk, kid, key, 32, sealed, &slen), 0);
	memset(got, 0x5a, 32);
	memcpy(untouched, got, 32);

	/* another service's key pair */
	assert_int_equal(p2pcd_unseal_content_key(
							 pk2, sk2, sealed, slen, NULL, NULL, got, &glen),
			P2PCD_SEAL_E_OPEN);
	/* the right pair, but the KID claimed in the PUBLISH differs */
	assert_int_equal(p2pcd_unseal_content_key(
							 pk, sk, sealed, slen, other_kid, NULL, got, &glen),
			P2PCD_SEAL_E_KID);
	/* lengths: one byte short, and the 16-byte key's length */
	assert_int_equal(p2pcd_unseal_content_key(
							 pk, sk, sealed, slen - 1, NULL, NULL, got, &glen),
			P2PCD_SEAL_E_LEN);
	assert_int_equal(p2pcd_unseal_content_key(
							 pk, sk, sealed, slen - 16, NULL, NULL, got, &glen),
			P2PCD_SEAL_E_OPEN);
	assert_int_equal(
			p2pcd_unseal_content_key(pk, sk, sealed, 0, NULL, NULL, got, &glen),
			P2PCD_SEAL_E_LEN);
	/* any flipped bit */
	for(i = 0; i < slen; i++)
		for(bit = 0; bit < 8; bit++) {
			sealed[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(p2pcd_unseal_content_key(pk, sk, sealed, slen,
									 NULL, NULL, got, &glen),
					P2PCD_SEAL_E_OPEN);
			sealed[i] ^= (uint8_t)(1u << bit);
		}
	/* no refusal wrote the output key */
	assert_memory_equal(got, untouched, 32);
	assert_int_equal(glen, 99);
	assert_non_null(strstr(
			p2pcd_seal_strerror(P2PCD_SEAL_E_OPEN), "another public key"));
}

static void keywrap(size_t klen)
{
	uint8_t kek[32], kek2[32], key[32], kid[16], kid2[16],
			w[P2PCD_WRAPPED_KEY_MAX], w2[P2PCD_WRAPPED_KEY_MAX], got[32];
	size_t i, wlen, wlen2, glen;
	uint32_t ver;
	int bit;

	p2pcd_kek_new(kek);
	p2pcd_kek_new(kek2);
	p2pcd_content_key_new(key, klen);
	p2pcd_kid_new(kid);
	memcpy(kid2, kid, 16);
	kid2[3] ^= 4;
	assert_int_equal(p2pcd_keywrap(kek, 7, kid, key, klen, w, &wlen), 0);
	assert_int_equal(wlen, 5 + 24 + klen + 16);
	assert_int_equal(p2pcd_keywrap(kek, 7, kid, key, klen, w2, &wlen2), 0);
	assert_memory_not_equal(w, w2, wlen); /* random nonce */
	/* the key is not in the blob in clear */
	for(i = 0; i + klen <= wlen; i++)
		assert_memory_not_equal(w + i, key, klen);
	assert_int_equal(p2pcd_keywrap_kek_version(w, wlen, &ver), 0);
	assert_int_equal(ver, 7);
	assert_int_equal(p2pcd_keyunwrap(kek, kid, w, wlen, got, &glen), 0);
	assert_int_equal(glen, klen);
	assert_memory_equal(got, key, klen);

	assert_int_equal(p2pcd_keyunwrap(kek2, kid, w, wlen, got, &glen), -1);
	assert_int_equal(p2pcd_keyunwrap(kek, kid2, w, wlen, got, &glen), -1);
	assert_int_equal(p2pcd_keyunwrap(kek, kid, w, wlen - 1, got, &glen), -1);
	assert_int_equal(p2pcd_keywrap_kek_version(w, wlen - 1, &ver), -1);
	for(i = 0; i < wlen; i++)
		for(bit = 0; bit < 8; bit++) {
			w[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(
					p2pcd_keyunwrap(kek, kid, w, wlen, got, &glen), -1);
			w[i] ^= (uint8_t)(1u << bit);
		}
	assert_int_equal(p2pcd_keyunwrap(kek, kid, w, wlen, got, &glen), 0);
}

static void test_keywrap(void **state)
{
	uint8_t kek[32] = {0}, kid[16] = {0}, key[32] = {0},
			w[P2PCD_WRAPPED_KEY_MAX];
	size_t wlen;

	(void)state;
	assert_int_equal(P2PCD_WRAPPED_KEY_MAX, 77);
	keywrap(32);
	keywrap(16);
	assert_int_equal(p2pcd_keywrap(kek, 1, kid, key, 20, w, &wlen), -1);
}

/* the license service path: unseal what a publisher sent, wrap for rest */
static void test_seal_then_wrap(void **state)
{
	uint8_t pk[32], sk[32], kek[32], key[32], kid[16],
			sealed[P2PCD_SEALED_KEY_MAX], w[P2PCD_WRAPPED_KEY_MAX], k1[32],
			k2[32];
	size_t slen, wlen, l1, l2;

	(void)state;
	assert_int_equal(p2pcd_seal_keypair(pk, sk), 0);
	p2pcd_kek_new(kek);
	p2pcd_content_key_new(key, 16);
	p2pcd_kid_new(kid);
	assert_int_equal(
			p2pcd_seal_content_key(pk, kid, key, 16, sealed, &slen), 0);
	assert_int_equal(
			p2pcd_unseal_content_key(pk, sk, sealed, slen, kid, NULL, k1, &l1),
			0);
	assert_int_equal(p2pcd_keywrap(kek, 1, kid, k1, l1, w, &wlen), 0);
	assert_int_equal(p2pcd_keyunwrap(kek, kid, w, wlen, k2, &l2), 0);
	assert_int_equal(l2, 16);
	assert_memory_equal(k2, key, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_keypair),
			cmocka_unit_test(test_random_keys),
			cmocka_unit_test(test_seal_roundtrip),
			cmocka_unit_test(test_seal_refusals),
			cmocka_unit_test(test_keywrap),
			cmocka_unit_test(test_seal_then_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
