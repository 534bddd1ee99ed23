/*
 * p2pcd play: the player side of DESIGN.md 2 (step 5). The key comes from
 * the keystore, fetched first from the license service when missing or
 * expired; a cenc MP4 goes to ffplay with the key (a display present) or
 * is remuxed clear by ffmpeg to a file or stdout; a container decrypts to
 * a file or stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "p2pcd/container.h"
#include "p2pcd/keyfile.h"
#include "cli.h"
#include "commands.h"
#include "ffmpeg.h"
#include "keystore.h"
#include "license.h"
#include "mp4.h"

static const char HELP[] =
		"usage: p2pcd play IN [--out FILE] [--license-url URL --token-file "
		"FILE]\n"
		"\n"
		"Plays IN, a cenc MP4 or a p2pcd container, with its key from the\n"
		"local keystore. If the keystore has no valid key for IN's KID and\n"
		"--license-url is given, the license is fetched first and kept in\n"
		"the keystore until its rights expire (as 'p2pcd license').\n"
		"\n"
		"A cenc MP4 is shown with ffplay when a display is present\n"
		"($DISPLAY or $WAYLAND_DISPLAY) and no --out is given; otherwise\n"
		"ffmpeg remuxes it clear to --out FILE, or to stdout (fragmented MP4,\n"
		"for a player reading a pipe). A container is decrypted to --out or\n"
		"stdout, checked chunk by chunk.\n"
		"\n"
		"options:\n"
		"  --out FILE        write the clear content to FILE ('-': stdout)\n"
		"  --no-display      never start ffplay\n"
		"  --license-url URL, --token-file FILE (or --token TOKEN)\n"
		"                    fetch the license when the keystore lacks it\n"
		"  --cacert FILE     trust this CA for the license service\n"
		"  --keystore FILE   the keystore (default: see p2pcd keys --help)\n"
		"  -h, --help        this help\n"
		"\n"
		"Environment: P2PCD_FFPLAY, P2PCD_FFMPEG (the players' paths).\n"
		"Exit status: 0 done, 1 failed, 2 usage error.\n";

struct play
{
	const char *in, *out, *ks, *url, *token, *token_file, *cacert;
	int no_display;
};

static int parse(int argc, char **argv, struct play *p)
{
	static const struct option lo[] = {{"out", required_argument, 0, 'o'},
			{"no-display", no_argument, 0, 'n'},
			{"license-url", required_argument, 0, 'u'},
			{"token", required_argument, 0, 't'},
			{"token-file", required_argument, 0, 'T'},
			{"cacert", required_argument, 0, 'c'},
			{"keystore", required_argument, 0, 's'},
			{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	int c;

	memset(p, 0, sizeof(*p));
	while((c = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
		switch(c) {
			case 'o':
				p->out = optarg;
				break;
			case 'n':
				p->no_display = 1;
				break;
			case 'u':
				p->url = optarg;
				break;
			case 't':
				p->token = optarg;
				break;
			case 'T':
				p->token_file = optarg;
				break;
			case 'c':
				p->cacert = optarg;
				break;
			case 's':
				p->ks = optarg;
				break;
			case 'h':
				fputs(HELP, stdout);
				return -1;
			default:
				return cli_usage("play", "unknown option");
		}
	}
	if(argc - optind != 1)
		return cli_usage("play", "needs IN");
	if(!p->url != (!p->token && !p->token_file) || (p->token && p->token_file))
		return cli_usage(
				"play", "--license-url goes with one of --token-file, --token");
	p->in = argv[optind];
	if(!p->ks)
		p->ks = ks_path();
	if(!p->ks) {
		cli_err("play", "no keystore: set HOME, P2PCD_KEYSTORE or --keystore");
		return 1;
	}
	return 0;
}

/* IN's KID from the container header or the MP4 'tenc'. 0 or -1 */
static int kid_of(const struct play *p, int fd, int is_cont, uint8_t kid[16])
{
	uint8_t hdr[P2PCD_CONT_HEADER_LEN];
	struct p2pcd_cont_header h;
	ssize_t n;

	if(!is_cont) {
		if(mp4_cenc_kid(fd, kid) == MP4_CENC)
			return 0;
		cli_err("play", "%s is not a cenc MP4 (no 'tenc' box)", p->in);
		return -1;
	}
	n = pread(fd, hdr, sizeof(hdr), 0);
	if(p2pcd_container_header_parse(hdr, n < 0 ? 0 : (size_t)n, &h)) {
		cli_err("play", "%s: not a valid p2pcd container header", p->in);
		return -1;
	}
	memcpy(kid, h.kid, 16);
	return 0;
}

/* the license into the keystore (same checks as p2pcd decrypt) */
static int fetch(const struct play *p, const uint8_t kid[16])
{
	struct lic_token t;
	char *tok = cli_read_token("play", p->token, p->token_file);
	size_t i;
	int rc = -1, named = 0;

	if(!tok)
		return -1;
	if(lic_token_parse("play", tok, &t) == 0) {
		for(i = 0; i < t.n_kids; i++)
			named |= !memcmp(t.kids[i], kid, 16);
		if(!named)
			cli_err("play", "the license token does not name %s's KID %s",
					p->in, cli_hex(kid, 16));
		else
			rc = lic_fetch("play", p->url, tok, &t, p->cacert, p->ks, stderr);
	}
	sodium_memzero(tok, strlen(tok));
	free(tok);
	return rc;
}

static int get_key(const struct play *p, const uint8_t kid[16], size_t want,
		uint8_t key[32])
{
	enum ks_result r;
	int64_t exp;
	size_t len = 0;

	r = ks_get("play", p->ks, kid, key, &len, &exp);
	if((r == KS_MISSING || r == KS_EXPIRED) && p->url) {
		if(fetch(p, kid) < 0)
			return -1;
		r = ks_get("play", p->ks, kid, key, &len, &exp);
	}
	if(r == KS_FOUND && len == want)
		return 0;
	if(r == KS_FOUND)
		cli_err("play", "the keystore's key for KID %s has the wrong length",
				cli_hex(kid, 16));
	else if(r != KS_ERROR)
		cli_err("play",
				"no valid license for KID %s (%s): give --license-url and "
				"--token-file from the grant",
				cli_hex(kid, 16), r == KS_EXPIRED ? "expired" : "missing");
	return -1;
}

static int has_display(void)
{
	const char *d = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");

	return (d && *d) || (w && *w);
}

/* ffplay with the key; it exits when the file ends */
static int ffplay(const struct play *p, const uint8_t key[16])
{
	const char *bin = getenv("P2PCD_FFPLAY");
	char khex[33], *url = NULL;
	pid_t pid;
	int st = 0;

	if(!bin || !*bin)
		bin = "ffplay";
	if(asprintf(&url, "file:%s", p->in) < 0)
		return -1;
	p2pcd_hex_encode(key, 16, khex, sizeof(khex));
	pid = fork();
	if(pid == 0) {
		execlp(bin, bin, "-hide_banner", "-loglevel", "error", "-autoexit",
				"-decryption_key", khex, "-i", url, (char *)NULL);
		_exit(127);
	}
	sodium_memzero(khex, sizeof(khex));
	free(url);
	while(pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	cli_err("play", "%s failed (install ffmpeg, or use --out FILE)", bin);
	return -1;
}

/* the clear content to --out (all or nothing) or stdout */
static int to_out(const struct play *p, int fd, int is_cont,
		const uint8_t key[32], const uint8_t kid[16])
{
	struct p2pcd_afile af;
	int out = STDOUT_FILENO, rc;
	int file = p->out && strcmp(p->out, "-");

	if(!file && isatty(STDOUT_FILENO)) {
		cli_err("play", "no display: give --out FILE or pipe stdout to a "
						"player (e.g. | mpv -)");
		return -1;
	}
	if(file) {
		if(cli_out_open(&af, p->out, 0600) < 0) {
			cli_err("play", "cannot create %s: %s", p->out, strerror(errno));
			return -1;
		}
		out = af.fd;
	}
	if(is_cont)
		rc = p2pcd_container_decrypt_fd(fd, out, key, kid, NULL) ? -1 : 0;
	else
		rc = ffmpeg_cenc_decrypt("play", p->in, file ? af.tmp : "pipe:1", key);
	if(is_cont && rc)
		cli_err("play", "%s: decryption failed (damaged or wrong key)", p->in);
	if(!file)
		return rc;
	if(rc) {
		cli_out_abort(&af);
		return -1;
	}
	return cli_out_commit(&af);
}

int cmd_play(int argc, char **argv)
{
	struct play p;
	uint8_t head[16], kid[16], key[32];
	int fd, rc, is_cont;
	ssize_t n;

	rc = parse(argc, argv, &p);
	if(rc)
		return rc < 0 ? 0 : rc;
	fd = open(p.in, O_RDONLY | O_CLOEXEC);
	if(fd < 0) {
		cli_err("play", "cannot open %s: %s", p.in, strerror(errno));
		return 1;
	}
	n = pread(fd, head, sizeof(head), 0);
	is_cont = n > 0 && p2pcd_container_sniff(head, (size_t)n);
	rc = 1;
	if(!is_cont && !(n > 0 && mp4_sniff(head, (size_t)n)))
		cli_err("play", "%s is neither a cenc MP4 nor a p2pcd container", p.in);
	else if(kid_of(&p, fd, is_cont, kid) == 0
			&& get_key(&p, kid, is_cont ? 32 : 16, key) == 0) {
		if(!is_cont && !p.out && !p.no_display && has_display())
			rc = ffplay(&p, key) ? 1 : 0;
		else
			rc = to_out(&p, fd, is_cont, key, kid) ? 1 : 0;
	}
	sodium_memzero(key, sizeof(key));
	close(fd);
	return rc;
}
