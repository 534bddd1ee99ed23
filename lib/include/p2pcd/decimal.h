/*
 * Decimal text of a signed 64-bit integer without printf: for text built
 * on hot paths (token claims, the module's batch SQL).
 */
#ifndef P2PCD_DECIMAL_H
#define P2PCD_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#define P2PCD_DEC_I64_MAX 20 /* "-9223372036854775808" */

/* writes v's digits (and '-') at out, no NUL; returns how many */
size_t p2pcd_dec_i64(int64_t v, char out[P2PCD_DEC_I64_MAX]);

#endif
