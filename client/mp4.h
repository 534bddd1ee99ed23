/*
 * Just enough ISO BMFF (MP4) to choose the format and check keys: is this
 * an MP4 (an 'ftyp' box first), and which KID does its Common Encryption
 * 'tenc' box name.
 */
#ifndef P2PCD_CLIENT_MP4_H
#define P2PCD_CLIENT_MP4_H

#include <stddef.h>
#include <stdint.h>

/* 1 if buf (the file's first bytes) starts with an 'ftyp' box */
int mp4_sniff(const uint8_t *buf, size_t len);

enum mp4_enc
{
	MP4_CLEAR = 0, /* no 'tenc' box: not encrypted */
	MP4_CENC = 1,  /* encrypted; the default KID was found */
	MP4_ERROR = -1 /* unreadable or malformed (errno, or EINVAL) */
};

/* Looks for 'tenc' under moov/trak/mdia/minf/stbl/stsd; kid gets its
 * default_KID when MP4_CENC is returned. */
enum mp4_enc mp4_cenc_kid(int fd, uint8_t kid[16]);

#endif
