#include <string.h>

#include "p2pcd/decimal.h"

size_t p2pcd_dec_i64(int64_t v, char out[P2PCD_DEC_I64_MAX])
{
	char d[P2PCD_DEC_I64_MAX], *p = d + sizeof(d);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	size_t n;

	do
		*--p = (char)('0' + u % 10);
	while(u /= 10);
	if(v < 0)
		*--p = '-';
	n = (size_t)(d + sizeof(d) - p);
	memcpy(out, p, n);
	return n;
}
