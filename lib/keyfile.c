/* Key files (name=value text) and the hex / base64 key encodings. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "p2pcd/hex.h"
#include "p2pcd/atomic_file.h"
#include "p2pcd/keyfile.h"

int p2pcd_hex_encode(const uint8_t *in, size_t len, char *out, size_t out_size)
{
	if(!out || (!in && len) || len > (SIZE_MAX - 1) / 2
			|| out_size < 2 * len + 1)
		return -1;
	sodium_bin2hex(out, out_size, in ? in : (const uint8_t *)"", len);
	return 0;
}

int p2pcd_hex_decode(const char *in, size_t in_len, uint8_t *out, size_t len)
{
	size_t i;
	int hi, lo;

	if(!in || !out || in_len != 2 * len)
		return -1;
	for(i = 0; i < len; i++) {
		hi = p2pcd_hex_nibble((unsigned char)in[2 * i]);
		lo = p2pcd_hex_nibble((unsigned char)in[2 * i + 1]);
		if(hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int b64_chars(const char *in, size_t len)
{
	size_t i;
	unsigned char c;

	/* libsodium maps bytes >= 0x80 to values: check the alphabet first */
	for(i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if(!isalnum(c) && !strchr("+/-_=", c))
			return 0;
	}
	return 1;
}

int p2pcd_key_decode(const char *in, size_t in_len, uint8_t *out, size_t len)
{
	static const int variants[] = {
			sodium_base64_VARIANT_URLSAFE_NO_PADDING,
			sodium_base64_VARIANT_URLSAFE,
			sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
			sodium_base64_VARIANT_ORIGINAL,
	};
	size_t i, n;

	if(!in || !out || len == 0)
		return -1;
	if(in_len == 2 * len)
		return p2pcd_hex_decode(in, in_len, out, len);
	if(!b64_chars(in, in_len))
		return -1;
	for(i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		if(sodium_base642bin(out, len, in, in_len, NULL, &n, NULL, variants[i])
						== 0
				&& n == len)
			return 0;
	}
	sodium_memzero(out, len);
	return -1;
}

/* a key name: a letter, then letters, digits, '_' or '-' */
static int is_name(const char *p, size_t len)
{
	size_t i;

	if(len == 0 || !isalpha((unsigned char)p[0]))
		return 0;
	for(i = 1; i < len; i++)
		if(!isalnum((unsigned char)p[i]) && p[i] != '_' && p[i] != '-')
			return 0;
	return 1;
}

static void trim(const char **p, size_t *len)
{
	while(*len && isspace((unsigned char)**p)) {
		(*p)++;
		(*len)--;
	}
	while(*len && isspace((unsigned char)(*p)[*len - 1]))
		(*len)--;
}

/* the value for name in text: 1 named, 2 the one bare value (if
 * allowed), 0 none */
static int find_value(const char *text, size_t tlen, const char *name,
		int bare_ok, const char **val, size_t *vlen)
{
	const char *line = text, *end = text + tlen, *nl, *eq, *p, *bare = NULL;
	size_t len, bare_len = 0, values = 0;

	for(; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if(!nl)
			nl = end;
		p = line;
		len = (size_t)(nl - line);
		trim(&p, &len);
		if(len == 0 || p[0] == '#')
			continue;
		values++;
		eq = memchr(p, '=', len);
		if(eq && is_name(p, (size_t)(eq - p)) && eq + 1 < p + len) {
			if(strlen(name) == (size_t)(eq - p)
					&& memcmp(p, name, (size_t)(eq - p)) == 0) {
				*val = eq + 1;
				*vlen = len - (size_t)(eq + 1 - p);
				trim(val, vlen);
				return 1;
			}
			continue;
		}
		bare = p;
		bare_len = len;
	}
	if(bare_ok && bare && values == 1) {
		*val = bare;
		*vlen = bare_len;
		return 2;
	}
	return 0;
}

static int get(const char *path, const char *name, int bare_ok, uint8_t *out,
		size_t len, char *err, size_t err_size)
{
	char buf[P2PCD_KEYFILE_MAX + 1];
	const char *val;
	size_t vlen, n;
	struct stat st;
	FILE *f;
	int rc = -1;

	if(!path || !name || !out || !err || err_size == 0)
		return -1;
	f = fopen(path, "re");
	if(!f) {
		snprintf(err, err_size, "cannot open key file %s: %s", path,
				strerror(errno));
		return -1;
	}
	if(fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, err_size, "key file %s is not a regular file", path);
		goto out;
	}
	n = fread(buf, 1, sizeof(buf), f);
	if(ferror(f)) {
		snprintf(err, err_size, "cannot read key file %s", path);
		goto out;
	}
	if(n > P2PCD_KEYFILE_MAX) {
		snprintf(err, err_size, "key file %s is too large to be a key file",
				path);
		goto out;
	}
	if(!find_value(buf, n, name, bare_ok, &val, &vlen)) {
		snprintf(err, err_size, "key file %s has no '%s=' line", path, name);
		goto out;
	}
	if(p2pcd_key_decode(val, vlen, out, len)) {
		snprintf(err, err_size,
				"key file %s: '%s' is not %zu bytes in hex or base64", path,
				name, len);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	fclose(f);
	return rc;
}

int p2pcd_keyfile_get(const char *path, const char *name, uint8_t *out,
		size_t len, char *err, size_t err_size)
{
	return get(path, name, 1, out, len, err, err_size);
}

int p2pcd_keyfile_get_named(const char *path, const char *name, uint8_t *out,
		size_t len, char *err, size_t err_size)
{
	return get(path, name, 0, out, len, err, err_size);
}

int p2pcd_keyfile_format(int fd, const char *comment,
		const struct p2pcd_keyfile_item *items, size_t n)
{
	char hex[2 * 256 + 1];
	size_t i;
	int rc = 0;

	for(i = 0; i < n; i++)
		if(!items[i].name || !is_name(items[i].name, strlen(items[i].name))
				|| !items[i].val || items[i].len == 0 || items[i].len > 256) {
			errno = EINVAL;
			return -1;
		}
	if(comment && dprintf(fd, "# %s\n", comment) < 0)
		rc = -1;
	for(i = 0; i < n && rc == 0; i++) {
		p2pcd_hex_encode(items[i].val, items[i].len, hex, sizeof(hex));
		if(dprintf(fd, "%s=%s\n", items[i].name, hex) < 0)
			rc = -1;
	}
	sodium_memzero(hex, sizeof(hex));
	return rc;
}

int p2pcd_keyfile_write(const char *path, mode_t mode, const char *comment,
		const struct p2pcd_keyfile_item *items, size_t n)
{
	struct p2pcd_afile af;
	size_t i;

	for(i = 0; i < n; i++)
		if(!items[i].name || !is_name(items[i].name, strlen(items[i].name))
				|| !items[i].val || items[i].len == 0 || items[i].len > 256) {
			errno = EINVAL;
			return -1;
		}
	if(p2pcd_afile_open(&af, path, mode) < 0)
		return -1;
	if(p2pcd_keyfile_format(af.fd, comment, items, n) < 0) {
		p2pcd_afile_abort(&af);
		return -1;
	}
	return p2pcd_afile_commit(&af);
}
