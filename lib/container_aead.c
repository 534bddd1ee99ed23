/*
 * Container cryptography: per-file subkey and key commitment (HKDF), and
 * one chunk's AES-256-GCM with its counter nonce and final-flag AAD.
 */
#include <string.h>

#include <sodium.h>

#include "p2pcd/hkdf.h"
#include "container_int.h"

int p2pcd_cont_derive(const uint8_t key[P2PCD_CONT_KEY_LEN],
		const uint8_t hdr[P2PCD_CONT_HEADER_LEN],
		uint8_t subkey[P2PCD_CONT_KEY_LEN],
		uint8_t commit[P2PCD_CONT_COMMIT_LEN])
{
	/* info binds every header field before the commitment, so the
	 * commitment also authenticates the header for the key holder */
	uint8_t info[sizeof(CONT_HKDF_INFO) - 1 + CONT_OFF_COMMIT];
	uint8_t okm[P2PCD_CONT_KEY_LEN + P2PCD_CONT_COMMIT_LEN];
	int rc;

	memcpy(info, CONT_HKDF_INFO, sizeof(CONT_HKDF_INFO) - 1);
	memcpy(info + sizeof(CONT_HKDF_INFO) - 1, hdr, CONT_OFF_COMMIT);
	rc = p2pcd_hkdf_sha256(hdr + CONT_OFF_SALT, P2PCD_CONT_SALT_LEN, key,
			P2PCD_CONT_KEY_LEN, info, sizeof(info), okm, sizeof(okm));
	if(rc == 0) {
		memcpy(subkey, okm, P2PCD_CONT_KEY_LEN);
		memcpy(commit, okm + P2PCD_CONT_KEY_LEN, P2PCD_CONT_COMMIT_LEN);
	}
	sodium_memzero(okm, sizeof(okm));
	return rc;
}

int p2pcd_cont_aead_init(
		struct cont_aead *a, const uint8_t subkey[32], int encrypt)
{
	a->cx = EVP_CIPHER_CTX_new();
	if(!a->cx)
		return -1;
	/* the 12-byte IV is the default for GCM; only the key is set here */
	if(EVP_CipherInit_ex(
			   a->cx, EVP_aes_256_gcm(), NULL, subkey, NULL, encrypt ? 1 : 0)
			!= 1) {
		p2pcd_cont_aead_free(a);
		return -1;
	}
	return 0;
}

void p2pcd_cont_aead_free(struct cont_aead *a)
{
	EVP_CIPHER_CTX_free(a->cx); /* cleanses the key schedule */
	a->cx = NULL;
}

static void chunk_nonce(uint64_t idx, uint8_t nonce[CONT_NONCE_LEN])
{
	int i;

	memset(nonce, 0, 4);
	for(i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(idx >> (56 - 8 * i));
}

/* IV and AAD (header || final flag) of chunk idx */
static int chunk_start(struct cont_aead *a, uint64_t idx, int final)
{
	uint8_t nonce[CONT_NONCE_LEN];
	uint8_t flag = final ? 1 : 0;
	int n;

	chunk_nonce(idx, nonce);
	if(EVP_CipherInit_ex(a->cx, NULL, NULL, NULL, nonce, -1) != 1)
		return -1;
	if(EVP_CipherUpdate(a->cx, NULL, &n, a->hdr, P2PCD_CONT_HEADER_LEN) != 1
			|| EVP_CipherUpdate(a->cx, NULL, &n, &flag, 1) != 1)
		return -1;
	return 0;
}

int p2pcd_cont_chunk_seal(struct cont_aead *a, uint64_t idx, int final,
		const uint8_t *in, size_t len, uint8_t *out)
{
	int n = 0, m = 0;

	if(len > P2PCD_CONT_MAX_CHUNK || chunk_start(a, idx, final))
		return -1;
	if(len && EVP_EncryptUpdate(a->cx, out, &n, in, (int)len) != 1)
		return -1;
	if(EVP_EncryptFinal_ex(a->cx, out + n, &m) != 1 || (size_t)(n + m) != len)
		return -1;
	return EVP_CIPHER_CTX_ctrl(
				   a->cx, EVP_CTRL_GCM_GET_TAG, P2PCD_CONT_TAG_LEN, out + len)
						   == 1
				   ? 0
				   : -1;
}

int p2pcd_cont_chunk_open(struct cont_aead *a, uint64_t idx, int final,
		const uint8_t *in, size_t len, uint8_t *out)
{
	size_t clen;
	int n = 0, m = 0;

	if(len < P2PCD_CONT_TAG_LEN)
		return -1;
	clen = len - P2PCD_CONT_TAG_LEN;
	if(clen > P2PCD_CONT_MAX_CHUNK || chunk_start(a, idx, final))
		return -1;
	if(clen && EVP_DecryptUpdate(a->cx, out, &n, in, (int)clen) != 1)
		return -1;
	/* OpenSSL copies the tag, so in may be const */
	if(EVP_CIPHER_CTX_ctrl(a->cx, EVP_CTRL_GCM_SET_TAG, P2PCD_CONT_TAG_LEN,
			   (void *)(uintptr_t)(in + clen))
			!= 1)
		return -1;
	if(EVP_DecryptFinal_ex(a->cx, out + n, &m) != 1 || (size_t)(n + m) != clen)
		return -1;
	return 0;
}
