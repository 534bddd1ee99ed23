/* The "tamper" section: see tamper_config.h. */
#include "tamper_config.h"

#include "config_get.h"

#include <stdio.h>

void tamper_config_defaults(struct tamper_config *c)
{
	c->enabled = true;
	c->reporters = 2;
	c->reports = 0;
	c->window = 3600;
	c->rate = 20;
	c->burst = 10;
	c->max_offenders = 65536;
	c->load_limit = 200000;
}

static int get(config_t *cf, const char *key, int *out, int lo, int hi,
		char *err, size_t en)
{
	char path[64];

	snprintf(path, sizeof(path), "tamper.%s", key);
	return cfg_int(cf, path, out, lo, hi, err, en);
}

int tamper_config_load(
		config_t *cf, struct tamper_config *c, char *err, size_t en)
{
	if(cfg_bool(cf, "tamper.enabled", &c->enabled, err, en))
		return -1;
	if(get(cf, "reporters", &c->reporters, 0, TAMPER_MAX_REPORTERS, err, en)
			|| get(cf, "reports", &c->reports, 0, TAMPER_MAX_REPORTS, err, en)
			|| get(cf, "window", &c->window, 1, 30 * 86400, err, en)
			|| get(cf, "rate", &c->rate, 1, 6000, err, en)
			|| get(cf, "burst", &c->burst, 1, 1000, err, en)
			|| get(cf, "max_offenders", &c->max_offenders, 16, 1 << 24, err, en)
			|| get(cf, "load_limit", &c->load_limit, 0, 10000000, err, en))
		return -1;
	if(c->enabled && !c->reporters && !c->reports) {
		snprintf(err, en,
				"tamper: reporters and reports are both 0: nobody "
				"would ever be refused (set tamper.enabled = false)");
		return -1;
	}
	return 0;
}
