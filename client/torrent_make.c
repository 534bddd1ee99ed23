/* Making the private torrent of a file: see torrent_make.h. */
#include "torrent_make.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "p2pcd/bencode.h"
#include "p2pcd/infohash.h"
#include "p2pcd/io.h"
#include "cli.h"

#define MIN_PIECE (64u << 10)
#define MAX_PIECE (16u << 20)
#define TARGET_PIECES 1024

uint32_t torrent_piece_length(uint64_t size)
{
	uint32_t pl = MIN_PIECE;

	while(pl < MAX_PIECE && size / pl > TARGET_PIECES)
		pl <<= 1;
	return pl;
}

/* SHA-1 of every piece of fd into pieces (20 bytes each) */
static int hash_pieces(const char *cmd, const char *path, int fd, uint64_t size,
		uint32_t pl, uint8_t *pieces)
{
	uint8_t *buf = malloc(pl);
	uint64_t done = 0;
	size_t i = 0;
	unsigned mdlen;
	ssize_t n;

	if(!buf) {
		cli_err(cmd, "out of memory");
		return -1;
	}
	while(done < size) {
		size_t want = size - done < pl ? (size_t)(size - done) : pl;

		n = p2pcd_read_full(fd, buf, want);
		if(n < 0 || (size_t)n != want) {
			cli_err(cmd, "cannot read %s: %s", path,
					n < 0 ? strerror(errno) : "it shrank while hashing");
			free(buf);
			return -1;
		}
		if(!EVP_Digest(buf, want, pieces + 20 * i, &mdlen, EVP_sha1(), NULL)) {
			cli_err(cmd, "SHA-1 failed");
			free(buf);
			return -1;
		}
		done += want;
		i++;
	}
	free(buf);
	return 0;
}

static int encode(const char *name, uint64_t size, uint32_t pl,
		const uint8_t *pieces, size_t n_pieces, uint8_t **out, size_t *len)
{
	struct p2pcd_benc e;
	int rc;

	p2pcd_benc_init(&e);
	p2pcd_benc_dict(&e);
	p2pcd_benc_cstr(&e, "created by");
	p2pcd_benc_cstr(&e, "p2pcd 0.1");
	p2pcd_benc_cstr(&e, "creation date");
	p2pcd_benc_int(&e, (int64_t)time(NULL));
	p2pcd_benc_cstr(&e, "info");
	p2pcd_benc_dict(&e);
	p2pcd_benc_cstr(&e, "length");
	p2pcd_benc_int(&e, (int64_t)size);
	p2pcd_benc_cstr(&e, "name");
	p2pcd_benc_cstr(&e, name);
	p2pcd_benc_cstr(&e, "piece length");
	p2pcd_benc_int(&e, pl);
	p2pcd_benc_cstr(&e, "pieces");
	p2pcd_benc_str(&e, pieces, n_pieces * 20);
	p2pcd_benc_cstr(&e, "private");
	p2pcd_benc_int(&e, 1);
	p2pcd_benc_end(&e);
	p2pcd_benc_end(&e);
	rc = p2pcd_benc_take(&e, out, len) == P2PCD_BENC_OK ? 0 : -1;
	p2pcd_benc_free(&e);
	return rc;
}

int torrent_make(const char *cmd, const char *path, const char *name,
		uint8_t **out, size_t *out_len, uint8_t info_hash[20], uint64_t *size)
{
	struct stat st;
	uint8_t *pieces = NULL;
	size_t n_pieces;
	uint32_t pl;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if(fd < 0 || fstat(fd, &st) < 0) {
		cli_err(cmd, "cannot open %s: %s", path, strerror(errno));
		if(fd >= 0)
			close(fd);
		return -1;
	}
	if(!S_ISREG(st.st_mode) || st.st_size == 0) {
		cli_err(cmd, "%s: not a regular non-empty file", path);
		goto out;
	}
	*size = (uint64_t)st.st_size;
	pl = torrent_piece_length(*size);
	n_pieces = (size_t)((*size + pl - 1) / pl);
	pieces = malloc(n_pieces * 20);
	if(!pieces) {
		cli_err(cmd, "out of memory");
		goto out;
	}
	if(hash_pieces(cmd, path, fd, *size, pl, pieces))
		goto out;
	if(encode(name, *size, pl, pieces, n_pieces, out, out_len)) {
		cli_err(cmd, "cannot encode the torrent");
		goto out;
	}
	if(p2pcd_infohash_torrent(*out, *out_len, NULL, info_hash, NULL)
			!= P2PCD_IH_OK) {
		cli_err(cmd, "the torrent made does not parse back");
		free(*out);
		*out = NULL;
		goto out;
	}
	rc = 0;
out:
	free(pieces);
	close(fd);
	return rc;
}
