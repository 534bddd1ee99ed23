/* p2pcd encrypt: MP4 to cenc (ffmpeg), anything else to a container. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "p2pcd/container.h"
#include "p2pcd/keyfile.h"
#include "p2pcd/seal.h"
#include "cli.h"
#include "commands.h"
#include "ffmpeg.h"
#include "encrypt.h"
#include "mp4.h"

static const char HELP[] =
		"usage: p2pcd encrypt IN OUT [options]\n"
		"\n"
		"Encrypts IN into OUT with a new random key (or --key-file's):\n"
		"  - an MP4 (an 'ftyp' box first) becomes MPEG Common Encryption\n"
		"    'cenc' (AES-128-CTR, through ffmpeg, streams copied), which\n"
		"    standard players and browsers (EME ClearKey) play with the key;\n"
		"  - any other file becomes a p2pcd container (chunked AES-256-GCM,\n"
		"    authenticated: docs/container-format.md).\n"
		"The key and KID go to a key file of mode 0600, never to stdout\n"
		"unless asked (--key-out -). Nothing is written at OUT on failure.\n"
		"\n"
		"options:\n"
		"  --kid HEX         the KID (32 hex digits); default: the key\n"
		"                    file's, else random\n"
		"  --key-out FILE    write the key file there (default: OUT.key);\n"
		"                    '-' prints key=HEX on stdout instead\n"
		"  --key-file FILE   use the key (and KID) of this key file; no new\n"
		"                    key file is written unless --key-out is given\n"
		"  --format F        auto (default), cenc or container\n"
		"  --chunk-size N    container chunk size in bytes (default 262144)\n"
		"  --force           overwrite an existing key file\n"
		"  --json            print the result as one JSON object\n"
		"  -h, --help        this help\n"
		"\n"
		"IN '-' reads stdin and OUT '-' writes stdout (container only).\n"
		"Prints format=, kid= and key_file= lines (or JSON).\n"
		"Exit status: 0 done, 1 failed (OUT untouched), 2 usage error.\n";

enum fmt
{
	FMT_AUTO,
	FMT_CENC,
	FMT_CONTAINER
};

struct opts
{
	const char *in, *out, *kid_hex, *key_out, *key_file;
	enum fmt fmt;
	uint32_t chunk;
	int force, json;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {{"kid", required_argument, 0, 'k'},
			{"key-out", required_argument, 0, 'o'},
			{"key-file", required_argument, 0, 'f'},
			{"format", required_argument, 0, 'F'},
			{"chunk-size", required_argument, 0, 'c'},
			{"force", no_argument, 0, 'x'}, {"json", no_argument, 0, 'j'},
			{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	char *end;
	unsigned long v;
	int c;

	memset(o, 0, sizeof(*o));
	while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch(c) {
			case 'k':
				o->kid_hex = optarg;
				break;
			case 'o':
				o->key_out = optarg;
				break;
			case 'f':
				o->key_file = optarg;
				break;
			case 'F':
				if(!strcmp(optarg, "auto"))
					o->fmt = FMT_AUTO;
				else if(!strcmp(optarg, "cenc"))
					o->fmt = FMT_CENC;
				else if(!strcmp(optarg, "container"))
					o->fmt = FMT_CONTAINER;
				else
					return cli_usage("encrypt",
							"--format must be auto, cenc or container");
				break;
			case 'c':
				errno = 0;
				v = strtoul(optarg, &end, 10);
				if(errno || *end || v < P2PCD_CONT_MIN_CHUNK
						|| v > P2PCD_CONT_MAX_CHUNK)
					return cli_usage("encrypt",
							"--chunk-size must be %u..%u bytes",
							P2PCD_CONT_MIN_CHUNK, P2PCD_CONT_MAX_CHUNK);
				o->chunk = (uint32_t)v;
				break;
			case 'x':
				o->force = 1;
				break;
			case 'j':
				o->json = 1;
				break;
			case 'h':
				fputs(HELP, stdout);
				return -1;
			default:
				return cli_usage("encrypt", "unknown option");
		}
	}
	if(argc - optind != 2)
		return cli_usage("encrypt", "needs IN and OUT");
	o->in = argv[optind];
	o->out = argv[optind + 1];
	return 0;
}

/* sniff IN's format; 0, or an exit status */
static int choose_format(struct opts *o)
{
	uint8_t head[16], kid[16];
	ssize_t n;
	int fd, is_mp4;
	enum mp4_enc enc;

	if(!strcmp(o->in, "-")) {
		if(o->fmt == FMT_CENC)
			return cli_usage("encrypt", "cenc needs IN to be a file");
		o->fmt = FMT_CONTAINER;
		return 0;
	}
	fd = open(o->in, O_RDONLY | O_CLOEXEC);
	if(fd < 0) {
		cli_err("encrypt", "cannot open %s: %s", o->in, strerror(errno));
		return 1;
	}
	n = pread(fd, head, sizeof(head), 0);
	is_mp4 = n > 0 && mp4_sniff(head, (size_t)n);
	if(o->fmt == FMT_AUTO)
		o->fmt = is_mp4 ? FMT_CENC : FMT_CONTAINER;
	if(o->fmt == FMT_CENC) {
		enc = is_mp4 ? mp4_cenc_kid(fd, kid) : MP4_ERROR;
		close(fd);
		if(enc == MP4_CENC) {
			cli_err("encrypt",
					"%s is already cenc-encrypted (KID %s): decrypt it "
					"first, or use --format container",
					o->in, cli_hex(kid, 16));
			return 1;
		}
		if(enc == MP4_ERROR) {
			cli_err("encrypt",
					"%s is not a readable MP4 (%s): use --format container "
					"to protect it as an opaque file",
					o->in, is_mp4 ? strerror(errno) : "no 'ftyp' box");
			return 1;
		}
		if(!strcmp(o->out, "-"))
			return cli_usage("encrypt", "cenc needs OUT to be a file");
		return 0;
	}
	close(fd);
	return 0;
}

/*
 * The key file, written and fsync'ed but not yet in place: it is renamed
 * into place (commit_both) just before OUT, so a failure leaves neither
 * and an existing key file is never lost to a failed run.
 */
static int key_prepare(const struct opts *o, const char *path,
		const uint8_t *key, size_t klen, const uint8_t kid[16],
		struct p2pcd_afile *af)
{
	struct p2pcd_keyfile_item it[2] = {{"kid", kid, 16}, {"key", key, klen}};
	char comment[512];

	if(!o->force && cli_exists(path)) {
		cli_err("encrypt",
				"key file %s exists: it may be the only key of another "
				"file. Choose another --key-out, or --force",
				path);
		return -1;
	}
	snprintf(comment, sizeof(comment),
			"p2pcd %s key of %s: keep secret (kid and key in hex)",
			o->fmt == FMT_CENC ? "cenc (AES-128)" : "container (AES-256)",
			o->in);
	if(cli_out_open(af, path, 0600) < 0) {
		cli_err("encrypt", "cannot create key file %s: %s", path,
				strerror(errno));
		return -1;
	}
	if(p2pcd_keyfile_format(af->fd, comment, it, 2) < 0 || fsync(af->fd) < 0) {
		cli_err("encrypt", "cannot write key file %s: %s", path,
				strerror(errno));
		cli_out_abort(af);
		return -1;
	}
	return 0;
}

/* the key file goes into place first: an OUT never exists without it */
static int commit_both(
		struct p2pcd_afile *keyf, struct p2pcd_afile *out, const char *out_path)
{
	if(keyf->tmp && cli_out_commit(keyf) < 0) {
		cli_err("encrypt", "cannot write the key file: %s", strerror(errno));
		if(out)
			cli_out_abort(out);
		return -1;
	}
	if(out && cli_out_commit(out) < 0) {
		cli_err("encrypt", "cannot write %s: %s", out_path, strerror(errno));
		return -1;
	}
	return 0;
}

static int encrypt_container(const struct opts *o, const uint8_t *key,
		const uint8_t kid[16], struct p2pcd_afile *keyf)
{
	struct p2pcd_afile af;
	enum p2pcd_cont_err rc;
	int in = STDIN_FILENO, out = STDOUT_FILENO;

	if(strcmp(o->in, "-")) {
		in = open(o->in, O_RDONLY | O_CLOEXEC);
		if(in < 0) {
			cli_err("encrypt", "cannot open %s: %s", o->in, strerror(errno));
			return -1;
		}
	}
	if(strcmp(o->out, "-")) {
		if(cli_out_open(&af, o->out, 0644) < 0) {
			cli_err("encrypt", "cannot create %s: %s", o->out, strerror(errno));
			if(in != STDIN_FILENO)
				close(in);
			return -1;
		}
		out = af.fd;
	}
	rc = p2pcd_container_encrypt_fd(in, out, key, kid, o->chunk, NULL);
	if(rc)
		cli_err("encrypt", "%s%s%s", p2pcd_container_strerror(rc),
				rc == P2PCD_CONT_E_READ || rc == P2PCD_CONT_E_WRITE ? ": " : "",
				rc == P2PCD_CONT_E_READ || rc == P2PCD_CONT_E_WRITE
						? strerror(errno)
						: "");
	if(in != STDIN_FILENO)
		close(in);
	if(rc) {
		if(out != STDOUT_FILENO)
			cli_out_abort(&af);
		return -1;
	}
	return commit_both(keyf, out == STDOUT_FILENO ? NULL : &af, o->out);
}

static int encrypt_cenc(const struct opts *o, const uint8_t *key,
		const uint8_t kid[16], struct p2pcd_afile *keyf)
{
	struct p2pcd_afile af;

	if(cli_out_open(&af, o->out, 0644) < 0) {
		cli_err("encrypt", "cannot create %s: %s", o->out, strerror(errno));
		return -1;
	}
	if(ffmpeg_cenc_encrypt("encrypt", o->in, af.tmp, key, kid) < 0) {
		cli_out_abort(&af);
		return -1;
	}
	return commit_both(keyf, &af, o->out);
}

static void report(const struct opts *o, const char *key_path,
		const uint8_t *key, size_t klen, const uint8_t kid[16])
{
	const char *fmt = o->fmt == FMT_CENC ? "cenc" : "container";
	FILE *f = strcmp(o->out, "-") ? stdout : stderr;
	char khex[65], kidhex[33];
	json_t *j;
	char *s;

	p2pcd_hex_encode(kid, 16, kidhex, sizeof(kidhex));
	p2pcd_hex_encode(key, klen, khex, sizeof(khex));
	if(o->json) {
		j = json_pack("{s:s, s:s}", "format", fmt, "kid", kidhex);
		if(j && key_path)
			json_object_set_new(j, "key_file", json_string(key_path));
		if(j && o->key_out && !strcmp(o->key_out, "-"))
			json_object_set_new(j, "key", json_string(khex));
		s = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if(s)
			fprintf(f, "%s\n", s);
		if(s)
			sodium_memzero(s, strlen(s));
		free(s);
		json_decref(j);
	} else {
		fprintf(f, "format=%s\nkid=%s\n", fmt, kidhex);
		if(key_path)
			fprintf(f, "key_file=%s\n", key_path);
		if(o->key_out && !strcmp(o->key_out, "-"))
			fprintf(f, "key=%s\n", khex);
	}
	fflush(f);
	sodium_memzero(khex, sizeof(khex));
}

/*
 * The encryption itself, once o is complete: key and KID (from o or new),
 * OUT and its key file. kid_out and cenc_out (may be NULL) tell the
 * result. 0, or an exit status (messages printed).
 */
static int encrypt_run(
		struct opts *o, int do_report, uint8_t kid_out[16], int *cenc_out)
{
	struct p2pcd_afile keyf = {.fd = -1};
	uint8_t key[32], kid[16];
	size_t klen;
	char err[512], *key_path = NULL;
	int rc, have_kid = 0;

	if(o->kid_hex) {
		if(cli_parse_kid(o->kid_hex, kid))
			return cli_usage("encrypt", "--kid must be 32 hex digits");
		have_kid = 1;
	}
	if(!o->key_file && !o->key_out && !strcmp(o->out, "-"))
		return cli_usage("encrypt", "with OUT '-', --key-out is required");
	if(o->key_out && !strcmp(o->key_out, "-") && !strcmp(o->out, "-"))
		return cli_usage("encrypt", "--key-out - needs OUT to be a file");
	rc = choose_format(o);
	if(rc)
		return rc;
	klen = o->fmt == FMT_CENC ? P2PCD_CENC_KEY_LEN : P2PCD_CONTENT_KEY_LEN;

	if(o->key_file) {
		if(p2pcd_keyfile_get(o->key_file, "key", key, klen, err, sizeof(err))) {
			cli_err("encrypt", "%s (%s needs a %zu-byte key)", err,
					o->fmt == FMT_CENC ? "cenc" : "a container", klen);
			return 1;
		}
		if(!have_kid
				&& p2pcd_keyfile_get_named(
						   o->key_file, "kid", kid, 16, err, sizeof(err))
						   == 0)
			have_kid = 1;
	} else {
		p2pcd_content_key_new(key, klen);
	}
	if(!have_kid)
		p2pcd_kid_new(kid);

	rc = 1;
	if(o->key_out && strcmp(o->key_out, "-"))
		key_path = strdup(o->key_out);
	else if(!o->key_out && !o->key_file
			&& asprintf(&key_path, "%s.key", o->out) < 0)
		key_path = NULL;
	if(key_path && key_prepare(o, key_path, key, klen, kid, &keyf) < 0)
		goto out;
	if((o->fmt == FMT_CENC ? encrypt_cenc(o, key, kid, &keyf)
						   : encrypt_container(o, key, kid, &keyf))
			< 0)
		goto out;
	if(do_report)
		report(o, key_path, key, klen, kid);
	if(kid_out)
		memcpy(kid_out, kid, 16);
	if(cenc_out)
		*cenc_out = o->fmt == FMT_CENC;
	rc = 0;
out:
	cli_out_abort(&keyf); /* no-op once committed */
	sodium_memzero(key, sizeof(key));
	free(key_path);
	return rc;
}

int encrypt_file(const char *in, const char *out, const char *key_out,
		int force, uint8_t kid[16], int *is_cenc)
{
	struct opts o;

	memset(&o, 0, sizeof(o));
	o.in = in;
	o.out = out;
	o.key_out = key_out;
	o.force = force;
	return encrypt_run(&o, 0, kid, is_cenc) ? -1 : 0;
}

int cmd_encrypt(int argc, char **argv)
{
	struct opts o;
	int rc;

	rc = parse(argc, argv, &o);
	if(rc)
		return rc < 0 ? 0 : rc;
	return encrypt_run(&o, 1, NULL, NULL);
}
