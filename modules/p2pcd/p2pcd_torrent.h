/*
 * p2pcd - strict validation of a published .torrent (BEP 3, BEP 27)
 */

#ifndef _P2PCD_TORRENT_H_
#define _P2PCD_TORRENT_H_

#include <stddef.h>

#define P2PCD_PIECE_MIN (16 * 1024)
#define P2PCD_PIECE_MAX (16 * 1024 * 1024)

/*
 * Canonical bencode, a dict with an info dict: private = 1, piece length a
 * power of two in [16 KiB, 16 MiB], pieces a non-empty multiple of 20
 * bytes matching the total size, a safe name, one file (length) or a
 * non-empty files list with safe paths, total size in [1, max_size].
 * 0 with the info-hash and the total size, or -1 with a static reason.
 */
int p2pcd_torrent_check(const unsigned char *buf, size_t len,
		long long max_size, unsigned char ih[20], long long *size,
		const char **why);

#endif /* _P2PCD_TORRENT_H_ */
