/*
 * A JSON object written straight into a caller's buffer: for claims built
 * on a hot path (token minting), where building a jansson tree only to
 * serialise it again cost more than the MAC. Strings are escaped per RFC
 * 8259 and must be valid UTF-8; any error (invalid UTF-8, no room) sticks
 * in err and the text is then unusable.
 */
#ifndef P2PCD_JSON_WRITE_H
#define P2PCD_JSON_WRITE_H

#include <stddef.h>
#include <stdint.h>

struct p2pcd_jw
{
	char *buf;
	size_t size; /* of buf */
	size_t len;	 /* written, without the NUL kept after it */
	int err;
	int members; /* written into the open object */
};

/* starts "{" in buf */
void p2pcd_jw_begin(struct p2pcd_jw *w, char *buf, size_t size);
/* "key":"escaped value" (key is a literal, written as it is) */
void p2pcd_jw_str(
		struct p2pcd_jw *w, const char *key, const char *v, size_t len);
void p2pcd_jw_int(struct p2pcd_jw *w, const char *key, int64_t v);
/* "key":RAW, RAW already being JSON text */
void p2pcd_jw_raw(
		struct p2pcd_jw *w, const char *key, const char *raw, size_t len);
/* "key":["escaped value"] */
void p2pcd_jw_str_array1(
		struct p2pcd_jw *w, const char *key, const char *v, size_t len);
/* closes the object; the text length, or -1 if anything failed */
long p2pcd_jw_end(struct p2pcd_jw *w);

/* 1 if s[0..len) is well-formed UTF-8 (no overlongs, no surrogates) */
int p2pcd_utf8_valid(const char *s, size_t len);

#endif
