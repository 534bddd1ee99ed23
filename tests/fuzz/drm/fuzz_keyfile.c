/*
 * libFuzzer: key file parsing (lib/keyfile.c) and the key encodings. The
 * input is a key file, read through /proc/self/fd of a memfd; whatever
 * is accepted as a 16- or 32-byte value must re-encode (hex) and decode
 * to the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "p2pcd/keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *path, const char *name, size_t len)
{
	uint8_t out[32], back[32];
	char err[256], hex[65];

	if(p2pcd_keyfile_get(path, name, out, len, err, sizeof(err)) != 0)
		return;
	if(p2pcd_hex_encode(out, len, hex, sizeof(hex))
			|| p2pcd_key_decode(hex, 2 * len, back, len)
			|| memcmp(out, back, len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	uint8_t out[32], back[16];
	char err[256];

	if(fd < 0) {
		fd = memfd_create("fuzz-keyfile", 0);
		if(fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if(ftruncate(fd, 0) < 0)
		abort();
	if(size && pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	check(path, "key", 32);
	check(path, "key", 16);
	check(path, "kid", 16);
	if(p2pcd_keyfile_get_named(path, "kid", out, 16, err, sizeof(err)) == 0
			&& p2pcd_keyfile_get(path, "kid", back, 16, err, sizeof(err)))
		abort(); /* named implies found */
	p2pcd_key_decode((const char *)data, size, out, 32);
	return 0;
}
