/* Encryption as a step of another command (publish); see cmd_encrypt.c. */
#ifndef P2PCD_CLIENT_ENCRYPT_H
#define P2PCD_CLIENT_ENCRYPT_H

#include <stdint.h>

/*
 * in -> out with a new random key and KID, written to the key file
 * key_out (mode 0600; force overwrites it): cenc for an MP4, the p2pcd
 * container otherwise, as `p2pcd encrypt` does but printing nothing on
 * success. kid and is_cenc (may be NULL) tell the result. 0, or -1 with
 * the message printed; nothing is left at out or key_out on failure.
 */
int encrypt_file(const char *in, const char *out, const char *key_out,
		int force, uint8_t kid[16], int *is_cenc);

#endif
