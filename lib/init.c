#include <sodium.h>

#include "p2pcd/init.h"

int p2pcd_lib_init(void)
{
	/* 1 means "already initialised", which is fine */
	return sodium_init() < 0 ? -1 : 0;
}
