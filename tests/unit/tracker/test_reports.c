/*
 * The transfer-report cross-checks (reports.c) and the offender policy
 * (offenders.c): an honest swarm is not flagged, also when the uploader
 * reports before the downloader; upload_vs_others, swarm_balance (the
 * excess goes to the leech-role claimant, not the publisher) and
 * seed_claim each flag the cheater once; a first announce's history is
 * not cross-checked; strikes, window, clearing and the policies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "accounting.h"
#include "offenders.h"
#include "reports.h"
#include "swarm.h"

#define MIB (1u << 20)

static char swarm_a, swarm_b; /* opaque swarm pointers */
#define SA ((struct swarm *)(void *)&swarm_a)
#define SB ((struct swarm *)(void *)&swarm_b)

enum
{
	PUB = 1,
	BUYER,
	CHEAT,
	CHEAT2
};

static int setup(void **state)
{
	struct reports_params p = {.slack = 256 * 1024,
			.slack_percent = 5,
			.seed_tolerance = 10,
			.history_until = 0,
			.expire = 3600,
			.enabled = true};
	struct report *r;
	struct seed_claim *c;
	size_t n;

	(void)state;
	reports_free();
	reports_configure(&p);
	/* an empty queue and a first round (baselines) */
	reports_take(&r);
	free(r);
	reports_round(1000, &c, &n);
	free(c);
	return 0;
}

/* one announce's delta */
static void note(struct swarm *sw, uint32_t sub, bool seed_role, bool is_new,
		bool was_leecher, uint64_t up, uint64_t down, uint64_t left)
{
	struct swarm_delta d = {.up = up,
			.down = down,
			.is_new = is_new,
			.was_leecher = was_leecher,
			.elapsed = 1};

	reports_note(sw, sub, seed_role, &d, left, left == 0, 1000);
}

/* a round at t; the flags queued (caller frees), claims freed */
static size_t round_at(uint32_t t, struct report **flags,
		struct seed_claim **claims, size_t *nc)
{
	struct seed_claim *c;
	size_t k;

	reports_round(t, claims ? claims : &c, nc ? nc : &k);
	if(!claims)
		free(c);
	return reports_take(flags);
}

/* publisher uploads 4 MiB to the buyer, who then seeds */
static void honest_swarm(void)
{
	note(SA, PUB, true, true, false, 0, 0, 0);
	note(SA, BUYER, false, true, false, 0, 0, 4 * MIB);
	/* the uploader reports first: a round between must not flag it */
	note(SA, PUB, true, false, false, 4 * MIB, 0, 0);
}

static void test_honest(void **state)
{
	struct report *r;
	struct seed_claim *c;
	size_t nc;

	(void)state;
	honest_swarm();
	assert_int_equal(round_at(1002, &r, NULL, NULL), 0);
	free(r);
	note(SA, BUYER, false, false, true, 0, 4 * MIB, 0); /* completed */
	assert_int_equal(round_at(1004, &r, &c, &nc), 0);
	free(r);
	assert_int_equal(nc, 0); /* the ledger vouches for its download */
	free(c);
	assert_int_equal(round_at(1006, &r, NULL, NULL), 0);
	free(r);
}

static void test_late_download_report(void **state)
{
	struct report *r;

	(void)state;
	honest_swarm();
	/* two rounds pass before the buyer's next announce: the upload is
	 * checked only one round after it was claimed */
	assert_int_equal(round_at(1002, &r, NULL, NULL), 0);
	free(r);
	note(SA, BUYER, false, false, false, 0, 4 * MIB, 1);
	assert_int_equal(round_at(1004, &r, NULL, NULL), 0);
	free(r);
}

static void test_upload_vs_others(void **state)
{
	struct report *r;
	size_t n;

	(void)state;
	honest_swarm();
	note(SA, BUYER, false, false, false, 0, 4 * MIB, 1);
	note(SA, CHEAT, false, true, false, 0, 0, 4 * MIB);
	note(SA, CHEAT, false, false, false, 12 * MIB, 0, 4 * MIB);
	assert_int_equal(round_at(1002, &r, NULL, NULL), 0);
	free(r);
	n = round_at(1004, &r, NULL, NULL);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].check, CHECK_OTHERS);
	assert_int_equal(r[0].subject, CHEAT);
	assert_int_equal(r[0].v[0], 12 * MIB); /* the interval's claim */
	assert_int_equal(r[0].v[2], 4 * MIB);  /* the others downloaded */
	free(r);
	/* written off: no strike again in the next rounds */
	assert_int_equal(round_at(1006, &r, NULL, NULL), 0);
	free(r);
	assert_int_equal(round_at(1008, &r, NULL, NULL), 0);
	free(r);
}

static void test_swarm_balance(void **state)
{
	struct report *r;
	char ev[512];
	size_t n;

	(void)state;
	honest_swarm();
	note(SA, BUYER, false, false, false, 0, 4 * MIB, 1);
	assert_int_equal(round_at(1002, &r, NULL, NULL), 0);
	free(r);
	assert_int_equal(round_at(1004, &r, NULL, NULL), 0);
	free(r);
	/* 3 MiB fits the others' 4 MiB alone; 4 + 3 does not fit 4 */
	note(SA, CHEAT2, false, true, false, 0, 0, 4 * MIB);
	note(SA, CHEAT2, false, false, false, 3 * MIB, 0, 4 * MIB);
	assert_int_equal(round_at(1006, &r, NULL, NULL), 0);
	free(r);
	n = round_at(1008, &r, NULL, NULL);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].check, CHECK_BALANCE);
	assert_int_equal(r[0].subject, CHEAT2); /* not the publisher */
	assert_int_equal(r[0].v[0], 3 * MIB);
	assert_int_equal(r[0].v[1], 7 * MIB);
	assert_int_equal(r[0].v[2], 4 * MIB);
	reports_evidence(&r[0], "t", ev, sizeof(ev));
	assert_non_null(strstr(ev, "\"check\": \"swarm_balance\""));
	assert_non_null(strstr(ev, "\"swarm_uploaded\": 7340032"));
	free(r);
	assert_int_equal(round_at(1010, &r, NULL, NULL), 0);
	free(r);
}

static void test_seed_claim(void **state)
{
	struct report *r;
	struct seed_claim *c;
	size_t nc;

	(void)state;
	honest_swarm();
	note(SA, BUYER, false, false, false, 0, 4 * MIB, 1);
	note(SA, CHEAT, false, true, false, 0, 0, 4 * MIB);
	note(SA, CHEAT, false, false, true, 0, 0, 0); /* left=0, nothing got */
	/* a second one claims seed on its first announce: the swarm's size */
	note(SA, CHEAT2, false, true, false, 0, 0, 0);
	/* a seed-role token is exempt */
	note(SB, PUB, true, true, false, 0, 0, 0);
	assert_int_equal(round_at(1002, &r, &c, &nc), 0);
	free(r);
	assert_int_equal(nc, 2);
	assert_true((c[0].subject == CHEAT && c[1].subject == CHEAT2)
				|| (c[0].subject == CHEAT2 && c[1].subject == CHEAT));
	for(size_t i = 0; i < nc; i++) {
		assert_int_equal(c[i].size, 4 * MIB);
		assert_int_equal(
				c[i].required, 4 * MIB / 10 * 9 + 4 * MIB % 10 * 9 / 10);
		assert_int_equal(c[i].got, 0);
		assert_int_equal(c[i].size_first, c[i].subject == CHEAT);
	}
	/* not asked twice while the DB thread decides */
	reports_claim_done(&c[0], -1); /* DB error: asked again */
	reports_claim_done(&c[1], 1);  /* flagged */
	free(c);
	assert_int_equal(round_at(1004, &r, &c, &nc), 0);
	free(r);
	assert_int_equal(nc, 1);
	free(c);
}

static void test_first_announce_history(void **state)
{
	struct report *r;

	(void)state;
	/* after a tracker restart a seeder's first announce says 100 MiB
	 * uploaded to peers long gone: not cross-checked */
	note(SA, PUB, true, true, false, 100 * MIB, 0, 0);
	note(SA, BUYER, false, true, false, 0, 0, 4 * MIB);
	assert_int_equal(round_at(1002, &r, NULL, NULL), 0);
	free(r);
	assert_int_equal(round_at(1004, &r, NULL, NULL), 0);
	free(r);
}

static void test_policy(void **state)
{
	uint32_t a, b;
	int64_t round;
	json_t *j;
	size_t len;
	uint8_t *msg;

	(void)state;
	assert_int_equal(acct_init(), 0);
	a = acct_subject_id("pol-a");
	b = acct_subject_id("pol-b");
	offenders_configure(POLICY_REFUSE_SEED, 2, 100);
	assert_false(offenders_refuses(a, true));
	offenders_strike(a, 1000, "{\"check\": \"max_rate\"}");
	assert_false(offenders_over(a));
	offenders_strike(a, 1001, "{\"check\": \"seed_claim\"}");
	assert_true(offenders_over(a));
	assert_true(offenders_refuses(a, true));
	assert_false(offenders_refuses(a, false)); /* refuse_seed: leeching ok */
	assert_false(offenders_refuses(b, true));
	j = offenders_json_one(a, 1002);
	assert_non_null(j);
	assert_string_equal(
			json_string_value(json_object_get(j, "state")), "seeding_refused");
	assert_string_equal(json_string_value(json_object_get(
								json_object_get(j, "last_evidence"), "check")),
			"seed_claim");
	json_decref(j);
	msg = offenders_refusal(true, 5, &len);
	assert_non_null(msg);
	assert_non_null(memmem(msg, len, "seeding refused", 15));
	free(msg);
	assert_int_equal(offenders_refused(POLICY_REFUSE_SEED), 1);
	offenders_configure(POLICY_REFUSE, 2, 100);
	assert_true(offenders_refuses(a, false));
	offenders_configure(POLICY_WARN, 2, 100);
	assert_false(offenders_refuses(a, true));
	assert_true(offenders_over(a));
	/* the window: both strikes older than 100 s */
	offenders_expire(1200);
	assert_false(offenders_over(a));
	/* the database's count counts too, and a clear forgets it */
	offenders_configure(POLICY_REFUSE, 2, 100);
	round = offenders_db_begin();
	offenders_db_set(b, round, 3, 1300, "{}");
	offenders_db_end(round, 1300);
	assert_true(offenders_refuses(b, false));
	/* a reload without its rows: no strikes from the database */
	round = offenders_db_begin();
	offenders_db_end(round, 1300);
	assert_false(offenders_over(b));
	round = offenders_db_begin();
	offenders_db_set(b, round, 3, 1300, "{}");
	offenders_db_end(round, 1300);
	assert_true(offenders_refuses(b, false));
	assert_int_equal(offenders_clear(b, 1301), 1);
	assert_false(offenders_refuses(b, false));
	/* a reload that ran before the clear does not bring it back */
	round = offenders_db_begin();
	offenders_db_set(b, round, 3, 1300, "{}");
	offenders_db_end(round, 1302);
	assert_false(offenders_over(b));
	assert_int_equal(offenders_over_count(), 0);
	offenders_free();
	acct_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test_setup(test_honest, setup),
			cmocka_unit_test_setup(test_late_download_report, setup),
			cmocka_unit_test_setup(test_upload_vs_others, setup),
			cmocka_unit_test_setup(test_swarm_balance, setup),
			cmocka_unit_test_setup(test_seed_claim, setup),
			cmocka_unit_test_setup(test_first_announce_history, setup),
			cmocka_unit_test(test_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
