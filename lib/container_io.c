/*
 * Container streaming between file descriptors, and path to path with
 * all-or-nothing output (temporary file, fsync, rename).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "p2pcd/container.h"
#include "p2pcd/io.h"
#include "prefetch.h"

/* the sink's argument: where to write, what was written, why it failed */
struct fd_out
{
	int fd;
	uint64_t bytes;
	int err;
};

static int fd_sink(void *arg, const uint8_t *p, size_t len)
{
	struct fd_out *o = arg;
	ssize_t n;

	o->bytes += len;
	while(len > 0) {
		n = write(o->fd, p, len);
		if(n < 0) {
			if(errno == EINTR)
				continue;
			o->err = errno;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Where blocks come from: a read-ahead thread for regular files (reading
 * overlaps the crypto), plain reads into one buffer otherwise.
 */
#define IO_BLOCK (4u << 20) /* bytes per read: whole chunks, about this */

/* the read size for unit-byte records (chunks or sealed chunks) */
static size_t io_block(size_t unit)
{
	return unit >= IO_BLOCK ? unit : IO_BLOCK / unit * unit;
}

struct source
{
	struct p2pcd_prefetch *pf;
	int fd;
	uint8_t *buf;
	size_t block;
};

static int source_open(struct source *s, int fd, size_t block)
{
	s->fd = fd;
	s->block = block;
	s->buf = NULL;
	if(p2pcd_prefetch_start(&s->pf, fd, block) == 0)
		return 0;
	s->buf = malloc(block);
	return s->buf ? 0 : -1;
}

/* the next block; *len < block at the end of the input. 0 or -1 (errno) */
static int source_next(struct source *s, const uint8_t **p, size_t *len)
{
	ssize_t n;

	if(s->pf)
		return p2pcd_prefetch_next(s->pf, p, len);
	n = p2pcd_read_full(s->fd, s->buf, s->block);
	if(n < 0)
		return -1;
	*p = s->buf;
	*len = (size_t)n;
	return 0;
}

static void source_close(struct source *s)
{
	p2pcd_prefetch_stop(s->pf);
	if(s->buf) {
		sodium_memzero(s->buf, s->block);
		free(s->buf);
	}
}

enum p2pcd_cont_err p2pcd_container_encrypt_fd(int in_fd, int out_fd,
		const uint8_t key[P2PCD_CONT_KEY_LEN],
		const uint8_t kid[P2PCD_CONT_KID_LEN], uint32_t chunk_size,
		uint64_t *plain_bytes)
{
	struct fd_out o = {out_fd, 0, 0};
	struct p2pcd_cont_enc *e;
	struct source src;
	enum p2pcd_cont_err rc;
	const uint8_t *p;
	uint64_t total = 0;
	size_t n;
	int err = 0;

	if(chunk_size == 0)
		chunk_size = P2PCD_CONT_DEFAULT_CHUNK;
	rc = p2pcd_container_enc_new(&e, key, kid, chunk_size, fd_sink, &o);
	if(rc) {
		errno = o.err;
		return rc;
	}
	if(source_open(&src, in_fd, io_block(chunk_size)) < 0) {
		p2pcd_container_enc_free(e);
		return P2PCD_CONT_E_NOMEM;
	}
	/* whole chunks: update() seals them in place, without a copy; big
	 * reads keep the read-ahead thread's hand-offs rare */
	for(;;) {
		if(source_next(&src, &p, &n) < 0) {
			rc = P2PCD_CONT_E_READ;
			err = errno;
			break;
		}
		total += n;
		rc = p2pcd_container_enc_update(e, p, n);
		if(rc || n < src.block)
			break;
	}
	if(rc == P2PCD_CONT_OK)
		rc = p2pcd_container_enc_final(e);
	if(rc == P2PCD_CONT_E_WRITE)
		err = o.err;
	source_close(&src);
	p2pcd_container_enc_free(e);
	if(plain_bytes)
		*plain_bytes = total;
	errno = err;
	return rc;
}

enum p2pcd_cont_err p2pcd_container_decrypt_fd(int in_fd, int out_fd,
		const uint8_t key[P2PCD_CONT_KEY_LEN], const uint8_t *expect_kid,
		uint64_t *plain_bytes)
{
	struct fd_out o = {out_fd, 0, 0};
	struct p2pcd_cont_dec *d;
	const struct p2pcd_cont_header *h;
	struct source src = {0};
	enum p2pcd_cont_err rc;
	uint8_t hdr[P2PCD_CONT_HEADER_LEN];
	const uint8_t *p;
	size_t rs = 0, n;
	ssize_t got;
	int err = 0, have_src = 0;

	rc = p2pcd_container_dec_new(&d, key, expect_kid, fd_sink, &o);
	if(rc)
		return rc;
	got = p2pcd_read_full(in_fd, hdr, sizeof(hdr));
	if(got < 0) {
		rc = P2PCD_CONT_E_READ;
		err = errno;
		goto out;
	}
	rc = p2pcd_container_dec_update(d, hdr, (size_t)got);
	if(rc)
		goto out;
	h = p2pcd_container_dec_header(d);
	if(!h) { /* short input: final() says so */
		rc = p2pcd_container_dec_final(d);
		goto out;
	}
	/* whole records, so dec_update() opens them in place */
	rs = (size_t)h->chunk_size + P2PCD_CONT_TAG_LEN;
	if(source_open(&src, in_fd, io_block(rs)) < 0) {
		rc = P2PCD_CONT_E_NOMEM;
		goto out;
	}
	have_src = 1;
	for(;;) {
		if(source_next(&src, &p, &n) < 0) {
			rc = P2PCD_CONT_E_READ;
			err = errno;
			goto out;
		}
		rc = p2pcd_container_dec_update(d, p, n);
		if(rc || n < src.block)
			break;
	}
	if(rc == P2PCD_CONT_OK)
		rc = p2pcd_container_dec_final(d);
out:
	if(rc == P2PCD_CONT_E_WRITE)
		err = o.err;
	if(have_src)
		source_close(&src);
	p2pcd_container_dec_free(d);
	if(plain_bytes)
		*plain_bytes = o.bytes;
	errno = err;
	return rc;
}
