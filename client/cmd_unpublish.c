/* p2pcd unpublish: withdraw a publication (PUBLISH, Expires: 0). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "publication.h"
#include "sip_cli.h"

static const char HELP[] =
		"usage: p2pcd unpublish STATE-FILE [options]\n"
		"\n"
		"Withdraws the publication that 'p2pcd publish' recorded in\n"
		"STATE-FILE: SIP PUBLISH with SIP-If-Match and Expires: 0. The AS\n"
		"marks the content removed: no new purchases, no new licenses, and\n"
		"its tracker refuses the swarm.\n"
		"\n"
		"options:\n"
		"  -h, --help          this help\n"
		"\n" SIP_CLI_HELP "\n"
		"Exit status: 0 withdrawn, 1 failed (or it was no longer a current\n"
		"publication), 2 usage error.\n";

int cmd_unpublish(int argc, char **argv)
{
	static const struct option lo[] = {
			{"help", no_argument, 0, 'h'}, SIP_CLI_OPTIONS, {0, 0, 0, 0}};
	struct sip_uac_cfg sip;
	struct pubstate s;
	int c, r;

	memset(&sip, 0, sizeof(sip));
	sip_cli_env(&sip);
	while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if((r = sip_cli_opt(&sip, c, optarg)) != 0) {
			if(r < 0)
				return EXIT_USAGE;
			continue;
		}
		if(c == 'h') {
			fputs(HELP, stdout);
			return 0;
		}
		return cli_usage("unpublish", "unknown option");
	}
	if(argc - optind != 1)
		return cli_usage("unpublish", "needs the publication's STATE-FILE");
	if(sip_cli_check("unpublish", &sip))
		return EXIT_USAGE;
	if(pubstate_load("unpublish", argv[optind], &s))
		return 1;
	r = publication_withdraw("unpublish", &sip, &s);
	if(r == 1) {
		cli_err("unpublish",
				"%s is not a current publication (412): already withdrawn, "
				"expired, or refreshed by another seeder (its state file is "
				"newer)",
				s.doi);
		return 1;
	}
	if(r)
		return 1;
	printf("withdrew %s \"%s\"\n", s.doi, s.title);
	return 0;
}
