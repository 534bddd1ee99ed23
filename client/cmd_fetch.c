/* p2pcd fetch: download (or seed) a torrent through aria2c, with progress. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bt.h"
#include "cli.h"
#include "commands.h"
#include "progress.h"

static const char HELP[] =
		"usage: p2pcd fetch TORRENT [options]\n"
		"\n"
		"Downloads the content of a .torrent (the one from a grant: its\n"
		"announce URL carries the admission token) with aria2c, a real\n"
		"BitTorrent client (apt-get install aria2), showing progress on\n"
		"stderr. Data already in DIR is verified piece by piece and kept.\n"
		"With --seed, it goes on seeding after completion (a publisher\n"
		"seeding its complete file: --dir where the file is) until SIGINT\n"
		"or SIGTERM, or --seed-time; then aria2c tells the tracker it\n"
		"stopped, with its final uploaded/downloaded totals.\n"
		"\n"
		"options:\n"
		"  --dir DIR             download directory (default: .)\n"
		"  --seed                seed after completion until stopped\n"
		"  --seed-time S         seed S seconds after completion, then stop\n"
		"                        (implies --seed)\n"
		"  --upload-limit RATE   bytes/s, e.g. 2M, 512K, 100000 (0: none)\n"
		"  --download-limit RATE bytes/s (0: none)\n"
		"  --port N              BitTorrent listen port (default: a free one\n"
		"                        of 6881-6999)\n"
		"  --bind ADDR           local address for BitTorrent and tracker\n"
		"                        traffic (also announced to the tracker)\n"
		"  --timeout S           give up if not complete after S seconds\n"
		"  --log FILE            aria2c's log (level info; it holds the\n"
		"                        admission token: keep it private)\n"
		"  --progress MODE       auto (a live line on a terminal), lines (a\n"
		"                        line every few seconds, for logs), quiet;\n"
		"                        default: $P2PCD_PROGRESS or auto\n"
		"  --quiet               no progress, no summary\n"
		"  --json                print {\"complete\", \"total\", "
		"\"uploaded\",\n"
		"                        \"downloaded\", \"seconds\", \"error\"} on "
		"stdout\n"
		"  -h, --help            this help\n"
		"\n"
		"Environment: P2PCD_ARIA2C (aria2c's path), P2PCD_PROGRESS,\n"
		"P2PCD_PROGRESS_INTERVAL (seconds between lines, default 3).\n"
		"Exit status: 0 complete (for --seed: complete, then stopped as\n"
		"asked), 1 failed (the message says why, with the tracker's failure\n"
		"reason when it refused the token), 2 usage error.\n";

/* "2M", "512K", "100000" (K = 1024) to bytes/s; -1 if malformed */
static long parse_rate(const char *s)
{
	unsigned long long v, mul = 1;
	char *end;

	if(!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if(errno)
		return -1;
	switch(*end) {
		case 'k':
		case 'K':
			mul = 1024;
			end++;
			break;
		case 'm':
		case 'M':
			mul = 1024 * 1024;
			end++;
			break;
		case 'g':
		case 'G':
			mul = 1024 * 1024 * 1024;
			end++;
			break;
		default:
			break;
	}
	if(*end == 'i' && mul > 1)
		end++;
	if(*end == 'B' || *end == 'b')
		end++;
	if(*end || v > (unsigned long long)LONG_MAX / mul)
		return -1;
	return (long)(v * mul);
}

/* a non-negative integer up to max; -1 if malformed */
static long parse_uint(const char *s, long max)
{
	char *end;
	long v;

	if(!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if(errno || *end || v > max)
		return -1;
	return v;
}

static void print_json(const struct bt_status *st, int ok, const char *error)
{
	json_t *j;

	j = json_pack("{s:b, s:I, s:I, s:I, s:f, s:s?}", "complete", ok, "total",
			(json_int_t)st->total, "uploaded", (json_int_t)st->uploaded,
			"downloaded", (json_int_t)st->downloaded, "seconds",
			(double)st->elapsed_ms / 1000.0, "error", error);
	if(j) {
		json_dumpf(j, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		fflush(stdout);
	}
	json_decref(j);
}

int cmd_fetch(int argc, char **argv)
{
	static const struct option lo[] = {{"dir", required_argument, 0, 'd'},
			{"seed", no_argument, 0, 's'},
			{"seed-time", required_argument, 0, 'S'},
			{"upload-limit", required_argument, 0, 'u'},
			{"download-limit", required_argument, 0, 'D'},
			{"port", required_argument, 0, 'p'},
			{"bind", required_argument, 0, 'b'},
			{"timeout", required_argument, 0, 't'},
			{"log", required_argument, 0, 'l'},
			{"progress", required_argument, 0, 'P'},
			{"quiet", no_argument, 0, 'q'}, {"json", no_argument, 0, 'j'},
			{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	struct bt_opts o;
	struct bt_session *s = NULL;
	struct bt_status st, fin;
	struct progress p;
	char err[512], total[32], up[32], down[32];
	const char *error = NULL, *terr;
	long seed_time = 0, timeout = 0, v;
	int c, quiet = 0, json = 0, mode = PROGRESS_AUTO, rc, ok;

	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	o.dir = ".";
	while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch(c) {
			case 'd':
				o.dir = optarg;
				break;
			case 's':
				o.seed = 1;
				break;
			case 'S':
				seed_time = parse_uint(optarg, INT_MAX);
				if(seed_time < 0)
					return cli_usage("fetch", "--seed-time wants seconds");
				o.seed = 1;
				break;
			case 'u':
			case 'D':
				v = parse_rate(optarg);
				if(v < 0)
					return cli_usage("fetch",
							"%s: '%s' is not a rate (e.g. 2M, 512K, 100000)",
							c == 'u' ? "--upload-limit" : "--download-limit",
							optarg);
				if(c == 'u')
					o.max_upload = v;
				else
					o.max_download = v;
				break;
			case 'p':
				v = parse_uint(optarg, 65535);
				if(v < 1)
					return cli_usage("fetch", "--port wants 1-65535");
				o.listen_port = (int)v;
				break;
			case 'b':
				o.bind_addr = optarg;
				break;
			case 't':
				timeout = parse_uint(optarg, INT_MAX);
				if(timeout < 0)
					return cli_usage("fetch", "--timeout wants seconds");
				break;
			case 'l':
				o.log_path = optarg;
				break;
			case 'P':
				if(!strcmp(optarg, "auto"))
					mode = PROGRESS_AUTO;
				else if(!strcmp(optarg, "lines"))
					mode = PROGRESS_LINES;
				else if(!strcmp(optarg, "quiet"))
					mode = PROGRESS_QUIET;
				else if(!strcmp(optarg, "live"))
					mode = PROGRESS_LIVE;
				else
					return cli_usage("fetch",
							"--progress is auto, lines, live or quiet");
				break;
			case 'q':
				quiet = 1;
				break;
			case 'j':
				json = 1;
				break;
			case 'h':
				fputs(HELP, stdout);
				return 0;
			default:
				return cli_usage("fetch", "unknown option");
		}
	}
	if(optind + 1 != argc)
		return cli_usage("fetch", "needs one TORRENT");
	o.torrent = argv[optind];
	progress_init(&p, quiet ? PROGRESS_QUIET : mode);

	if(bt_start(&o, &s, err, sizeof(err)) < 0) {
		cli_err("fetch", "%s", err);
		if(json)
			print_json(&st, 0, err);
		return 1;
	}
	rc = bt_run(s, &p, (int)timeout, &st);
	if(rc == 0 && o.seed)
		rc = bt_seed(s, &p, (int)seed_time, &st);
	terr = bt_tracker_error(s);
	if(rc < 0) {
		snprintf(err, sizeof(err), "%s", st.error);
		/* a refusal is already the whole story; else add the tracker's
		 * last word when there is one */
		if(terr && !bt_tracker_refused(s) && !strstr(err, terr))
			snprintf(err + strlen(err), sizeof(err) - strlen(err),
					" (last tracker error: %s)", terr);
		if(bt_tracker_refused(s))
			snprintf(err + strlen(err), sizeof(err) - strlen(err),
					" (the admission token in the torrent's announce URL "
					"was refused: get a new grant or torrent)");
		error = err;
	}
	bt_stop(s, &fin);
	progress_done(&p);
	ok = rc == 0 && fin.complete;
	if(!ok && !error)
		error = "not complete";
	if(error)
		cli_err("fetch", "%s", error);
	else if(!quiet)
		fprintf(stderr,
				"p2pcd fetch: complete: %s in %.1f s (%s downloaded, "
				"%s uploaded)\n",
				progress_bytes(fin.total, total, sizeof(total)),
				(double)fin.elapsed_ms / 1000.0,
				progress_bytes(fin.downloaded, down, sizeof(down)),
				progress_bytes(fin.uploaded, up, sizeof(up)));
	if(json)
		print_json(&fin, ok, error);
	return ok ? 0 : 1;
}
