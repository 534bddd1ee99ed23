/*
 * p2pcd-mint-token: admission tokens for tests and benches, as the AS
 * would mint them (DESIGN.md section 3).
 *
 *   p2pcd-mint-token [--master HEX | --key HEX] --aud AUD [--version N]
 *       --ih HEX [--role seed|leech] [--sub S] [--doi D] [--ttl SECONDS]
 *       [--exp UNIX] [--nbf UNIX] [--typ TYP] [--count N]
 *   p2pcd-mint-token derive --master HEX --aud AUD [--version N]
 *   p2pcd-mint-token infohash FILE.torrent
 *   p2pcd-mint-token grant-tokens [--master HEX] < ROW
 *
 *   p2pcd-mint-token [--master HEX | --key HEX] [--aud license]
 *       --typ p2pcd-lic+jwt --kid HEX [--kid HEX...] [--jti ID]
 *       [--doi D] [--rights JSON] [--sub S] [--ttl S | --exp T]
 *
 * --count N prints N tokens, one a line, with subjects S-0..S-(N-1).
 * With --kid, a license token (DESIGN.md 3): iss, sub, aud, iat, exp,
 * jti, doi, kids (base64url, as the AS mints them), rights, icid.
 *
 * grant-tokens reads one tab-separated grant row (the columns of
 * tests/lib/common.sh grant_token) and prints its admission and license
 * tokens, a line each: stored whole (before sql/migrations/0011), or
 * rebuilt from their parts with lib/grant_token.c, as the content index
 * does. With --master it signs the row's parts as the AS would (the
 * row's MACs are ignored) and prints the MACs, hex, on a third line: a
 * grant row stored as parts, for tests of the index.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "p2pcd/base64url.h"
#include "p2pcd/grant_token.h"
#include "p2pcd/infohash.h"
#include "p2pcd/init.h"
#include "p2pcd/jws.h"

static int unhex(const char *hex, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(hex), i;

	if(n % 2 || n / 2 > max)
		return -1;
	for(i = 0; i < n / 2; i++) {
		unsigned v;

		if(sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

static int infohash(const char *path)
{
	FILE *f = fopen(path, "rb");
	static uint8_t buf[16 << 20];
	uint8_t ih[20];
	char hex[41];
	size_t n;

	if(!f) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if(p2pcd_infohash_torrent(buf, n, NULL, ih, NULL)) {
		fprintf(stderr, "%s: not a valid torrent\n", path);
		return 1;
	}
	p2pcd_infohash_hex(ih, hex);
	puts(hex);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: p2pcd-mint-token [--master HEX | --key HEX] "
					"--aud AUD [--version N] --ih HEX\n"
					"         [--role seed|leech] [--sub S] [--doi D] "
					"[--ttl S] [--exp T] [--nbf T] [--typ T] [--count N]\n"
					"       p2pcd-mint-token ... --typ p2pcd-lic+jwt --kid HEX "
					"[--kid HEX...] [--jti ID] [--rights JSON]\n"
					"       p2pcd-mint-token derive --master HEX --aud AUD "
					"[--version N]\n"
					"       p2pcd-mint-token infohash FILE.torrent\n");
	exit(2);
}

/* the row's columns, tab-separated, in this order */
enum
{
	GT_ID,
	GT_DOI,
	GT_ROLE,
	GT_EXP,
	GT_IH,
	GT_KID,
	GT_SUB,
	GT_ISS,
	GT_AUD,
	GT_IAT,
	GT_VERSION,
	GT_RIGHTS,
	GT_ICID,
	GT_MACS,
	GT_ADM,
	GT_LIC,
	GT_N
};

/* c's two tokens signed with keys derived from master, their MACs */
static int grant_sign(const struct p2pcd_grant_claims *c, uint32_t ver,
		const uint8_t *master, size_t mlen, uint8_t macs[64])
{
	struct p2pcd_jws_signer s;
	char buf[P2PCD_JWS_MAX_LEN], *tok;
	long n;
	int i, rc = 0;

	for(i = 0; i < 2 && rc == 0; i++) {
		const char *aud = i ? P2PCD_GRANT_LICENSE_AUD : c->aud;

		n = i ? p2pcd_grant_lic_claims(c, buf, sizeof(buf))
			  : p2pcd_grant_adm_claims(c, buf, sizeof(buf));
		if(n < 0 || p2pcd_jws_signer_init(&s, master, mlen, aud, ver))
			return -1;
		rc = p2pcd_jws_sign_text_mac(&s,
				i ? P2PCD_JWS_TYP_LIC : P2PCD_JWS_TYP_ADM, buf, (size_t)n,
				&tok, NULL, macs + 32 * i);
		p2pcd_jws_signer_wipe(&s);
		if(rc == 0)
			free(tok);
	}
	return rc;
}

static int grant_tokens(int argc, char **argv)
{
	static char line[1 << 16];
	char *col[GT_N], *p = line, *adm, *lic;
	uint8_t ih[20], kid[16], macs[64], master[64];
	size_t n, i, mlen = 0;

	if(argc == 4 && strcmp(argv[2], "--master") == 0) {
		if(unhex(argv[3], master, sizeof(master), &mlen) || mlen < 32) {
			fprintf(stderr, "grant-tokens: bad --master\n");
			return 1;
		}
	} else if(argc != 2) {
		fprintf(stderr, "usage: grant-tokens [--master HEX] < ROW\n");
		return 1;
	}

	if(!fgets(line, sizeof(line), stdin))
		return 1;
	line[strcspn(line, "\n")] = '\0';
	for(i = 0; i < GT_N; i++) {
		col[i] = p;
		p += strcspn(p, "\t");
		if(i < GT_N - 1) {
			if(*p != '\t') {
				fprintf(stderr, "grant-tokens: %zu columns, want %d\n",
						i + 1, GT_N);
				return 1;
			}
			*p++ = '\0';
		}
	}
	if(!mlen && *col[GT_ADM] && *col[GT_LIC]) {
		printf("%s\n%s\n", col[GT_ADM], col[GT_LIC]);
		return 0;
	}
	if(unhex(col[GT_IH], ih, sizeof(ih), &n) || n != sizeof(ih)
			|| unhex(col[GT_KID], kid, sizeof(kid), &n) || n != sizeof(kid)
			|| (!mlen
					&& (unhex(col[GT_MACS], macs, sizeof(macs), &n)
							|| n != sizeof(macs)))) {
		fprintf(stderr, "grant-tokens: bad info-hash, kid or MACs\n");
		return 1;
	}
	struct p2pcd_grant_claims c = {
			.iss = col[GT_ISS],
			.iss_len = strlen(col[GT_ISS]),
			.sub = col[GT_SUB],
			.jti = col[GT_ID],
			.role = col[GT_ROLE],
			.aud = col[GT_AUD],
			.doi = col[GT_DOI],
			.doi_len = strlen(col[GT_DOI]),
			.rights = col[GT_RIGHTS],
			.rights_len = strlen(col[GT_RIGHTS]),
			.icid = col[GT_ICID],
			.icid_len = strlen(col[GT_ICID]),
			.ih = ih,
			.kid = kid,
			.iat = strtoll(col[GT_IAT], NULL, 10),
			.exp = strtoll(col[GT_EXP], NULL, 10),
	};
	uint32_t ver = (uint32_t)strtoul(col[GT_VERSION], NULL, 10);
	if((mlen && grant_sign(&c, ver, master, mlen, macs))
			|| p2pcd_grant_tokens_build(&c, ver, macs, macs + 32, &adm, &lic)) {
		fprintf(stderr, "grant-tokens: cannot build the tokens\n");
		return 1;
	}
	printf("%s\n%s\n", adm, lic);
	if(mlen) {
		for(i = 0; i < sizeof(macs); i++)
			printf("%02x", macs[i]);
		printf("\n");
	}
	free(adm);
	free(lic);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"master", 1, NULL, 'm'},
			{"key", 1, NULL, 'k'}, {"aud", 1, NULL, 'a'},
			{"version", 1, NULL, 'v'}, {"ih", 1, NULL, 'i'},
			{"role", 1, NULL, 'r'}, {"sub", 1, NULL, 's'},
			{"doi", 1, NULL, 'd'}, {"ttl", 1, NULL, 't'}, {"exp", 1, NULL, 'e'},
			{"nbf", 1, NULL, 'n'}, {"typ", 1, NULL, 'y'},
			{"count", 1, NULL, 'c'}, {"kid", 1, NULL, 'K'},
			{"jti", 1, NULL, 'j'}, {"rights", 1, NULL, 'R'},
			{NULL, 0, NULL, 0}};
	json_t *kids = NULL; /* license tokens only */
	const char *jti_opt = NULL, *rights = "{\"play\":\"PT24H\"}";
	uint8_t secret[256], key[P2PCD_JWS_KEY_LEN];
	size_t secret_len = 0;
	int have_master = 0, have_key = 0, o, derive = 0;
	const char *aud = NULL, *ih = NULL, *role = "leech", *sub = "tester";
	const char *doi = "10.9999/test", *typ = P2PCD_JWS_TYP_ADM;
	long long ttl = 3600, exp = 0, nbf = 0, count = 1, i;
	uint32_t version = 1;
	struct p2pcd_jws_signer sg;
	time_t now = time(NULL);

	if(p2pcd_lib_init())
		return 1;
	if(argc > 1 && strcmp(argv[1], "grant-tokens") == 0)
		return grant_tokens(argc, argv);
	if(argc > 1 && strcmp(argv[1], "infohash") == 0)
		return argc == 3 ? infohash(argv[2]) : (usage(), 2);
	if(argc > 1 && strcmp(argv[1], "derive") == 0) {
		derive = 1;
		argv++;
		argc--;
	}
	while((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch(o) {
			case 'm':
			case 'k':
				if(unhex(optarg, secret, sizeof(secret), &secret_len))
					usage();
				have_master = o == 'm';
				have_key = o == 'k';
				break;
			case 'a':
				aud = optarg;
				break;
			case 'v':
				version = (uint32_t)strtoul(optarg, NULL, 10);
				break;
			case 'i':
				ih = optarg;
				break;
			case 'r':
				role = optarg;
				break;
			case 's':
				sub = optarg;
				break;
			case 'd':
				doi = optarg;
				break;
			case 't':
				ttl = atoll(optarg);
				break;
			case 'e':
				exp = atoll(optarg);
				break;
			case 'n':
				nbf = atoll(optarg);
				break;
			case 'y':
				typ = optarg;
				break;
			case 'c':
				count = atoll(optarg);
				break;
			case 'K': {
				uint8_t kid[16];
				size_t kl;
				char b64[32];

				if(unhex(optarg, kid, sizeof(kid), &kl) || kl != 16)
					usage();
				p2pcd_b64url_encode(kid, 16, b64, sizeof(b64));
				if(!kids)
					kids = json_array();
				json_array_append_new(kids, json_string(b64));
				break;
			}
			case 'j':
				jti_opt = optarg;
				break;
			case 'R':
				rights = optarg;
				break;
			default:
				usage();
		}
	}
	if(!aud || (!have_master && !have_key))
		usage();
	if(derive) {
		if(!have_master
				|| p2pcd_jws_derive_key(secret, secret_len, aud, version, key))
			usage();
		for(i = 0; i < P2PCD_JWS_KEY_LEN; i++)
			printf("%02x", key[i]);
		printf("\n");
		return 0;
	}
	if(!ih && !json_array_size(kids))
		usage();
	if(have_key ? (secret_len != P2PCD_JWS_KEY_LEN
				   || p2pcd_jws_signer_init_key(&sg, secret, aud, version))
				: p2pcd_jws_signer_init(
						&sg, secret, secret_len, aud, version)) {
		fprintf(stderr, "bad key, master or audience\n");
		return 1;
	}
	for(i = 0; i < count; i++) {
		char subj[300], jti[32];
		char *tok;
		size_t len;
		json_t *c;

		if(count > 1)
			snprintf(subj, sizeof(subj), "%s-%lld", sub, i);
		else
			snprintf(subj, sizeof(subj), "%s", sub);
		snprintf(jti, sizeof(jti), "j-%lld-%lld", (long long)now, i);
		if(json_array_size(kids))
			c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:O, s:o, "
						  "s:s}",
					"iss", "p2pcd-mint-token", "sub", subj, "aud", aud, "iat",
					(json_int_t)now, "exp", (json_int_t)(exp ? exp : now + ttl),
					"jti", jti_opt ? jti_opt : jti, "doi", doi, "kids", kids,
					"rights", json_loads(rights, 0, NULL), "icid", "test-icid");
		else
			c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, "
						  "s:s, s:s}",
					"iss", "p2pcd-mint-token", "sub", subj, "aud", aud, "iat",
					(json_int_t)now, "nbf", (json_int_t)(nbf ? nbf : now),
					"exp", (json_int_t)(exp ? exp : now + ttl), "jti", jti,
					"ih", ih, "doi", doi, "role", role, "icid", "test-icid");
		if(!c || p2pcd_jws_sign(&sg, typ, c, &tok, &len)) {
			fprintf(stderr, "signing failed\n");
			return 1;
		}
		puts(tok);
		free(tok);
		json_decref(c);
	}
	p2pcd_jws_signer_wipe(&sg);
	json_decref(kids);
	return 0;
}
