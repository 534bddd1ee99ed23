/*
 * Container round trips: every size class around the chunk size, through
 * the push API (in random piece sizes), the fd API and the file API, and
 * the header layout of docs/container-format.md.
 */
#include "drm_testutil.h"

#include <fcntl.h>
#include <sys/wait.h>

#include "p2pcd/container.h"

static const uint8_t KEY[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
		15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t KID[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};

/* encrypt in pieces of random sizes (seeded) */
static void enc_mem(const uint8_t *pt, size_t len, uint32_t cs, uint64_t seed,
		struct buf *out)
{
	struct p2pcd_cont_enc *e;
	size_t off = 0, n;
	uint64_t span = 3 * (uint64_t)(cs ? cs : P2PCD_CONT_DEFAULT_CHUNK);

	assert_int_equal(
			p2pcd_container_enc_new(&e, KEY, KID, cs, buf_sink, out), 0);
	while(off < len) {
		n = seed ? (size_t)(rnd(&seed) % span) + 1 : len - off;
		if(n > len - off)
			n = len - off;
		assert_int_equal(p2pcd_container_enc_update(e, pt + off, n), 0);
		off += n;
	}
	assert_int_equal(p2pcd_container_enc_final(e), 0);
	/* finished: further use is refused */
	assert_int_not_equal(p2pcd_container_enc_final(e), 0);
	p2pcd_container_enc_free(e);
}

static enum p2pcd_cont_err dec_mem(const uint8_t *ct, size_t len,
		const uint8_t *key, const uint8_t *kid, uint64_t seed, struct buf *out)
{
	struct p2pcd_cont_dec *d;
	enum p2pcd_cont_err rc = P2PCD_CONT_OK;
	size_t off = 0, n;

	assert_int_equal(p2pcd_container_dec_new(&d, key, kid, buf_sink, out), 0);
	while(off < len && rc == P2PCD_CONT_OK) {
		n = seed ? (size_t)(rnd(&seed) % 70000) + 1 : len - off;
		if(n > len - off)
			n = len - off;
		rc = p2pcd_container_dec_update(d, ct + off, n);
		off += n;
	}
	if(rc == P2PCD_CONT_OK)
		rc = p2pcd_container_dec_final(d);
	p2pcd_container_dec_free(d);
	return rc;
}

static void roundtrip(size_t len, uint32_t cs, uint64_t seed)
{
	uint8_t *pt = rnd_bytes(len, seed + 1);
	struct buf ct = {0}, back = {0};
	uint32_t eff = cs ? cs : P2PCD_CONT_DEFAULT_CHUNK;

	enc_mem(pt, len, cs, seed, &ct);
	assert_int_equal(ct.len, p2pcd_container_size(len, eff));
	assert_true(p2pcd_container_sniff(ct.p, ct.len));
	/* whole, then in random pieces */
	assert_int_equal(dec_mem(ct.p, ct.len, KEY, KID, 0, &back), 0);
	assert_int_equal(back.len, len);
	assert_memory_equal(back.p, pt, len);
	back.len = 0;
	assert_int_equal(dec_mem(ct.p, ct.len, KEY, NULL, seed + 7, &back), 0);
	assert_int_equal(back.len, len);
	assert_memory_equal(back.p, pt, len);
	buf_free(&ct);
	buf_free(&back);
	free(pt);
}

static void test_sizes_small_chunk(void **state)
{
	static const size_t sizes[] = {0, 1, 15, 16, 17, 63, 64, 65, 1000};
	size_t i;

	(void)state;
	for(i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		roundtrip(sizes[i], 64, i + 1);
	for(i = 0; i < 50; i++)
		roundtrip(i, 16, 100 + i);
}

static void test_sizes_default_chunk(void **state)
{
	const size_t cs = P2PCD_CONT_DEFAULT_CHUNK;
	const size_t sizes[] = {
			0, 1, cs - 1, cs, cs + 1, 2 * cs, 3 * cs + 5, (5u << 20) + 3};
	size_t i;

	(void)state;
	for(i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		roundtrip(sizes[i], 0, 1000 + i);
}

static void test_same_input_differs(void **state)
{
	struct buf a = {0}, b = {0};
	uint8_t pt[100] = {0};

	(void)state;
	/* a fresh salt per file: same key and plaintext, other ciphertext */
	enc_mem(pt, sizeof(pt), 64, 0, &a);
	enc_mem(pt, sizeof(pt), 64, 0, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, 32); /* magic..KID */
	assert_memory_not_equal(a.p + 32, b.p + 32, 32);
	assert_memory_not_equal(
			a.p + P2PCD_CONT_HEADER_LEN, b.p + P2PCD_CONT_HEADER_LEN, 100);
	buf_free(&a);
	buf_free(&b);
}

static void test_header_layout(void **state)
{
	struct buf ct = {0};
	struct p2pcd_cont_header h;

	(void)state;
	enc_mem((const uint8_t *)"x", 1, 4096, 0, &ct);
	assert_int_equal(ct.len, 96 + 1 + 16);
	assert_memory_equal(ct.p, "P2PCDENC", 8);
	assert_int_equal(ct.p[8], 1);  /* version */
	assert_int_equal(ct.p[9], 1);  /* suite */
	assert_int_equal(ct.p[10], 0); /* flags */
	assert_int_equal(ct.p[11], 0);
	assert_int_equal(ct.p[12], 0); /* chunk size, big-endian */
	assert_int_equal(ct.p[13], 0);
	assert_int_equal(ct.p[14], 0x10);
	assert_int_equal(ct.p[15], 0);
	assert_memory_equal(ct.p + 16, KID, 16);
	assert_int_equal(p2pcd_container_header_parse(ct.p, ct.len, &h), 0);
	assert_int_equal(h.chunk_size, 4096);
	assert_memory_equal(h.kid, KID, 16);
	assert_memory_equal(h.salt, ct.p + 32, 32);
	assert_memory_equal(h.commit, ct.p + 64, 32);
	assert_int_equal(p2pcd_container_header_parse(ct.p, 95, &h),
			P2PCD_CONT_E_SHORT_HEADER);
	assert_int_equal(p2pcd_container_header_parse(ct.p, 4, &h),
			P2PCD_CONT_E_SHORT_HEADER);
	assert_int_equal(
			p2pcd_container_header_parse((const uint8_t *)"PK\3\4", 4, &h),
			P2PCD_CONT_E_MAGIC);
	buf_free(&ct);
}

static void test_sizes_and_args(void **state)
{
	struct p2pcd_cont_enc *e;
	struct buf b = {0};

	(void)state;
	assert_int_equal(p2pcd_container_size(0, 16), 96 + 16);
	assert_int_equal(p2pcd_container_size(16, 16), 96 + 32 + 16);
	assert_int_equal(p2pcd_container_size(17, 16), 96 + 17 + 32);
	assert_int_equal(p2pcd_container_size(1, 0), 0);
	assert_int_equal(p2pcd_container_size(UINT64_MAX - 10, 16), 0);
	assert_int_equal(p2pcd_container_enc_new(&e, KEY, KID, 15, buf_sink, &b),
			P2PCD_CONT_E_ARG);
	assert_int_equal(p2pcd_container_enc_new(&e, KEY, KID,
							 P2PCD_CONT_MAX_CHUNK + 1, buf_sink, &b),
			P2PCD_CONT_E_ARG);
	assert_int_equal(p2pcd_container_enc_new(&e, NULL, KID, 0, buf_sink, &b),
			P2PCD_CONT_E_ARG);
	assert_int_equal(b.len, 0);
	assert_string_equal(p2pcd_container_strerror(P2PCD_CONT_OK), "success");
	assert_non_null(
			strstr(p2pcd_container_strerror(P2PCD_CONT_E_KEY), "wrong key"));
}

static int failing_sink(void *arg, const uint8_t *p, size_t len)
{
	(void)p;
	(void)len;
	return --*(int *)arg < 0 ? -1 : 0;
}

static void test_sink_failure(void **state)
{
	struct p2pcd_cont_enc *e;
	uint8_t pt[200] = {0};
	int budget = 2; /* header, one chunk, then failure */

	(void)state;
	assert_int_equal(
			p2pcd_container_enc_new(&e, KEY, KID, 64, failing_sink, &budget),
			0);
	assert_int_equal(
			p2pcd_container_enc_update(e, pt, sizeof(pt)), P2PCD_CONT_E_WRITE);
	/* the error sticks */
	assert_int_equal(p2pcd_container_enc_update(e, pt, 1), P2PCD_CONT_E_WRITE);
	assert_int_equal(p2pcd_container_enc_final(e), P2PCD_CONT_E_WRITE);
	p2pcd_container_enc_free(e);
}

/* decrypt what a child process writes into a pipe */
static void pipe_through(const char *enc, const char *out)
{
	size_t len;
	uint8_t *c = read_file(enc, &len);
	int fds[2], fd_out, status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if(pid == 0) {
		close(fds[0]);
		/* small writes: the reader sees partial records */
		for(size_t off = 0; off < len; off += 1000)
			if(write(fds[1], c + off, len - off < 1000 ? len - off : 1000) < 0)
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	fd_out = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd_out >= 0);
	assert_int_equal(
			p2pcd_container_decrypt_fd(fds[0], fd_out, KEY, KID, NULL), 0);
	close(fds[0]);
	close(fd_out);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(c);
}

/* fd and file APIs, with a pipe for the streaming case */
static void test_fd_and_file(void **state)
{
	char *dir = tmpdir_new(), in[256], enc[256], out[256];
	const size_t len = 3 * 65536 + 17;
	uint8_t *pt = rnd_bytes(len, 42), *back;
	uint64_t n = 0;
	size_t blen;
	int fd_in, fd_out;

	(void)state;
	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(enc, sizeof(enc), "%s/in.p2pcd", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	write_file(in, pt, len);
	assert_int_equal(
			p2pcd_container_encrypt_file(in, enc, KEY, KID, 65536, &n), 0);
	assert_int_equal(n, len);
	assert_int_equal(p2pcd_container_decrypt_file(enc, out, KEY, KID, &n), 0);
	assert_int_equal(n, len);
	back = read_file(out, &blen);
	assert_int_equal(blen, len);
	assert_memory_equal(back, pt, len);
	free(back);
	/* only in, in.p2pcd and out: no temporary file left over */
	assert_int_equal(dir_entries(dir), 3);

	/* fd to fd */
	unlink(out);
	fd_in = open(enc, O_RDONLY);
	fd_out = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd_in >= 0 && fd_out >= 0);
	assert_int_equal(
			p2pcd_container_decrypt_fd(fd_in, fd_out, KEY, NULL, &n), 0);
	assert_int_equal(n, len);
	close(fd_in);
	close(fd_out);
	back = read_file(out, &blen);
	assert_int_equal(blen, len);
	assert_memory_equal(back, pt, len);
	free(back);

	/* from a pipe (plain reads, no read-ahead thread) */
	unlink(out);
	pipe_through(enc, out);
	back = read_file(out, &blen);
	assert_int_equal(blen, len);
	assert_memory_equal(back, pt, len);
	free(back);

	/* a missing input: an error and no output */
	unlink(out);
	assert_int_equal(
			p2pcd_container_decrypt_file("/nonexistent/x", out, KEY, NULL, &n),
			P2PCD_CONT_E_READ);
	assert_false(file_exists(out));
	/* an output in a missing directory */
	assert_int_equal(
			p2pcd_container_encrypt_file(in, "/nonexistent/x", KEY, KID, 0, &n),
			P2PCD_CONT_E_OUTPUT);
	free(pt);
	tmpdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_sizes_small_chunk),
			cmocka_unit_test(test_sizes_default_chunk),
			cmocka_unit_test(test_same_input_differs),
			cmocka_unit_test(test_header_layout),
			cmocka_unit_test(test_sizes_and_args),
			cmocka_unit_test(test_sink_failure),
			cmocka_unit_test(test_fd_and_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
