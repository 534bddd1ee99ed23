/*
 * Admission tokens (DESIGN.md section 3): JWS HS256, typ p2pcd-adm+jwt,
 * aud = this tracker, claims ih (info-hash hex), role (seed|leech), sub,
 * doi, exp/nbf. Each announce thread owns a verified-token cache keyed by
 * a keyed 128-bit hash of the token string, so a re-announce costs one
 * hash and one lookup; refused tokens are cached for a short time too, so
 * a flood of one bad token costs the same, and a flood of new forgeries
 * that copy a valid token's header is refused after one HMAC, before any
 * JSON is parsed. Keys rotate through
 * adm_set_keys (SIGHUP) without a restart.
 */
#ifndef P2PCD_TRACKER_ADMISSION_H
#define P2PCD_TRACKER_ADMISSION_H

#include <stdint.h>

#include "counter.h"
#include "p2pcd/jws.h"
#include "refusal.h"

enum adm_role
{
	ROLE_LEECH = 0,
	ROLE_SEED = 1,
};

struct adm_claims
{
	uint8_t ih[20];
	enum adm_role role;
	uint32_t subject; /* interned sub (accounting.h) */
	int64_t exp;
};

struct adm_entry;
struct adm_hdr;
struct adm_cache
{
	struct adm_entry *e;
	uint32_t mask;
	struct adm_hdr *hdr; /* JWS headers seen in valid tokens */
	counter_t hits, misses;
};

/* global settings; call before any thread verifies. 0 or -1 */
int adm_setup(int skew, int negative_seconds);
/* publish a keyring (copied); older ones stay valid for in-flight use */
int adm_set_keys(const struct p2pcd_jws_keyring *kr);
void adm_shutdown(void);

int adm_cache_init(struct adm_cache *c, uint32_t entries);
void adm_cache_free(struct adm_cache *c);

/*
 * Check tok[0..len) at time now. RF_OK and *out filled, or a refusal with
 * *detail a static string saying more (may be NULL).
 */
enum refusal adm_check(struct adm_cache *c, const char *tok, size_t len,
		int64_t now, struct adm_claims *out, const char **detail);

#endif
