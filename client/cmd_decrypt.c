/* p2pcd decrypt: a container or a cenc MP4, with a key file. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		"usage: p2pcd decrypt IN OUT [--key-file FILE] [options]\n"
		"\n"
		"Decrypts IN, a p2pcd container or a cenc MP4 (told apart by their\n"
		"first bytes), into OUT with the key in FILE (as 'p2pcd encrypt'\n"
		"writes it: kid= and key= lines; a bare hex or base64url key works\n"
		"too), or without --key-file with the key of IN's KID in the local\n"
		"keystore (p2pcd keys), unless that license expired.\n"
		"\n"
		"A container is checked chunk by chunk: any modification,\n"
		"truncation or reordering is refused. OUT is written to a temporary\n"
		"file and appears only once everything decrypted and verified.\n"
		"OUT '-' streams to stdout (for a player): then the output is valid\n"
		"only if p2pcd exits with status 0; on a bad chunk it stops after\n"
		"the last authentic chunk and exits 1.\n"
		"A cenc MP4 is decrypted by ffmpeg (AES-CTR has no integrity check:\n"
		"with a wrong key it gives garbage). Its KID is checked against the\n"
		"key file's kid= when there is one.\n"
		"\n"
		"options:\n"
		"  --key-file FILE   the key file\n"
		"  --kid HEX         expect this KID (default: the key file's kid=)\n"
		"  --keystore FILE   the keystore (default: see p2pcd keys --help)\n"
		"  --license-url URL, --token-file FILE (or --token TOKEN)\n"
		"                    when the keystore has no valid key for IN,\n"
		"                    fetch the license first (p2pcd license)\n"
		"  --cacert FILE     trust this CA for the license service\n"
		"  -h, --help        this help\n"
		"\n"
		"Exit status: 0 done, 1 failed (nothing written at OUT), 2 usage.\n";

struct opts
{
	const char *in, *out, *key_file, *kid_hex, *keystore;
	const char *lic_url, *token, *token_file, *cacert;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {{"key-file", required_argument, 0, 'f'},
			{"kid", required_argument, 0, 'k'},
			{"keystore", required_argument, 0, 's'},
			{"license-url", required_argument, 0, 'u'},
			{"token", required_argument, 0, 't'},
			{"token-file", required_argument, 0, 'T'},
			{"cacert", required_argument, 0, 'c'},
			{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	int c;

	memset(o, 0, sizeof(*o));
	while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch(c) {
			case 'f':
				o->key_file = optarg;
				break;
			case 'k':
				o->kid_hex = optarg;
				break;
			case 's':
				o->keystore = optarg;
				break;
			case 'u':
				o->lic_url = optarg;
				break;
			case 't':
				o->token = optarg;
				break;
			case 'T':
				o->token_file = optarg;
				break;
			case 'c':
				o->cacert = optarg;
				break;
			case 'h':
				fputs(HELP, stdout);
				return -1;
			default:
				return cli_usage("decrypt", "unknown option");
		}
	}
	if(argc - optind != 2)
		return cli_usage("decrypt", "needs IN and OUT");
	if(!o->lic_url != (!o->token && !o->token_file)
			|| (o->token && o->token_file))
		return cli_usage("decrypt",
				"--license-url goes with one of --token-file, --token");
	o->in = argv[optind];
	o->out = argv[optind + 1];
	return 0;
}

static int decrypt_container(
		const struct opts *o, int in, const uint8_t key[32], const uint8_t *kid)
{
	struct p2pcd_afile af;
	enum p2pcd_cont_err rc;
	int out = STDOUT_FILENO;

	if(strcmp(o->out, "-")) {
		if(cli_out_open(&af, o->out, 0600) < 0) {
			cli_err("decrypt", "cannot create %s: %s", o->out, strerror(errno));
			return -1;
		}
		out = af.fd;
	}
	rc = p2pcd_container_decrypt_fd(in, out, key, kid, NULL);
	if(rc == P2PCD_CONT_E_READ || rc == P2PCD_CONT_E_WRITE)
		cli_err("decrypt", "%s: %s", p2pcd_container_strerror(rc),
				strerror(errno));
	else if(rc)
		cli_err("decrypt", "%s: %s", o->in, p2pcd_container_strerror(rc));
	if(out == STDOUT_FILENO)
		return rc ? -1 : 0;
	if(rc) {
		cli_out_abort(&af);
		return -1;
	}
	if(cli_out_commit(&af) < 0) {
		cli_err("decrypt", "cannot write %s: %s", o->out, strerror(errno));
		return -1;
	}
	return 0;
}

static int decrypt_cenc(
		const struct opts *o, int in, const uint8_t key[16], const uint8_t *kid)
{
	struct p2pcd_afile af;
	uint8_t file_kid[16];
	enum mp4_enc enc = mp4_cenc_kid(in, file_kid);

	if(enc == MP4_ERROR) {
		cli_err("decrypt", "%s is not a readable MP4: %s", o->in,
				strerror(errno));
		return -1;
	}
	if(enc == MP4_CLEAR) {
		cli_err("decrypt",
				"%s is an MP4 without Common Encryption: nothing to decrypt",
				o->in);
		return -1;
	}
	if(!kid)
		cli_err("decrypt",
				"warning: the key file has no kid=, so nothing checks that "
				"the key is %s's (KID %s); a wrong key gives garbage",
				o->in, cli_hex(file_kid, 16));
	if(kid && memcmp(kid, file_kid, 16)) {
		cli_err("decrypt",
				"%s has KID %s but the key is for another KID: use the key "
				"of this file",
				o->in, cli_hex(file_kid, 16));
		return -1;
	}
	if(!strcmp(o->out, "-"))
		return ffmpeg_cenc_decrypt("decrypt", o->in, "pipe:1", key);
	if(cli_out_open(&af, o->out, 0600) < 0) {
		cli_err("decrypt", "cannot create %s: %s", o->out, strerror(errno));
		return -1;
	}
	if(ffmpeg_cenc_decrypt("decrypt", o->in, af.tmp, key) < 0) {
		cli_out_abort(&af);
		return -1;
	}
	if(cli_out_commit(&af) < 0) {
		cli_err("decrypt", "cannot write %s: %s", o->out, strerror(errno));
		return -1;
	}
	return 0;
}

/* IN's KID: container header or MP4 'tenc'. 0, or -1 (printed) */
static int file_kid(const struct opts *o, int in, int is_cont, uint8_t kid[16])
{
	uint8_t hdr[P2PCD_CONT_HEADER_LEN];
	struct p2pcd_cont_header h;
	enum p2pcd_cont_err ce;
	ssize_t n;

	if(!is_cont) {
		switch(mp4_cenc_kid(in, kid)) {
			case MP4_CENC:
				return 0;
			case MP4_CLEAR:
				cli_err("decrypt", "%s is an MP4 without Common Encryption",
						o->in);
				return -1;
			default:
				cli_err("decrypt", "%s is not a readable MP4: %s", o->in,
						strerror(errno));
				return -1;
		}
	}
	n = pread(in, hdr, sizeof(hdr), 0);
	ce = p2pcd_container_header_parse(hdr, n < 0 ? 0 : (size_t)n, &h);
	if(ce) {
		cli_err("decrypt", "%s: %s", o->in, p2pcd_container_strerror(ce));
		return -1;
	}
	memcpy(kid, h.kid, 16);
	return 0;
}

/* the license for kid into the keystore. 0, or -1 (printed) */
static int fetch_license(
		const struct opts *o, const char *ks, const uint8_t kid[16])
{
	struct lic_token t;
	char *tok = cli_read_token("decrypt", o->token, o->token_file);
	size_t i;
	int rc = -1, granted = 0;

	if(!tok)
		return -1;
	if(lic_token_parse("decrypt", tok, &t) == 0) {
		for(i = 0; i < t.n_kids; i++)
			granted |= !memcmp(t.kids[i], kid, 16);
		if(!granted)
			cli_err("decrypt",
					"the license token does not name %s's KID %s: use the "
					"token of this content's grant",
					o->in, cli_hex(kid, 16));
		else
			rc = lic_fetch("decrypt", o->lic_url, tok, &t, o->cacert, ks, NULL);
	}
	sodium_memzero(tok, strlen(tok));
	free(tok);
	return rc;
}

/* the key of IN's KID from the keystore. 0, or -1 (printed) */
static int keystore_key(const struct opts *o, int in, int is_cont,
		uint8_t key[32], size_t klen, uint8_t kid[16])
{
	const char *path = o->keystore ? o->keystore : ks_path();
	enum ks_result r;
	int64_t expires = 0;
	size_t got = 0;
	char when[64];
	time_t t;

	if(!path) {
		cli_err("decrypt", "no --key-file and no keystore (set HOME or "
						   "P2PCD_KEYSTORE)");
		return -1;
	}
	if(file_kid(o, in, is_cont, kid) < 0)
		return -1;
	r = ks_get("decrypt", path, kid, key, &got, &expires);
	if((r == KS_MISSING || r == KS_EXPIRED) && o->lic_url) {
		if(fetch_license(o, path, kid) < 0)
			return -1;
		r = ks_get("decrypt", path, kid, key, &got, &expires);
	}
	switch(r) {
		case KS_FOUND:
			if(got != klen) {
				cli_err("decrypt",
						"the keystore's key for KID %s is %zu bytes, %s "
						"needs %zu",
						cli_hex(kid, 16), got, o->in, klen);
				return -1;
			}
			return 0;
		case KS_EXPIRED:
			t = (time_t)expires;
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
			cli_err("decrypt",
					"the license for KID %s expired at %s: get a new one",
					cli_hex(kid, 16), when);
			return -1;
		case KS_MISSING:
			cli_err("decrypt",
					"no key for KID %s in the keystore %s: give --key-file, "
					"or add the license with 'p2pcd keys add'",
					cli_hex(kid, 16), path);
			return -1;
		default:
			return -1;
	}
}

int cmd_decrypt(int argc, char **argv)
{
	struct opts o;
	uint8_t head[16], key[32], kid[16];
	char err[512];
	size_t klen;
	ssize_t n;
	int rc, in, have_kid = 0, is_cont, is_mp4;

	rc = parse(argc, argv, &o);
	if(rc)
		return rc < 0 ? 0 : rc;
	if(o.kid_hex) {
		if(cli_parse_kid(o.kid_hex, kid))
			return cli_usage("decrypt", "--kid must be 32 hex digits");
		have_kid = 1;
	}
	if(!strcmp(o.in, "-"))
		return cli_usage("decrypt", "IN must be a file");
	in = open(o.in, O_RDONLY | O_CLOEXEC);
	if(in < 0) {
		cli_err("decrypt", "cannot open %s: %s", o.in, strerror(errno));
		return 1;
	}
	n = pread(in, head, sizeof(head), 0);
	is_cont = n > 0 && p2pcd_container_sniff(head, (size_t)n);
	is_mp4 = n > 0 && mp4_sniff(head, (size_t)n);
	if(!is_cont && !is_mp4) {
		cli_err("decrypt", "%s is neither a p2pcd container nor an MP4 (%s)",
				o.in, n < 0 ? strerror(errno) : "unknown first bytes");
		close(in);
		return 1;
	}
	klen = is_cont ? 32 : 16;
	rc = 1;
	if(!o.key_file) {
		if(have_kid) {
			close(in);
			return cli_usage("decrypt", "--kid needs --key-file");
		}
		if(keystore_key(&o, in, is_cont, key, klen, kid) < 0)
			goto out;
		have_kid = 1;
	} else if(p2pcd_keyfile_get(
					  o.key_file, "key", key, klen, err, sizeof(err))) {
		cli_err("decrypt", "%s (%s needs a %zu-byte key)", err,
				is_cont ? "a container" : "a cenc MP4", klen);
		goto out;
	} else if(!have_kid
			  && p2pcd_keyfile_get_named(
						 o.key_file, "kid", kid, 16, err, sizeof(err))
						 == 0)
		have_kid = 1;
	if(is_cont)
		rc = decrypt_container(&o, in, key, have_kid ? kid : NULL) ? 1 : 0;
	else
		rc = decrypt_cenc(&o, in, key, have_kid ? kid : NULL) ? 1 : 0;
out:
	sodium_memzero(key, sizeof(key));
	close(in);
	return rc;
}
