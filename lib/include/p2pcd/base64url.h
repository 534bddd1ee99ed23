/*
 * base64url (RFC 4648 section 5) without padding, strict: decoding rejects
 * '=', characters outside the URL-safe alphabet, non-zero trailing bits and
 * lengths no encoding can have (len % 4 == 1). Wraps libsodium.
 */
#ifndef P2PCD_BASE64URL_H
#define P2PCD_BASE64URL_H

#include <stddef.h>
#include <stdint.h>

/* characters of the encoding of len bytes, without the NUL */
size_t p2pcd_b64url_enc_len(size_t len);
/* upper bound of the bytes a b64_len-character input decodes to */
size_t p2pcd_b64url_dec_max(size_t b64_len);

/* Writes the encoding and a NUL; out_size >= enc_len(len) + 1. 0 or -1. */
int p2pcd_b64url_encode(
		const uint8_t *in, size_t len, char *out, size_t out_size);
/* 0 and *out_len on success, -1 on any invalid input or short out. */
int p2pcd_b64url_decode(const char *in, size_t len, uint8_t *out,
		size_t out_max, size_t *out_len);

#endif
