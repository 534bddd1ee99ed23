/*
 * libFuzzer: the strict bencode parser. Whatever it accepts must re-encode
 * to the very same bytes (one encoding per value), every raw span must lie
 * in the input and every dict key must be found by lookup.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p2pcd/bencode.h"
#include "p2pcd/infohash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct p2pcd_bnode *n, const uint8_t *data, size_t size)
{
	const struct p2pcd_bnode *k, *v;
	size_t i;

	if(n->raw < data || n->raw_len > size
			|| (size_t)(n->raw - data) > size - n->raw_len)
		abort();
	if(n->type == P2PCD_BT_LIST) {
		for(i = 0; i < p2pcd_bnode_len(n); i++)
			walk(p2pcd_blist_at(n, i), data, size);
	} else if(n->type == P2PCD_BT_DICT) {
		for(i = 0; i < p2pcd_bnode_len(n); i++) {
			if(p2pcd_bdict_entry(n, i, &k, &v))
				abort();
			if(p2pcd_bdict_get(n, k->u.s.p, k->u.s.len) != v)
				abort();
			walk(k, data, size);
			walk(v, data, size);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	p2pcd_bdoc_t *doc;
	struct p2pcd_benc_error err;
	struct p2pcd_benc e;
	const uint8_t *out;
	size_t len;
	uint8_t ih[P2PCD_INFOHASH_LEN];

	if(p2pcd_bdecode(data, size, NULL, &doc, &err) != P2PCD_BENC_OK) {
		if(doc || err.offset > size || err.code == P2PCD_BENC_OK)
			abort();
		return 0;
	}
	walk(p2pcd_bdoc_root(doc), data, size);

	p2pcd_benc_init(&e);
	if(p2pcd_benc_node(&e, p2pcd_bdoc_root(doc))
			|| p2pcd_benc_result(&e, &out, &len))
		abort();
	if(len != size || memcmp(out, data, size) != 0)
		abort();
	p2pcd_benc_free(&e);
	p2pcd_bdoc_free(doc);

	/* the info-hash path on the same (valid) input must not fail oddly */
	if(p2pcd_infohash_torrent(data, size, NULL, ih, NULL) == P2PCD_IH_E_BENCODE)
		abort();
	return 0;
}
