/*
 * libFuzzer: the client's MP4 reader (client/mp4.c: 'ftyp' sniffing and
 * the 'tenc' default KID), which reads untrusted downloads. The input is
 * the file, through a memfd. No crash, no read outside the file, and a
 * found KID lies inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mp4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	uint8_t kid[16];
	size_t i;
	int found = 0;

	if(fd < 0)
		fd = memfd_create("fuzz-mp4", 0);
	if(fd < 0 || ftruncate(fd, 0) < 0)
		abort();
	if(size && pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	mp4_sniff(data, size);
	if(mp4_cenc_kid(fd, kid) == MP4_CENC) {
		for(i = 0; i + 16 <= size && !found; i++)
			found = memcmp(data + i, kid, 16) == 0;
		if(!found)
			abort();
	}
	return 0;
}
