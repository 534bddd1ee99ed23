/* Announce and scrape query parsing: see query.h. */
#include "p2pcd/hex.h"
#include "query.h"

#include <string.h>

/* bits of struct tq seen so far, to refuse duplicates and find missing */
enum
{
	SEEN_PEER_ID = 1 << 0,
	SEEN_PORT = 1 << 1,
	SEEN_UP = 1 << 2,
	SEEN_DOWN = 1 << 3,
	SEEN_LEFT = 1 << 4,
	SEEN_EVENT = 1 << 5,
	SEEN_COMPACT = 1 << 6,
	SEEN_NUMWANT = 1 << 7,
	SEEN_REQUIRED = SEEN_PEER_ID | SEEN_PORT | SEEN_UP | SEEN_DOWN | SEEN_LEFT,
};

long tq_pct_decode(const char *src, size_t len, uint8_t *dst, size_t max)
{
	size_t i, n = 0;

	for(i = 0; i < len; i++) {
		uint8_t c = (uint8_t)src[i];

		if(c == '%') {
			int hi, lo;

			if(len - i < 3)
				return -1;
			hi = p2pcd_hex_nibble(src[i + 1]);
			lo = p2pcd_hex_nibble(src[i + 2]);
			if(hi < 0 || lo < 0)
				return -1;
			c = (uint8_t)(hi << 4 | lo);
			i += 2;
		}
		if(n >= max)
			return -1;
		dst[n++] = c;
	}
	return (long)n;
}

/* decimal without sign, at most 20 digits, no overflow */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if(len == 0 || len > 20)
		return -1;
	for(i = 0; i < len; i++) {
		unsigned d;

		if(s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if(v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int key_is(const char *k, size_t klen, const char *name)
{
	size_t n = strlen(name);

	return klen == n && memcmp(k, name, n) == 0;
}

static int parse_event(const char *v, size_t vlen, enum tq_event *ev)
{
	if(vlen == 0 || key_is(v, vlen, "empty"))
		*ev = TQ_EV_NONE;
	else if(key_is(v, vlen, "started"))
		*ev = TQ_EV_STARTED;
	else if(key_is(v, vlen, "completed"))
		*ev = TQ_EV_COMPLETED;
	else if(key_is(v, vlen, "stopped"))
		*ev = TQ_EV_STOPPED;
	else if(key_is(v, vlen, "paused"))
		*ev = TQ_EV_PAUSED;
	else
		return -1;
	return 0;
}

/* one exactly-20-byte binary value */
static int parse_hash20(const char *v, size_t vlen, uint8_t out[TQ_HASH_LEN])
{
	uint8_t tmp[TQ_HASH_LEN];

	if(tq_pct_decode(v, vlen, tmp, sizeof(tmp)) != TQ_HASH_LEN)
		return -1;
	memcpy(out, tmp, TQ_HASH_LEN);
	return 0;
}

/* a u64 field that may appear once: 0, or -1 with *why set */
static int once_u64(unsigned *seen, unsigned bit, const char *v, size_t vlen,
		uint64_t *out, const char *dup, const char *bad, const char **why)
{
	if(*seen & bit) {
		*why = dup;
		return -1;
	}
	*seen |= bit;
	if(parse_u64(v, vlen, out)) {
		*why = bad;
		return -1;
	}
	return 0;
}

static int announce_pair(struct tq *t, unsigned *seen, const char *k,
		size_t klen, const char *v, size_t vlen, const char **why)
{
	uint64_t u;

	if(key_is(k, klen, "peer_id")) {
		if(*seen & SEEN_PEER_ID) {
			*why = "duplicate peer_id";
			return -1;
		}
		*seen |= SEEN_PEER_ID;
		if(parse_hash20(v, vlen, t->peer_id)) {
			*why = "bad peer_id (must be 20 bytes)";
			return -1;
		}
	} else if(key_is(k, klen, "port")) {
		if(once_u64(seen, SEEN_PORT, v, vlen, &u, "duplicate port", "bad port",
				   why))
			return -1;
		if(u == 0 || u > 65535) {
			*why = "bad port";
			return -1;
		}
		t->port = (uint16_t)u;
	} else if(key_is(k, klen, "uploaded")) {
		return once_u64(seen, SEEN_UP, v, vlen, &t->uploaded,
				"duplicate uploaded", "bad uploaded", why);
	} else if(key_is(k, klen, "downloaded")) {
		return once_u64(seen, SEEN_DOWN, v, vlen, &t->downloaded,
				"duplicate downloaded", "bad downloaded", why);
	} else if(key_is(k, klen, "left")) {
		return once_u64(seen, SEEN_LEFT, v, vlen, &t->left, "duplicate left",
				"bad left", why);
	} else if(key_is(k, klen, "event")) {
		if(*seen & SEEN_EVENT) {
			*why = "duplicate event";
			return -1;
		}
		*seen |= SEEN_EVENT;
		if(parse_event(v, vlen, &t->event)) {
			*why = "bad event";
			return -1;
		}
	} else if(key_is(k, klen, "compact")) {
		if(once_u64(seen, SEEN_COMPACT, v, vlen, &u, "duplicate compact",
				   "bad compact", why))
			return -1;
		if(u > 1) {
			*why = "bad compact";
			return -1;
		}
		t->compact = (int)u;
	} else if(key_is(k, klen, "numwant")) {
		if(once_u64(seen, SEEN_NUMWANT, v, vlen, &u, "duplicate numwant",
				   "bad numwant", why))
			return -1;
		t->numwant = u > 100000 ? 100000 : (int)u;
	}
	/* ip, key, no_peer_id, supportcrypto...: ignored (ip on purpose:
	 * the socket address is the only one believed) */
	return 0;
}

int tq_parse(const char *q, size_t len, enum tq_kind kind, struct tq *out,
		const char **why)
{
	unsigned seen = 0;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	out->compact = 1;
	out->numwant = -1;
	*why = NULL;
	while(pos < len) {
		const char *k = q + pos, *eq, *amp;
		size_t plen, klen, vlen;

		amp = memchr(k, '&', len - pos);
		plen = amp ? (size_t)(amp - k) : len - pos;
		pos += plen + 1;
		if(plen == 0)
			continue; /* "a=1&&b=2": tolerated */
		eq = memchr(k, '=', plen);
		if(!eq) {
			*why = "malformed query (key without value)";
			return -1;
		}
		klen = (size_t)(eq - k);
		vlen = plen - klen - 1;
		if(key_is(k, klen, "info_hash")) {
			if(out->n_info_hash
					&& (kind == TQ_ANNOUNCE
							|| out->n_info_hash >= TQ_MAX_SCRAPE)) {
				*why = kind == TQ_ANNOUNCE ? "duplicate info_hash"
										   : "too many info_hash";
				return -1;
			}
			if(parse_hash20(eq + 1, vlen, out->info_hash[out->n_info_hash])) {
				*why = "bad info_hash (must be 20 bytes)";
				return -1;
			}
			out->n_info_hash++;
		} else if(kind == TQ_ANNOUNCE
				  && announce_pair(out, &seen, k, klen, eq + 1, vlen, why)) {
			return -1;
		}
	}
	if(kind == TQ_SCRAPE)
		return 0;
	if(out->n_info_hash == 0) {
		*why = "missing info_hash";
		return -1;
	}
	if((seen & SEEN_REQUIRED) != SEEN_REQUIRED) {
		*why = !(seen & SEEN_PEER_ID) ? "missing peer_id"
			   : !(seen & SEEN_PORT)  ? "missing port"
			   : !(seen & SEEN_LEFT)  ? "missing left"
									  : "missing uploaded/downloaded";
		return -1;
	}
	return 0;
}
