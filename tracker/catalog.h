/*
 * The content catalog: every info-hash this tracker serves, its state from
 * PostgreSQL, and its swarm. Swarms are allocated once and never freed
 * while the daemon runs, so a pointer from catalog_find stays valid after
 * the lookup's read lock is dropped. State is atomic: a mute from the DB
 * thread is seen by the next announce without taking any lock.
 */
#ifndef P2PCD_TRACKER_CATALOG_H
#define P2PCD_TRACKER_CATALOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "swarm.h"

#define CATALOG_DOI_MAX 128

enum swarm_state
{
	SW_NONE = 0, /* not (or no longer) in the catalog */
	SW_PENDING,	 /* awaiting review: seeds only ("seed first") */
	SW_ACTIVE,
	SW_MUTED,
	SW_REMOVED,
	SW_FOREIGN, /* assigned to another tracker */
};

struct swarm
{
	uint8_t ih[20];
	_Atomic int state;
	uint32_t gen;		/* catalog load that last saw it (DB thread only) */
	pthread_mutex_t mu; /* guards everything below */
	struct swarm_peers peers;
	uint64_t completed;			/* event=completed since start */
	uint64_t completed_flushed; /* part of it already in swarm_stats */
	bool dirty;					/* counts changed since the last stats flush */
	char doi[CATALOG_DOI_MAX + 1];
};

struct catalog
{
	pthread_rwlock_t lock; /* guards the slots array, not swarm state */
	struct swarm **slots;
	uint32_t cap, n;
	_Atomic int tracker_muted;
};

int catalog_init(struct catalog *c);
void catalog_free(struct catalog *c);

/* the swarm of ih, or NULL */
struct swarm *catalog_find(struct catalog *c, const uint8_t ih[20]);
/* find or add ih, then set its state (and doi if not NULL); NULL: OOM */
struct swarm *catalog_set(struct catalog *c, const uint8_t ih[20],
		enum swarm_state st, const char *doi, uint32_t gen);
/* every swarm whose gen is not gen gets state SW_NONE (after a reload) */
unsigned catalog_retire_except(struct catalog *c, uint32_t gen);

/* call fn for each swarm, under the read lock */
void catalog_each(
		struct catalog *c, void (*fn)(struct swarm *, void *), void *arg);

enum swarm_state swarm_state_parse(const char *s);
const char *swarm_state_name(enum swarm_state st);

#endif
