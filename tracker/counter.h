/*
 * Counters written by one thread and read by others (/metrics): a relaxed
 * load and store, not a locked read-modify-write, since only the owner
 * writes.
 */
#ifndef P2PCD_TRACKER_COUNTER_H
#define P2PCD_TRACKER_COUNTER_H

#include <stdatomic.h>
#include <stdint.h>

typedef _Atomic uint64_t counter_t;

static inline void counter_inc(counter_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			memory_order_relaxed);
}

static inline uint64_t counter_get(counter_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

#endif
