/* Constant-time comparison (a wrapper, so: behaviour only). */
#include "testutil.h"

#include "p2pcd/ct.h"

static void test_ct_equal(void **state)
{
	uint8_t a[64], b[64];
	size_t i;

	(void)state;
	for(i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (uint8_t)(i * 7);
	assert_true(p2pcd_ct_equal(a, b, sizeof(a)));
	assert_true(p2pcd_ct_equal(a, b, 0));
	/* a difference anywhere, in any bit, is seen */
	for(i = 0; i < sizeof(a); i++) {
		b[i] ^= (uint8_t)(1u << (i % 8));
		assert_false(p2pcd_ct_equal(a, b, sizeof(a)));
		/* ...but not outside the compared length */
		assert_true(p2pcd_ct_equal(a, b, i));
		b[i] = a[i];
	}
	assert_true(p2pcd_ct_equal(a, b, sizeof(a)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_ct_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
