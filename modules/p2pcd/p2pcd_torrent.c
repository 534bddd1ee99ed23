/*
 * p2pcd - strict validation of a published .torrent (BEP 3, BEP 27)
 *
 * The AS, not a peer, defines the swarm: what it registers must be a
 * private v1 torrent whose piece table matches its size. lib/ parses
 * (canonical bencode only) and computes the info-hash.
 */

#include <stdint.h>
#include <string.h>

#include "p2pcd/bencode.h"
#include "p2pcd/infohash.h"

#include "p2pcd_torrent.h"

/* a file or path component: 1..255 bytes, no '/', NUL, "." or ".." */
static int p2pcd_safe_name(const struct p2pcd_bnode *n)
{
	const uint8_t *p;
	size_t len;

	if(p2pcd_bnode_str(n, &p, &len) < 0 || len == 0 || len > 255)
		return 0;
	if(memchr(p, '/', len) || memchr(p, '\0', len) || memchr(p, '\\', len))
		return 0;
	if((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
		return 0;
	return 1;
}

static int p2pcd_files_size(
		const struct p2pcd_bnode *files, long long max, long long *total)
{
	const struct p2pcd_bnode *f, *path;
	int64_t flen;
	size_t i, j;

	*total = 0;
	if(p2pcd_bnode_type(files) != P2PCD_BT_LIST || p2pcd_bnode_len(files) == 0
			|| p2pcd_bnode_len(files) > 10000)
		return -1;
	for(i = 0; i < p2pcd_bnode_len(files); i++) {
		f = p2pcd_blist_at(files, i);
		if(p2pcd_bnode_type(f) != P2PCD_BT_DICT
				|| p2pcd_bdict_get_int(f, "length", &flen) < 0 || flen < 0
				|| flen > max)
			return -1;
		path = p2pcd_bdict_gets(f, "path");
		if(p2pcd_bnode_type(path) != P2PCD_BT_LIST || p2pcd_bnode_len(path) == 0
				|| p2pcd_bnode_len(path) > 32)
			return -1;
		for(j = 0; j < p2pcd_bnode_len(path); j++)
			if(!p2pcd_safe_name(p2pcd_blist_at(path, j)))
				return -1;
		*total += flen;
		if(*total > max)
			return -1;
	}
	return 0;
}

int p2pcd_torrent_check(const unsigned char *buf, size_t len,
		long long max_size, unsigned char ih[20], long long *size,
		const char **why)
{
	struct p2pcd_benc_limits lim = {16, 65536};
	p2pcd_bdoc_t *doc = NULL;
	const struct p2pcd_bnode *root, *info, *files;
	const uint8_t *pieces;
	size_t pieces_len;
	int64_t v, plen;
	long long total, npieces;
	int ret = -1;

	*why = "not canonical bencode";
	if(p2pcd_bdecode(buf, len, &lim, &doc, NULL) != P2PCD_BENC_OK)
		return -1;
	root = p2pcd_bdoc_root(doc);
	info = p2pcd_bdict_gets(root, "info");
	*why = "no info dictionary";
	if(p2pcd_bnode_type(root) != P2PCD_BT_DICT
			|| p2pcd_bnode_type(info) != P2PCD_BT_DICT)
		goto done;
	*why = "not private (BEP 27 private=1 required)";
	if(p2pcd_bdict_get_int(info, "private", &v) < 0 || v != 1)
		goto done;
	*why = "only v1 torrents";
	if(p2pcd_bdict_gets(info, "meta version") != NULL)
		goto done;
	*why = "bad piece length";
	if(p2pcd_bdict_get_int(info, "piece length", &plen) < 0
			|| plen < P2PCD_PIECE_MIN || plen > P2PCD_PIECE_MAX
			|| (plen & (plen - 1)) != 0)
		goto done;
	*why = "bad name";
	if(!p2pcd_safe_name(p2pcd_bdict_gets(info, "name")))
		goto done;
	*why = "bad length or files";
	files = p2pcd_bdict_gets(info, "files");
	if(p2pcd_bdict_get_int(info, "length", &v) == 0) {
		if(files != NULL || v <= 0 || v > max_size)
			goto done;
		total = v;
	} else if(p2pcd_files_size(files, max_size, &total) < 0 || total <= 0) {
		goto done;
	}
	*why = "pieces do not match the size";
	if(p2pcd_bdict_get_str(info, "pieces", &pieces, &pieces_len) < 0
			|| pieces_len == 0 || pieces_len % 20 != 0)
		goto done;
	npieces = (total + plen - 1) / plen;
	if((long long)(pieces_len / 20) != npieces)
		goto done;
	*why = "cannot compute the info-hash";
	if(p2pcd_infohash_info(info, ih) != P2PCD_IH_OK)
		goto done;
	*size = total;
	*why = NULL;
	ret = 0;
done:
	p2pcd_bdoc_free(doc);
	return ret;
}
