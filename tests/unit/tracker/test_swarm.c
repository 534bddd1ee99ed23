/*
 * The dense swarm table: insert, refresh, stop, seed/leech counts,
 * transfer deltas, peer selection, expiry with 16-bit tick wrap-around,
 * IPv6 side table, entry sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "swarm.h"

static const uint8_t ip4[4] = {10, 0, 0, 1};
static const uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

static void ann(struct swarm_peers *s, uint32_t key, int seed, int stopped,
		uint16_t exp, uint64_t up, uint64_t down, struct swarm_delta *d)
{
	struct swarm_announce a = {.key = key,
			.ip = ip4,
			.ip_len = 4,
			.port = 0x1a1a,
			.seed = seed,
			.stopped = stopped,
			.exp = exp,
			.up = up,
			.down = down,
			.subject = 7};
	struct swarm_delta dd;

	assert_int_equal(swarm_announce(s, &a, d ? d : &dd), 0);
}

static void test_sizes(void **state)
{
	(void)state;
	/* the hot-table goal: at most 16 bytes per IPv4 peer */
	assert_int_equal(sizeof(struct peer4), 12);
	assert_int_equal(sizeof(struct peer6), 24);
	assert_int_equal(sizeof(struct peer_acct), 24);
}

static void test_insert_refresh_stop(void **state)
{
	struct swarm_peers s;
	struct swarm_delta d;

	(void)state;
	swarm_init(&s);
	ann(&s, 100, 0, 0, 50, 10, 20, &d);
	assert_true(d.is_new);
	assert_int_equal(d.up, 10);
	assert_int_equal(d.down, 20);
	ann(&s, 200, 1, 0, 50, 0, 0, NULL);
	assert_int_equal(s.seeders, 1);
	assert_int_equal(s.leechers, 1);
	/* the same peer again: a delta, no new entry */
	ann(&s, 100, 0, 0, 60, 15, 120, &d);
	assert_false(d.is_new);
	assert_int_equal(d.up, 5);
	assert_int_equal(d.down, 100);
	assert_int_equal(swarm_peer_count(&s), 2);
	/* leecher becomes a seed */
	ann(&s, 100, 1, 0, 60, 15, 200, &d);
	assert_true(d.was_leecher);
	assert_int_equal(s.seeders, 2);
	assert_int_equal(s.leechers, 0);
	/* totals went down (client restart): the new totals count */
	ann(&s, 100, 1, 0, 60, 3, 4, &d);
	assert_int_equal(d.up, 3);
	assert_int_equal(d.down, 4);
	/* bit 0 of the key is the seed flag, not identity */
	ann(&s, 101, 1, 0, 60, 3, 4, &d);
	assert_false(d.is_new);
	ann(&s, 100, 1, 1, 0, 3, 4, NULL);
	assert_int_equal(swarm_peer_count(&s), 1);
	assert_int_equal(s.seeders, 1);
	/* stopping an unknown peer changes nothing */
	ann(&s, 999998, 0, 1, 0, 0, 0, NULL);
	assert_int_equal(swarm_peer_count(&s), 1);
	swarm_free(&s);
}

static void test_pick(void **state)
{
	struct swarm_peers s;
	uint8_t out[100 * 6];
	uint32_t k;
	unsigned n;

	(void)state;
	swarm_init(&s);
	for(k = 0; k < 100; k++)
		ann(&s, k * 2 + 2, k < 10, 0, 100, 0, 0, NULL);
	assert_int_equal(s.seeders, 10);
	n = swarm_pick(&s, 4, 2, 0, 50, 12345, out);
	assert_int_equal(n, 50);
	assert_memory_equal(out, ip4, 4);
	assert_int_equal(out[4], 0x1a);
	/* everyone but self */
	n = swarm_pick(&s, 4, 2, 0, 1000, 7, out);
	assert_int_equal(n, 99);
	/* a seed gets only the 90 leechers */
	n = swarm_pick(&s, 4, 2, 1, 1000, 7, out);
	assert_int_equal(n, 90);
	/* no IPv6 peers */
	assert_int_equal(swarm_pick(&s, 16, 2, 0, 10, 1, out), 0);
	swarm_free(&s);
}

static void test_ipv6(void **state)
{
	struct swarm_peers s;
	struct swarm_announce a = {
			.key = 42, .ip = ip6, .ip_len = 16, .port = 0x0102, .exp = 10};
	struct swarm_delta d;
	uint8_t out[18 * 2];

	(void)state;
	swarm_init(&s);
	assert_int_equal(swarm_announce(&s, &a, &d), 0);
	ann(&s, 44, 0, 0, 10, 0, 0, NULL);
	assert_int_equal(s.v6.n, 1);
	assert_int_equal(s.v4.n, 1);
	assert_int_equal(swarm_pick(&s, 16, 44, 0, 10, 0, out), 1);
	assert_memory_equal(out, ip6, 16);
	assert_int_equal(out[16], 0x02);
	assert_int_equal(out[17], 0x01);
	swarm_free(&s);
}

static void test_expire_wraps(void **state)
{
	struct swarm_peers s;

	(void)state;
	swarm_init(&s);
	/* expiries just before and after the 16-bit wrap */
	ann(&s, 10, 0, 0, 65530, 0, 0, NULL);
	ann(&s, 20, 1, 0, 5, 0, 0, NULL);
	ann(&s, 30, 0, 0, 200, 0, 0, NULL);
	assert_int_equal(swarm_expire(&s, 65500), 0);
	assert_int_equal(swarm_expire(&s, 65530), 1); /* 10 */
	assert_int_equal(swarm_peer_count(&s), 2);
	assert_int_equal(swarm_expire(&s, 3), 0);
	assert_int_equal(swarm_expire(&s, 6), 1); /* 20, the seed */
	assert_int_equal(s.seeders, 0);
	assert_int_equal(s.leechers, 1);
	assert_int_equal(swarm_expire(&s, 300), 1);
	assert_int_equal(swarm_peer_count(&s), 0);
	swarm_free(&s);
}

static void test_many_peers_sorted(void **state)
{
	struct swarm_peers s;
	uint32_t i, x = 1;
	size_t hot;

	(void)state;
	swarm_init(&s);
	for(i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		ann(&s, x & ~1u, 0, 0, 100, 0, 0, NULL);
	}
	for(i = 1; i < s.v4.n; i++) {
		const struct peer4 *p = (const struct peer4 *)s.v4.p;

		assert_true((p[i - 1].key >> 1) < (p[i].key >> 1));
	}
	swarm_bytes(&s, &hot);
	/* capacity doubles: at most 2 x 12 bytes per peer */
	assert_true(hot <= (size_t)s.v4.n * 24);
	swarm_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_sizes),
			cmocka_unit_test(test_insert_refresh_stop),
			cmocka_unit_test(test_pick),
			cmocka_unit_test(test_ipv6),
			cmocka_unit_test(test_expire_wraps),
			cmocka_unit_test(test_many_peers_sorted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
