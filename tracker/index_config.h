/*
 * The content index role's configuration (section "index" of the
 * tracker's libconfig file; defaults in index_config.c, documented in
 * p2pcd-tracker.conf and docs/tracker.md "Index role").
 */
#ifndef P2PCD_TRACKER_INDEX_CONFIG_H
#define P2PCD_TRACKER_INDEX_CONFIG_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct index_config
{
	bool enabled;
	char address[64];
	uint16_t port;
	int threads; /* libmicrohttpd pool threads, one DB connection each */
	char tls_cert_file[512];  /* PEM certificate (chain) */
	char tls_key_file[512];	  /* PEM private key */
	char public_url[512];	  /* https://host:port, no trailing slash */
	char content_domain[256]; /* host part of sip:DOI@content_domain */
	char license_url[512];	  /* put into every grant JSON */
};

void index_config_defaults(struct index_config *c);
/*
 * Read the "index" section into c (defaults first) and, when enabled,
 * check it: both PEM files readable, public_url https://, license_url
 * present. 0, or -1 with a message in err.
 */
int index_config_load(
		config_t *cf, struct index_config *c, char *err, size_t en);

#endif
