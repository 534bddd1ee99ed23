/*
 * p2pcd publish: content injection (DESIGN.md 2). Encrypt, make the
 * private torrent of the encrypted file, seal the content key to the
 * license service, SIP PUBLISH it through the P-CSCF, then seed it with
 * aria2c through the seeder's tokenized announce URL, refreshing the
 * publication while seeding.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "p2pcd/base64url.h"
#include "p2pcd/infohash.h"
#include "p2pcd/io.h"
#include "p2pcd/keyfile.h"
#include "p2pcd/seal.h"
#include "bt.h"
#include "cli.h"
#include "client_opts.h"
#include "commands.h"
#include "encrypt.h"
#include "grant.h"
#include "progress.h"
#include "publication.h"
#include "sip_cli.h"
#include "torrent_make.h"

static const char HELP[] =
		"usage: p2pcd publish FILE --title TITLE --license-key FILE "
		"[options]\n"
		"\n"
		"Publishes FILE: encrypts it (an MP4 to cenc, anything else to a\n"
		"p2pcd container) into DIR with a new key, makes a private torrent\n"
		"of the encrypted file, seals the key to the license service, sends\n"
		"SIP PUBLISH (Event: p2pcd-content) through your P-CSCF, prints the\n"
		"content's SIP URI and then seeds through aria2c, refreshing the\n"
		"publication, until interrupted (SIGINT/SIGTERM) or --seed-time.\n"
		"Stopping the seeder does not withdraw the content: p2pcd unpublish\n"
		"does (or the publication expiring).\n"
		"\n"
		"options:\n"
		"  --title TITLE       the title buyers see (required)\n"
		"  --license-key FILE  the license service's public key (p2pcd\n"
		"                      keygen --public) [P2PCD_LICENSE_KEY]\n"
		"  --price-cents N     the price (default 0)\n"
		"  --currency C        3 capital letters (default EUR)\n"
		"  --rights JSON       the offer, e.g. '{\"play\":\"PT24H\"}'\n"
		"  --dir DIR           where the encrypted file, its key file, the\n"
		"                      torrent and the state go (default .)\n"
		"  --state FILE        the publication state (default\n"
		"                      DIR/NAME.publication.json)\n"
		"  --target URI        PUBLISH Request-URI (default your own\n"
		"                      sip:USER@DOMAIN)\n"
		"  --expires S         publication lifetime asked for (default 3600;\n"
		"                      refreshed while seeding)\n"
		"  --seed-time S       stop seeding after S seconds (default: until\n"
		"                      interrupted)\n"
		"  --no-seed           publish only (seed later with p2pcd fetch\n"
		"                      --seed on the state's torrent)\n" BT_CLI_HELP
				CLIENT_HTTP_HELP
		"  --force             overwrite an existing key file\n"
		"  --quiet             no progress, only errors\n"
		"  --json              print the publication as one JSON object\n"
		"  -h, --help          this help\n"
		"\n" SIP_CLI_HELP "\n"
		"Exit status: 0 published (and seeded), 1 failed, 2 usage error.\n";

struct opts
{
	const char *file, *title, *license_key, *currency, *rights, *dir;
	const char *state, *target;
	long price;
	int expires, seed_time, no_seed, force;
	struct client_common cc;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {{"title", required_argument, 0, 'T'},
			{"license-key", required_argument, 0, 'L'},
			{"price-cents", required_argument, 0, 'p'},
			{"currency", required_argument, 0, 'c'},
			{"rights", required_argument, 0, 'r'},
			{"dir", required_argument, 0, 'd'},
			{"state", required_argument, 0, 'S'},
			{"target", required_argument, 0, 'g'},
			{"expires", required_argument, 0, 'e'},
			{"seed-time", required_argument, 0, 's'},
			{"no-seed", no_argument, 0, 'n'}, {"force", no_argument, 0, 'f'},
			{"help", no_argument, 0, 'h'}, CLIENT_COMMON_OPTIONS, {0, 0, 0, 0}};
	long v;
	int c, r;

	memset(o, 0, sizeof(*o));
	o->currency = "EUR";
	o->dir = ".";
	o->expires = 3600;
	o->license_key = cli_env("P2PCD_LICENSE_KEY");
	client_common_env(&o->cc);
	while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if((r = client_common_opt(&o->cc, c, optarg)) != 0) {
			if(r < 0)
				return EXIT_USAGE;
			continue;
		}
		switch(c) {
			case 'T':
				o->title = optarg;
				break;
			case 'L':
				o->license_key = optarg;
				break;
			case 'p':
				if(cli_parse_long(optarg, 0, INT64_MAX / 2, &o->price))
					return cli_usage("publish", "--price-cents: an integer");
				break;
			case 'c':
				o->currency = optarg;
				break;
			case 'r':
				o->rights = optarg;
				break;
			case 'd':
				o->dir = optarg;
				break;
			case 'S':
				o->state = optarg;
				break;
			case 'g':
				o->target = optarg;
				break;
			case 'e':
			case 's':
				if(cli_parse_long(optarg, 1, 86400 * 365, &v))
					return cli_usage("publish", "--%s: seconds",
							c == 'e' ? "expires" : "seed-time");
				*(c == 'e' ? &o->expires : &o->seed_time) = (int)v;
				break;
			case 'n':
				o->no_seed = 1;
				break;
			case 'f':
				o->force = 1;
				break;
			case 'h':
				fputs(HELP, stdout);
				return -1;
			default:
				return cli_usage("publish", "unknown option");
		}
	}
	if(argc - optind != 1)
		return cli_usage("publish", "needs the FILE to publish");
	o->file = argv[optind];
	if(!o->title || !*o->title)
		return cli_usage("publish", "--title is required");
	if(!o->license_key)
		return cli_usage("publish",
				"--license-key FILE (the license service's public key) is "
				"required");
	if(sip_cli_check("publish", &o->cc.sip))
		return EXIT_USAGE;
	return 0;
}

/* SHA-256 of the plaintext: the fingerprint the blocklist is checked
 * against (DESIGN.md 7.4) */
static int fingerprint(const char *path, uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t buf[1 << 16];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;

	if(fd < 0 || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		goto out;
	while((n = p2pcd_read_full(fd, buf, sizeof(buf))) > 0)
		if(!EVP_DigestUpdate(ctx, buf, (size_t)n))
			goto out;
	if(n == 0 && EVP_DigestFinal_ex(ctx, out, NULL))
		rc = 0;
out:
	if(rc)
		cli_err("publish", "cannot read %s: %s", path, strerror(errno));
	if(fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* what encryption made: the file, its key file, the torrent */
struct prepared
{
	char *enc, *key_file, *name;
	int cenc;
	uint8_t kid[16], fp[32], ih[20];
	uint8_t *torrent;
	size_t torrent_len;
	uint64_t size;
};

static int encrypt_step(const struct opts *o, struct prepared *p)
{
	char *base, *copy = strdup(o->file), *tmp = NULL, *stem;
	int rc = -1;

	if(!copy)
		return -1;
	base = basename(copy);
	if(asprintf(&tmp, "%s/.%s.encrypting", o->dir, base) < 0
			|| asprintf(&p->key_file, "%s/%s.key", o->dir, base) < 0)
		goto out;
	if(encrypt_file(o->file, tmp, p->key_file, o->force, p->kid, &p->cenc))
		goto out;
	/* movie.mp4 -> movie.cenc.mp4; anything else -> NAME.p2pcd */
	stem = base;
	if(p->cenc && strlen(base) > 4
			&& !strcasecmp(base + strlen(base) - 4, ".mp4"))
		base[strlen(base) - 4] = '\0';
	if(asprintf(&p->name, p->cenc ? "%s.cenc.mp4" : "%s.p2pcd", stem) < 0
			|| asprintf(&p->enc, "%s/%s", o->dir, p->name) < 0)
		goto out;
	if(rename(tmp, p->enc) < 0) {
		cli_err("publish", "cannot rename %s to %s: %s", tmp, p->enc,
				strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if(rc && tmp)
		unlink(tmp);
	free(tmp);
	free(copy);
	return rc;
}

/* the PUBLISH body of modules/p2pcd/README section 3 (malloc'ed) */
static char *make_body(const struct opts *o, const struct prepared *p)
{
	uint8_t pk[32], key[32], sealed[P2PCD_SEALED_KEY_MAX];
	size_t klen = p->cenc ? P2PCD_CENC_KEY_LEN : P2PCD_CONTENT_KEY_LEN, slen;
	char err[512], sealed64[P2PCD_SEALED_KEY_MAX * 2], kid[33], fp[65];
	char *tor64 = NULL, *body = NULL;
	json_t *j = NULL, *rights;
	json_error_t je;

	if(p2pcd_keyfile_get(o->license_key, "public", pk, 32, err, sizeof(err))
			|| p2pcd_keyfile_get(
					p->key_file, "key", key, klen, err, sizeof(err))) {
		cli_err("publish", "%s", err);
		goto out;
	}
	if(p2pcd_seal_content_key(pk, p->kid, key, klen, sealed, &slen)) {
		cli_err("publish",
				"sealing failed: is %s the license service's "
				"X25519 public key?",
				o->license_key);
		goto out;
	}
	rights = json_loads(o->rights ? o->rights : "{}", 0, &je);
	if(!json_is_object(rights)) {
		cli_err("publish", "--rights must be a JSON object (%s)", je.text);
		json_decref(rights);
		goto out;
	}
	p2pcd_b64url_encode(sealed, slen, sealed64, sizeof(sealed64));
	tor64 = malloc(p2pcd_b64url_enc_len(p->torrent_len) + 1);
	if(!tor64)
		goto out;
	p2pcd_b64url_encode(p->torrent, p->torrent_len, tor64,
			p2pcd_b64url_enc_len(p->torrent_len) + 1);
	p2pcd_hex_encode(p->kid, 16, kid, sizeof(kid));
	p2pcd_hex_encode(p->fp, 32, fp, sizeof(fp));
	j = json_pack("{s:s, s:I, s:s, s:o, s:s, s:s, s:s, s:s}", "title", o->title,
			"price_cents", (json_int_t)o->price, "currency", o->currency,
			"rights", rights, "kid", kid, "fingerprint", fp, "sealed_key",
			sealed64, "torrent", tor64);
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
out:
	sodium_memzero(key, sizeof(key));
	json_decref(j);
	free(tor64);
	return body;
}

static void report(const struct opts *o, const struct pubstate *s,
		const char *state_path, const struct prepared *p)
{
	char ih[41];
	json_t *j;
	char *t;

	p2pcd_infohash_hex(p->ih, ih);
	if(o->cc.json) {
		j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "doi",
				s->doi, "content_uri", s->content_uri, "etag", s->etag, "state",
				state_path, "file", p->enc, "key_file", p->key_file,
				"size_bytes", (json_int_t)p->size, "info_hash", ih, "kid",
				cli_hex(p->kid, 16));
		t = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if(t)
			printf("%s\n", t);
		free(t);
		json_decref(j);
	} else if(!o->cc.quiet) {
		printf("published %s \"%s\"\n  buy it at %s\n  info-hash %s, %llu "
			   "bytes encrypted in %s\n  state %s (p2pcd unpublish %s)\n",
				s->doi, s->title, s->content_uri, ih,
				(unsigned long long)p->size, p->enc, state_path, state_path);
	}
	fflush(stdout);
}

/* the seeder's tokenized .torrent (from its grant) to s->torrent */
static int seed_torrent(const struct opts *o, const struct pubstate *s)
{
	struct grant g;
	int rc;

	if(grant_fetch("publish", s->grant_url, o->cc.http.ca_file, &g))
		return -1;
	rc = cli_write_file("publish", s->torrent, g.torrent, g.torrent_len, 0600);
	grant_free(&g);
	return rc;
}

/* seed until interrupted or seed_time, refreshing the publication */
static int seed(
		const struct opts *o, struct pubstate *s, const char *state_path)
{
	struct bt_opts bo;
	struct bt_session *bs = NULL;
	struct bt_status st;
	struct progress pr;
	char err[512];
	time_t end = o->seed_time ? time(NULL) + o->seed_time : 0;
	int rc = -1, r;

	bt_cli_apply(&o->cc.bt, &bo);
	bo.torrent = s->torrent;
	bo.dir = o->dir;
	bo.seed = 1;
	progress_init(&pr, client_progress_mode(&o->cc));
	if(bt_start(&bo, &bs, err, sizeof(err))) {
		cli_err("publish", "%s", err);
		goto out;
	}
	memset(&st, 0, sizeof(st));
	while(!cli_interrupted() && !bt_interrupted()
			&& (!end || time(NULL) < end)) {
		if(bt_poll(bs, &st) == 0)
			progress_update(&pr, &st);
		if(st.failed) {
			progress_done(&pr);
			cli_err("publish", "seeding failed: %s", st.error);
			goto out;
		}
		if(time(NULL) >= s->refreshed + s->expires / 2) {
			r = publication_refresh("publish", &o->cc.sip, s);
			if(r == 1) {
				progress_done(&pr);
				cli_err("publish",
						"the publication of %s was withdrawn "
						"(412): stopped seeding",
						s->doi);
				rc = 0;
				goto out;
			}
			if(r == 0)
				pubstate_save("publish", state_path, s);
		}
		usleep(500000);
	}
	rc = 0;
out:
	if(bs) {
		bt_stop(bs, &st);
		progress_done(&pr);
		if(!o->cc.quiet && !o->cc.json)
			fprintf(stderr, "publish: seeded %lld bytes\n",
					(long long)st.uploaded);
	}
	return rc;
}

int cmd_publish(int argc, char **argv)
{
	struct opts o;
	struct prepared p;
	struct pubstate s;
	char *body = NULL, *state_path = NULL, target[512], ih[41];
	int rc, ret = 1;

	rc = parse(argc, argv, &o);
	if(rc)
		return rc < 0 ? 0 : rc;
	memset(&p, 0, sizeof(p));
	memset(&s, 0, sizeof(s));
	cli_catch_stop();
	if(mkdir(o.dir, 0755) < 0 && errno != EEXIST) {
		cli_err("publish", "cannot create %s: %s", o.dir, strerror(errno));
		return 1;
	}
	if(fingerprint(o.file, p.fp) || encrypt_step(&o, &p)
			|| torrent_make("publish", p.enc, p.name, &p.torrent,
					&p.torrent_len, p.ih, &p.size)
			|| !(body = make_body(&o, &p)))
		goto out;
	if(o.target)
		snprintf(target, sizeof(target), "%s", o.target);
	else
		snprintf(target, sizeof(target), "sip:%s@%s", o.cc.sip.user,
				o.cc.sip.domain);
	snprintf(s.target, sizeof(s.target), "%s", target);
	snprintf(s.title, sizeof(s.title), "%s", o.title);
	snprintf(s.file, sizeof(s.file), "%s", p.enc);
	p2pcd_infohash_hex(p.ih, ih);
	snprintf(s.info_hash, sizeof(s.info_hash), "%s", ih);
	snprintf(s.torrent, sizeof(s.torrent), "%s/%s.torrent", o.dir, ih);
	if(o.state)
		state_path = strdup(o.state);
	else if(asprintf(&state_path, "%s/%s.publication.json", o.dir, p.name) < 0)
		state_path = NULL;
	if(!state_path)
		goto out;
	if(publication_send("publish", &o.cc.sip, &s, body, strlen(body), o.expires)
			|| pubstate_save("publish", state_path, &s))
		goto out;
	report(&o, &s, state_path, &p);
	if(seed_torrent(&o, &s))
		goto out;
	ret = o.no_seed ? 0 : seed(&o, &s, state_path) ? 1 : 0;
out:
	free(body);
	free(state_path);
	free(p.enc);
	free(p.key_file);
	free(p.name);
	free(p.torrent);
	return ret;
}
