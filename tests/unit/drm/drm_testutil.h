/* Helpers shared by the content-protection unit tests (header-only). */
#ifndef P2PCD_DRM_TESTUTIL_H
#define P2PCD_DRM_TESTUTIL_H

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

/* a growable byte buffer, also a container sink */
struct buf
{
	uint8_t *p;
	size_t len, cap;
};

static inline int buf_sink(void *arg, const uint8_t *p, size_t len)
{
	struct buf *b = arg;

	if(b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while(cap < b->len + len)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	if(len)
		memcpy(b->p + b->len, p, len);
	b->len += len;
	return 0;
}

static inline void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* deterministic PRNG (xorshift64*) for test data and piece sizes */
static inline uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static inline uint8_t *rnd_bytes(size_t len, uint64_t seed)
{
	uint8_t *p = malloc(len ? len : 1);
	size_t i;

	assert_non_null(p);
	for(i = 0; i < len; i++)
		p[i] = (uint8_t)(rnd(&seed) >> 56);
	return p;
}

/* a fresh temporary directory, and its removal (files, then itself) */
static inline char *tmpdir_new(void)
{
	char *d = strdup("/tmp/p2pcd-drm-unit.XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static inline int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while((e = readdir(d)))
		if(strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static inline void tmpdir_free(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	assert_non_null(d);
	while((e = readdir(d))) {
		if(!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
	free(dir);
}

static inline void write_file(const char *path, const uint8_t *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	if(len)
		assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static inline uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static inline int file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

#endif
