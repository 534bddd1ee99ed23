/*
 * Subjects flagged for inconsistent transfer reports (DESIGN.md 7.1,
 * issue 7 requirement 1) and the policy applied to them.
 *
 * A strike is one flag (one peer_reports row of kind 'inconsistent'). A
 * subject with at least `strikes` strikes within `window` seconds (since
 * an operator last cleared it) is over the threshold; the policy then
 * decides: warn only records, refuse_seed refuses its seeding announces
 * (left=0 or a seed-role token), refuse refuses all of its announces.
 *
 * Strikes come from this tracker's checks (at once) and from peer_reports
 * (every tracker's, loaded by the DB thread at connect and after every
 * cross-check round), so a restart or another tracker applies them.
 *
 * The announce path asks offenders_refuses(): one relaxed atomic load when
 * nobody is over the threshold, else one more load from a two-level table
 * indexed by the interned subject id. No lock, no allocation. Everything
 * else (strikes, evidence, clearing) is under a mutex, off the announce
 * path.
 */
#ifndef P2PCD_TRACKER_OFFENDERS_H
#define P2PCD_TRACKER_OFFENDERS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum offender_policy
{
	POLICY_WARN = 0,
	POLICY_REFUSE_SEED,
	POLICY_REFUSE,
};

#define OFFENDERS_MAX_STRIKES 64
/* subject ids covered by the lock-free table (ids beyond: never refused) */
#define OFFENDERS_CHUNK_BITS 12
#define OFFENDERS_DIR 4096

extern _Atomic int offenders_policy_v;
extern _Atomic uint32_t offenders_over_n;
extern _Atomic(_Atomic uint8_t *) offenders_dir[OFFENDERS_DIR];

void offenders_configure(enum offender_policy p, int strikes, int window);
const char *offenders_policy_name(enum offender_policy p);
/* "warn", "refuse_seed", "refuse" -> policy; -1 if none */
int offenders_policy_parse(const char *s);

/* 1 if subject is over the threshold (any policy) */
static inline int offenders_over(uint32_t subject)
{
	_Atomic uint8_t *c;

	if(!atomic_load_explicit(&offenders_over_n, memory_order_relaxed))
		return 0;
	if((subject >> OFFENDERS_CHUNK_BITS) >= OFFENDERS_DIR)
		return 0;
	c = atomic_load_explicit(&offenders_dir[subject >> OFFENDERS_CHUNK_BITS],
			memory_order_acquire);
	return c
		   && atomic_load_explicit(
				   &c[subject & ((1u << OFFENDERS_CHUNK_BITS) - 1)],
				   memory_order_relaxed);
}

/* The announce-path check: 1 if this announce must be refused. */
static inline int offenders_refuses(uint32_t subject, bool seeding)
{
	int p;

	if(!offenders_over(subject))
		return 0;
	p = atomic_load_explicit(&offenders_policy_v, memory_order_relaxed);
	return p == POLICY_REFUSE || (p == POLICY_REFUSE_SEED && seeding);
}

/* The bencoded refusal (counted); NULL on OOM. */
uint8_t *offenders_refusal(bool seeding, int retry_minutes, size_t *len);

/* A strike found here at time t (unix) with its evidence (JSON text). */
void offenders_strike(uint32_t subject, int64_t t, const char *evidence);

/*
 * Strikes from peer_reports: begin, then set per subject (count since
 * the subject was cleared, within the window, last time and evidence),
 * then end. A subject cleared after begin was called keeps its clearing.
 */
int64_t offenders_db_begin(void);
void offenders_db_set(uint32_t subject, int64_t begun, uint32_t count,
		int64_t last, const char *evidence);
void offenders_db_end(int64_t begun, int64_t now);

/* window bookkeeping (old strikes age out); the DB thread calls it */
void offenders_expire(int64_t now);

/* forget the strikes of subject up to now (operator); 1 if it had any */
int offenders_clear(uint32_t subject, int64_t now);

/* JSON for the admin API: all subjects with strikes, or one (NULL: none) */
json_t *offenders_json(int64_t now);
json_t *offenders_json_one(uint32_t subject, int64_t now);

uint64_t offenders_refused(enum offender_policy p);
uint32_t offenders_over_count(void);

void offenders_free(void);

#endif
