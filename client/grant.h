/*
 * A grant (DESIGN.md 2): the JSON the index role serves at the URL the
 * AS put in Call-Info (purpose=p2pcd-grant) of its 200 OK, holding the
 * per-buyer .torrent (its announce URL carries the admission token) and
 * the license token. docs/tracker.md "Index role" is the reference.
 */
#ifndef P2PCD_CLIENT_GRANT_H
#define P2PCD_CLIENT_GRANT_H

#include <stddef.h>
#include <stdint.h>

struct grant
{
	char id[23];
	char doi[129];
	char title[513];
	char role[8]; /* seed or leech */
	char content_uri[512];
	char info_hash[41];
	char kid[33];
	int64_t size_bytes, price_cents, expires;
	char currency[4];
	char license_url[512];
	char *license_token; /* malloc'ed */
	uint8_t *torrent;	 /* the per-buyer .torrent, malloc'ed */
	size_t torrent_len;
	char *json; /* the document as fetched, malloc'ed */
};

/*
 * GET the grant at url (cacert may be NULL) and check it: every member
 * present, the torrent's info-hash equal to info_hash. 0, or -1 with a
 * message saying what went wrong (404, 410 muted/expired, 503...).
 */
int grant_fetch(
		const char *cmd, const char *url, const char *cacert, struct grant *g);
void grant_free(struct grant *g);

#endif
