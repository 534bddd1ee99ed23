/* Small file I/O helpers shared by the library and the client. */
#ifndef P2PCD_IO_H
#define P2PCD_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads until len bytes or end of input: the count, or -1 (errno). */
ssize_t p2pcd_read_full(int fd, uint8_t *p, size_t len);

#endif
