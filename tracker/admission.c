/* Token admission and the per-thread verified-token cache: admission.h. */
#include "admission.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "accounting.h"
#include "p2pcd/base64url.h"
#include "p2pcd/infohash.h"

struct adm_entry
{
	uint8_t key[16]; /* keyed hash of the token string */
	int64_t exp;	 /* token exp, or end of a negative entry */
	int64_t nbf;
	uint32_t subject;
	uint32_t epoch; /* keyring generation it was verified under */
	uint8_t ih[20];
	uint8_t role;
	uint8_t refusal;
	uint8_t jws; /* enum p2pcd_jws_result, for the detail text */
	uint8_t used;
};

/* a header segment that headed a valid token, and the key that signed it */
struct adm_hdr
{
	uint64_t hh; /* keyed hash of the header segment */
	const struct p2pcd_jws_keyring *kr;
	int slot; /* index into kr->k */
	int used;
};

#define HDR_ENTRIES 64
#define MAX_KEYRINGS 64 /* rotations kept alive until exit */

static uint8_t hash_key[crypto_shorthash_siphashx24_KEYBYTES];
static int skew_s, negative_s;
static _Atomic(struct p2pcd_jws_keyring *) keyring;
static _Atomic uint32_t epoch = 1;
static struct p2pcd_jws_keyring *retired[MAX_KEYRINGS];
static int n_retired;

int adm_setup(int skew, int negative_seconds)
{
	randombytes_buf(hash_key, sizeof(hash_key));
	skew_s = skew;
	negative_s = negative_seconds;
	return 0;
}

int adm_set_keys(const struct p2pcd_jws_keyring *kr)
{
	struct p2pcd_jws_keyring *k;

	if(n_retired == MAX_KEYRINGS)
		return -1;
	k = malloc(sizeof(*k));
	if(!k)
		return -1;
	*k = *kr;
	retired[n_retired++] = k;
	atomic_store(&keyring, k);
	/* tokens verified under the old keys are verified again */
	atomic_fetch_add(&epoch, 1);
	return 0;
}

void adm_shutdown(void)
{
	int i;

	for(i = 0; i < n_retired; i++) {
		p2pcd_jws_keyring_wipe(retired[i]);
		free(retired[i]);
	}
	n_retired = 0;
	atomic_store(&keyring, NULL);
}

int adm_cache_init(struct adm_cache *c, uint32_t entries)
{
	uint32_t n = 16;

	while(n < entries && n < (1u << 30))
		n <<= 1;
	memset(c, 0, sizeof(*c));
	c->e = calloc(n, sizeof(*c->e));
	c->hdr = calloc(HDR_ENTRIES, sizeof(*c->hdr));
	if(!c->e || !c->hdr) {
		adm_cache_free(c);
		return -1;
	}
	c->mask = n - 1;
	return 0;
}

void adm_cache_free(struct adm_cache *c)
{
	free(c->e);
	free(c->hdr);
	c->e = NULL;
	c->hdr = NULL;
}

static uint64_t header_hash(const char *tok, size_t hlen)
{
	uint64_t hh;

	crypto_shorthash_siphash24(
			(unsigned char *)&hh, (const unsigned char *)tok, hlen, hash_key);
	return hh;
}

/*
 * 1 if tok reuses a header known to be signed by a key of kr and its MAC
 * does not match that key: a forgery, refused without parsing any JSON.
 * p2pcd_jws_verify would refuse it too (same header, same key, bad MAC).
 */
static int known_header_forged(struct adm_cache *c,
		const struct p2pcd_jws_keyring *kr, const char *tok, size_t len)
{
	const char *d1 = memchr(tok, '.', len), *d2;
	const struct adm_hdr *hd;
	uint8_t sig[48];
	size_t sig_len;
	uint64_t hh;

	if(!d1)
		return 0;
	d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok));
	if(!d2)
		return 0;
	hh = header_hash(tok, (size_t)(d1 - tok));
	hd = &c->hdr[hh % HDR_ENTRIES];
	if(!hd->used || hd->hh != hh || hd->kr != kr || !kr->k[hd->slot].used)
		return 0;
	if(p2pcd_b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - tok), sig,
			   sizeof(sig), &sig_len))
		return 1;
	return !p2pcd_hmac_sha256_verify(&kr->k[hd->slot].key, (const uint8_t *)tok,
			(size_t)(d2 - tok), sig, sig_len);
}

static void remember_header(struct adm_cache *c,
		const struct p2pcd_jws_keyring *kr, const char *tok, size_t len,
		uint32_t version)
{
	const char *d1 = memchr(tok, '.', len);
	struct adm_hdr *hd;
	uint64_t hh;
	int i;

	if(!d1)
		return;
	for(i = 0; i < 2; i++) {
		if(kr->k[i].used && kr->k[i].version == version)
			break;
	}
	if(i == 2)
		return;
	hh = header_hash(tok, (size_t)(d1 - tok));
	hd = &c->hdr[hh % HDR_ENTRIES];
	hd->hh = hh;
	hd->kr = kr;
	hd->slot = i;
	hd->used = 1;
}

static enum refusal from_jws(enum p2pcd_jws_result r)
{
	switch(r) {
		case P2PCD_JWS_OK:
			return RF_OK;
		case P2PCD_JWS_E_EXPIRED:
		case P2PCD_JWS_E_NOT_YET_VALID:
		case P2PCD_JWS_E_IAT_FUTURE:
			return RF_EXPIRED_TOKEN;
		case P2PCD_JWS_E_WRONG_AUDIENCE:
		case P2PCD_JWS_E_UNKNOWN_KID:
			return RF_FOREIGN_TOKEN;
		case P2PCD_JWS_E_INTERNAL:
			return RF_INTERNAL;
		default:
			return RF_BAD_TOKEN;
	}
}

/* the claims the tracker needs beyond what p2pcd_jws_verify checks */
static enum refusal read_claims(
		const json_t *cl, struct adm_entry *e, const char **detail)
{
	const char *ih, *role, *sub, *doi;
	int64_t v;

	if(p2pcd_jws_claim_str(cl, "ih", &ih)
			|| p2pcd_infohash_from_hex(ih, strlen(ih), e->ih)) {
		*detail = "claim ih missing or not 40 hex digits";
		return RF_BAD_TOKEN;
	}
	if(p2pcd_jws_claim_str(cl, "role", &role)
			|| (strcmp(role, "seed") && strcmp(role, "leech"))) {
		*detail = "claim role must be seed or leech";
		return RF_BAD_TOKEN;
	}
	e->role = strcmp(role, "seed") == 0 ? ROLE_SEED : ROLE_LEECH;
	if(p2pcd_jws_claim_str(cl, "sub", &sub) || !*sub || strlen(sub) > 255) {
		*detail = "claim sub missing";
		return RF_BAD_TOKEN;
	}
	if(p2pcd_jws_claim_str(cl, "doi", &doi) || !*doi) {
		*detail = "claim doi missing";
		return RF_BAD_TOKEN;
	}
	if(p2pcd_jws_claim_int(cl, "exp", &e->exp)) {
		*detail = "claim exp missing";
		return RF_BAD_TOKEN;
	}
	e->nbf = p2pcd_jws_claim_int(cl, "nbf", &v) ? INT64_MIN : v;
	e->subject = acct_subject_id(sub);
	if(!e->subject)
		return RF_INTERNAL;
	return RF_OK;
}

static const char *detail_of(const struct adm_entry *e)
{
	if(e->refusal == RF_BAD_TOKEN && e->jws == P2PCD_JWS_OK)
		return "bad claims";
	return e->jws == P2PCD_JWS_OK
				   ? NULL
				   : p2pcd_jws_strerror((enum p2pcd_jws_result)e->jws);
}

static enum refusal use_entry(const struct adm_entry *e, int64_t now,
		struct adm_claims *out, const char **detail)
{
	if(e->refusal != RF_OK) {
		*detail = detail_of(e);
		return (enum refusal)e->refusal;
	}
	if(now > e->exp + skew_s) {
		*detail = "token expired";
		return RF_EXPIRED_TOKEN;
	}
	if(e->nbf != INT64_MIN && now + skew_s < e->nbf) {
		*detail = "token not yet valid";
		return RF_EXPIRED_TOKEN;
	}
	memcpy(out->ih, e->ih, 20);
	out->role = (enum adm_role)e->role;
	out->subject = e->subject;
	out->exp = e->exp;
	return RF_OK;
}

enum refusal adm_check(struct adm_cache *c, const char *tok, size_t len,
		int64_t now, struct adm_claims *out, const char **detail)
{
	uint8_t h[16];
	uint32_t slot, ep = atomic_load(&epoch);
	struct adm_entry *e, fresh;
	const struct p2pcd_jws_keyring *kr = atomic_load(&keyring);
	struct p2pcd_jws_expect ex;
	enum p2pcd_jws_result jr;
	enum refusal rf;
	json_t *claims = NULL;
	uint32_t kv = 0;

	*detail = NULL;
	if(len == 0)
		return RF_NO_TOKEN;
	if(len > P2PCD_JWS_MAX_LEN) {
		*detail = p2pcd_jws_strerror(P2PCD_JWS_E_TOO_LONG);
		return RF_BAD_TOKEN;
	}
	crypto_shorthash_siphashx24(h, (const unsigned char *)tok, len, hash_key);
	memcpy(&slot, h, sizeof(slot));
	e = &c->e[slot & c->mask];
	if(e->used && e->epoch == ep && memcmp(e->key, h, 16) == 0
			&& (e->refusal == RF_OK || now < e->exp)) {
		counter_inc(&c->hits);
		return use_entry(e, now, out, detail);
	}
	counter_inc(&c->misses);
	if(!kr)
		return RF_INTERNAL;
	memset(&fresh, 0, sizeof(fresh));
	ex.typ = P2PCD_JWS_TYP_ADM;
	ex.aud = NULL;
	ex.now = now;
	ex.skew = skew_s;
	if(known_header_forged(c, kr, tok, len))
		jr = P2PCD_JWS_E_BAD_SIGNATURE;
	else if((jr = p2pcd_jws_verify(kr, tok, len, &ex, &claims, &kv))
			== P2PCD_JWS_OK)
		remember_header(c, kr, tok, len, kv);
	fresh.jws = (uint8_t)jr;
	rf = from_jws(jr);
	if(rf == RF_OK) {
		rf = read_claims(claims, &fresh, detail);
		json_decref(claims);
	} else {
		*detail = p2pcd_jws_strerror(jr);
	}
	if(rf == RF_INTERNAL)
		return rf; /* not a property of the token: not cached */
	fresh.refusal = (uint8_t)rf;
	if(rf != RF_OK)
		fresh.exp = now + negative_s;
	memcpy(fresh.key, h, 16);
	fresh.epoch = ep;
	fresh.used = 1;
	if(rf != RF_OK && negative_s == 0)
		return rf;
	*e = fresh;
	if(rf != RF_OK)
		return rf;
	return use_entry(e, now, out, detail);
}
