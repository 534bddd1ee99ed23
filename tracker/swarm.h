/*
 * The peers of one swarm, dense. The hot table is a sorted array of
 * 12-byte IPv4 entries (24 bytes for the IPv6 side table): a peer-id hash
 * whose low bit is the seed flag, a 16-bit expiry in ticks, the port and
 * the address. Lookup is a binary search on the hash; random peers are a
 * run from a random start (the hashes are keyed, so the order is random).
 * Per-buyer accounting (last reported totals, subject) lives in a cold
 * parallel array. No locking here: the caller holds the swarm's lock.
 */
#ifndef P2PCD_TRACKER_SWARM_H
#define P2PCD_TRACKER_SWARM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SWARM_TICK_SECONDS 4 /* expiry resolution */
#define SWARM_MAX_TTL_TICKS 30000

struct peer4
{
	uint32_t key;  /* peer-id hash, bit 0 = seed */
	uint16_t exp;  /* expiry tick, serial arithmetic */
	uint16_t port; /* network order */
	uint8_t ip[4];
};

struct peer6
{
	uint32_t key;
	uint16_t exp;
	uint16_t port;
	uint8_t ip[16];
};

struct peer_acct
{
	uint64_t up, down; /* last reported totals */
	uint32_t subject;  /* interned token subject */
	uint32_t last;	   /* unix time of the last announce (low 32 bits) */
};

struct pvec
{
	uint8_t *p; /* n entries of stride bytes, sorted by key >> 1 */
	struct peer_acct *acct;
	uint32_t n, cap;
	uint32_t stride;
};

struct swarm_peers
{
	struct pvec v4, v6;
	uint32_t seeders, leechers;
};

/* One announce, as the swarm needs it. ip is 4 or 16 bytes. */
struct swarm_announce
{
	uint32_t key; /* peer-id hash (bit 0 ignored) */
	const uint8_t *ip;
	int ip_len;
	uint16_t port; /* network order */
	bool seed;	   /* left == 0 */
	bool stopped;
	uint16_t exp; /* expiry tick */
	uint64_t up, down;
	uint32_t subject;
	uint32_t now; /* unix time (low 32 bits) */
};

/* transfer since the peer's previous announce */
struct swarm_delta
{
	uint64_t up, down;
	bool is_new;
	bool was_leecher; /* known peer that was not a seed before */
	uint32_t elapsed; /* seconds since its previous announce (known peer) */
};

void swarm_init(struct swarm_peers *s);
void swarm_free(struct swarm_peers *s);

/* Insert, refresh or (stopped) remove a peer. 0, or -1 out of memory. */
int swarm_announce(struct swarm_peers *s, const struct swarm_announce *a,
		struct swarm_delta *d);

/*
 * Up to want compact peers of one family (ip_len 4: 6 bytes each, 16: 18
 * bytes each) into out, skipping the peer with key self and, for a seed,
 * other seeds. rnd picks the start. Returns the number written.
 */
unsigned swarm_pick(const struct swarm_peers *s, int ip_len, uint32_t self,
		bool self_seed, unsigned want, uint32_t rnd, uint8_t *out);

/* swarm_pick, also skipping peers whose subject skip() says to (NULL:
 * none); skip is called with the swarm's lock held and must not block */
typedef bool (*swarm_skip_fn)(uint32_t subject, void *arg);
unsigned swarm_pick_skip(const struct swarm_peers *s, int ip_len, uint32_t self,
		bool self_seed, unsigned want, uint32_t rnd, uint8_t *out,
		swarm_skip_fn skip, void *arg);

/*
 * The subject of the peer listed at ip:port (ip_len 4 or 16, port in
 * network order); when no peer has that port, the subject of every peer
 * at ip if they all share one. 0 if none (or ambiguous). A linear scan:
 * for rare requests (bad-piece reports), not announces.
 */
uint32_t swarm_subject_at(const struct swarm_peers *s, const uint8_t *ip,
		int ip_len, uint16_t port);

/* Drop peers whose expiry tick is not after now. Returns how many. */
unsigned swarm_expire(struct swarm_peers *s, uint16_t now);
void swarm_clear(struct swarm_peers *s);

static inline uint32_t swarm_peer_count(const struct swarm_peers *s)
{
	return s->v4.n + s->v6.n;
}

/* bytes held by the tables of s (for the memory metric) */
size_t swarm_bytes(const struct swarm_peers *s, size_t *hot);

#endif
