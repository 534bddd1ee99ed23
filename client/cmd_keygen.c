/* p2pcd keygen: the license service's X25519 key pair. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "p2pcd/keyfile.h"
#include "p2pcd/seal.h"
#include "cli.h"
#include "commands.h"

static const char HELP[] =
		"usage: p2pcd keygen --secret FILE [--public FILE] [--force]\n"
		"\n"
		"Makes the license service's X25519 key pair, to which publishers\n"
		"seal content keys (p2pcd seal). The secret key file (mode 0600)\n"
		"holds public= and secret= lines; give it to the license service\n"
		"only. The public key file (mode 0644, public= line) goes to\n"
		"publishers. The secret key is never printed.\n"
		"\n"
		"options:\n"
		"  --secret FILE   where to write the key pair (required)\n"
		"  --public FILE   also write the public key alone there\n"
		"  --force         overwrite existing files\n"
		"  -h, --help      this help\n"
		"\n"
		"Prints public=HEX. Exit status: 0 done, 1 failed, 2 usage error.\n";

int cmd_keygen(int argc, char **argv)
{
	static const struct option lo[] = {{"secret", required_argument, 0, 's'},
			{"public", required_argument, 0, 'p'},
			{"force", no_argument, 0, 'x'}, {"help", no_argument, 0, 'h'},
			{0, 0, 0, 0}};
	const char *sec = NULL, *pub = NULL;
	uint8_t pk[32], sk[32];
	struct p2pcd_keyfile_item it[2] = {{"public", pk, 32}, {"secret", sk, 32}};
	int c, force = 0, rc = 1;

	while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch(c) {
			case 's':
				sec = optarg;
				break;
			case 'p':
				pub = optarg;
				break;
			case 'x':
				force = 1;
				break;
			case 'h':
				fputs(HELP, stdout);
				return 0;
			default:
				return cli_usage("keygen", "unknown option");
		}
	}
	if(optind != argc)
		return cli_usage("keygen", "takes no arguments");
	if(!sec)
		return cli_usage("keygen",
				"--secret FILE is required (the secret key is never "
				"printed)");
	if(!force && (cli_exists(sec) || (pub && cli_exists(pub)))) {
		cli_err("keygen",
				"%s exists: replacing a license service key makes every "
				"key sealed to it unreadable. Use --force if you mean it",
				cli_exists(sec) ? sec : pub);
		return 1;
	}
	if(p2pcd_seal_keypair(pk, sk)) {
		cli_err("keygen", "key generation failed");
		return 1;
	}
	if(p2pcd_keyfile_write(sec, 0600,
			   "p2pcd license service X25519 key pair: keep secret", it, 2)
			< 0) {
		cli_err("keygen", "cannot write %s: %s", sec, strerror(errno));
		goto out;
	}
	if(pub
			&& p2pcd_keyfile_write(pub, 0644,
					   "p2pcd license service X25519 public key", it, 1)
					   < 0) {
		cli_err("keygen", "cannot write %s: %s", pub, strerror(errno));
		goto out;
	}
	printf("public=%s\n", cli_hex(pk, 32));
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	return rc;
}
