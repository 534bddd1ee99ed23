/* Bad-piece report bodies: see tamper_req.h. */
#include "p2pcd/hex.h"
#include "tamper_req.h"

#include <arpa/inet.h>
#include <string.h>

#include "query.h"

/* a decimal 0..max, nothing else; 0 or -1 */
static int dec(const uint8_t *s, long n, int64_t max, int64_t *out)
{
	int64_t v = 0;
	long i;

	if(n <= 0 || n > 10)
		return -1;
	for(i = 0; i < n; i++) {
		if(s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if(v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_ip(const uint8_t *s, long n, struct treq *r)
{
	char buf[64];
	uint8_t a6[16];

	if(n <= 0 || n >= (long)sizeof(buf) || memchr(s, '\0', (size_t)n))
		return -1;
	memcpy(buf, s, (size_t)n);
	buf[n] = '\0';
	if(inet_pton(AF_INET, buf, r->ip) == 1) {
		r->ip_len = 4;
		return 0;
	}
	if(inet_pton(AF_INET6, buf, a6) != 1)
		return -1;
	if(IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a6)) {
		memcpy(r->ip, a6 + 12, 4);
		r->ip_len = 4;
	} else {
		memcpy(r->ip, a6, 16);
		r->ip_len = 16;
	}
	return 0;
}

/* 20 raw bytes, or 40 hex digits */
static int parse_ih(const uint8_t *s, long n, uint8_t out[20])
{
	int i, hi, lo;

	if(n == 20) {
		memcpy(out, s, 20);
		return 0;
	}
	if(n != 40)
		return -1;
	for(i = 0; i < 20; i++) {
		hi = p2pcd_hex_nibble(s[2 * i]);
		lo = p2pcd_hex_nibble(s[2 * i + 1]);
		if(hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

enum
{
	K_IH = 1,
	K_IP = 2,
	K_PORT = 4,
	K_PIECE = 8,
	K_COUNT = 16,
};

static int key_of(const char *k, size_t n)
{
	static const struct
	{
		const char *name;
		int bit;
	} keys[] = {{"info_hash", K_IH}, {"ip", K_IP}, {"port", K_PORT},
			{"piece", K_PIECE}, {"count", K_COUNT}};
	size_t i;

	for(i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if(strlen(keys[i].name) == n && memcmp(keys[i].name, k, n) == 0)
			return keys[i].bit;
	return 0;
}

static int parse(const char *body, size_t len, struct treq *r, const char **why)
{
	const char *p = body, *end = body + len, *amp, *eq;
	uint8_t val[64];
	int seen = 0, bit;
	long n;
	int64_t v;

	memset(r, 0, sizeof(*r));
	r->piece = -1;
	r->count = 1;
	*why = NULL;
	if(len > TREQ_MAX_BODY) {
		*why = "request too large";
		return -1;
	}
	/* a trailing CRLF from hand-written requests is not an error */
	while(end > p && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	while(p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if(!amp)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if(amp == p) { /* empty pair ("a=1&&b=2") */
			p = amp + 1;
			continue;
		}
		bit = key_of(p, (size_t)((eq ? eq : amp) - p));
		if(!bit) {
			p = amp < end ? amp + 1 : end;
			continue;
		}
		if(seen & bit) {
			*why = "duplicate parameter";
			return -1;
		}
		seen |= bit;
		n = eq ? tq_pct_decode(eq + 1, (size_t)(amp - eq - 1), val, sizeof(val))
			   : -1;
		switch(bit) {
			case K_IH:
				if(n < 0 || parse_ih(val, n, r->info_hash)) {
					*why = "bad info_hash (40 hex digits or 20 bytes)";
					return -1;
				}
				break;
			case K_IP:
				if(n < 0 || parse_ip(val, n, r)) {
					*why = "bad ip (an IPv4 or IPv6 address)";
					return -1;
				}
				break;
			case K_PORT:
				if(n < 0 || dec(val, n, 65535, &v) || v == 0) {
					*why = "bad port (1..65535)";
					return -1;
				}
				r->port = (uint16_t)v;
				break;
			case K_PIECE:
				if(n < 0 || dec(val, n, 0x7fffffff, &v)) {
					*why = "bad piece (a piece index)";
					return -1;
				}
				r->piece = v;
				break;
			default: /* K_COUNT */
				if(n < 0 || dec(val, n, TREQ_MAX_COUNT, &v) || v == 0) {
					*why = "bad count (1..65535)";
					return -1;
				}
				r->count = (uint32_t)v;
				break;
		}
		p = amp < end ? amp + 1 : end;
	}
	if(!(seen & K_IH))
		*why = "missing info_hash";
	else if(!(seen & K_IP))
		*why = "missing ip";
	else if(!(seen & K_PORT))
		*why = "missing port";
	return *why ? -1 : 0;
}

int treq_parse(const char *body, size_t len, struct treq *out, const char **why)
{
	/* a refusal leaves no half-parsed report behind */
	if(parse(body, len, out, why) == 0)
		return 0;
	memset(out, 0, sizeof(*out));
	out->piece = -1;
	out->count = 1;
	return -1;
}
