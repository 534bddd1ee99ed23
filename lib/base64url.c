/*
 * base64url without padding: libsodium's URLSAFE_NO_PADDING variant.
 * With no ignore set and no end pointer, sodium_base642bin() fails on '=',
 * on non-zero trailing bits and on a dangling 6-bit group. It does NOT
 * reject bytes >= 0x80 (libsodium 1.0.18, signed char: each decodes to
 * some 6-bit value), so the alphabet is checked here first; the tests pin
 * both down.
 */
#include <sodium.h>

#include "p2pcd/base64url.h"

#define VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

size_t p2pcd_b64url_enc_len(size_t len)
{
	return len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
}

size_t p2pcd_b64url_dec_max(size_t b64_len)
{
	return b64_len / 4 * 3 + (b64_len % 4 ? b64_len % 4 - 1 : 0);
}

int p2pcd_b64url_encode(
		const uint8_t *in, size_t len, char *out, size_t out_size)
{
	if(!out || (!in && len) || len > (SIZE_MAX - 4) / 4 * 3)
		return -1;
	if(out_size < p2pcd_b64url_enc_len(len) + 1)
		return -1;
	/* sodium_bin2base64 wants a non-NULL input even for len 0 */
	sodium_bin2base64(
			out, out_size, in ? in : (const uint8_t *)"", len, VARIANT);
	return 0;
}

static int in_alphabet(const char *in, size_t len)
{
	size_t i;
	unsigned char c;

	for(i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if(!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
				   || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

int p2pcd_b64url_decode(const char *in, size_t len, uint8_t *out,
		size_t out_max, size_t *out_len)
{
	uint8_t dummy;
	size_t n = 0;

	if((!in && len) || !out_len)
		return -1;
	*out_len = 0;
	if(len % 4 == 1 || !in_alphabet(in, len))
		return -1;
	if(len == 0)
		return 0;
	if(!out && out_max)
		return -1;
	if(sodium_base642bin(
			   out ? out : &dummy, out_max, in, len, NULL, &n, NULL, VARIANT)
			!= 0)
		return -1;
	*out_len = n;
	return 0;
}
