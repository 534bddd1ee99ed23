/*
 * What `p2pcd publish` remembers of a publication (RFC 3903 state: the
 * entity tag to refresh or withdraw it, and where it went), in a small
 * JSON file next to the encrypted file, so `p2pcd unpublish` and a later
 * seeder can find it.
 */
#ifndef P2PCD_CLIENT_PUBSTATE_H
#define P2PCD_CLIENT_PUBSTATE_H

#include <stdint.h>

struct pubstate
{
	char doi[129];
	char content_uri[512];
	char target[512]; /* the PUBLISH Request-URI */
	char etag[128];
	int64_t expires;   /* granted seconds */
	int64_t refreshed; /* unix time of the last 200 */
	char grant_url[512];
	char title[513];
	char info_hash[41];
	char file[1024];	/* the encrypted file */
	char torrent[1024]; /* the seeder's tokenized .torrent */
};

/* 0, or -1 with the message printed */
int pubstate_save(const char *cmd, const char *path, const struct pubstate *s);
int pubstate_load(const char *cmd, const char *path, struct pubstate *s);

#endif
