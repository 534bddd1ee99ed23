/*
 * Minimal JSON object writer (see p2pcd/json_write.h).
 */
#include <stdint.h>
#include <string.h>

#include "p2pcd/decimal.h"
#include "p2pcd/json_write.h"

static void put(struct p2pcd_jw *w, const char *s, size_t n)
{
	if(w->err)
		return;
	if(n >= w->size - w->len) {
		w->err = 1;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void put_c(struct p2pcd_jw *w, char c)
{
	put(w, &c, 1);
}

static void put_key(struct p2pcd_jw *w, const char *key)
{
	size_t n = strlen(key);
	char *p;

	if(w->err)
		return;
	if(n + 4 >= w->size - w->len) { /* [,]"key": and the NUL */
		w->err = 1;
		return;
	}
	p = w->buf + w->len;
	if(w->members++)
		*p++ = ',';
	*p++ = '"';
	memcpy(p, key, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	*p = '\0';
	w->len = p - w->buf;
}

/* 1 when every byte is printable ASCII other than '"' and '\\', so the
 * string is valid UTF-8 and goes out as it is: eight bytes at a time (a
 * byte below 0x20, a quote, a backslash or a byte from 0x80 up in a word
 * sets a high bit of "bad"; the tests say whether there is one, not
 * which) */
static int plain_ascii(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	uint64_t x, q, b, bad = 0;
	size_t i = 0;

	for(; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		q = x ^ (ones * '"');
		b = x ^ (ones * '\\');
		bad |= x | ((x - ones * 0x20) & ~x) | ((q - ones) & ~q)
			   | ((b - ones) & ~b);
	}
	if(bad & highs)
		return 0;
	for(; i < n; i++)
		if((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x80
				|| s[i] == '"' || s[i] == '\\')
			return 0;
	return 1;
}

int p2pcd_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n, k;
	uint32_t cp;

	while(i < len) {
		if(s[i] < 0x80) {
			i++;
			continue;
		}
		if(s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 1, cp = s[i] & 0x1f;
		else if(s[i] >= 0xe0 && s[i] <= 0xef)
			n = 2, cp = s[i] & 0x0f;
		else if(s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 3, cp = s[i] & 0x07;
		else
			return 0;
		if(len - i - 1 < n)
			return 0;
		for(k = 1; k <= n; k++) {
			if((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff
				|| (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

static void put_string(struct p2pcd_jw *w, const char *v, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = {'\\', 'u', '0', '0', 0, 0};
	size_t i, run = 0;
	unsigned char c;

	if(v && !w->err && plain_ascii(v, len)) {
		if(len + 2 >= w->size - w->len) {
			w->err = 1;
			return;
		}
		w->buf[w->len] = '"';
		memcpy(w->buf + w->len + 1, v, len);
		w->len += len + 2;
		w->buf[w->len - 1] = '"';
		w->buf[w->len] = '\0';
		return;
	}
	if(!v || !p2pcd_utf8_valid(v, len)) {
		w->err = 1;
		return;
	}
	put_c(w, '"');
	for(i = 0; i < len; i++) {
		c = (unsigned char)v[i];
		if(c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(w, v + run, i - run);
		run = i + 1;
		if(c == '"' || c == '\\') {
			put_c(w, '\\');
			put_c(w, (char)c);
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			put(w, esc, 6);
		}
	}
	put(w, v + run, len - run);
	put_c(w, '"');
}

void p2pcd_jw_begin(struct p2pcd_jw *w, char *buf, size_t size)
{
	w->buf = buf;
	w->size = size;
	w->len = 0;
	w->err = (buf == NULL || size == 0);
	w->members = 0;
	if(size)
		buf[0] = '\0';
	put_c(w, '{');
}

void p2pcd_jw_str(
		struct p2pcd_jw *w, const char *key, const char *v, size_t len)
{
	put_key(w, key);
	put_string(w, v, len);
}

void p2pcd_jw_int(struct p2pcd_jw *w, const char *key, int64_t v)
{
	char d[P2PCD_DEC_I64_MAX];

	put_key(w, key);
	put(w, d, p2pcd_dec_i64(v, d));
}

void p2pcd_jw_raw(
		struct p2pcd_jw *w, const char *key, const char *raw, size_t len)
{
	put_key(w, key);
	if(!raw || !len)
		w->err = 1;
	put(w, raw, len);
}

void p2pcd_jw_str_array1(
		struct p2pcd_jw *w, const char *key, const char *v, size_t len)
{
	put_key(w, key);
	put_c(w, '[');
	put_string(w, v, len);
	put_c(w, ']');
}

long p2pcd_jw_end(struct p2pcd_jw *w)
{
	put_c(w, '}');
	return w->err ? -1 : (long)w->len;
}
