/*
 * Inconsistent transfer reports (DESIGN.md section 7.1, issue 7
 * requirement 1). Four checks, each a row in peer_reports (kind
 * 'inconsistent', offender = token subject, evidence JSON naming it):
 *
 *  max_rate          (announce path) more bytes since the peer's previous
 *                    announce than reports.max_rate * seconds + slack; the
 *                    claim is kept out of transfer_totals and the ledger.
 *  upload_vs_others  (cross-check round) a subject's upload claims exceed
 *                    what the OTHER subjects of the swarm downloaded.
 *  swarm_balance     (cross-check round) the swarm's summed upload claims
 *                    exceed its summed downloads; the excess is attributed
 *                    to the uploaders whose claims of the interval do not
 *                    fit (leech-role tokens before seed-role ones, largest
 *                    claim first).
 *  seed_claim        (cross-check round + one DB read) a leech-role token
 *                    announcing left=0 that has not downloaded the size it
 *                    lacked at its first announce (or the swarm's size).
 *
 * The ledger: per (subject, swarm) the claims of known peers (a peer's
 * first announce carries history the tracker cannot cross-check and is
 * left out of the balance), and per swarm their sums. The announce path
 * only adds to it (one mutex, only when an announce carries bytes, is a
 * new peer or a leecher turning seed). A round (reports.interval, run by
 * the DB thread) compares the upload claims made up to the PREVIOUS
 * round with the downloads reported up to now, so a download reported at
 * the receiver's next announce is not mistaken for a missing one. Claims
 * of a flagged subject in the interval are written off the ledger, so one
 * lie is one strike.
 *
 * Flags wait in a bounded queue for the DB thread; beyond it they are
 * counted and dropped.
 */
#ifndef P2PCD_TRACKER_REPORTS_H
#define P2PCD_TRACKER_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct swarm;
struct swarm_delta;

enum report_check
{
	CHECK_MAX_RATE = 0,
	CHECK_OTHERS,
	CHECK_BALANCE,
	CHECK_SEED,
	CHECK_COUNT
};

struct report
{
	uint32_t subject;
	struct swarm *sw;
	uint8_t check;	   /* enum report_check */
	bool struck;	   /* already counted as a strike (offenders.h) */
	int64_t at;		   /* unix time found */
	uint32_t from;	   /* interval the claims were made in (cross-checks) */
	uint64_t up, down; /* max_rate: claimed since the previous announce */
	uint32_t seconds;
	/*
	 * max_rate: max_rate, slack
	 * upload_vs_others: interval claim, total claim, others' downloads,
	 *	allowed, excess
	 * swarm_balance: interval claim (written off), swarm uploads, swarm
	 *	downloads, allowed, excess before attribution
	 * seed_claim: downloaded (ledger), downloaded (transfer_totals),
	 *	size, required, size from the first announce (1) or the swarm (0)
	 */
	uint64_t v[5];
};

#define REPORTS_MAX 4096

/* queue one; 0, or -1 if the queue is full (counted as dropped) */
int reports_add(const struct report *r);
/* the queued reports (caller free()s) */
size_t reports_take(struct report **out);
void reports_putback(const struct report *r, size_t n);
uint64_t reports_total(void);
uint64_t reports_dropped(void);
uint64_t reports_by_check(enum report_check c);
const char *reports_check_name(enum report_check c);

/* the evidence JSON of r into buf; its length (truncated to size - 1) */
int reports_evidence(
		const struct report *r, const char *tracker_id, char *buf, size_t size);

struct reports_params
{
	uint64_t slack;		   /* bytes allowed on top of the others' downloads */
	int slack_percent;	   /* ... plus this share of them */
	int seed_tolerance;	   /* percent of the size a seeder may lack */
	int64_t history_until; /* first-announce downloads count for
							* seed_claim until then (tracker start) */
	uint32_t expire;	   /* ledger entries idle this long are dropped */
	bool enabled;		   /* rounds run (a DB thread exists) */
};

void reports_configure(const struct reports_params *p);

/*
 * The announce path, after max_rate (d already cleared of implausible
 * bytes). left is the announced left, seed_now left == 0.
 */
void reports_note(struct swarm *sw, uint32_t subject, bool seed_role,
		const struct swarm_delta *d, uint64_t left, bool seed_now,
		uint32_t now);

/* a seeding claim the ledger cannot vouch for: the DB thread looks up the
 * subject's transfer_totals, then calls reports_claim_done */
struct seed_claim
{
	uint32_t subject;
	struct swarm *sw;
	uint64_t got, size, required;
	bool size_first; /* size from the subject's first announce */
};

/*
 * One cross-check round at now (the DB thread): upload_vs_others and
 * swarm_balance flags go to the queue; seeding claims to resolve to
 * *claims (caller free()s). Returns the number of flags queued.
 */
size_t reports_round(
		uint32_t now, struct seed_claim **claims, size_t *n_claims);
/* the outcome of a claim: 1 flagged (queued by the caller), 0 vouched
 * for, -1 undecided (database error: asked again next round) */
void reports_claim_done(const struct seed_claim *c, int outcome);

/* ledger size (entries) for /metrics */
size_t reports_ledger_entries(void);
void reports_free(void);

#endif
