/* p2pcd keys: the local license keystore (add, list, rm). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "p2pcd/keyfile.h"
#include "cli.h"
#include "commands.h"
#include "keystore.h"

static const char HELP[] =
		"usage: p2pcd keys add --key-file FILE [--kid HEX] [--expires DUR]\n"
		"       p2pcd keys list\n"
		"       p2pcd keys rm KID\n"
		"\n"
		"The local keystore of content keys (licenses), by KID, each with an\n"
		"expiry after which it is never used and is dropped. 'p2pcd decrypt'\n"
		"without --key-file looks the file's KID up here. The keystore is a\n"
		"0600 text file: --keystore FILE, else $P2PCD_KEYSTORE, else\n"
		"$XDG_DATA_HOME/p2pcd/keystore or ~/.local/share/p2pcd/keystore.\n"
		"\n"
		"options:\n"
		"  --key-file FILE      a key file with kid= and key= lines\n"
		"  --kid HEX            the KID, for a key file without kid=\n"
		"  --expires DURATION   e.g. 3600, 90m, 24h, 7d, PT24H, P1DT12H\n"
		"                       (default: never)\n"
		"  --keystore FILE      the keystore file\n"
		"  -h, --help           this help\n"
		"\n"
		"'list' prints KID, expiry (unix seconds, 0 never) and state; never\n"
		"keys. Exit status: 0 done, 1 failed (rm: KID absent), 2 usage.\n";

int cmd_keys(int argc, char **argv)
{
	static const struct option lo[] = {{"key-file", required_argument, 0, 'f'},
			{"kid", required_argument, 0, 'k'},
			{"expires", required_argument, 0, 'e'},
			{"keystore", required_argument, 0, 's'},
			{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	const char *key_file = NULL, *expires = NULL, *path = NULL, *verb,
			   *kid_hex = NULL;
	uint8_t kid[16], key[32];
	size_t klen = 32;
	int64_t dur, until = 0;
	char err[512];
	int c, rc = 1;

	while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch(c) {
			case 'f':
				key_file = optarg;
				break;
			case 'e':
				expires = optarg;
				break;
			case 'k':
				kid_hex = optarg;
				break;
			case 's':
				path = optarg;
				break;
			case 'h':
				fputs(HELP, stdout);
				return 0;
			default:
				return cli_usage("keys", "unknown option");
		}
	}
	if(optind >= argc)
		return cli_usage("keys", "needs add, list or rm");
	verb = argv[optind];
	if(!path)
		path = ks_path();
	if(!path) {
		cli_err("keys", "no keystore: set HOME, P2PCD_KEYSTORE or --keystore");
		return 1;
	}
	if(!strcmp(verb, "list")) {
		if(argc - optind != 1)
			return cli_usage("keys", "list takes no arguments");
		return ks_list("keys", path, (int64_t)time(NULL)) ? 1 : 0;
	}
	if(!strcmp(verb, "rm")) {
		if(argc - optind != 2 || cli_parse_kid(argv[optind + 1], kid))
			return cli_usage("keys", "rm needs a KID (32 hex digits)");
		rc = ks_remove("keys", path, kid);
		if(rc == 1)
			cli_err("keys", "no key for KID %s in %s", argv[optind + 1], path);
		return rc ? 1 : 0;
	}
	if(strcmp(verb, "add"))
		return cli_usage("keys", "unknown action '%s'", verb);
	if(argc - optind != 1 || !key_file)
		return cli_usage("keys", "add needs --key-file FILE");
	if(expires) {
		dur = ks_parse_duration(expires);
		if(dur <= 0)
			return cli_usage("keys", "bad --expires '%s'", expires);
		until = (int64_t)time(NULL) + dur;
	}
	if(kid_hex) {
		if(cli_parse_kid(kid_hex, kid))
			return cli_usage("keys", "--kid must be 32 hex digits");
	} else if(p2pcd_keyfile_get_named(
					  key_file, "kid", kid, 16, err, sizeof(err))) {
		cli_err("keys", "%s: give the KID with --kid", err);
		return 1;
	}
	if(p2pcd_keyfile_get(key_file, "key", key, 32, err, sizeof(err))) {
		klen = 16;
		if(p2pcd_keyfile_get(key_file, "key", key, 16, err, sizeof(err))) {
			cli_err("keys", "%s (a content key is 16 or 32 bytes)", err);
			return 1;
		}
	}
	rc = ks_put("keys", path, kid, key, klen, until) ? 1 : 0;
	sodium_memzero(key, sizeof(key));
	if(rc == 0)
		printf("kid=%s\nexpires=%lld\n", cli_hex(kid, 16), (long long)until);
	return rc;
}
