/*
 * A private (BEP 27) single-file v1 torrent of an encrypted file, in
 * canonical bencode as the AS requires (modules/p2pcd/README, PUBLISH
 * body). No announce URL: the index role writes a tokenized one per buyer.
 */
#ifndef P2PCD_CLIENT_TORRENT_MAKE_H
#define P2PCD_CLIENT_TORRENT_MAKE_H

#include <stddef.h>
#include <stdint.h>

/* piece length for a file of size bytes: a power of two in [64 KiB,
 * 16 MiB], at most about 1024 pieces */
uint32_t torrent_piece_length(uint64_t size);

/*
 * Hash path into a torrent named name (the file name seeders and buyers
 * keep). *out (malloc'ed, *out_len bytes) and info_hash on success: 0; -1
 * with the message printed.
 */
int torrent_make(const char *cmd, const char *path, const char *name,
		uint8_t **out, size_t *out_len, uint8_t info_hash[20], uint64_t *size);

#endif
