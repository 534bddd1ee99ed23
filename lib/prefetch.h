/*
 * Read-ahead of a regular file in fixed-size blocks on a thread of its
 * own, so reading (a copy out of the page cache) overlaps the crypto of
 * the previous block. Internal to lib/ (not installed).
 */
#ifndef P2PCD_PREFETCH_H
#define P2PCD_PREFETCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct p2pcd_prefetch;

/*
 * Starts reading fd from its current offset. -1 (use plain reads) if fd
 * is not a regular file (a reader blocked on a pipe could not be stopped)
 * or no thread could be made.
 */
int p2pcd_prefetch_start(struct p2pcd_prefetch **pf, int fd, size_t block);
/*
 * The next block, valid until the next call: *len < block means the end
 * of the input. Releases the previous block. 0, or -1 with errno.
 */
int p2pcd_prefetch_next(
		struct p2pcd_prefetch *pf, const uint8_t **p, size_t *len);
/* stops the thread and frees (and wipes) the buffers */
void p2pcd_prefetch_stop(struct p2pcd_prefetch *pf);


#endif
