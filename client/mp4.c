/* MP4 sniffing and the Common Encryption default KID ('tenc'). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mp4.h"

#define MOOV_MAX (64u << 20) /* larger 'moov' boxes are refused */

int mp4_sniff(const uint8_t *buf, size_t len)
{
	uint32_t size;

	if(len < 8 || memcmp(buf + 4, "ftyp", 4) != 0)
		return 0;
	size = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16
		   | (uint32_t)buf[2] << 8 | buf[3];
	return size >= 16; /* size, type, major brand, minor version */
}

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for(i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Inside an 'stsd' payload: the sample entries' layouts differ by media
 * type, so look for a 'tenc' box by its shape (a size of 32..64 that fits,
 * version 0 or 1) rather than parse every entry type.
 */
static int scan_tenc(const uint8_t *p, size_t len, uint8_t kid[16])
{
	size_t i;
	uint64_t size;

	for(i = 4; i + 4 <= len; i++) {
		if(memcmp(p + i, "tenc", 4) != 0)
			continue;
		size = be(p + i - 4, 4);
		if(size < 32 || size > 64 || size > len - (i - 4) || p[i + 4] > 1)
			continue;
		/* size, type, version+flags, 2 reserved/pattern, isProtected,
		 * per-sample IV size, then the 16-byte default KID */
		memcpy(kid, p + i - 4 + 16, 16);
		return 1;
	}
	return 0;
}

/* walk child boxes of a container box payload */
static int walk(const uint8_t *p, size_t len, uint8_t kid[16], int depth)
{
	static const char *const containers[] = {
			"moov", "trak", "mdia", "minf", "stbl"};
	uint64_t size, hdr;
	size_t i;

	if(depth > 8)
		return 0;
	while(len >= 8) {
		size = be(p, 4);
		hdr = 8;
		if(size == 1) {
			if(len < 16)
				return 0;
			size = be(p + 8, 8);
			hdr = 16;
		} else if(size == 0) {
			size = len;
		}
		if(size < hdr || size > len)
			return 0;
		if(memcmp(p + 4, "stsd", 4) == 0) {
			if(scan_tenc(p + hdr, (size_t)(size - hdr), kid))
				return 1;
		} else {
			for(i = 0; i < sizeof(containers) / sizeof(containers[0]); i++)
				if(memcmp(p + 4, containers[i], 4) == 0
						&& walk(p + hdr, (size_t)(size - hdr), kid, depth + 1))
					return 1;
		}
		p += size;
		len -= (size_t)size;
	}
	return 0;
}

static int pread_full(int fd, uint8_t *p, size_t len, off_t off)
{
	ssize_t n;

	while(len > 0) {
		n = pread(fd, p, len, off);
		if(n < 0 && errno == EINTR)
			continue;
		if(n <= 0) {
			if(n == 0)
				errno = EINVAL; /* box beyond the end of the file */
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

enum mp4_enc mp4_cenc_kid(int fd, uint8_t kid[16])
{
	uint8_t h[16], *moov;
	uint64_t size, hdr, off = 0;
	struct stat st;
	int found;

	if(fstat(fd, &st) < 0)
		return MP4_ERROR;
	/* top-level boxes; 'moov' may come after 'mdat' (ffmpeg's default) */
	while(off + 8 <= (uint64_t)st.st_size) {
		if(pread_full(fd, h, 8, (off_t)off) < 0)
			return MP4_ERROR;
		size = be(h, 4);
		hdr = 8;
		if(size == 1) {
			if(pread_full(fd, h + 8, 8, (off_t)off + 8) < 0)
				return MP4_ERROR;
			size = be(h + 8, 8);
			hdr = 16;
		} else if(size == 0) {
			size = (uint64_t)st.st_size - off;
		}
		if(size < hdr || size > (uint64_t)st.st_size - off) {
			errno = EINVAL;
			return MP4_ERROR;
		}
		if(memcmp(h + 4, "moov", 4) == 0) {
			if(size - hdr > MOOV_MAX) {
				errno = EFBIG;
				return MP4_ERROR;
			}
			moov = malloc((size_t)(size - hdr) + 1);
			if(!moov)
				return MP4_ERROR;
			if(pread_full(fd, moov, (size_t)(size - hdr), (off_t)(off + hdr))
					< 0) {
				free(moov);
				return MP4_ERROR;
			}
			found = walk(moov, (size_t)(size - hdr), kid, 0);
			free(moov);
			return found ? MP4_CENC : MP4_CLEAR;
		}
		off += size;
	}
	errno = EINVAL; /* no 'moov': not a usable MP4 */
	return MP4_ERROR;
}
