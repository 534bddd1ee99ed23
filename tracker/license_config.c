/* Loading the "license" section: see license_config.h. */
#include "license_config.h"

#include "config_get.h"

#include <stdio.h>
#include <string.h>

#include "license_req.h"
#include "p2pcd/keyfile.h"

void license_config_defaults(struct license_config *c)
{
	memset(c, 0, sizeof(*c));
	c->threads = 2;
	c->queue = 256;
	c->max_body = LREQ_MAX_BODY;
	c->kek_version = 1;
	c->key_version = 1;
	snprintf(c->audience, sizeof(c->audience), "license");
}

static int hexkey(config_t *cf, const char *path, uint8_t out[32], int *have)
{
	const char *s;

	*have = config_lookup_string(cf, path, &s) != 0;
	if(!*have)
		return 0;
	return p2pcd_hex_decode(s, strlen(s), out, 32);
}

int license_config_load(
		config_t *cf, struct license_config *c, char *err, size_t en)
{
	int v, have, have_prev;
	const char *bad = NULL;

	license_config_defaults(c);
	if(cfg_bool(cf, "license.enabled", &c->enabled, err, en))
		return -1;
	if(cfg_int(cf, "license.threads", &c->threads, 1, 64, NULL, 0))
		bad = "license.threads: 1..64";
	else if(cfg_int(cf, "license.queue", &c->queue, 1, 100000, NULL, 0))
		bad = "license.queue: 1..100000";
	else if(cfg_int(cf, "license.max_body", &c->max_body, 64, LREQ_MAX_BODY,
					NULL, 0))
		bad = "license.max_body: 64..4096";
	else if(cfg_str(cf, "license.secret_key_file", c->secret_key_file,
					sizeof(c->secret_key_file), NULL, 0)
			|| cfg_str(cf, "license.kek_file", c->kek_file, sizeof(c->kek_file),
					NULL, 0))
		bad = "license: a file name is too long";
	else if(cfg_str(cf, "license.audience", c->audience, sizeof(c->audience),
					NULL, 0)
			|| !p2pcd_jws_audience_valid(c->audience, strlen(c->audience)))
		bad = "license.audience: 1-64 of [A-Za-z0-9._-]";
	if(bad)
		goto fail;
	v = (int)c->kek_version;
	if(cfg_int(cf, "license.kek_version", &v, 1, 0x7fffffff, NULL, 0)) {
		bad = "license.kek_version: 1 or more";
		goto fail;
	}
	c->kek_version = (uint32_t)v;
	if(hexkey(cf, "license.key", c->key, &have)
			|| hexkey(cf, "license.previous_key", c->prev_key, &have_prev)) {
		bad = "license.key, license.previous_key: 64 hex digits";
		goto fail;
	}
	v = 1;
	if(cfg_int(cf, "license.key_version", &v, 1, 0x7fffffff, NULL, 0)) {
		bad = "license.key_version: 1 or more";
		goto fail;
	}
	c->key_version = (uint32_t)v;
	if(have_prev) {
		v = 0;
		cfg_int(cf, "license.previous_key_version", &v, 1, 0x7fffffff, NULL, 0);
		if(v == 0 || (uint32_t)v == c->key_version) {
			bad = "license.previous_key_version: required and different "
				  "from key_version";
			goto fail;
		}
		c->prev_key_version = (uint32_t)v;
	}
	if(!c->enabled)
		return 0;
	if(!have)
		bad = "license.key: required when license.enabled (the key the AS "
			  "derived for the license audience)";
	else if(!c->secret_key_file[0] || !c->kek_file[0])
		bad = "license.secret_key_file and license.kek_file: required when "
			  "license.enabled";
	if(!bad)
		return 0;
fail:
	snprintf(err, en, "%s", bad);
	return -1;
}
