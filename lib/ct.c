#include <sodium.h>

#include "p2pcd/ct.h"

bool p2pcd_ct_equal(const void *a, const void *b, size_t len)
{
	if(len == 0)
		return true;
	return sodium_memcmp(a, b, len) == 0;
}
