/*
 * The W3C EME ClearKey license request, strictly: a JSON object of
 * exactly {"kids": [1..LREQ_MAX_KIDS distinct base64url 16-byte KIDs],
 * "type": "temporary"}, at most LREQ_MAX_BODY bytes. Anything else is a
 * malformed request (400): no unknown members, no duplicates.
 */
#ifndef P2PCD_TRACKER_LICENSE_REQ_H
#define P2PCD_TRACKER_LICENSE_REQ_H

#include <stddef.h>
#include <stdint.h>

#define LREQ_MAX_KIDS 16
#define LREQ_MAX_BODY 4096

struct lreq
{
	uint8_t kids[LREQ_MAX_KIDS][16];
	size_t n_kids;
};

/* 0, or -1 with a reason for the client in *why */
int lreq_parse(const char *body, size_t len, struct lreq *r, const char **why);

/* a KID from a token's kids claim: base64url (what the AS mints) or 32
 * hex digits. 0 or -1 */
int lreq_kid_decode(const char *s, size_t len, uint8_t kid[16]);

#endif
