/* p2pcd license: fetch a license (content keys) into the keystore. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "commands.h"
#include "keystore.h"
#include "license.h"

static const char HELP[] =
		"usage: p2pcd license --url URL --token-file FILE [options]\n"
		"\n"
		"Asks the license service at URL for the keys a license token\n"
		"grants (W3C EME ClearKey request, 'Authorization: Bearer TOKEN')\n"
		"and keeps them in the local keystore (p2pcd keys) until the\n"
		"token's rights (\"play\": e.g. PT24H, from now) or, without one, the\n"
		"token itself expire. The license URL and token come with a grant.\n"
		"\n"
		"options:\n"
		"  --url URL          the license service (https://.../license)\n"
		"  --token-file FILE  a file holding the license token\n"
		"  --token TOKEN      the token itself (visible to other local users\n"
		"                     in the process list: prefer --token-file)\n"
		"  --cacert FILE      trust this CA for the service's certificate\n"
		"  --keystore FILE    the keystore (default: see p2pcd keys --help)\n"
		"  -h, --help         this help\n"
		"\n"
		"Prints kid= and expires= per key. Exit status: 0 done, 1 refused or\n"
		"failed (the message says why: 401 bad or expired token, 403 KID\n"
		"not granted, 410 content muted), 2 usage error.\n";

int cmd_license(int argc, char **argv)
{
	static const struct option lo[] = {{"url", required_argument, 0, 'u'},
			{"token", required_argument, 0, 't'},
			{"token-file", required_argument, 0, 'T'},
			{"cacert", required_argument, 0, 'c'},
			{"keystore", required_argument, 0, 's'},
			{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	const char *url = NULL, *tok_arg = NULL, *tok_file = NULL, *cacert = NULL,
			   *ks = NULL;
	struct lic_token t;
	char *tok;
	int c, rc;

	while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch(c) {
			case 'u':
				url = optarg;
				break;
			case 't':
				tok_arg = optarg;
				break;
			case 'T':
				tok_file = optarg;
				break;
			case 'c':
				cacert = optarg;
				break;
			case 's':
				ks = optarg;
				break;
			case 'h':
				fputs(HELP, stdout);
				return 0;
			default:
				return cli_usage("license", "unknown option");
		}
	}
	if(optind != argc)
		return cli_usage("license", "takes no arguments");
	if(!url || (!tok_arg == !tok_file))
		return cli_usage(
				"license", "needs --url and one of --token-file, --token");
	if(!ks)
		ks = ks_path();
	if(!ks) {
		cli_err("license", "no keystore: set HOME, P2PCD_KEYSTORE or "
						   "--keystore");
		return 1;
	}
	tok = cli_read_token("license", tok_arg, tok_file);
	if(!tok)
		return 1;
	rc = lic_token_parse("license", tok, &t) == 0
						 && lic_fetch(
									"license", url, tok, &t, cacert, ks, stdout)
									== 0
				 ? 0
				 : 1;
	sodium_memzero(tok, strlen(tok));
	free(tok);
	return rc;
}
