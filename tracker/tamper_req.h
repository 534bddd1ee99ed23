/*
 * The body of a bad-piece report (POST /report/TOKEN, see tamper.h):
 * application/x-www-form-urlencoded, as received, still percent-encoded:
 *
 *   info_hash=HEX40 (or the 20 raw bytes percent-encoded, as in an announce)
 *   &ip=ADDRESS     the offending peer's IPv4 or IPv6 address
 *   &port=N         its BitTorrent port, 1..65535
 *   [&piece=N]      index of a piece that failed the hash check
 *   [&count=N]      pieces that failed since the last report, 1..65535
 *
 * Pure code with no I/O: the tracker and the fuzzer drive it directly.
 * Unknown keys are ignored; known keys must be well formed and appear at
 * most once.
 */
#ifndef P2PCD_TRACKER_TAMPER_REQ_H
#define P2PCD_TRACKER_TAMPER_REQ_H

#include <stddef.h>
#include <stdint.h>

#define TREQ_MAX_BODY 1024 /* bytes; more is 413 */
#define TREQ_MAX_COUNT 65535

struct treq
{
	uint8_t info_hash[20];
	uint8_t ip[16];
	int ip_len; /* 4 or 16 (a v4-mapped IPv6 address is IPv4) */
	uint16_t port;
	int64_t piece;	/* -1: not sent */
	uint32_t count; /* 1 when not sent */
};

/* 0, or -1 with *why a short static reason ("bad ip", "missing port") */
int treq_parse(
		const char *body, size_t len, struct treq *out, const char **why);

#endif
