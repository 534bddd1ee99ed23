/*
 * Per-buyer transfer accounting: token subjects interned to small ids (so
 * a peer entry holds 4 bytes, not a string), and uploaded/downloaded deltas
 * summed per (subject, swarm) until the DB thread takes them for a batched
 * upsert into transfer_totals. One mutex; touched only by announces that
 * report a non-zero delta.
 */
#ifndef P2PCD_TRACKER_ACCOUNTING_H
#define P2PCD_TRACKER_ACCOUNTING_H

#include <stddef.h>
#include <stdint.h>

struct swarm;

struct acct_delta
{
	uint32_t subject;
	struct swarm *sw;
	uint64_t up, down;
};

int acct_init(void);
void acct_free(void);
/* interned id (>= 1) of a subject, 0 on failure */
uint32_t acct_subject_id(const char *sub);
/* the subject of id (stable pointer), "" if unknown */
const char *acct_subject_name(uint32_t id);
void acct_add(uint32_t subject, struct swarm *sw, uint64_t up, uint64_t down);
/* the pending deltas (caller free()s), and a fresh empty set */
size_t acct_take(struct acct_delta **out);
/* merge deltas back after a failed flush */
void acct_putback(const struct acct_delta *d, size_t n);
size_t acct_subjects(void);

#endif
