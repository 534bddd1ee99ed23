/*
 * libFuzzer target: the tracker's configuration file (libconfig syntax
 * and config_load's checks) with arbitrary bytes, through a memfd so the
 * real file path is taken. Invariants: a refusal always says why; an
 * accepted file has the values the daemon relies on in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tracker_config c;
	char path[64], err[512];
	int fd = memfd_create("p2pcd-config", MFD_CLOEXEC);

	if(fd < 0)
		abort();
	if(size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err[0] = '\0';
	if(config_load(path, &c, err, sizeof(err)) == 0) {
		if(!c.tracker_id[0] || c.listen_port == 0 || c.threads < 1
				|| c.interval < c.min_interval || c.numwant_max < 1
				|| c.peer_timeout > SWARM_TTL_MAX_SECONDS)
			abort();
	} else if(!err[0]) {
		abort();
	}
	close(fd);
	return 0;
}
