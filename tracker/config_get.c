/* Typed libconfig reads: see config_get.h. */
#include "config_get.h"

#include <stdio.h>
#include <string.h>

int cfg_str(config_t *cf, const char *path, char *out, size_t size, char *err,
		size_t en)
{
	const char *s;

	if(!config_lookup_string(cf, path, &s))
		return 0;
	if(strlen(s) >= size) {
		if(err)
			snprintf(err, en, "%s: longer than %zu characters", path, size - 1);
		return -1;
	}
	snprintf(out, size, "%s", s);
	return 0;
}

int cfg_int(config_t *cf, const char *path, int *out, int lo, int hi, char *err,
		size_t en)
{
	int v;

	if(!config_lookup_int(cf, path, &v))
		return 0;
	if(v < lo || v > hi) {
		if(err)
			snprintf(err, en, "%s: %d is outside %d..%d", path, v, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int cfg_bool(config_t *cf, const char *path, bool *out, char *err, size_t en)
{
	config_setting_t *s = config_lookup(cf, path);

	if(!s)
		return 0;
	if(config_setting_type(s) != CONFIG_TYPE_BOOL) {
		if(err)
			snprintf(err, en, "%s: must be true or false", path);
		return -1;
	}
	*out = config_setting_get_bool(s) != 0;
	return 0;
}
