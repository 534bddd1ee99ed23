/*
 * Command-line glue shared by every SIP-using subcommand.
 *
 *   struct sip_uac_cfg sc = {0};
 *   static const struct option lo[] = {{"help", no_argument, 0, 'h'},
 *       SIP_CLI_OPTIONS, {0, 0, 0, 0}};
 *   sip_cli_env(&sc);                     defaults from the environment
 *   while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
 *       if((r = sip_cli_opt(&sc, c, optarg)) != 0) {
 *           if(r < 0) return EXIT_USAGE;  (message already printed)
 *           continue;
 *       }
 *       switch(c) { ... }
 *   }
 *   if(sip_cli_check("buy", &sc)) return EXIT_USAGE;
 *
 * Options (environment default): --proxy (P2PCD_PROXY), --user
 * (P2PCD_USER), --domain (P2PCD_DOMAIN), --password (P2PCD_PASSWORD),
 * --transport udp|tcp|auto (P2PCD_TRANSPORT), --bind ADDR; T1 from
 * P2PCD_SIP_T1_MS only. Strings point into argv/environ (not copied).
 */
#ifndef P2PCD_CLIENT_SIP_CLI_H
#define P2PCD_CLIENT_SIP_CLI_H

#include <getopt.h>

#include "sip_uac.h"

enum
{
	SIP_OPT_PROXY = 0x1000,
	SIP_OPT_USER,
	SIP_OPT_DOMAIN,
	SIP_OPT_PASSWORD,
	SIP_OPT_TRANSPORT,
	SIP_OPT_BIND
};

/* struct option entries, to put in a command's own array */
/* clang-format off */
#define SIP_CLI_OPTIONS \
	{"proxy", required_argument, 0, SIP_OPT_PROXY}, \
	{"user", required_argument, 0, SIP_OPT_USER}, \
	{"domain", required_argument, 0, SIP_OPT_DOMAIN}, \
	{"password", required_argument, 0, SIP_OPT_PASSWORD}, \
	{"transport", required_argument, 0, SIP_OPT_TRANSPORT}, \
	{"bind", required_argument, 0, SIP_OPT_BIND}
/* clang-format on */

/* help text fragment (lines of "  --option ..." as in the house style) */
#define SIP_CLI_HELP                                                        \
	"SIP options (default from the environment variable in brackets):\n"    \
	"  --proxy PROXY      the next hop (P-CSCF or the lab edge proxy):\n"   \
	"                     host[:port] or sip:host[:port][;transport=tcp]\n" \
	"                     [P2PCD_PROXY]; port 5060 if not given\n"          \
	"  --user USER        your user name, identity sip:USER@DOMAIN\n"       \
	"                     [P2PCD_USER]\n"                                   \
	"  --domain DOMAIN    your home domain, the digest realm\n"             \
	"                     [P2PCD_DOMAIN]\n"                                 \
	"  --password PW      the digest password [P2PCD_PASSWORD]; visible\n"  \
	"                     to other local users in the process list:\n"      \
	"                     prefer the environment\n"                         \
	"  --transport T      udp, tcp or auto [P2PCD_TRANSPORT, default\n"     \
	"                     auto: TCP for requests over 1300 bytes]\n"        \
	"  --bind ADDR        local address to send from (default: any)\n"      \
	"  P2PCD_SIP_T1_MS    RFC 3261 T1 in ms (default 500); the request\n"   \
	"                     times out after 64*T1\n"

/* 1 consumed opt, 0 not a SIP option, -1 bad value (message printed) */
int sip_cli_opt(struct sip_uac_cfg *c, int opt, const char *arg);
/* defaults from the environment (call before parsing options; a bad
 * P2PCD_TRANSPORT or P2PCD_SIP_T1_MS is reported by sip_cli_check) */
void sip_cli_env(struct sip_uac_cfg *c);
/* 0 if proxy, user and domain are set (and the environment was valid),
 * else -1 with a message naming cmd and what to set */
int sip_cli_check(const char *cmd, const struct sip_uac_cfg *c);

#endif
