/*
 * Content keys on their way to the license service (DESIGN.md 2, 5).
 *
 * The publisher seals (KID, content key) to the license service's X25519
 * public key with a libsodium sealed box (crypto_box_seal: ephemeral
 * X25519, XSalsa20-Poly1305), so the key crosses SIP and the database
 * only sealed. The sealed plaintext is 33 or 49 bytes:
 *   0x01 (version) || KID (16) || content key (16 or 32)
 * so the service can check that the KID it was told is the sealed one.
 * Content keys are 16 bytes for cenc MP4 (AES-128-CTR, what EME ClearKey
 * players take) and 32 bytes for the p2pcd container (AES-256-GCM).
 * A sealed box proves nothing about its sender: who may register a key
 * is decided by the SIP side (trusted publisher identity).
 */
#ifndef P2PCD_SEAL_H
#define P2PCD_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define P2PCD_X25519_PK_LEN 32
#define P2PCD_X25519_SK_LEN 32
#define P2PCD_CONTENT_KEY_LEN 32 /* container key */
#define P2PCD_CENC_KEY_LEN 16	 /* cenc (AES-128) key */
#define P2PCD_KID_LEN 16
/* sealed length of a key_len-byte key: payload + crypto_box_SEALBYTES */
#define P2PCD_SEALED_KEY_LEN(key_len) (1 + P2PCD_KID_LEN + (key_len) + 48)
#define P2PCD_SEALED_KEY_MAX P2PCD_SEALED_KEY_LEN(P2PCD_CONTENT_KEY_LEN)
#define P2PCD_SEAL_VERSION 1

enum p2pcd_seal_err
{
	P2PCD_SEAL_OK = 0,
	P2PCD_SEAL_E_LEN,	  /* not the length of a sealed content key */
	P2PCD_SEAL_E_OPEN,	  /* not sealed to this key pair, or modified */
	P2PCD_SEAL_E_VERSION, /* opened, but an unknown payload version */
	P2PCD_SEAL_E_KID,	  /* opened, but for another KID */
	P2PCD_SEAL_E_ARG,
};

const char *p2pcd_seal_strerror(enum p2pcd_seal_err e);

/* A license service key pair from the OS CSPRNG. 0 or -1. */
int p2pcd_seal_keypair(
		uint8_t pk[P2PCD_X25519_PK_LEN], uint8_t sk[P2PCD_X25519_SK_LEN]);
/* the public key of a secret key (to check a key pair file). 0 or -1. */
int p2pcd_seal_public_of(
		const uint8_t sk[P2PCD_X25519_SK_LEN], uint8_t pk[P2PCD_X25519_PK_LEN]);

/* 1 if len is a content key length (16 or 32) */
int p2pcd_content_key_len_ok(size_t len);
/* 1 if len is a sealed content key's length (81 or 97): what a component
 * that stores sealed keys without opening them (the AS) can check */
int p2pcd_sealed_key_len_ok(size_t len);
/* Random content key (16 or 32 bytes) and KID from the OS CSPRNG. */
void p2pcd_content_key_new(uint8_t *key, size_t len);
void p2pcd_kid_new(uint8_t kid[P2PCD_KID_LEN]);

/*
 * Seal (kid, key) to pk; *out_len = P2PCD_SEALED_KEY_LEN(key_len). 0, or
 * -1 on a bad key length or an invalid X25519 public key.
 */
int p2pcd_seal_content_key(const uint8_t pk[P2PCD_X25519_PK_LEN],
		const uint8_t kid[P2PCD_KID_LEN], const uint8_t *key, size_t key_len,
		uint8_t out[P2PCD_SEALED_KEY_MAX], size_t *out_len);

/*
 * Open a sealed content key with the service's key pair. expect_kid may
 * be NULL; kid_out may be NULL. key_out (32 bytes of room) and *key_len
 * are written only on success.
 */
enum p2pcd_seal_err p2pcd_unseal_content_key(
		const uint8_t pk[P2PCD_X25519_PK_LEN],
		const uint8_t sk[P2PCD_X25519_SK_LEN], const uint8_t *sealed,
		size_t len, const uint8_t *expect_kid, uint8_t *kid_out,
		uint8_t key_out[P2PCD_CONTENT_KEY_LEN], size_t *key_len);

#endif
