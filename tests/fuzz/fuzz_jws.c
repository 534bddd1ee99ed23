/*
 * libFuzzer: JWS HS256 against a fixed keyring (tracker-1, v1 and v2).
 * First byte even: the rest is a token to verify; no crash, and a result
 * that is consistent. First byte odd: the rest is a JSON object of claims;
 * with aud/exp/nbf/iat made valid it is signed, and then verifying it must
 * succeed and give back equal claims.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p2pcd/jws.h"

#define NOW 1700000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct p2pcd_jws_keyring kr;
static struct p2pcd_jws_signer signer;

/* the corpus tokens were made with this master (bytes 0..31) */
static void init_keys(void)
{
	uint8_t master[32];
	size_t i;

	for(i = 0; i < sizeof(master); i++)
		master[i] = (uint8_t)i;
	if(p2pcd_jws_keyring_init(&kr, "tracker-1")
			|| p2pcd_jws_keyring_set_master(&kr, 1, master, 32)
			|| p2pcd_jws_keyring_set_master(&kr, 2, master, 32)
			|| p2pcd_jws_signer_init(&signer, master, 32, "tracker-1", 2))
		abort();
}

static void verify_raw(const char *tok, size_t len)
{
	struct p2pcd_jws_expect ex = {P2PCD_JWS_TYP_ADM, NULL, NOW, 30};
	json_t *c = NULL;
	uint32_t ver = 0;
	enum p2pcd_jws_result r;

	r = p2pcd_jws_verify(&kr, tok, len, &ex, &c, &ver);
	if(r == P2PCD_JWS_OK) {
		if(!json_is_object(c) || (ver != 1 && ver != 2))
			abort();
		json_decref(c);
	} else if(c || r > P2PCD_JWS_E_INTERNAL || r == P2PCD_JWS_E_INTERNAL) {
		abort();
	}
	if(len > P2PCD_JWS_MAX_LEN && r != P2PCD_JWS_E_TOO_LONG)
		abort();
}

static void sign_verify(const char *text, size_t len, int lic)
{
	const char *typ = lic ? P2PCD_JWS_TYP_LIC : P2PCD_JWS_TYP_ADM;
	struct p2pcd_jws_expect ex = {typ, NULL, NOW, 30};
	json_t *c, *back = NULL;
	char *tok = NULL;
	size_t tlen;
	enum p2pcd_jws_result r;

	c = json_loadb(text, len, 0, NULL);
	if(!json_is_object(c)) {
		json_decref(c);
		return;
	}
	json_object_set_new(c, "aud", json_string("tracker-1"));
	json_object_set_new(c, "exp", json_integer(NOW + 300));
	json_object_set_new(c, "nbf", json_integer(NOW));
	json_object_set_new(c, "iat", json_integer(NOW));
	if(p2pcd_jws_sign(&signer, typ, c, &tok, &tlen) == 0) {
		if(tlen > P2PCD_JWS_MAX_LEN || strlen(tok) != tlen)
			abort();
		r = p2pcd_jws_verify(&kr, tok, tlen, &ex, &back, NULL);
		if(r != P2PCD_JWS_OK || !json_equal(c, back))
			abort();
		/* and as the other type it must be refused */
		ex.typ = lic ? P2PCD_JWS_TYP_ADM : P2PCD_JWS_TYP_LIC;
		if(p2pcd_jws_verify(&kr, tok, tlen, &ex, NULL, NULL) != P2PCD_JWS_E_TYP)
			abort();
		json_decref(back);
		free(tok);
	}
	json_decref(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if(!ready) {
		init_keys();
		ready = 1;
	}
	if(size < 1)
		return 0;
	if(!(data[0] & 1))
		verify_raw((const char *)data + 1, size - 1);
	else
		sign_verify((const char *)data + 1, size - 1, data[0] & 2);
	return 0;
}
