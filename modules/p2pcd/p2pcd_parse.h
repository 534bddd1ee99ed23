/*
 * p2pcd - what a request carries, parsed and checked without Kamailio:
 * the DOI of a content URI, the MESSAGE body, the PUBLISH body (with the
 * torrent check of p2pcd_torrent.c). Plain C, jansson, libsodium and lib/
 * only, so that the libFuzzer targets of tests/fuzz/module/ compile these
 * files alone.
 */

#ifndef _P2PCD_PARSE_H_
#define _P2PCD_PARSE_H_

#include <stddef.h>

#include <sodium.h>

#define P2PCD_DOI_MAX 128
#define P2PCD_RIGHTS_MAX 2048
#define P2PCD_TITLE_MAX 2048 /* bytes; the table allows 512 characters */
#define P2PCD_SEALED_MAX (crypto_box_SEALBYTES + 64)

/* a PUBLISH body, checked (everything but the torrent bytes) */
typedef struct p2pcd_pubinfo
{
	char title[P2PCD_TITLE_MAX + 1];
	long long price;
	char currency[4];
	char rights[P2PCD_RIGHTS_MAX + 1]; /* compact JSON, keys sorted */
	unsigned char ih[20];
	unsigned char kid[16];
	unsigned char fp[32];
	int has_fp;
	long long size;
	unsigned char sealed[P2PCD_SEALED_MAX];
	int sealed_len;
} p2pcd_pubinfo_t;

/* where the decoded torrent goes: a buffer of len bytes, or NULL */
typedef unsigned char *(*p2pcd_torrent_buf_f)(size_t len, void *ctx);

/* 1 if every byte of s is printable ASCII (0x21..0x7e), else 0 */
int p2pcd_printable(const char *s, int len);
/* n bytes of public data (digests, info-hashes) as lowercase hex and a NUL
 * into out (2 * n + 1 bytes); not constant-time, unlike lib/'s
 * p2pcd_hex_encode(), which keys go through */
void p2pcd_hex_public(const unsigned char *in, int n, char *out);

/*
 * The DOI of a content URI's user part: %-escapes decoded into out (size
 * bytes, NUL-terminated). Its length, or -1 when empty, longer than
 * P2PCD_DOI_MAX, badly escaped or not printable ASCII once decoded.
 */
int p2pcd_doi_unescape(const char *s, int len, char *out, int size);

/*
 * A MESSAGE body (non-empty): a JSON object; "max_price_cents", when
 * present, an integer >= 0 (else *max_price = -1). 0, or -1 with a reason
 * phrase in *why.
 */
int p2pcd_acq_body_parse(
		const char *s, size_t len, long long *max_price, const char **why);

/*
 * A PUBLISH body (modules/p2pcd/README section 3) into *pi; the decoded
 * torrent into the buffer buf(len, ctx) returns, its length in
 * *torrent_len. 0; -1 with a reason in *why (for "Bad Publication: ...");
 * -2 when buf returned NULL.
 */
int p2pcd_pub_body_parse(const char *s, size_t len, long long max_size,
		p2pcd_pubinfo_t *pi, p2pcd_torrent_buf_f buf, void *ctx,
		size_t *torrent_len, const char **why);

#endif /* _P2PCD_PARSE_H_ */
