/*
 * p2pcd buy: pay per download (DESIGN.md 2, "Content acquisition").
 * SIP MESSAGE to the content URI through the P-CSCF (the AS charges and
 * answers 200 with the grant reference in Call-Info), the grant over
 * HTTPS, the download from the swarm through aria2c, the license, the
 * decryption.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "p2pcd/bencode.h"
#include "bt.h"
#include "cli.h"
#include "client_opts.h"
#include "commands.h"
#include "grant.h"
#include "progress.h"
#include "sip_cli.h"

static const char HELP[] =
		"usage: p2pcd buy SIP-URI [options]\n"
		"\n"
		"Buys the content at SIP-URI (as the content index shows it, e.g.\n"
		"sip:10.9999/p2pcd.k3j5h2m9xqab@content.example.net): sends a SIP\n"
		"MESSAGE through your P-CSCF, which charges you once, fetches the\n"
		"grant over HTTPS, downloads the encrypted file from the swarm with\n"
		"aria2c through the grant's tokenized announce URL, gets the key\n"
		"from the license service and decrypts to OUT.\n"
		"\n"
		"options:\n"
		"  --dir DIR           where the encrypted file and the torrent go\n"
		"                      (default .)\n"
		"  --out FILE          the decrypted file (default: DIR/NAME without\n"
		"                      .p2pcd/.cenc); '-' for none (keep it\n"
		"                      encrypted: p2pcd play/decrypt later)\n"
		"  --max-price-cents N refuse to pay more than N (the AS checks)\n"
		"  --seed-time S       keep seeding S seconds after the download\n"
		"                      (default 0), serving other buyers\n" BT_CLI_HELP
		"  --timeout S         give up the download after S seconds\n"
		"                      (default 0: never)\n" CLIENT_HTTP_HELP
		"  --keystore FILE     the license keystore (p2pcd keys --help)\n"
		"  --quiet             no progress, only errors\n"
		"  --json              print the result as one JSON object\n"
		"  -h, --help          this help\n"
		"\n" SIP_CLI_HELP "\n"
		"A retransmission or a repeat of the same MESSAGE is charged once.\n"
		"Exit status: 0 bought and decrypted, 1 failed (the message says\n"
		"why: refused, unknown or withdrawn content...), 2 usage error.\n";

struct opts
{
	const char *uri, *dir, *out, *keystore;
	long max_price;
	int seed_time, timeout;
	struct client_common cc;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {{"dir", required_argument, 0, 'd'},
			{"out", required_argument, 0, 'o'},
			{"max-price-cents", required_argument, 0, 'm'},
			{"seed-time", required_argument, 0, 's'},
			{"timeout", required_argument, 0, 't'},
			{"keystore", required_argument, 0, 'k'},
			{"help", no_argument, 0, 'h'}, CLIENT_COMMON_OPTIONS, {0, 0, 0, 0}};
	int c, r;

	memset(o, 0, sizeof(*o));
	o->dir = ".";
	o->max_price = -1;
	client_common_env(&o->cc);
	while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if((r = client_common_opt(&o->cc, c, optarg)) != 0) {
			if(r < 0)
				return EXIT_USAGE;
			continue;
		}
		switch(c) {
			case 'd':
				o->dir = optarg;
				break;
			case 'o':
				o->out = optarg;
				break;
			case 'm':
				if(cli_parse_long(optarg, 0, INT64_MAX / 2, &o->max_price))
					return cli_usage("buy", "--max-price-cents: an integer");
				break;
			case 's':
			case 't': {
				long v;

				if(cli_parse_long(optarg, 0, 86400 * 365, &v))
					return cli_usage("buy", "--%s: seconds",
							c == 's' ? "seed-time" : "timeout");
				*(c == 's' ? &o->seed_time : &o->timeout) = (int)v;
				break;
			}
			case 'k':
				o->keystore = optarg;
				break;
			case 'h':
				fputs(HELP, stdout);
				return -1;
			default:
				return cli_usage("buy", "unknown option");
		}
	}
	if(argc - optind != 1)
		return cli_usage("buy", "needs the content's SIP URI");
	o->uri = argv[optind];
	if(strncmp(o->uri, "sip:", 4) && strncmp(o->uri, "sips:", 5))
		return cli_usage("buy", "%s is not a SIP URI (sip:DOI@DOMAIN)", o->uri);
	if(sip_cli_check("buy", &o->cc.sip))
		return EXIT_USAGE;
	return 0;
}

/* what a refusal of the MESSAGE means for the buyer */
static void explain(const struct opts *o, const struct sip_resp *r)
{
	const char *ra = sip_resp_header(r, "Retry-After");

	switch(r->status) {
		case 404:
			cli_err("buy",
					"%s: no such content (404 %s): check the URI on the "
					"content index (p2pcd list)",
					o->uri, r->reason);
			break;
		case 410:
			cli_err("buy",
					"%s: the content is no longer sold (410 %s): it was "
					"withdrawn or taken down",
					o->uri, r->reason);
			break;
		case 403:
			cli_err("buy", "refused (403 %s); nothing was charged", r->reason);
			break;
		case 503:
			cli_err("buy",
					"the service is unavailable (503 %s); nothing was "
					"charged: try again in %s seconds",
					r->reason, ra ? ra : "a few");
			break;
		default:
			cli_err("buy", "the purchase failed: %d %s", r->status, r->reason);
	}
}

/* MESSAGE to the content URI: the grant URL (malloc'ed) or NULL */
static char *purchase(const struct opts *o)
{
	struct sip_req rq = {.method = "MESSAGE", .ruri = o->uri};
	struct sip_resp r;
	char err[512], body[64], *url = NULL;

	if(o->max_price >= 0) {
		snprintf(body, sizeof(body), "{\"max_price_cents\":%ld}", o->max_price);
		rq.content_type = "application/json";
		rq.body = body;
		rq.body_len = strlen(body);
	}
	if(sip_uac_request(&o->cc.sip, &rq, &r, err, sizeof(err))) {
		cli_err("buy", "%s", err);
		return NULL;
	}
	if(r.status / 100 != 2)
		explain(o, &r);
	else if(!(url = sip_resp_call_info(&r, "p2pcd-grant")))
		cli_err("buy",
				"the AS answered %d without a grant reference (Call-Info "
				"purpose=p2pcd-grant): is %s a p2pcd content URI?",
				r.status, o->uri);
	sip_resp_free(&r);
	return url;
}

/* the torrent's info.name, the file aria2c writes in dir */
static int torrent_file_name(const struct grant *g, char *out, size_t size)
{
	p2pcd_bdoc_t *doc;
	const struct p2pcd_bnode *info;
	const uint8_t *p;
	size_t n;
	int rc = -1;

	if(p2pcd_bdecode(g->torrent, g->torrent_len, NULL, &doc, NULL))
		return -1;
	info = p2pcd_bdict_gets(p2pcd_bdoc_root(doc), "info");
	if(!p2pcd_bdict_get_str(info, "name", &p, &n) && n < size && n
			&& !memchr(p, '/', n) && !memchr(p, 0, n)
			&& !(n <= 2 && p[0] == '.')) {
		memcpy(out, p, n);
		out[n] = '\0';
		rc = 0;
	}
	p2pcd_bdoc_free(doc);
	return rc;
}

/* NAME.p2pcd -> NAME, NAME.cenc.mp4 -> NAME.mp4, anything else NAME.clear */
static char *default_out(const char *dir, const char *name)
{
	size_t n = strlen(name);
	const char *suffix = ".clear";
	char *out;

	if(n > 6 && !strcmp(name + n - 6, ".p2pcd")) {
		n -= 6;
		suffix = "";
	} else if(n > 9 && !strcmp(name + n - 9, ".cenc.mp4")) {
		n -= 9;
		suffix = ".mp4";
	}
	if(asprintf(&out, "%s/%.*s%s", dir, (int)n, name, suffix) < 0)
		return NULL;
	return out;
}

/* the license, then the decryption, as `p2pcd decrypt` does them */
static int decrypt(const struct opts *o, const struct grant *g, const char *enc,
		const char *out)
{
	char *av[16];
	int ac = 0;

	av[ac++] = "decrypt";
	av[ac++] = (char *)enc;
	av[ac++] = (char *)out;
	av[ac++] = "--license-url";
	av[ac++] = (char *)g->license_url;
	av[ac++] = "--token";
	av[ac++] = g->license_token;
	if(o->cc.http.ca_file) {
		av[ac++] = "--cacert";
		av[ac++] = (char *)o->cc.http.ca_file;
	}
	if(o->keystore) {
		av[ac++] = "--keystore";
		av[ac++] = (char *)o->keystore;
	}
	av[ac] = NULL;
	optind = 0; /* getopt_long starts afresh for the inner command */
	return cmd_decrypt(ac, av) ? -1 : 0;
}

static void report(const struct opts *o, const struct grant *g, const char *enc,
		const char *out, const struct bt_status *st, double secs)
{
	json_t *j;
	char *s;

	if(o->cc.json) {
		j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:I, "
					  "s:I, s:f}",
				"doi", g->doi, "title", g->title, "grant", g->id, "info_hash",
				g->info_hash, "price_cents", (json_int_t)g->price_cents,
				"currency", g->currency, "file", enc, "out", out ? out : "",
				"size_bytes", (json_int_t)st->total, "downloaded",
				(json_int_t)st->completed, "uploaded", (json_int_t)st->uploaded,
				"seconds", secs);
		s = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if(s)
			printf("%s\n", s);
		free(s);
		json_decref(j);
		return;
	}
	if(o->cc.quiet)
		return;
	printf("bought %s \"%s\" for %lld.%02lld %s (grant %s)\n", g->doi, g->title,
			(long long)(g->price_cents / 100),
			(long long)(g->price_cents % 100), g->currency, g->id);
	printf("downloaded %lld bytes in %.1f s, uploaded %lld to other "
		   "peers\n",
			(long long)st->total, secs, (long long)st->uploaded);
	printf("%s %s\n", out ? "decrypted to" : "encrypted file", out ? out : enc);
}

int cmd_buy(int argc, char **argv)
{
	struct opts o;
	struct grant g;
	struct bt_opts bo;
	struct bt_session *s = NULL;
	struct bt_status st;
	struct progress pr;
	struct timespec t0, t1;
	char err[512], name[256], *url = NULL, *tpath = NULL, *enc = NULL;
	char *out = NULL;
	int rc, ret = 1;

	rc = parse(argc, argv, &o);
	if(rc)
		return rc < 0 ? 0 : rc;
	memset(&g, 0, sizeof(g));
	memset(&st, 0, sizeof(st));
	if(mkdir(o.dir, 0755) < 0 && errno != EEXIST) {
		cli_err("buy", "cannot create %s: %s", o.dir, strerror(errno));
		return 1;
	}
	if(!(url = purchase(&o)))
		return 1;
	if(grant_fetch("buy", url, o.cc.http.ca_file, &g))
		goto out;
	if(torrent_file_name(&g, name, sizeof(name))) {
		cli_err("buy", "the grant's torrent has no usable file name");
		goto out;
	}
	if(asprintf(&tpath, "%s/%s.torrent", o.dir, g.info_hash) < 0
			|| asprintf(&enc, "%s/%s", o.dir, name) < 0)
		goto out;
	if(cli_write_file("buy", tpath, g.torrent, g.torrent_len, 0600))
		goto out;
	if(!o.out)
		out = default_out(o.dir, name);
	else if(strcmp(o.out, "-"))
		out = strdup(o.out);

	bt_cli_apply(&o.cc.bt, &bo);
	bo.torrent = tpath;
	bo.dir = o.dir;
	bo.seed = o.seed_time > 0;
	progress_init(&pr, client_progress_mode(&o.cc));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if(bt_start(&bo, &s, err, sizeof(err))) {
		cli_err("buy", "%s", err);
		goto out;
	}
	if(bt_run(s, &pr, o.timeout, &st)) {
		progress_done(&pr);
		cli_err("buy", "the download did not complete: %s",
				st.error[0] ? st.error : "interrupted or timed out");
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	progress_done(&pr);
	if(out && decrypt(&o, &g, enc, out))
		goto out;
	if(o.seed_time > 0 && bt_seed(s, &pr, o.seed_time, &st))
		cli_err("buy", "seeding after the download stopped: %s", st.error);
	bt_stop(s, &st);
	s = NULL;
	progress_done(&pr);
	report(&o, &g, enc, out, &st,
			(double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	ret = 0;
out:
	if(s)
		bt_stop(s, &st);
	grant_free(&g);
	free(url);
	free(tpath);
	free(enc);
	free(out);
	return ret;
}
