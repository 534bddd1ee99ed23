/*
 * libFuzzer target: admission tokens as they arrive in the announce path,
 * arbitrary bytes, through the verified-token cache (including the
 * known-header forgery check). A valid token is verified first so its
 * header is known; every input is then tried twice (miss, then cache).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accounting.h"
#include "admission.h"
#include "p2pcd/init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1800000000

static struct adm_cache cache;
static int ready;

static void setup(void)
{
	struct p2pcd_jws_keyring kr;
	struct p2pcd_jws_signer s;
	struct adm_claims cl;
	uint8_t master[32] = {1};
	const char *detail;
	json_t *c;
	char *tok;
	size_t len;

	if(p2pcd_lib_init() || acct_init() || adm_setup(30, 60)
			|| adm_cache_init(&cache, 256)
			|| p2pcd_jws_keyring_init(&kr, "trk-fuzz")
			|| p2pcd_jws_keyring_set_master(&kr, 1, master, 32)
			|| adm_set_keys(&kr)
			|| p2pcd_jws_signer_init(&s, master, 32, "trk-fuzz", 1))
		abort();
	c = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "aud", "trk-fuzz", "sub",
			"f", "exp", (json_int_t)NOW + 60, "ih",
			"94167dc40e23cb3b2f1affc58fd6467bd019d64f", "doi", "d", "role",
			"seed");
	if(!c || p2pcd_jws_sign(&s, P2PCD_JWS_TYP_ADM, c, &tok, &len))
		abort();
	if(adm_check(&cache, tok, len, NOW, &cl, &detail) != RF_OK)
		abort();
	json_decref(c);
	free(tok);
	ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct adm_claims cl;
	const char *detail;
	enum refusal a, b;

	if(!ready)
		setup();
	a = adm_check(&cache, (const char *)data, size, NOW, &cl, &detail);
	b = adm_check(&cache, (const char *)data, size, NOW, &cl, &detail);
	/* the cache answers as the verifier did */
	if(a != b && a != RF_INTERNAL)
		abort();
	if(a == RF_OK && size == 0)
		abort();
	return 0;
}
