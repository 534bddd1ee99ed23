/*
 * Common Encryption through Debian's ffmpeg (DESIGN.md 5): cenc-aes-ctr
 * with a 16-byte key, stream copy (no re-encoding).
 *
 * ffmpeg 5.1 takes keys only on its command line, where other local users
 * can read them in /proc while it runs: on shared hosts mount /proc with
 * hidepid=2 (docs/drm.md).
 */
#ifndef P2PCD_CLIENT_FFMPEG_H
#define P2PCD_CLIENT_FFMPEG_H

#include <stdint.h>

/* ffmpeg's path: $P2PCD_FFMPEG or "ffmpeg" from PATH */
const char *ffmpeg_path(void);

/* in -> out (a path; "pipe:1" for stdout, fragmented). 0, or -1 with a
 * message on stderr saying what failed and what to do. */
int ffmpeg_cenc_encrypt(const char *cmd, const char *in, const char *out,
		const uint8_t key[16], const uint8_t kid[16]);
int ffmpeg_cenc_decrypt(const char *cmd, const char *in, const char *out,
		const uint8_t key[16]);

#endif
