/*
 * BitTorrent info-hash (BEP 3, v1): SHA-1 over the exact bytes of the
 * torrent's "info" value, taken from a strict parse.
 */
#ifndef P2PCD_INFOHASH_H
#define P2PCD_INFOHASH_H

#include <stddef.h>
#include <stdint.h>

#include "p2pcd/bencode.h"

#define P2PCD_INFOHASH_LEN 20
#define P2PCD_INFOHASH_HEX_LEN 40

enum p2pcd_ih_err
{
	P2PCD_IH_OK = 0,
	P2PCD_IH_E_BENCODE,	 /* not strict bencode: see benc_err */
	P2PCD_IH_E_NOT_DICT, /* top level is not a dict */
	P2PCD_IH_E_NO_INFO,	 /* no "info" key */
	P2PCD_IH_E_INFO_NOT_DICT,
	P2PCD_IH_E_CRYPTO,
	P2PCD_IH_E_ARG,
};

/*
 * Info-hash of a .torrent file. lim and benc_err may be NULL; benc_err
 * tells where the bencode is wrong when P2PCD_IH_E_BENCODE is returned.
 */
enum p2pcd_ih_err p2pcd_infohash_torrent(const uint8_t *buf, size_t len,
		const struct p2pcd_benc_limits *lim, uint8_t out[P2PCD_INFOHASH_LEN],
		struct p2pcd_benc_error *benc_err);
/* Info-hash of an already parsed info dict (its raw span). */
enum p2pcd_ih_err p2pcd_infohash_info(
		const struct p2pcd_bnode *info, uint8_t out[P2PCD_INFOHASH_LEN]);
const char *p2pcd_infohash_strerror(enum p2pcd_ih_err code);

/* 40 lowercase hex digits and a NUL */
void p2pcd_infohash_hex(const uint8_t ih[P2PCD_INFOHASH_LEN],
		char out[P2PCD_INFOHASH_HEX_LEN + 1]);
/* exactly 40 hex digits (either case) to 20 bytes; 0 or -1 */
int p2pcd_infohash_from_hex(
		const char *hex, size_t len, uint8_t out[P2PCD_INFOHASH_LEN]);

#endif
