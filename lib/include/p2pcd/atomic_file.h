/*
 * All-or-nothing output files: write to a temporary file in the target's
 * directory, then fsync and rename it onto the target on success, or
 * unlink it on failure. Readers never see a partial file at the target.
 */
#ifndef P2PCD_ATOMIC_FILE_H
#define P2PCD_ATOMIC_FILE_H

#include <sys/types.h>

struct p2pcd_afile
{
	int fd;		/* write here */
	char *tmp;	/* the temporary path (hidden, next to the target) */
	char *path; /* the target */
};

/*
 * Creates the temporary file with permissions mode (0600 for secrets;
 * applied with fchmod, not subject to umask). 0, or -1 with errno.
 */
int p2pcd_afile_open(struct p2pcd_afile *f, const char *path, mode_t mode);
/* fsync, close, rename onto the target: 0, or -1 with errno (and the
 * temporary file removed) */
int p2pcd_afile_commit(struct p2pcd_afile *f);
/* close and unlink the temporary file; safe after commit or twice */
void p2pcd_afile_abort(struct p2pcd_afile *f);

#endif
