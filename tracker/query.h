/*
 * Strict parser of announce (BEP 3) and scrape (BEP 48) query strings, as
 * received: the raw bytes after '?', still percent-encoded. Pure code with
 * no I/O, so unit tests and the fuzzer drive it directly.
 */
#ifndef P2PCD_TRACKER_QUERY_H
#define P2PCD_TRACKER_QUERY_H

#include <stddef.h>
#include <stdint.h>

#define TQ_HASH_LEN 20
#define TQ_MAX_SCRAPE 8 /* info_hash values accepted in one scrape */

enum tq_kind
{
	TQ_ANNOUNCE,
	TQ_SCRAPE,
};

enum tq_event
{
	TQ_EV_NONE = 0,
	TQ_EV_STARTED,
	TQ_EV_COMPLETED,
	TQ_EV_STOPPED,
	TQ_EV_PAUSED, /* BEP 21 */
};

struct tq
{
	uint8_t info_hash[TQ_MAX_SCRAPE][TQ_HASH_LEN];
	unsigned n_info_hash;
	uint8_t peer_id[TQ_HASH_LEN];
	uint16_t port;
	uint64_t uploaded, downloaded, left;
	enum tq_event event;
	int compact; /* 1 unless compact=0 was sent */
	int numwant; /* -1: not sent */
};

/*
 * Parse q[0..len) for kind. 0 on success; -1 with *why set to a short
 * static reason ("bad port", "missing peer_id"...) for the failure reply.
 * Unknown keys are ignored (clients send many); known keys must be well
 * formed and appear at most once (info_hash repeats only in a scrape).
 */
int tq_parse(const char *q, size_t len, enum tq_kind kind, struct tq *out,
		const char **why);

/*
 * Percent-decode src[0..len) into dst (at most max bytes). '+' stays '+'.
 * Returns the decoded length, or -1 on a bad escape or overflow.
 */
long tq_pct_decode(const char *src, size_t len, uint8_t *dst, size_t max);

#endif
