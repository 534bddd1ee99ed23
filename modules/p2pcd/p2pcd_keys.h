/*
 * p2pcd - token keys: the master secret in shared memory, its rotation,
 * the buyer pseudonym and the admission and license tokens
 */

#ifndef _P2PCD_KEYS_H_
#define _P2PCD_KEYS_H_

#include "core/str.h"

#include "p2pcd_cache.h"

#define P2PCD_MASTER_MAX 64
#define P2PCD_GRANT_ID_LEN 22
#define P2PCD_SUBJECT_LEN 24 /* "p-" + 22 base64url characters */
#define P2PCD_LICENSE_AUD "license"

/* the tokens of one grant (malloc()ed by lib/, p2pcd_tokens_free), their
 * MACs and the key version of both: what the grant row stores */
typedef struct p2pcd_tokens
{
	char *adm;
	size_t adm_len;
	char *lic;
	size_t lic_len;
	unsigned char macs[64]; /* the admission token's, the license's */
	unsigned int key_version;
} p2pcd_tokens_t;

int p2pcd_keys_init(void);
void p2pcd_keys_destroy(void);
/* make hex (or, if empty, the master_key_file, or random bytes) the
 * current master with the next version; the old one becomes previous */
int p2pcd_keys_rotate(str *hex, unsigned int *version);
/* current and previous version and fingerprint (8 bytes of SHA-256, hex) */
int p2pcd_keys_info(unsigned int *ver, char *fp, unsigned int *pver, char *pfp);
/* the key of an audience at the current version, hex, and its kid */
int p2pcd_keys_derive(str *aud, char *hex, int hsize, char *kid, int ksize);
/* 22 characters base64url of 128 random bits, NUL-terminated */
void p2pcd_grant_id(char out[P2PCD_GRANT_ID_LEN + 1]);
/* n grant ids (a batch) */
void p2pcd_grant_ids(char (*out)[P2PCD_GRANT_ID_LEN + 1], int n);
/* "p-" + base64url(HMAC-SHA256(pseudonym key, IMPU))[0..22] */
int p2pcd_pseudonym(const char *impu, int len, char out[P2PCD_SUBJECT_LEN + 1]);
/* mint the admission (aud = tracker) and license (aud "license") tokens */
int p2pcd_tokens_mint(const p2pcd_content_t *c, const char *role,
		const char *sub, const char *gid, const char *icid, long long now,
		long long exp, p2pcd_tokens_t *t);
void p2pcd_tokens_free(p2pcd_tokens_t *t);
/* free the two tokens' text, keep the MACs and the version */
void p2pcd_tokens_free_text(p2pcd_tokens_t *t);
/* the two MACs (admission, license) in hex, as grants.tok_macs takes them */
#define P2PCD_TOKEN_MACS_HEX 128
void p2pcd_tokens_macs_hex(
		const p2pcd_tokens_t *t, char out[P2PCD_TOKEN_MACS_HEX + 1]);
/* the signing_keys rows of the current version (the license audience and
 * every tracker), older versions marked previous/retired; 0 or -1 */
int p2pcd_keys_record(void);

#endif /* _P2PCD_KEYS_H_ */
