/*
 * JWS compact serialization (RFC 7515/7519), HS256 only (DESIGN.md 3).
 *
 * Keys: the AS holds a master secret and derives one key per audience
 *   key = HKDF-SHA256(IKM = master, salt = "p2pcd-jws-v1",
 *                     info = "p2pcd/jws/" AUDIENCE "/v" VERSION, L = 32)
 *   kid = AUDIENCE ":v" VERSION              e.g. "tracker-1:v2"
 * An audience is 1..64 characters of [A-Za-z0-9._-]; VERSION is decimal,
 * 1..4294967295, without leading zeros.
 *
 * A verifier holds a keyring for its one audience: the current key and
 * the previous one, so keys rotate without a restart.
 */
#ifndef P2PCD_JWS_H
#define P2PCD_JWS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "p2pcd/hmac.h"

#define P2PCD_JWS_MAX_LEN 4096 /* longest token accepted or made */
#define P2PCD_JWS_KEY_LEN 32
#define P2PCD_JWS_MASTER_MIN 32 /* shortest master secret */
#define P2PCD_JWS_AUD_MAX 64
#define P2PCD_JWS_KID_MAX (P2PCD_JWS_AUD_MAX + 12) /* ":v4294967295" */
#define P2PCD_JWS_SALT "p2pcd-jws-v1"
#define P2PCD_JWS_TYP_ADM "p2pcd-adm+jwt"
#define P2PCD_JWS_TYP_LIC "p2pcd-lic+jwt"

enum p2pcd_jws_result
{
	P2PCD_JWS_OK = 0,
	P2PCD_JWS_E_TOO_LONG,	   /* longer than P2PCD_JWS_MAX_LEN */
	P2PCD_JWS_E_MALFORMED,	   /* not three non-empty parts */
	P2PCD_JWS_E_BAD_HEADER,	   /* not base64url of a JSON object */
	P2PCD_JWS_E_ALG,		   /* alg is not exactly "HS256" */
	P2PCD_JWS_E_TYP,		   /* typ is not the expected one */
	P2PCD_JWS_E_CRIT,		   /* a crit header is present */
	P2PCD_JWS_E_UNKNOWN_KID,   /* no kid, or not in the keyring */
	P2PCD_JWS_E_BAD_SIGNATURE, /* MAC mismatch or malformed */
	P2PCD_JWS_E_BAD_CLAIMS,	   /* payload not base64url JSON object */
	P2PCD_JWS_E_MISSING_CLAIM, /* exp or aud absent */
	P2PCD_JWS_E_BAD_CLAIM,	   /* exp/nbf/iat/aud of the wrong type */
	P2PCD_JWS_E_EXPIRED,
	P2PCD_JWS_E_NOT_YET_VALID, /* nbf in the future */
	P2PCD_JWS_E_IAT_FUTURE,	   /* issued in the future */
	P2PCD_JWS_E_WRONG_AUDIENCE,
	P2PCD_JWS_E_INTERNAL, /* out of memory, bad arguments */
};

const char *p2pcd_jws_strerror(enum p2pcd_jws_result r);

/* 1 if aud is a valid audience name, else 0 */
int p2pcd_jws_audience_valid(const char *aud, size_t len);
/* "AUD:vN" and a NUL into out; 0 or -1 */
int p2pcd_jws_kid(
		const char *aud, uint32_t version, char *out, size_t out_size);
/* split a kid; aud points into kid. 0 or -1 */
int p2pcd_jws_kid_parse(const char *kid, size_t len, const char **aud,
		size_t *aud_len, uint32_t *version);
/* the per-audience key; master_len >= P2PCD_JWS_MASTER_MIN. 0 or -1 */
int p2pcd_jws_derive_key(const uint8_t *master, size_t master_len,
		const char *audience, uint32_t version, uint8_t out[P2PCD_JWS_KEY_LEN]);

/* Signing key of one audience and version. */
struct p2pcd_jws_signer
{
	struct p2pcd_hmac_key key;
	char kid[P2PCD_JWS_KID_MAX + 1];
};

int p2pcd_jws_signer_init(struct p2pcd_jws_signer *s, const uint8_t *master,
		size_t master_len, const char *audience, uint32_t version);
/* from an already derived key (a tracker minting for itself) */
int p2pcd_jws_signer_init_key(struct p2pcd_jws_signer *s,
		const uint8_t key[P2PCD_JWS_KEY_LEN], const char *audience,
		uint32_t version);
void p2pcd_jws_signer_wipe(struct p2pcd_jws_signer *s);

/*
 * Token = b64url(header) "." b64url(claims) "." b64url(HMAC), header
 * {"alg":"HS256","typ":TYP,"kid":KID}. *tok is NUL-terminated, caller
 * free()s it. Fails (-1) if the token would exceed P2PCD_JWS_MAX_LEN.
 */
int p2pcd_jws_sign(const struct p2pcd_jws_signer *s, const char *typ,
		const json_t *claims, char **tok, size_t *tok_len);
/* the same from the claims' JSON text (a JSON object, written by the
 * caller, e.g. with p2pcd/json_write.h): no jansson on the mint path */
int p2pcd_jws_sign_text(const struct p2pcd_jws_signer *s, const char *typ,
		const char *claims, size_t claims_len, char **tok, size_t *tok_len);
/* the same, and the MAC into mac_out (when not NULL): what a grant row
 * stores to rebuild the token later (p2pcd/grant_token.h) */
int p2pcd_jws_sign_text_mac(const struct p2pcd_jws_signer *s, const char *typ,
		const char *claims, size_t claims_len, char **tok, size_t *tok_len,
		uint8_t mac_out[P2PCD_HMAC_SHA256_LEN]);
/* the token of that header and claims with a MAC made earlier by the
 * signer of kid: no key needed; the same bytes as the signer gave if the
 * claims are the same bytes. *tok malloc'ed, NUL-terminated. 0 or -1 */
int p2pcd_jws_assemble(const char *typ, const char *kid, const char *claims,
		size_t claims_len, const uint8_t mac[P2PCD_HMAC_SHA256_LEN], char **tok,
		size_t *tok_len);

/*
 * Verifier keyring for one audience. Not locked: swap keyrings (or lock)
 * to rotate while other threads verify; verifying on a const keyring is
 * thread-safe.
 */
struct p2pcd_jws_keyring
{
	char aud[P2PCD_JWS_AUD_MAX + 1];
	size_t aud_len;
	struct
	{
		int used;
		uint32_t version;
		struct p2pcd_hmac_key key;
	} k[2]; /* [0] current, [1] previous */
};

int p2pcd_jws_keyring_init(struct p2pcd_jws_keyring *kr, const char *audience);
/*
 * Make (version, key) current. The old current becomes previous and the
 * old previous is forgotten; the same version as current replaces it in
 * place (a reload). 0 or -1.
 */
int p2pcd_jws_keyring_set(struct p2pcd_jws_keyring *kr, uint32_t version,
		const uint8_t key[P2PCD_JWS_KEY_LEN]);
/* derive the keyring audience's key from the master, then set it */
int p2pcd_jws_keyring_set_master(struct p2pcd_jws_keyring *kr, uint32_t version,
		const uint8_t *master, size_t master_len);
void p2pcd_jws_keyring_wipe(struct p2pcd_jws_keyring *kr);

struct p2pcd_jws_expect
{
	const char *typ; /* required, e.g. P2PCD_JWS_TYP_ADM */
	const char *aud; /* NULL: the keyring's audience */
	int64_t now;	 /* unix seconds */
	int64_t skew;	 /* allowed clock skew in seconds, >= 0 */
};

/*
 * Check a token (tok need not be NUL-terminated). Order: length cap,
 * exactly two dots, header (alg, typ, crit, kid), constant-time MAC, then
 * claims: exp required, nbf and iat optional, aud required and equal.
 * On P2PCD_JWS_OK and claims != NULL, *claims is the payload object (the
 * caller json_decref()s it); otherwise *claims is NULL. key_version, if
 * not NULL, receives the version of the key that matched.
 */
enum p2pcd_jws_result p2pcd_jws_verify(const struct p2pcd_jws_keyring *kr,
		const char *tok, size_t len, const struct p2pcd_jws_expect *ex,
		json_t **claims, uint32_t *key_version);

/* Typed claim getters: 0, or -1 if missing or of another type. */
int p2pcd_jws_claim_str(
		const json_t *claims, const char *name, const char **out);
int p2pcd_jws_claim_int(const json_t *claims, const char *name, int64_t *out);

#endif
