/* Library initialisation. */
#ifndef P2PCD_INIT_H
#define P2PCD_INIT_H

/*
 * Initialises libsodium (idempotent, thread-safe). Call once at start,
 * before any key generation; 0 or -1.
 */
int p2pcd_lib_init(void);

#endif
