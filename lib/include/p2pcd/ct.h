/* Constant-time comparison, for MACs and secrets. */
#ifndef P2PCD_CT_H
#define P2PCD_CT_H

#include <stdbool.h>
#include <stddef.h>

/* true if the len bytes are equal; time depends only on len */
bool p2pcd_ct_equal(const void *a, const void *b, size_t len);

#endif
