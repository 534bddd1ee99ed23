/* All-or-nothing output files (temporary file, fsync, rename). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "p2pcd/atomic_file.h"

int p2pcd_afile_open(struct p2pcd_afile *f, const char *path, mode_t mode)
{
	const char *slash, *base;
	size_t dlen;
	int n;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if(!path || !*path) {
		errno = EINVAL;
		return -1;
	}
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	dlen = slash ? (size_t)(slash - path) + 1 : 0;
	if(!*base) {
		errno = EISDIR;
		return -1;
	}
	f->path = strdup(path);
	n = asprintf(&f->tmp, "%.*s.%s.part-XXXXXX", (int)dlen, path, base);
	if(!f->path || n < 0) {
		if(n < 0)
			f->tmp = NULL;
		p2pcd_afile_abort(f);
		errno = ENOMEM;
		return -1;
	}
	/* mkstemp creates it 0600, so a secret is never readable by others */
	f->fd = mkostemp(f->tmp, O_CLOEXEC);
	if(f->fd < 0) {
		n = errno;
		free(f->tmp);
		f->tmp = NULL;
		p2pcd_afile_abort(f);
		errno = n;
		return -1;
	}
	if(fchmod(f->fd, mode) < 0) {
		n = errno;
		p2pcd_afile_abort(f);
		errno = n;
		return -1;
	}
	return 0;
}

int p2pcd_afile_commit(struct p2pcd_afile *f)
{
	int err;

	if(!f->tmp || f->fd < 0) {
		errno = EINVAL;
		return -1;
	}
	if(fsync(f->fd) < 0 || close(f->fd) < 0) {
		err = errno;
		f->fd = -1;
		p2pcd_afile_abort(f);
		errno = err;
		return -1;
	}
	f->fd = -1;
	if(rename(f->tmp, f->path) < 0) {
		err = errno;
		p2pcd_afile_abort(f);
		errno = err;
		return -1;
	}
	free(f->tmp);
	f->tmp = NULL;
	free(f->path);
	f->path = NULL;
	return 0;
}

void p2pcd_afile_abort(struct p2pcd_afile *f)
{
	int err = errno;

	if(f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if(f->tmp)
		unlink(f->tmp);
	free(f->tmp);
	f->tmp = NULL;
	free(f->path);
	f->path = NULL;
	errno = err;
}
