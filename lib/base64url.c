/*
 * base64url without padding (RFC 4648 section 5). Encoding here, decoding
 * by libsodium's URLSAFE_NO_PADDING variant.
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

/* one 6-bit value to its character, without branches or a table (the
 * input may be a token: no data-dependent memory access), as libsodium
 * does, but inline: libsodium's encoder was 7 % of an acquisition */
static inline char b64u_char(int x)
{
	int c = x + 'A';

	c += ((25 - x) >> 8) & ('a' - 26 - 'A');
	c -= ((51 - x) >> 8) & (('a' - 26) - ('0' - 52));
	c -= ((61 - x) >> 8) & (('0' - 52) - ('-' - 62));
	c += ((62 - x) >> 8) & (('_' - 63) - ('-' - 62));
	return (char)c;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/*
 * 12 bytes to 16 characters at a time with SSSE3 (W. Mula's method):
 * shuffle each 3 bytes into a 32-bit lane, split it into four 6-bit
 * indices with two multiplies, and map them through a 16-entry table held
 * in a register (pshufb), so, as the scalar code, no memory access depends
 * on the data. It loads 16 bytes for each 12 it encodes, so it stops 4 or
 * more bytes before the end. Returns the input bytes consumed.
 */
__attribute__((target("ssse3"))) static size_t b64u_encode_ssse3(
		const uint8_t *in, size_t len, char *out)
{
	const __m128i shuf =
			_mm_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
	/* offsets from an index to its character, by index class: 0 26..51,
	 * 1-10 52..61, 11 62, 12 63, 13 0..25 */
	const __m128i lut = _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52,
			'0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
			'0' - 52, '-' - 62, '_' - 63, 'A', 0, 0);
	__m128i v, hi, lo, idx, cls;
	size_t i;

	for(i = 0; i + 16 <= len; i += 12) {
		v = _mm_loadu_si128((const __m128i *)(in + i));
		v = _mm_shuffle_epi8(v, shuf);
		hi = _mm_mulhi_epu16(_mm_and_si128(v, _mm_set1_epi32(0x0fc0fc00)),
				_mm_set1_epi32(0x04000040));
		lo = _mm_mullo_epi16(_mm_and_si128(v, _mm_set1_epi32(0x003f03f0)),
				_mm_set1_epi32(0x01000010));
		idx = _mm_or_si128(hi, lo);
		cls = _mm_subs_epu8(idx, _mm_set1_epi8(51));
		cls = _mm_or_si128(
				cls, _mm_and_si128(_mm_cmpgt_epi8(_mm_set1_epi8(26), idx),
							 _mm_set1_epi8(13)));
		v = _mm_add_epi8(_mm_shuffle_epi8(lut, cls), idx);
		_mm_storeu_si128((__m128i *)(out + i / 3 * 4), v);
	}
	return i;
}

static size_t b64u_encode_simd(const uint8_t *in, size_t len, char *out)
{
	if(len < 16 || !__builtin_cpu_supports("ssse3"))
		return 0;
	return b64u_encode_ssse3(in, len, out);
}
#else
static size_t b64u_encode_simd(const uint8_t *in, size_t len, char *out)
{
	(void)in;
	(void)len;
	(void)out;
	return 0;
}
#endif

int p2pcd_b64url_encode(
		const uint8_t *in, size_t len, char *out, size_t out_size)
{
	size_t i, o;
	uint32_t v;

	if(!out || (!in && len) || len > (SIZE_MAX - 4) / 4 * 3)
		return -1;
	if(out_size < p2pcd_b64url_enc_len(len) + 1)
		return -1;
	/* a JWS is mostly base64url: byte by byte this was 5 % of the CPU
	 * of an acquisition, 15 times what the SSSE3 loop takes */
	i = b64u_encode_simd(in, len, out);
	o = i / 3 * 4;
	for(; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64u_char(v >> 18);
		out[o++] = b64u_char((v >> 12) & 63);
		out[o++] = b64u_char((v >> 6) & 63);
		out[o++] = b64u_char(v & 63);
	}
	if(len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64u_char(v >> 18);
		out[o++] = b64u_char((v >> 12) & 63);
	} else if(len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64u_char(v >> 18);
		out[o++] = b64u_char((v >> 12) & 63);
		out[o++] = b64u_char((v >> 6) & 63);
	}
	out[o] = '\0';
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
