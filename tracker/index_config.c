/* Loading the "index" section: see index_config.h. */
#include "index_config.h"

#include "config_get.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void index_config_defaults(struct index_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->address, sizeof(c->address), "127.0.0.1");
	c->port = 6443;
	c->threads = 2;
	snprintf(c->content_domain, sizeof(c->content_domain), "content.invalid");
}

/* a host name, IPv4 or [IPv6] address with an optional :port */
static int domain_ok(const char *s)
{
	if(!*s)
		return 0;
	for(; *s; s++)
		if(!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
				   || (*s >= '0' && *s <= '9') || strchr(".-:[]", *s)))
			return 0;
	return 1;
}

/* the file is readable and holds a PEM block whose label ends in what */
static int pem_check(const char *key, const char *path, const char *what,
		char *err, size_t en)
{
	char line[256];
	int found = 0;
	FILE *f;

	if(!path[0]) {
		snprintf(err, en, "index.%s: required when index.enabled (PEM)", key);
		return -1;
	}
	f = fopen(path, "r");
	if(!f) {
		snprintf(err, en, "index.%s: %s: %s", key, path, strerror(errno));
		return -1;
	}
	while(!found && fgets(line, sizeof(line), f))
		found = strncmp(line, "-----BEGIN ", 11) == 0 && strstr(line, what);
	fclose(f);
	if(!found) {
		snprintf(err, en, "index.%s: %s: no PEM %s block", key, path, what);
		return -1;
	}
	return 0;
}

int index_config_load(
		config_t *cf, struct index_config *c, char *err, size_t en)
{
	const char *bad = NULL;
	size_t n;
	int port;

	index_config_defaults(c);
	port = c->port;
	if(cfg_bool(cf, "index.enabled", &c->enabled, err, en))
		return -1;
	if(cfg_str(cf, "index.address", c->address, sizeof(c->address), NULL, 0))
		bad = "index.address: too long";
	else if(cfg_int(cf, "index.port", &port, 1, 65535, NULL, 0))
		bad = "index.port: 1..65535";
	else if(cfg_int(cf, "index.threads", &c->threads, 1, 64, NULL, 0))
		bad = "index.threads: 1..64";
	else if(cfg_str(cf, "index.tls_cert_file", c->tls_cert_file,
					sizeof(c->tls_cert_file), NULL, 0)
			|| cfg_str(cf, "index.tls_key_file", c->tls_key_file,
					sizeof(c->tls_key_file), NULL, 0))
		bad = "index: a file name is too long";
	else if(cfg_str(cf, "index.public_url", c->public_url,
					sizeof(c->public_url), NULL, 0)
			|| cfg_str(cf, "index.license_url", c->license_url,
					sizeof(c->license_url), NULL, 0))
		bad = "index.public_url, index.license_url: too long";
	else if(cfg_str(cf, "index.content_domain", c->content_domain,
					sizeof(c->content_domain), NULL, 0)
			|| !domain_ok(c->content_domain))
		bad = "index.content_domain: a host name (the host part of "
			  "sip:DOI@content_domain)";
	if(bad) {
		snprintf(err, en, "%s", bad);
		return -1;
	}
	c->port = (uint16_t)port;
	n = strlen(c->public_url);
	while(n && c->public_url[n - 1] == '/')
		c->public_url[--n] = '\0';
	if(!c->enabled)
		return 0;
	if(pem_check("tls_cert_file", c->tls_cert_file, "CERTIFICATE", err, en)
			|| pem_check(
					"tls_key_file", c->tls_key_file, "PRIVATE KEY", err, en))
		return -1;
	if(strncmp(c->public_url, "https://", 8) != 0 || n <= 8)
		bad = "index.public_url: required when index.enabled, "
			  "https://HOST[:PORT] (the base of torrent_url links)";
	else if(strncmp(c->license_url, "https://", 8) != 0
			&& strncmp(c->license_url, "http://", 7) != 0)
		bad = "index.license_url: required when index.enabled, an http(s) "
			  "URL of the license service (put into every grant)";
	if(bad) {
		snprintf(err, en, "%s", bad);
		return -1;
	}
	return 0;
}
