/*
 * The announce/scrape query parser: percent-decoding, required and
 * duplicate keys, numeric ranges, events, scrape lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "query.h"

#define IH "%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f%10%11%12%13%14"
#define PID "-AR1360-abcdefghijkl"
#define BASE                                                 \
	"info_hash=" IH "&peer_id=" PID "&port=6881&uploaded=1&" \
	"downloaded=2&left=3"

static int parse(const char *q, enum tq_kind k, struct tq *t, const char **w)
{
	return tq_parse(q, strlen(q), k, t, w);
}

static void refused(const char *q, const char *why_part)
{
	struct tq t;
	const char *why;

	assert_int_equal(parse(q, TQ_ANNOUNCE, &t, &why), -1);
	assert_non_null(why);
	if(!strstr(why, why_part))
		fail_msg("'%s': reason '%s' lacks '%s'", q, why, why_part);
}

static void test_full_announce(void **state)
{
	struct tq t;
	const char *why;
	uint8_t ih[20];
	int i;

	(void)state;
	for(i = 0; i < 20; i++)
		ih[i] = (uint8_t)(i + 1);
	assert_int_equal(parse(BASE "&event=started&compact=1&numwant=30&"
								"key=x&ip=10.0.0.1&no_peer_id=1",
							 TQ_ANNOUNCE, &t, &why),
			0);
	assert_int_equal(t.n_info_hash, 1);
	assert_memory_equal(t.info_hash[0], ih, 20);
	assert_memory_equal(t.peer_id, PID, 20);
	assert_int_equal(t.port, 6881);
	assert_int_equal(t.uploaded, 1);
	assert_int_equal(t.downloaded, 2);
	assert_int_equal(t.left, 3);
	assert_int_equal(t.event, TQ_EV_STARTED);
	assert_int_equal(t.compact, 1);
	assert_int_equal(t.numwant, 30);
}

static void test_defaults_and_events(void **state)
{
	struct tq t;
	const char *why;

	(void)state;
	assert_int_equal(parse(BASE, TQ_ANNOUNCE, &t, &why), 0);
	assert_int_equal(t.event, TQ_EV_NONE);
	assert_int_equal(t.numwant, -1);
	assert_int_equal(t.compact, 1);
	assert_int_equal(parse(BASE "&event=stopped", TQ_ANNOUNCE, &t, &why), 0);
	assert_int_equal(t.event, TQ_EV_STOPPED);
	assert_int_equal(parse(BASE "&event=completed", TQ_ANNOUNCE, &t, &why), 0);
	assert_int_equal(t.event, TQ_EV_COMPLETED);
	assert_int_equal(parse(BASE "&event=", TQ_ANNOUNCE, &t, &why), 0);
	assert_int_equal(t.event, TQ_EV_NONE);
	/* big values and a big numwant (capped) */
	assert_int_equal(parse("info_hash=" IH "&peer_id=" PID
						   "&port=65535&uploaded=18446744073709551615&"
						   "downloaded=0&left=0&numwant=99999999",
							 TQ_ANNOUNCE, &t, &why),
			0);
	assert_true(t.uploaded == UINT64_MAX);
	assert_int_equal(t.numwant, 100000);
	/* unknown keys and empty pairs are tolerated */
	assert_int_equal(
			parse(BASE "&&x=1&supportcrypto=1&", TQ_ANNOUNCE, &t, &why), 0);
}

static void test_refusals(void **state)
{
	(void)state;
	refused("", "missing info_hash");
	refused("info_hash=" IH, "missing peer_id");
	refused("info_hash=" IH "&peer_id=" PID, "missing port");
	refused("info_hash=" IH "&peer_id=" PID "&port=1&uploaded=0&"
			"downloaded=0",
			"missing left");
	refused(BASE "&info_hash=" IH, "duplicate info_hash");
	refused(BASE "&port=1", "duplicate port");
	refused(BASE "&left=1", "duplicate left");
	refused("info_hash=%01%02"
			"&peer_id=" PID "&port=1",
			"bad info_hash");
	refused("info_hash=" IH "%15&peer_id=" PID, "bad info_hash");
	refused("info_hash=%zz", "bad info_hash");
	refused("info_hash=%0", "bad info_hash");
	refused("info_hash=" IH "&peer_id=short&port=1", "bad peer_id");
	refused(BASE "&event=bogus", "bad event");
	refused(BASE "&compact=2", "bad compact");
	refused(BASE "&numwant=-1", "bad numwant");
	refused("info_hash=" IH "&peer_id=" PID "&port=0", "bad port");
	refused("info_hash=" IH "&peer_id=" PID "&port=65536", "bad port");
	refused("info_hash=" IH "&peer_id=" PID "&port=+1", "bad port");
	refused("info_hash=" IH "&peer_id=" PID "&port=", "bad port");
	refused("info_hash=" IH "&peer_id=" PID "&port=1&uploaded="
			"18446744073709551616",
			"bad uploaded");
	refused("info_hash=" IH "&peer_id=" PID "&port=1&uploaded=1x",
			"bad uploaded");
	refused(BASE "&novalue", "malformed");
}

static void test_scrape(void **state)
{
	struct tq t;
	const char *why;

	(void)state;
	assert_int_equal(parse("", TQ_SCRAPE, &t, &why), 0);
	assert_int_equal(t.n_info_hash, 0);
	assert_int_equal(
			parse("info_hash=" IH "&info_hash=" IH, TQ_SCRAPE, &t, &why), 0);
	assert_int_equal(t.n_info_hash, 2);
	/* peer_id etc. are not looked at in a scrape */
	assert_int_equal(parse("info_hash=" IH "&port=0", TQ_SCRAPE, &t, &why), 0);
	assert_int_equal(parse("info_hash=" IH "&info_hash=" IH "&info_hash=" IH
						   "&info_hash=" IH "&info_hash=" IH "&info_hash=" IH
						   "&info_hash=" IH "&info_hash=" IH "&info_hash=" IH,
							 TQ_SCRAPE, &t, &why),
			-1);
	assert_non_null(strstr(why, "too many"));
}

static void test_pct_decode(void **state)
{
	uint8_t out[8];

	(void)state;
	assert_int_equal(tq_pct_decode("a%41+", 5, out, sizeof(out)), 3);
	assert_memory_equal(out, "aA+", 3);
	assert_int_equal(tq_pct_decode("%00%ff", 6, out, sizeof(out)), 2);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 0xff);
	assert_int_equal(tq_pct_decode("%4", 2, out, sizeof(out)), -1);
	assert_int_equal(tq_pct_decode("%g0", 3, out, sizeof(out)), -1);
	assert_int_equal(tq_pct_decode("123456789", 9, out, sizeof(out)), -1);
	assert_int_equal(tq_pct_decode("", 0, out, sizeof(out)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_full_announce),
			cmocka_unit_test(test_defaults_and_events),
			cmocka_unit_test(test_refusals),
			cmocka_unit_test(test_scrape),
			cmocka_unit_test(test_pct_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
