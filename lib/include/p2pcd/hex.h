/* One hex digit's value: the parsers of queries, DOIs and key files share
 * it (inline: the announce query parser calls it per escaped byte). */
#ifndef P2PCD_HEX_H
#define P2PCD_HEX_H

/* 0..15 for 0-9, a-f, A-F; -1 for anything else */
static inline int p2pcd_hex_nibble(int c)
{
	if(c >= '0' && c <= '9')
		return c - '0';
	if(c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if(c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
