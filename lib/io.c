/* Reading that survives short reads and EINTR: see p2pcd/io.h. */
#include <errno.h>
#include <unistd.h>

#include "p2pcd/io.h"

ssize_t p2pcd_read_full(int fd, uint8_t *p, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while(got < len) {
		n = read(fd, p + got, len - got);
		if(n == 0)
			break;
		if(n < 0) {
			if(errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	return (ssize_t)got;
}
