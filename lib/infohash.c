/* Info-hash: SHA-1 (OpenSSL EVP) over the raw bytes of the info dict. */
#include <string.h>

#include <openssl/evp.h>

#include "p2pcd/hex.h"
#include "p2pcd/infohash.h"

static const char *const ih_str[] = {
		[P2PCD_IH_OK] = "ok",
		[P2PCD_IH_E_BENCODE] = "torrent is not strict bencode",
		[P2PCD_IH_E_NOT_DICT] = "torrent is not a dict",
		[P2PCD_IH_E_NO_INFO] = "torrent has no info dict",
		[P2PCD_IH_E_INFO_NOT_DICT] = "torrent info is not a dict",
		[P2PCD_IH_E_CRYPTO] = "SHA-1 failed",
		[P2PCD_IH_E_ARG] = "invalid argument",
};

const char *p2pcd_infohash_strerror(enum p2pcd_ih_err code)
{
	if((unsigned)code >= sizeof(ih_str) / sizeof(ih_str[0]))
		return "unknown error";
	return ih_str[code];
}

enum p2pcd_ih_err p2pcd_infohash_info(
		const struct p2pcd_bnode *info, uint8_t out[P2PCD_INFOHASH_LEN])
{
	unsigned int n = 0;

	if(!info || !out)
		return P2PCD_IH_E_ARG;
	if(info->type != P2PCD_BT_DICT)
		return P2PCD_IH_E_INFO_NOT_DICT;
	if(EVP_Digest(info->raw, info->raw_len, out, &n, EVP_sha1(), NULL) != 1
			|| n != P2PCD_INFOHASH_LEN)
		return P2PCD_IH_E_CRYPTO;
	return P2PCD_IH_OK;
}

enum p2pcd_ih_err p2pcd_infohash_torrent(const uint8_t *buf, size_t len,
		const struct p2pcd_benc_limits *lim, uint8_t out[P2PCD_INFOHASH_LEN],
		struct p2pcd_benc_error *benc_err)
{
	p2pcd_bdoc_t *doc;
	const struct p2pcd_bnode *root, *info;
	enum p2pcd_ih_err r;

	if(!out)
		return P2PCD_IH_E_ARG;
	if(p2pcd_bdecode(buf, len, lim, &doc, benc_err))
		return P2PCD_IH_E_BENCODE;
	root = p2pcd_bdoc_root(doc);
	if(root->type != P2PCD_BT_DICT) {
		r = P2PCD_IH_E_NOT_DICT;
	} else if(!(info = p2pcd_bdict_gets(root, "info"))) {
		r = P2PCD_IH_E_NO_INFO;
	} else {
		r = p2pcd_infohash_info(info, out);
	}
	p2pcd_bdoc_free(doc);
	return r;
}

void p2pcd_infohash_hex(const uint8_t ih[P2PCD_INFOHASH_LEN],
		char out[P2PCD_INFOHASH_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for(i = 0; i < P2PCD_INFOHASH_LEN; i++) {
		out[2 * i] = hex[ih[i] >> 4];
		out[2 * i + 1] = hex[ih[i] & 15];
	}
	out[P2PCD_INFOHASH_HEX_LEN] = '\0';
}

int p2pcd_infohash_from_hex(
		const char *hex, size_t len, uint8_t out[P2PCD_INFOHASH_LEN])
{
	size_t i;
	int hi, lo;

	if(!hex || !out || len != P2PCD_INFOHASH_HEX_LEN)
		return -1;
	for(i = 0; i < P2PCD_INFOHASH_LEN; i++) {
		hi = p2pcd_hex_nibble(hex[2 * i]);
		lo = p2pcd_hex_nibble(hex[2 * i + 1]);
		if(hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
