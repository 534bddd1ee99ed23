/*
 * libFuzzer: what the client parses from the network and from grants
 * (client/license.c): license tokens (byte 0 even) and the license
 * service's ClearKey JWK Set (byte 0 odd). Whatever is accepted must hold
 * only kids that were asked for, with 16- or 32-byte keys.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "license.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	cli_err_out = fopen("/dev/null", "w"); /* refusals are expected */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lic_token t;
	struct lic_key keys[LIC_MAX_KIDS];
	size_t n, i, m;
	char *s;
	int ok;

	if(size < 1)
		return 0;
	if(data[0] % 2 == 0) {
		s = malloc(size);
		if(!s)
			abort();
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		if(lic_token_parse("fuzz", s, &t) == 0
				&& (t.n_kids == 0 || t.n_kids > LIC_MAX_KIDS))
			abort();
		free(s);
		return 0;
	}
	memset(&t, 0, sizeof(t));
	t.n_kids = 2;
	memset(t.kids[0], 0xa0, 16);
	memset(t.kids[1], 0xb1, 16);
	if(lic_parse_jwks("fuzz", (const char *)data + 1, size - 1, &t, keys, &n)
			!= 0)
		return 0;
	if(n == 0 || n > LIC_MAX_KIDS)
		abort();
	for(i = 0; i < n; i++) {
		if(keys[i].klen != 16 && keys[i].klen != 32)
			abort();
		for(ok = 0, m = 0; m < t.n_kids; m++)
			ok |= !memcmp(keys[i].kid, t.kids[m], 16);
		if(!ok)
			abort();
	}
	return 0;
}
