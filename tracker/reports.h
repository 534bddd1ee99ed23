/*
 * Inconsistent transfer reports (DESIGN.md section 7.1): a peer claiming
 * more bytes since its previous announce than the configured rate bound
 * allows is flagged, its implausible delta is kept out of transfer_totals,
 * and a row goes to peer_reports (kind 'inconsistent', offender = token
 * subject) with the evidence. A bounded queue between the announce
 * threads and the DB thread; beyond it reports are counted and dropped.
 */
#ifndef P2PCD_TRACKER_REPORTS_H
#define P2PCD_TRACKER_REPORTS_H

#include <stddef.h>
#include <stdint.h>

struct swarm;

struct report
{
	uint32_t subject;
	struct swarm *sw;
	uint64_t up, down; /* claimed since the previous announce */
	uint32_t seconds;
};

#define REPORTS_MAX 4096

/* queue one; 0, or -1 if the queue is full (counted as dropped) */
int reports_add(const struct report *r);
/* the queued reports (caller free()s) */
size_t reports_take(struct report **out);
void reports_putback(const struct report *r, size_t n);
uint64_t reports_total(void);
uint64_t reports_dropped(void);

#endif
