/* Container encryption and decryption path to path, all or nothing. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "p2pcd/atomic_file.h"
#include "p2pcd/container.h"

static int open_in(const char *path)
{
	if(strcmp(path, "-") == 0)
		return STDIN_FILENO;
	return open(path, O_RDONLY | O_CLOEXEC);
}

static void close_in(int fd)
{
	int err = errno;

	if(fd != STDIN_FILENO)
		close(fd);
	errno = err;
}

/* run one direction; dec selects decrypt */
static enum p2pcd_cont_err run(const char *in_path, const char *out_path,
		mode_t mode, int dec, const uint8_t *key, const uint8_t *kid,
		uint32_t chunk_size, uint64_t *plain_bytes)
{
	struct p2pcd_afile out;
	enum p2pcd_cont_err rc;
	int in;

	if(!in_path || !out_path || !key || (!dec && !kid))
		return P2PCD_CONT_E_ARG;
	in = open_in(in_path);
	if(in < 0)
		return P2PCD_CONT_E_READ;
	if(p2pcd_afile_open(&out, out_path, mode) < 0) {
		close_in(in);
		return P2PCD_CONT_E_OUTPUT;
	}
	if(dec)
		rc = p2pcd_container_decrypt_fd(in, out.fd, key, kid, plain_bytes);
	else
		rc = p2pcd_container_encrypt_fd(
				in, out.fd, key, kid, chunk_size, plain_bytes);
	close_in(in);
	if(rc) {
		p2pcd_afile_abort(&out);
		return rc;
	}
	return p2pcd_afile_commit(&out) < 0 ? P2PCD_CONT_E_OUTPUT : P2PCD_CONT_OK;
}

enum p2pcd_cont_err p2pcd_container_encrypt_file(const char *in_path,
		const char *out_path, const uint8_t key[P2PCD_CONT_KEY_LEN],
		const uint8_t kid[P2PCD_CONT_KID_LEN], uint32_t chunk_size,
		uint64_t *plain_bytes)
{
	return run(in_path, out_path, 0644, 0, key, kid, chunk_size, plain_bytes);
}

enum p2pcd_cont_err p2pcd_container_decrypt_file(const char *in_path,
		const char *out_path, const uint8_t key[P2PCD_CONT_KEY_LEN],
		const uint8_t *expect_kid, uint64_t *plain_bytes)
{
	return run(in_path, out_path, 0600, 1, key, expect_kid, 0, plain_bytes);
}
