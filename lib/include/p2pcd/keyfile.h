/*
 * Key files: small text files of name=value lines, values in hex (any
 * case) or base64 / base64url (padded or not), '#' comments and blank
 * lines ignored. A file of one bare value (no name) is read as that value
 * by p2pcd_keyfile_get() whatever name is asked, so a key pasted from
 * ffmpeg (hex) or a ClearKey JWK "k" (base64url) works as is. Writers use hex, mode 0600 for
 * secrets, through an all-or-nothing rename.
 *
 *   # p2pcd content key: keep secret
 *   kid=00112233445566778899aabbccddeeff
 *   key=<64 hex digits>
 */
#ifndef P2PCD_KEYFILE_H
#define P2PCD_KEYFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define P2PCD_KEYFILE_MAX 65536 /* longest key file read */

/* lowercase hex and a NUL; out_size >= 2 * len + 1. 0 or -1. */
int p2pcd_hex_encode(const uint8_t *in, size_t len, char *out, size_t out_size);
/* exactly 2 * len hex digits (either case) to len bytes. 0 or -1. */
int p2pcd_hex_decode(const char *in, size_t in_len, uint8_t *out, size_t len);
/* hex, base64 or base64url text of exactly len bytes. 0 or -1. */
int p2pcd_key_decode(const char *in, size_t in_len, uint8_t *out, size_t len);

/*
 * The value called name (or the file's one bare value) as exactly len
 * bytes. 0, or -1 with a message for a user in err (what, which file).
 */
int p2pcd_keyfile_get(const char *path, const char *name, uint8_t *out,
		size_t len, char *err, size_t err_size);
/* the same, but only a name=value line counts (for optional values such
 * as kid=, which a bare key must not stand in for) */
int p2pcd_keyfile_get_named(const char *path, const char *name, uint8_t *out,
		size_t len, char *err, size_t err_size);

struct p2pcd_keyfile_item
{
	const char *name;
	const uint8_t *val;
	size_t len;
};

/*
 * Writes comment (may be NULL; one line, "# " is prepended) and the items
 * as name=hex lines, all or nothing, with permissions mode. 0, or -1 with
 * errno.
 */
int p2pcd_keyfile_write(const char *path, mode_t mode, const char *comment,
		const struct p2pcd_keyfile_item *items, size_t n);
/* the same text to an open fd (e.g. a p2pcd_afile not yet committed) */
int p2pcd_keyfile_format(int fd, const char *comment,
		const struct p2pcd_keyfile_item *items, size_t n);

#endif
