/*
 * Typed reads of one libconfig setting, shared by the configuration
 * section loaders (config.c, license_config.c, index_config.c,
 * tamper_config.c). An absent setting leaves *out alone and is not an
 * error; a bad one returns -1 and, when err is not NULL, says why there
 * ("PATH: 70000 is outside 1..65535").
 */
#ifndef P2PCD_TRACKER_CONFIG_GET_H
#define P2PCD_TRACKER_CONFIG_GET_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

int cfg_str(config_t *cf, const char *path, char *out, size_t size, char *err,
		size_t en);
int cfg_int(config_t *cf, const char *path, int *out, int lo, int hi, char *err,
		size_t en);
int cfg_bool(config_t *cf, const char *path, bool *out, char *err, size_t en);

#endif
