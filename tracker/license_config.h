/*
 * The license service role's configuration (section "license" of the
 * tracker's libconfig file; defaults in license_config.c, documented in
 * p2pcd-tracker.conf and docs/tracker.md).
 */
#ifndef P2PCD_TRACKER_LICENSE_CONFIG_H
#define P2PCD_TRACKER_LICENSE_CONFIG_H

#include <libconfig.h>
#include <stdbool.h>
#include <stdint.h>

#include "p2pcd/jws.h"

struct license_config
{
	bool enabled;
	int threads;  /* license workers, each with its own DB connection */
	int queue;	  /* requests waiting for a worker before 503 */
	int max_body; /* bytes of request body, more is 413 */
	char secret_key_file[512]; /* X25519 key pair (p2pcd keygen) */
	char kek_file[512];		   /* 32-byte key-encryption key */
	uint32_t kek_version;
	char audience[P2PCD_JWS_AUD_MAX + 1]; /* of license tokens */
	uint32_t key_version;
	uint8_t key[P2PCD_JWS_KEY_LEN];
	uint32_t prev_key_version; /* 0: none */
	uint8_t prev_key[P2PCD_JWS_KEY_LEN];
};

void license_config_defaults(struct license_config *c);
/* 0, or -1 with a message in err */
int license_config_load(
		config_t *cf, struct license_config *c, char *err, size_t en);

#endif
