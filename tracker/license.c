/* The license service: queue, workers and the answer; see license.h. */
#include "license.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "license_db.h"
#include "license_req.h"
#include "log.h"
#include "sbuf.h"
#include "p2pcd/base64url.h"
#include "p2pcd/keyfile.h"
#include "p2pcd/keywrap.h"
#include "p2pcd/seal.h"

static struct
{
	const struct tracker_config *cfg;
	pthread_rwlock_t kr_lock;
	struct p2pcd_jws_keyring kr;
	struct lkeys keys; /* X25519 pair and KEK: fixed after start */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct license_job *head, *tail;
	int queued, stopping, n_thr;
	pthread_t *thr;
} L = {.kr_lock = PTHREAD_RWLOCK_INITIALIZER,
		.mu = PTHREAD_MUTEX_INITIALIZER,
		.cv = PTHREAD_COND_INITIALIZER};

/* answers by status, for /metrics */
static const unsigned statuses[] = {
		200, 400, 401, 403, 404, 405, 410, 413, 451, 500, 503};
#define N_STATUS (sizeof(statuses) / sizeof(statuses[0]))
static _Atomic unsigned long long answers[N_STATUS];

void license_count(unsigned status)
{
	size_t i;

	for(i = 0; i < N_STATUS; i++)
		if(statuses[i] == status)
			atomic_fetch_add_explicit(&answers[i], 1, memory_order_relaxed);
}

void license_metrics(struct sbuf *b)
{
	size_t i;
	int q;

	sbuf_puts(b, "# HELP p2pcd_tracker_licenses_total License requests "
				 "answered, by HTTP status (200: license issued).\n"
				 "# TYPE p2pcd_tracker_licenses_total counter\n");
	for(i = 0; i < N_STATUS; i++)
		sbuf_printf(b, "p2pcd_tracker_licenses_total{status=\"%u\"} %llu\n",
				statuses[i], atomic_load(&answers[i]));
	pthread_mutex_lock(&L.mu);
	q = L.queued;
	pthread_mutex_unlock(&L.mu);
	sbuf_printf(b,
			"# HELP p2pcd_tracker_license_queue License requests waiting "
			"for a worker.\n# TYPE p2pcd_tracker_license_queue gauge\n"
			"p2pcd_tracker_license_queue %d\n",
			q);
}

void license_error(struct license_job *j, unsigned status, const char *code,
		const char *msg)
{
	json_t *o = json_pack("{s:s, s:s}", "error", code, "message", msg);

	free(j->resp);
	j->status = status;
	j->resp = o ? json_dumps(o, JSON_COMPACT) : NULL;
	j->resp_len = j->resp ? strlen(j->resp) : 0;
	json_decref(o);
}

int license_set_keys(const struct license_config *c)
{
	struct p2pcd_jws_keyring kr;
	int rc = -1;

	if(p2pcd_jws_keyring_init(&kr, c->audience)
			|| (c->prev_key_version
					&& p2pcd_jws_keyring_set(
							&kr, c->prev_key_version, c->prev_key))
			|| p2pcd_jws_keyring_set(&kr, c->key_version, c->key))
		goto out;
	pthread_rwlock_wrlock(&L.kr_lock);
	L.kr = kr;
	pthread_rwlock_unlock(&L.kr_lock);
	rc = 0;
out:
	p2pcd_jws_keyring_wipe(&kr);
	return rc;
}

/* the token from "Bearer TOKEN"; NULL if there is none */
static const char *bearer(const char *auth, size_t *len)
{
	if(!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return NULL;
	auth += 7;
	while(*auth == ' ')
		auth++;
	*len = strlen(auth);
	while(*len && auth[*len - 1] == ' ')
		(*len)--;
	return *len ? auth : NULL;
}

/* the verified token's claims into g; 0, or -1 with a 401 answer in j */
static int check_token(struct license_job *j, struct lgrant *g)
{
	struct p2pcd_jws_expect ex = {.typ = P2PCD_JWS_TYP_LIC,
			.now = (int64_t)time(NULL),
			.skew = L.cfg->token_skew};
	enum p2pcd_jws_result r;
	const char *tok, *jti, *doi, *sub = "", *icid = "";
	json_t *claims = NULL, *kids, *v;
	size_t len, i;

	tok = bearer(j->auth, &len);
	if(!tok) {
		license_error(j, 401, "invalid_token",
				"Authorization: Bearer LICENSE-TOKEN required");
		return -1;
	}
	pthread_rwlock_rdlock(&L.kr_lock);
	r = p2pcd_jws_verify(&L.kr, tok, len, &ex, &claims, NULL);
	pthread_rwlock_unlock(&L.kr_lock);
	if(r != P2PCD_JWS_OK) {
		license_error(j, 401, "invalid_token", p2pcd_jws_strerror(r));
		return -1;
	}
	kids = json_object_get(claims, "kids");
	p2pcd_jws_claim_str(claims, "sub", &sub);
	p2pcd_jws_claim_str(claims, "icid", &icid);
	if(p2pcd_jws_claim_str(claims, "jti", &jti)
			|| p2pcd_jws_claim_str(claims, "doi", &doi) || !json_is_array(kids)
			|| json_array_size(kids) == 0
			|| json_array_size(kids) > LREQ_MAX_KIDS || strlen(jti) >= 64
			|| strlen(doi) > 128) {
		license_error(j, 401, "invalid_token",
				"the token lacks jti, doi or kids (1 to 16)");
		goto fail;
	}
	json_array_foreach(kids, i, v)
	{
		if(!json_is_string(v)
				|| lreq_kid_decode(json_string_value(v), json_string_length(v),
						g->kids[i])) {
			license_error(j, 401, "invalid_token", "a kid claim is malformed");
			goto fail;
		}
	}
	g->n_kids = json_array_size(kids);
	snprintf(g->jti, sizeof(g->jti), "%s", jti);
	snprintf(g->doi, sizeof(g->doi), "%s", doi);
	snprintf(g->sub, sizeof(g->sub), "%s", sub);
	snprintf(g->icid, sizeof(g->icid), "%s", icid);
	json_decref(claims);
	return 0;
fail:
	json_decref(claims);
	return -1;
}

/* 403 unless every requested kid is one of the token's */
static int check_kids(
		struct license_job *j, const struct lreq *rq, const struct lgrant *g)
{
	size_t i, k;

	for(i = 0; i < rq->n_kids; i++) {
		int ok = 0;

		for(k = 0; k < g->n_kids; k++)
			ok |= memcmp(rq->kids[i], g->kids[k], 16) == 0;
		if(!ok) {
			license_error(j, 403, "kid_not_granted",
					"the license token does not grant a requested kid");
			return -1;
		}
	}
	return 0;
}

/* the ClearKey JWK Set of the keys in k */
static void answer_keys(
		struct license_job *j, const struct lreq *rq, struct lkey *k)
{
	json_t *keys = json_array(), *o;
	char kid[32], key[48];
	size_t i;

	for(i = 0; i < rq->n_kids; i++) {
		p2pcd_b64url_encode(rq->kids[i], 16, kid, sizeof(kid));
		p2pcd_b64url_encode(k[i].key, k[i].len, key, sizeof(key));
		json_array_append_new(keys, json_pack("{s:s, s:s, s:s}", "kty", "oct",
											"kid", kid, "k", key));
	}
	sodium_memzero(key, sizeof(key));
	o = json_pack("{s:o, s:s}", "keys", keys, "type", "temporary");
	free(j->resp);
	j->resp = o ? json_dumps(o, JSON_COMPACT) : NULL;
	j->resp_len = j->resp ? strlen(j->resp) : 0;
	j->status = j->resp ? 200 : 500;
	/* the JSON held the keys: jansson frees without wiping */
	json_decref(o);
}

static void process(struct license_job *j, struct ldb *db)
{
	struct lgrant g;
	struct lreq rq;
	struct lkey k[LREQ_MAX_KIDS];
	const char *why;

	memset(&g, 0, sizeof(g));
	if(check_token(j, &g))
		return;
	if(lreq_parse(j->body ? j->body : "", j->body_len, &rq, &why)) {
		license_error(j, 400, "invalid_request", why);
		return;
	}
	if(check_kids(j, &rq, &g))
		return;
	memset(k, 0, sizeof(k));
	if(ldb_issue(db, j, &g, &rq, &L.keys, k) == 0)
		answer_keys(j, &rq, k);
	sodium_memzero(k, sizeof(k));
}

static void *worker(void *arg)
{
	struct ldb db;

	(void)arg;
	ldb_init(&db, L.cfg);
	pthread_mutex_lock(&L.mu);
	for(;;) {
		struct license_job *j;

		while(!L.head && !L.stopping)
			pthread_cond_wait(&L.cv, &L.mu);
		if(!L.head)
			break;
		j = L.head;
		L.head = j->next;
		if(!L.head)
			L.tail = NULL;
		L.queued--;
		pthread_mutex_unlock(&L.mu);
		if(L.stopping)
			license_error(j, 503, "unavailable", "the service is stopping");
		else
			process(j, &db);
		if(!j->resp)
			license_error(j, 500, "internal", "out of memory");
		MHD_resume_connection(j->con);
		pthread_mutex_lock(&L.mu);
	}
	pthread_mutex_unlock(&L.mu);
	ldb_close(&db);
	return NULL;
}

int license_submit(struct license_job *j)
{
	int rc = -1;

	pthread_mutex_lock(&L.mu);
	if(!L.thr || L.stopping)
		license_error(j, 503, "unavailable", "the service is stopping");
	else if(L.queued >= L.cfg->lic.queue)
		license_error(j, 503, "busy", "too many license requests: retry");
	else {
		j->next = NULL;
		if(L.tail)
			L.tail->next = j;
		else
			L.head = j;
		L.tail = j;
		L.queued++;
		pthread_cond_signal(&L.cv);
		rc = 0;
	}
	pthread_mutex_unlock(&L.mu);
	return rc;
}

int license_start(struct tracker *t)
{
	const struct license_config *c = &t->cfg.lic;
	int i;

	L.cfg = &t->cfg;
	if(!c->enabled)
		return 0;
	if(lkeys_load(c, &L.keys) || license_set_keys(c))
		return -1;
	L.thr = calloc((size_t)c->threads, sizeof(*L.thr));
	if(!L.thr)
		return -1;
	for(i = 0; i < c->threads; i++) {
		if(pthread_create(&L.thr[i], NULL, worker, NULL))
			return -1;
		L.n_thr++;
	}
	LOG_I("license service on, %d worker(s), KEK v%u, token key %s:v%u",
			c->threads, c->kek_version, c->audience, c->key_version);
	return 0;
}

void license_stop(void)
{
	int i;

	pthread_mutex_lock(&L.mu);
	L.stopping = 1;
	pthread_cond_broadcast(&L.cv);
	pthread_mutex_unlock(&L.mu);
	for(i = 0; i < L.n_thr; i++)
		pthread_join(L.thr[i], NULL);
	free(L.thr);
	L.thr = NULL;
	L.n_thr = 0;
	sodium_memzero(&L.keys, sizeof(L.keys));
	p2pcd_jws_keyring_wipe(&L.kr);
}
