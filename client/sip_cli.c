/* Command-line glue of the SIP UAC (sip_cli.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip_cli.h"

/* what sip_cli_env could not use, reported by sip_cli_check */
static char env_bad[160];

static int transport(const char *s, enum sip_transport *t)
{
	if(!strcasecmp(s, "udp"))
		*t = SIP_UDP;
	else if(!strcasecmp(s, "tcp"))
		*t = SIP_TCP;
	else if(!strcasecmp(s, "auto") || !*s)
		*t = SIP_AUTO;
	else
		return -1;
	return 0;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

void sip_cli_env(struct sip_uac_cfg *c)
{
	const char *v;
	char *e;
	unsigned long t1;

	env_bad[0] = '\0';
	if((v = env("P2PCD_PROXY")))
		c->proxy = v;
	if((v = env("P2PCD_USER")))
		c->user = v;
	if((v = env("P2PCD_DOMAIN")))
		c->domain = v;
	if((v = env("P2PCD_PASSWORD")))
		c->password = v;
	if((v = env("P2PCD_TRANSPORT")) && transport(v, &c->transport))
		snprintf(env_bad, sizeof(env_bad),
				"P2PCD_TRANSPORT='%.40s': want udp, tcp or auto", v);
	if((v = env("P2PCD_SIP_T1_MS"))) {
		t1 = strtoul(v, &e, 10);
		if(*e || !t1 || t1 > 60000)
			snprintf(env_bad, sizeof(env_bad),
					"P2PCD_SIP_T1_MS='%.40s': want milliseconds, 1..60000", v);
		else
			c->t1_ms = (unsigned)t1;
	}
}

int sip_cli_opt(struct sip_uac_cfg *c, int opt, const char *arg)
{
	switch(opt) {
		case SIP_OPT_PROXY:
			c->proxy = arg;
			return 1;
		case SIP_OPT_USER:
			c->user = arg;
			return 1;
		case SIP_OPT_DOMAIN:
			c->domain = arg;
			return 1;
		case SIP_OPT_PASSWORD:
			c->password = arg;
			return 1;
		case SIP_OPT_BIND:
			c->bind_addr = arg;
			return 1;
		case SIP_OPT_TRANSPORT:
			if(transport(arg, &c->transport)) {
				fprintf(stderr,
						"p2pcd: --transport '%s': want udp, tcp or auto\n",
						arg);
				return -1;
			}
			/* the option wins over a bad environment value */
			if(!strncmp(env_bad, "P2PCD_TRANSPORT", 15))
				env_bad[0] = '\0';
			return 1;
		default:
			return 0;
	}
}

int sip_cli_check(const char *cmd, const struct sip_uac_cfg *c)
{
	const char *miss = NULL;

	if(env_bad[0]) {
		fprintf(stderr, "p2pcd %s: %s\n", cmd, env_bad);
		return -1;
	}
	if(!c->proxy || !*c->proxy)
		miss = "the proxy (--proxy or P2PCD_PROXY)";
	else if(!c->user || !*c->user)
		miss = "your user name (--user or P2PCD_USER)";
	else if(!c->domain || !*c->domain)
		miss = "your domain (--domain or P2PCD_DOMAIN)";
	if(miss) {
		fprintf(stderr, "p2pcd %s: needs %s\nTry 'p2pcd %s --help'.\n", cmd,
				miss, cmd);
		return -1;
	}
	return 0;
}
