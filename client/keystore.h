/*
 * The local license keystore: content keys by KID, each with an expiry,
 * in one text file of mode 0600 (default $P2PCD_KEYSTORE, else
 * $XDG_DATA_HOME/p2pcd/keystore, else ~/.local/share/p2pcd/keystore).
 * One line per key: "KID-hex KEY-hex EXPIRES" (unix seconds, 0 = never).
 * Updates rewrite the file all or nothing under an flock'ed lock file and
 * drop expired entries; an expired key is never returned.
 */
#ifndef P2PCD_CLIENT_KEYSTORE_H
#define P2PCD_CLIENT_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define KS_MAX_ENTRIES 100000

enum ks_result
{
	KS_FOUND = 0,
	KS_MISSING = 1,
	KS_EXPIRED = 2,
	KS_ERROR = -1 /* message already printed */
};

/* the keystore path (static buffer); NULL if no home can be found */
const char *ks_path(void);

/* add or replace kid's key; expires 0 = never. 0 or -1 (printed) */
int ks_put(const char *cmd, const char *path, const uint8_t kid[16],
		const uint8_t *key, size_t klen, int64_t expires);
/* KS_FOUND with key (32 bytes of room), *klen and *expires */
enum ks_result ks_get(const char *cmd, const char *path, const uint8_t kid[16],
		uint8_t key[32], size_t *klen, int64_t *expires);
/* remove kid: 0, 1 if absent, -1 (printed) */
int ks_remove(const char *cmd, const char *path, const uint8_t kid[16]);
/* print "KID EXPIRES state" lines, never keys. 0 or -1 */
int ks_list(const char *cmd, const char *path, int64_t now);

/* "3600", "90s", "30m", "24h", "7d", ISO 8601 "PT24H", "P1DT2H": seconds,
 * or -1 */
int64_t ks_parse_duration(const char *s);

#endif
