/*
 * p2pcd seal: a content key sealed to the license service's public key
 * (what `publish` puts in the PUBLISH); p2pcd unseal: the service side,
 * for operators and tests.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "p2pcd/base64url.h"
#include "p2pcd/keyfile.h"
#include "p2pcd/seal.h"
#include "cli.h"
#include "commands.h"

static const char SEAL_HELP[] =
		"usage: p2pcd seal --pub FILE --key-file FILE [--kid HEX]\n"
		"\n"
		"Seals a content key (and its KID) to the license service's X25519\n"
		"public key (libsodium sealed box), so it can travel through SIP and\n"
		"be stored without anyone but the license service reading it.\n"
		"Prints the sealed key in base64url (no padding).\n"
		"\n"
		"options:\n"
		"  --pub FILE        the license service's public key file\n"
		"                    (p2pcd keygen --public)\n"
		"  --key-file FILE   the content key file (p2pcd encrypt)\n"
		"  --kid HEX         the KID (default: the key file's kid=)\n"
		"  -h, --help        this help\n"
		"\n"
		"Exit status: 0 done, 1 failed, 2 usage error.\n";

static const char UNSEAL_HELP[] =
		"usage: p2pcd unseal --secret FILE [--kid HEX] [--key-out FILE] "
		"SEALED\n"
		"\n"
		"Opens a sealed content key with the license service's key pair\n"
		"(p2pcd keygen --secret) and checks its KID. Prints kid= and the key\n"
		"length; the key itself only goes to --key-out (mode 0600; '-'\n"
		"prints key=HEX).\n"
		"\n"
		"SEALED '-' reads it from stdin; a SEALED that starts with '-' needs\n"
		"'--' before it.\n"
		"\n"
		"Exit status: 0 done, 1 does not open / wrong KID, 2 usage error.\n";

/* the content key of a key file, 16 or 32 bytes */
static int load_content_key(
		const char *cmd, const char *path, uint8_t key[32], size_t *klen)
{
	char err[512];

	if(p2pcd_keyfile_get(path, "key", key, 32, err, sizeof(err)) == 0) {
		*klen = 32;
		return 0;
	}
	if(p2pcd_keyfile_get(path, "key", key, 16, err, sizeof(err)) == 0) {
		*klen = 16;
		return 0;
	}
	cli_err(cmd, "%s (a content key is 16 or 32 bytes)", err);
	return -1;
}

int cmd_seal(int argc, char **argv)
{
	static const struct option lo[] = {{"pub", required_argument, 0, 'p'},
			{"key-file", required_argument, 0, 'f'},
			{"kid", required_argument, 0, 'k'}, {"help", no_argument, 0, 'h'},
			{0, 0, 0, 0}};
	const char *pub = NULL, *key_file = NULL, *kid_hex = NULL;
	uint8_t pk[32], key[32], kid[16], sealed[P2PCD_SEALED_KEY_MAX];
	char err[512], b64[P2PCD_SEALED_KEY_MAX * 2];
	size_t klen, slen;
	int c, rc = 1;

	while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch(c) {
			case 'p':
				pub = optarg;
				break;
			case 'f':
				key_file = optarg;
				break;
			case 'k':
				kid_hex = optarg;
				break;
			case 'h':
				fputs(SEAL_HELP, stdout);
				return 0;
			default:
				return cli_usage("seal", "unknown option");
		}
	}
	if(optind != argc)
		return cli_usage("seal", "takes no arguments");
	if(!pub || !key_file)
		return cli_usage("seal", "--pub FILE and --key-file FILE are required");
	if(kid_hex && cli_parse_kid(kid_hex, kid))
		return cli_usage("seal", "--kid must be 32 hex digits");
	if(p2pcd_keyfile_get(pub, "public", pk, 32, err, sizeof(err))) {
		cli_err("seal", "%s", err);
		return 1;
	}
	if(!kid_hex
			&& p2pcd_keyfile_get_named(
					key_file, "kid", kid, 16, err, sizeof(err))) {
		cli_err("seal", "%s: give the KID with --kid", err);
		return 1;
	}
	if(load_content_key("seal", key_file, key, &klen))
		return 1;
	if(p2pcd_seal_content_key(pk, kid, key, klen, sealed, &slen)) {
		cli_err("seal", "sealing failed: is %s an X25519 public key?", pub);
		goto out;
	}
	p2pcd_b64url_encode(sealed, slen, b64, sizeof(b64));
	printf("%s\n", b64);
	rc = 0;
out:
	sodium_memzero(key, sizeof(key));
	return rc;
}

int cmd_unseal(int argc, char **argv)
{
	static const struct option lo[] = {{"secret", required_argument, 0, 's'},
			{"kid", required_argument, 0, 'k'},
			{"key-out", required_argument, 0, 'o'},
			{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	const char *sec = NULL, *kid_hex = NULL, *key_out = NULL;
	uint8_t pk[32], sk[32], pk2[32], kid[16], got_kid[16], key[32],
			sealed[P2PCD_SEALED_KEY_MAX + 1];
	struct p2pcd_keyfile_item it[2] = {{"kid", got_kid, 16}, {"key", key, 0}};
	enum p2pcd_seal_err se;
	char err[512], line[512];
	const char *sealed_arg;
	size_t slen, klen;
	int c, rc = 1;

	while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch(c) {
			case 's':
				sec = optarg;
				break;
			case 'k':
				kid_hex = optarg;
				break;
			case 'o':
				key_out = optarg;
				break;
			case 'h':
				fputs(UNSEAL_HELP, stdout);
				return 0;
			default:
				return cli_usage("unseal", "unknown option");
		}
	}
	if(argc - optind != 1 || !sec)
		return cli_usage("unseal", "needs --secret FILE and SEALED");
	if(kid_hex && cli_parse_kid(kid_hex, kid))
		return cli_usage("unseal", "--kid must be 32 hex digits");
	sealed_arg = argv[optind];
	if(!strcmp(sealed_arg, "-")) {
		if(!fgets(line, sizeof(line), stdin)) {
			cli_err("unseal", "no sealed key on stdin");
			return 1;
		}
		line[strcspn(line, " \r\n")] = '\0';
		sealed_arg = line;
	}
	if(p2pcd_b64url_decode(
			   sealed_arg, strlen(sealed_arg), sealed, sizeof(sealed), &slen)) {
		cli_err("unseal", "SEALED is not base64url");
		return 1;
	}
	if(p2pcd_keyfile_get(sec, "secret", sk, 32, err, sizeof(err))) {
		cli_err("unseal", "%s", err);
		return 1;
	}
	if(p2pcd_seal_public_of(sk, pk)
			|| (p2pcd_keyfile_get_named(
						sec, "public", pk2, 32, err, sizeof(err))
							== 0
					&& memcmp(pk, pk2, 32))) {
		cli_err("unseal", "%s: public= does not match secret=", sec);
		goto out;
	}
	se = p2pcd_unseal_content_key(
			pk, sk, sealed, slen, kid_hex ? kid : NULL, got_kid, key, &klen);
	if(se) {
		cli_err("unseal", "%s", p2pcd_seal_strerror(se));
		goto out;
	}
	it[1].len = klen;
	if(key_out && !strcmp(key_out, "-"))
		printf("key=%s\n", cli_hex(key, klen));
	else if(key_out
			&& p2pcd_keyfile_write(
					   key_out, 0600, "p2pcd content key: keep secret", it, 2)
					   < 0) {
		cli_err("unseal", "cannot write %s: %s", key_out, strerror(errno));
		goto out;
	}
	printf("kid=%s\nkey_len=%zu\n", cli_hex(got_kid, 16), klen);
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(key, sizeof(key));
	return rc;
}
