/*
 * p2pcd: the IMS/P2P client (DESIGN.md 1). One binary, one subcommand per
 * task; each has --help. A new subcommand is a cmd_*.c and a line in the
 * table below.
 */
#include <stdio.h>
#include <string.h>

#include "p2pcd/init.h"
#include "cli.h"
#include "commands.h"

#define P2PCD_VERSION "0.1"

static const struct cli_cmd commands[] = {
		{"publish", "publish a file: encrypt, SIP PUBLISH, then seed it",
				cmd_publish},
		{"buy", "buy content by its SIP URI, download it, decrypt it", cmd_buy},
		{"list", "list the content index: titles, prices, SIP URIs", cmd_list},
		{"unpublish", "withdraw a publication", cmd_unpublish},
		{"encrypt",
				"encrypt a file: MP4 to cenc, anything else to a "
				"p2pcd container",
				cmd_encrypt},
		{"decrypt", "decrypt a p2pcd container or a cenc MP4 with a key",
				cmd_decrypt},
		{"keygen", "make the license service's X25519 key pair", cmd_keygen},
		{"seal", "seal a content key to the license service's public key",
				cmd_seal},
		{"unseal", "open a sealed content key (license service side)",
				cmd_unseal},
		{"keys", "the local license keystore: add, list, rm", cmd_keys},
		{"license", "fetch a license's keys into the keystore", cmd_license},
		{"play", "play content: license, then ffplay/ffmpeg or decrypt",
				cmd_play},
		{"fetch", "download or seed a torrent with aria2c", cmd_fetch},
		{"sip", "send one SIP request, show the answer (diagnostics)", cmd_sip},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void help(FILE *f)
{
	size_t i;

	fprintf(f, "usage: p2pcd COMMAND [ARGS] | p2pcd help COMMAND\n"
			   "\n"
			   "commands:\n");
	for(i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'p2pcd COMMAND --help' tells more about each.\n"
			   "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

static const struct cli_cmd *find(const char *name)
{
	size_t i;

	for(i = 0; i < N_COMMANDS; i++)
		if(strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *c;
	char *help_argv[] = {NULL, "--help", NULL};

	if(argc < 2) {
		help(stderr);
		return EXIT_USAGE;
	}
	if(!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		help(stdout);
		return 0;
	}
	if(!strcmp(argv[1], "--version")) {
		printf("p2pcd %s\n", P2PCD_VERSION);
		return 0;
	}
	if(p2pcd_lib_init()) {
		fprintf(stderr, "p2pcd: cannot initialise libsodium\n");
		return 1;
	}
	if(!strcmp(argv[1], "help")) {
		if(argc < 3) {
			help(stdout);
			return 0;
		}
		c = find(argv[2]);
		if(!c) {
			fprintf(stderr, "p2pcd: unknown command '%s'\n", argv[2]);
			return EXIT_USAGE;
		}
		help_argv[0] = (char *)c->name;
		return c->run(2, help_argv);
	}
	c = find(argv[1]);
	if(!c) {
		fprintf(stderr, "p2pcd: unknown command '%s'\n", argv[1]);
		help(stderr);
		return EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
