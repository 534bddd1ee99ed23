/*
 * JWS key management: audience names, kids, per-audience key derivation,
 * signers and verifier keyrings (current + previous key).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "p2pcd/hkdf.h"
#include "p2pcd/jws.h"

int p2pcd_jws_audience_valid(const char *aud, size_t len)
{
	size_t i;
	char c;

	if(!aud || len == 0 || len > P2PCD_JWS_AUD_MAX)
		return 0;
	/* no ':' or '/': kid and HKDF info must split one way only */
	for(i = 0; i < len; i++) {
		c = aud[i];
		if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
				   || (c >= '0' && c <= '9') || c == '.' || c == '_'
				   || c == '-'))
			return 0;
	}
	return 1;
}

static int aud_ok(const char *aud)
{
	return aud
		   && p2pcd_jws_audience_valid(
				   aud, strnlen(aud, P2PCD_JWS_AUD_MAX + 1));
}

int p2pcd_jws_kid(const char *aud, uint32_t version, char *out, size_t out_size)
{
	int n;

	if(!aud_ok(aud) || version == 0 || !out)
		return -1;
	n = snprintf(out, out_size, "%s:v%" PRIu32, aud, version);
	return n < 0 || (size_t)n >= out_size ? -1 : 0;
}

int p2pcd_jws_kid_parse(const char *kid, size_t len, const char **aud,
		size_t *aud_len, uint32_t *version)
{
	const char *colon;
	size_t alen, i;
	uint64_t v = 0;

	if(!kid || len > P2PCD_JWS_KID_MAX)
		return -1;
	colon = memchr(kid, ':', len);
	if(!colon)
		return -1;
	alen = (size_t)(colon - kid);
	if(!p2pcd_jws_audience_valid(kid, alen))
		return -1;
	i = alen + 1;
	/* "v", then 1..10 digits, no leading zero, <= UINT32_MAX */
	if(i >= len || kid[i] != 'v' || ++i >= len || kid[i] == '0' || len - i > 10)
		return -1;
	for(; i < len; i++) {
		if(kid[i] < '0' || kid[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(kid[i] - '0');
	}
	if(v > UINT32_MAX)
		return -1;
	if(aud)
		*aud = kid;
	if(aud_len)
		*aud_len = alen;
	if(version)
		*version = (uint32_t)v;
	return 0;
}

int p2pcd_jws_derive_key(const uint8_t *master, size_t master_len,
		const char *audience, uint32_t version, uint8_t out[P2PCD_JWS_KEY_LEN])
{
	char info[sizeof("p2pcd/jws/") + P2PCD_JWS_AUD_MAX + 12];
	int n;

	if(!master || master_len < P2PCD_JWS_MASTER_MIN || !aud_ok(audience)
			|| version == 0 || !out)
		return -1;
	n = snprintf(
			info, sizeof(info), "p2pcd/jws/%s/v%" PRIu32, audience, version);
	if(n < 0 || (size_t)n >= sizeof(info))
		return -1;
	return p2pcd_hkdf_sha256((const uint8_t *)P2PCD_JWS_SALT,
			sizeof(P2PCD_JWS_SALT) - 1, master, master_len,
			(const uint8_t *)info, (size_t)n, out, P2PCD_JWS_KEY_LEN);
}

int p2pcd_jws_signer_init_key(struct p2pcd_jws_signer *s,
		const uint8_t key[P2PCD_JWS_KEY_LEN], const char *audience,
		uint32_t version)
{
	if(!s || !key)
		return -1;
	memset(s, 0, sizeof(*s));
	if(p2pcd_jws_kid(audience, version, s->kid, sizeof(s->kid))
			|| p2pcd_hmac_key_init(&s->key, key, P2PCD_JWS_KEY_LEN)) {
		p2pcd_jws_signer_wipe(s);
		return -1;
	}
	return 0;
}

int p2pcd_jws_signer_init(struct p2pcd_jws_signer *s, const uint8_t *master,
		size_t master_len, const char *audience, uint32_t version)
{
	uint8_t key[P2PCD_JWS_KEY_LEN];
	int rc;

	if(p2pcd_jws_derive_key(master, master_len, audience, version, key))
		return -1;
	rc = p2pcd_jws_signer_init_key(s, key, audience, version);
	sodium_memzero(key, sizeof(key));
	return rc;
}

void p2pcd_jws_signer_wipe(struct p2pcd_jws_signer *s)
{
	if(s)
		sodium_memzero(s, sizeof(*s));
}

int p2pcd_jws_keyring_init(struct p2pcd_jws_keyring *kr, const char *audience)
{
	if(!kr)
		return -1;
	memset(kr, 0, sizeof(*kr));
	if(!aud_ok(audience))
		return -1;
	kr->aud_len = strlen(audience);
	memcpy(kr->aud, audience, kr->aud_len + 1);
	return 0;
}

int p2pcd_jws_keyring_set(struct p2pcd_jws_keyring *kr, uint32_t version,
		const uint8_t key[P2PCD_JWS_KEY_LEN])
{
	struct p2pcd_hmac_key hk;

	if(!kr || !key || version == 0 || !kr->aud_len)
		return -1;
	if(p2pcd_hmac_key_init(&hk, key, P2PCD_JWS_KEY_LEN))
		return -1;
	if(kr->k[0].used && kr->k[0].version != version)
		kr->k[1] = kr->k[0];
	kr->k[0].used = 1;
	kr->k[0].version = version;
	kr->k[0].key = hk;
	sodium_memzero(&hk, sizeof(hk));
	return 0;
}

int p2pcd_jws_keyring_set_master(struct p2pcd_jws_keyring *kr, uint32_t version,
		const uint8_t *master, size_t master_len)
{
	uint8_t key[P2PCD_JWS_KEY_LEN];
	int rc;

	if(!kr || p2pcd_jws_derive_key(master, master_len, kr->aud, version, key))
		return -1;
	rc = p2pcd_jws_keyring_set(kr, version, key);
	sodium_memzero(key, sizeof(key));
	return rc;
}

void p2pcd_jws_keyring_wipe(struct p2pcd_jws_keyring *kr)
{
	if(kr)
		sodium_memzero(kr, sizeof(*kr));
}
