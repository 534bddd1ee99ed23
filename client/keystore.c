/* The local license keystore (see keystore.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "p2pcd/atomic_file.h"
#include "p2pcd/keyfile.h"
#include "cli.h"
#include "keystore.h"

struct entry
{
	uint8_t kid[16];
	uint8_t key[32];
	size_t klen;
	int64_t expires;
};

struct store
{
	struct entry *e;
	size_t n, cap;
};

const char *ks_path(void)
{
	static char buf[4096];
	const char *env = getenv("P2PCD_KEYSTORE"), *xdg, *home;

	if(env && *env)
		return env;
	xdg = getenv("XDG_DATA_HOME");
	home = getenv("HOME");
	if(xdg && *xdg)
		snprintf(buf, sizeof(buf), "%s/p2pcd/keystore", xdg);
	else if(home && *home)
		snprintf(buf, sizeof(buf), "%s/.local/share/p2pcd/keystore", home);
	else
		return NULL;
	return buf;
}

int64_t ks_parse_duration(const char *s)
{
	int64_t total = 0, v;
	int in_time = 0;
	char *end;

	if(!s || !*s)
		return -1;
	if(*s != 'P') {
		errno = 0;
		v = strtoll(s, &end, 10);
		if(errno || end == s || v < 0)
			return -1;
		if(!strcmp(end, "") || !strcmp(end, "s"))
			return v;
		if(!strcmp(end, "m") && v <= INT64_MAX / 60)
			return v * 60;
		if(!strcmp(end, "h") && v <= INT64_MAX / 3600)
			return v * 3600;
		if(!strcmp(end, "d") && v <= INT64_MAX / 86400)
			return v * 86400;
		return -1;
	}
	/* ISO 8601 duration, days and time parts (ODRL rights use these) */
	for(s++; *s;) {
		if(*s == 'T') {
			in_time = 1;
			s++;
			continue;
		}
		if(!isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		v = strtoll(s, &end, 10);
		if(errno || v > INT32_MAX)
			return -1;
		if(*end == 'D' && !in_time)
			total += v * 86400;
		else if(*end == 'H' && in_time)
			total += v * 3600;
		else if(*end == 'M' && in_time)
			total += v * 60;
		else if(*end == 'S' && in_time)
			total += v;
		else
			return -1;
		s = end + 1;
	}
	return total;
}

/* mkdir -p of path's directory, mode 0700 */
static int make_dirs(const char *path)
{
	char d[4096], *p;

	if(strlen(path) >= sizeof(d))
		return -1;
	strcpy(d, path);
	p = strrchr(d, '/');
	if(!p || p == d)
		return 0;
	*p = '\0';
	for(p = d + 1; *p; p++)
		if(*p == '/') {
			*p = '\0';
			if(mkdir(d, 0700) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(d, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* an exclusive lock for a read-modify-write; the fd, or -1 */
static int lock(const char *cmd, const char *path)
{
	char lp[4200];
	int fd;

	snprintf(lp, sizeof(lp), "%s.lock", path);
	if(make_dirs(path) < 0) {
		cli_err(cmd, "cannot create the directory of %s: %s", path,
				strerror(errno));
		return -1;
	}
	fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if(fd < 0 || flock(fd, LOCK_EX) < 0) {
		cli_err(cmd, "cannot lock %s: %s", lp, strerror(errno));
		if(fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void store_free(struct store *s)
{
	if(s->e) {
		sodium_memzero(s->e, s->cap * sizeof(*s->e));
		free(s->e);
	}
	memset(s, 0, sizeof(*s));
}

/* load; a missing file is an empty store. 0 or -1 (printed) */
static int load(const char *cmd, const char *path, struct store *s)
{
	char line[512], *f[3], *save;
	struct stat st;
	struct entry *e;
	unsigned lineno = 0;
	size_t kl;
	FILE *fp;
	int i;

	memset(s, 0, sizeof(*s));
	fp = fopen(path, "re");
	if(!fp) {
		if(errno == ENOENT)
			return 0;
		cli_err(cmd, "cannot open keystore %s: %s", path, strerror(errno));
		return -1;
	}
	if(fstat(fileno(fp), &st) == 0 && (st.st_mode & 077))
		cli_err(cmd,
				"warning: keystore %s is readable by others; run chmod 600 "
				"%s",
				path, path);
	while(fgets(line, sizeof(line), fp)) {
		lineno++;
		if(line[0] == '#' || line[0] == '\n')
			continue;
		for(i = 0, save = NULL; i < 3; i++)
			if(!(f[i] = strtok_r(i ? NULL : line, " \t\r\n", &save)))
				break;
		if(s->n == s->cap) {
			if(s->cap >= KS_MAX_ENTRIES)
				goto bad;
			e = realloc(s->e, (s->cap ? s->cap * 2 : 16) * sizeof(*e));
			if(!e)
				goto bad;
			s->e = e;
			s->cap = s->cap ? s->cap * 2 : 16;
		}
		e = &s->e[s->n];
		if(i < 3)
			goto bad;
		kl = strlen(f[1]) / 2;
		if(p2pcd_hex_decode(f[0], strlen(f[0]), e->kid, 16)
				|| (kl != 16 && kl != 32)
				|| p2pcd_hex_decode(f[1], strlen(f[1]), e->key, kl))
			goto bad;
		e->klen = kl;
		e->expires = strtoll(f[2], NULL, 10);
		s->n++;
	}
	sodium_memzero(line, sizeof(line));
	fclose(fp);
	return 0;
bad:
	sodium_memzero(line, sizeof(line));
	fclose(fp);
	cli_err(cmd, "keystore %s: line %u is malformed; fix or remove it", path,
			lineno);
	store_free(s);
	return -1;
}

/* write back without expired entries; 0 or -1 (printed) */
static int save(const char *cmd, const char *path, const struct store *s)
{
	struct p2pcd_afile af;
	int64_t now = (int64_t)time(NULL);
	char kid[33], key[65];
	size_t i;
	int rc = 0;

	if(p2pcd_afile_open(&af, path, 0600) < 0) {
		cli_err(cmd, "cannot write keystore %s: %s", path, strerror(errno));
		return -1;
	}
	if(dprintf(af.fd, "# p2pcd keystore: KID key expires(unix, 0=never)\n") < 0)
		rc = -1;
	for(i = 0; i < s->n && rc == 0; i++) {
		if(s->e[i].expires && s->e[i].expires <= now)
			continue;
		p2pcd_hex_encode(s->e[i].kid, 16, kid, sizeof(kid));
		p2pcd_hex_encode(s->e[i].key, s->e[i].klen, key, sizeof(key));
		if(dprintf(af.fd, "%s %s %" PRId64 "\n", kid, key, s->e[i].expires) < 0)
			rc = -1;
	}
	sodium_memzero(key, sizeof(key));
	if(rc < 0 || p2pcd_afile_commit(&af) < 0) {
		cli_err(cmd, "cannot write keystore %s: %s", path, strerror(errno));
		p2pcd_afile_abort(&af);
		return -1;
	}
	return 0;
}

static struct entry *find(struct store *s, const uint8_t kid[16])
{
	size_t i;

	for(i = 0; i < s->n; i++)
		if(!memcmp(s->e[i].kid, kid, 16))
			return &s->e[i];
	return NULL;
}

int ks_put(const char *cmd, const char *path, const uint8_t kid[16],
		const uint8_t *key, size_t klen, int64_t expires)
{
	struct store s;
	struct entry *e, *grown;
	int lk, rc = -1;

	lk = lock(cmd, path);
	if(lk < 0)
		return -1;
	if(load(cmd, path, &s) < 0)
		goto out;
	e = find(&s, kid);
	if(!e) {
		if(s.n == s.cap) {
			grown = realloc(s.e, (s.cap + 1) * sizeof(*s.e));
			if(!grown) {
				cli_err(cmd, "out of memory");
				goto out_store;
			}
			s.e = grown;
			s.cap++;
		}
		e = &s.e[s.n++];
	}
	memcpy(e->kid, kid, 16);
	memcpy(e->key, key, klen);
	e->klen = klen;
	e->expires = expires;
	rc = save(cmd, path, &s);
out_store:
	store_free(&s);
out:
	close(lk);
	return rc;
}

enum ks_result ks_get(const char *cmd, const char *path, const uint8_t kid[16],
		uint8_t key[32], size_t *klen, int64_t *expires)
{
	struct store s;
	struct entry *e;
	enum ks_result r;

	if(load(cmd, path, &s) < 0)
		return KS_ERROR;
	e = find(&s, kid);
	if(!e)
		r = KS_MISSING;
	else {
		*expires = e->expires;
		if(e->expires && e->expires <= (int64_t)time(NULL))
			r = KS_EXPIRED;
		else {
			memcpy(key, e->key, e->klen);
			*klen = e->klen;
			r = KS_FOUND;
		}
	}
	store_free(&s);
	return r;
}

int ks_remove(const char *cmd, const char *path, const uint8_t kid[16])
{
	struct store s;
	struct entry *e;
	int lk, rc = -1;

	lk = lock(cmd, path);
	if(lk < 0)
		return -1;
	if(load(cmd, path, &s) == 0) {
		e = find(&s, kid);
		if(!e)
			rc = 1;
		else {
			*e = s.e[--s.n];
			rc = save(cmd, path, &s);
		}
		store_free(&s);
	}
	close(lk);
	return rc;
}

int ks_list(const char *cmd, const char *path, int64_t now)
{
	struct store s;
	size_t i;

	if(load(cmd, path, &s) < 0)
		return -1;
	for(i = 0; i < s.n; i++)
		printf("%s %" PRId64 " %s\n", cli_hex(s.e[i].kid, 16), s.e[i].expires,
				s.e[i].expires == 0	   ? "valid"
				: s.e[i].expires > now ? "valid"
									   : "expired");
	store_free(&s);
	return 0;
}
