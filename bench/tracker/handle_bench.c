/*
 * In-process cost of the tracker's request handling, without HTTP and the
 * kernel: a valid re-announce (token cache hit), a refused token seen
 * before (negative cache hit), a never-seen bad token (full verify), a
 * fresh valid token (full verify). 1,000 swarms, 200,000 peers, numwant 50.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "accounting.h"
#include "announce.h"
#include "p2pcd/infohash.h"
#include "p2pcd/init.h"

#define SWARMS 1000
#define PEERS 200000

static struct tracker t;
static struct worker w;
static uint8_t ihs[SWARMS][20];
static char *toks[SWARMS];

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static char *mint(const struct p2pcd_jws_signer *s, int i)
{
	char hex[41], sub[32];
	char *tok;
	size_t len;
	json_t *c;

	p2pcd_infohash_hex(ihs[i], hex);
	snprintf(sub, sizeof(sub), "bench-%d", i);
	c = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "sub", sub, "aud",
			"trk-bench", "exp", (json_int_t)time(NULL) + 3600, "ih", hex, "doi",
			"10.9999/b", "role", "leech");
	if(!c || p2pcd_jws_sign(s, P2PCD_JWS_TYP_ADM, c, &tok, &len))
		exit(1);
	json_decref(c);
	return tok;
}

/* one announce of peer p; tok overrides the swarm's token */
static size_t one(int p, const char *tok)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct request_in in;
	struct tq q;
	uint8_t *body;
	size_t len;
	int s = p % SWARMS;

	memset(&q, 0, sizeof(q));
	memcpy(q.info_hash[0], ihs[s], 20);
	q.n_info_hash = 1;
	snprintf((char *)q.peer_id, sizeof(q.peer_id), "-BN0001-%011d", p);
	q.port = (uint16_t)(1024 + p % 60000);
	q.left = p % 2 ? 1000 : 0;
	q.numwant = 50;
	q.compact = 1;
	sa.sin_addr.s_addr = htonl(0x0a000000u + (uint32_t)p);
	memset(&in, 0, sizeof(in));
	in.kind = TQ_ANNOUNCE;
	in.token = tok ? tok : toks[s];
	in.token_len = strlen(in.token);
	in.q = &q;
	in.peer = (struct sockaddr *)&sa;
	body = tracker_handle(&w, &in, &len);
	free(body);
	return len;
}

int main(void)
{
	struct p2pcd_jws_keyring kr;
	struct p2pcd_jws_signer sg;
	uint8_t key[32];
	double t0;
	int i, n = 400000;
	char *bad;
	size_t dot;

	if(p2pcd_lib_init() || catalog_init(&t.cat) || acct_init())
		return 1;
	config_defaults(&t.cfg);
	t.cfg.peer_timeout = 3600;
	snprintf(t.cfg.tracker_id, sizeof(t.cfg.tracker_id), "trk-bench");
	randombytes_buf(key, sizeof(key));
	randombytes_buf(t.peer_hash_key, sizeof(t.peer_hash_key));
	if(p2pcd_jws_keyring_init(&kr, "trk-bench")
			|| p2pcd_jws_keyring_set(&kr, 1, key) || adm_setup(30, 60)
			|| adm_set_keys(&kr)
			|| p2pcd_jws_signer_init_key(&sg, key, "trk-bench", 1))
		return 1;
	w.t = &t;
	w.rng = 88172645463325252ull;
	if(adm_cache_init(&w.cache, 65536))
		return 1;
	for(i = 0; i < SWARMS; i++) {
		randombytes_buf(ihs[i], 20);
		catalog_set(&t.cat, ihs[i], SW_ACTIVE, "10.9999/b", 1);
		toks[i] = mint(&sg, i);
	}
	for(i = 0; i < PEERS; i++)
		one(i, NULL);

	t0 = now_ns();
	for(i = 0; i < n; i++)
		one(i % PEERS, NULL);
	printf("  valid re-announce (cache hit)     %7.0f ns\n",
			(now_ns() - t0) / n);

	bad = strdup(toks[0]);
	dot = strrchr(bad, '.') - bad;
	memset(bad + dot + 1, 'A', strlen(bad) - dot - 1);
	t0 = now_ns();
	for(i = 0; i < n; i++)
		one(i % PEERS, bad);
	printf("  bad token seen before             %7.0f ns\n",
			(now_ns() - t0) / n);

	n = 100000;
	t0 = now_ns();
	for(i = 0; i < n; i++) {
		snprintf(bad + dot + 1, 44, "%043d", i);
		one(i % PEERS, bad);
	}
	printf("  bad token never seen (verify)     %7.0f ns\n",
			(now_ns() - t0) / n);

	/* fresh valid tokens: drop the cache between rounds */
	t0 = now_ns();
	for(i = 0; i < SWARMS * 20; i++) {
		if(i % SWARMS == 0) {
			adm_cache_free(&w.cache);
			adm_cache_init(&w.cache, 65536);
		}
		one(i % PEERS, NULL);
	}
	printf("  valid token never seen (verify)   %7.0f ns\n",
			(now_ns() - t0) / (SWARMS * 20));
	return 0;
}
