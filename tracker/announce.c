/* Announce and scrape handling: see announce.h. */
#include "announce.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "accounting.h"
#include "offenders.h"
#include "p2pcd/bencode.h"
#include "reports.h"
#include "tamper.h"

/* a single report above this is not believed (and keeps BIGINT happy) */
#define MAX_DELTA (1ull << 42)

uint8_t *failure_reply(
		enum refusal r, const char *detail, int retry_minutes, size_t *len)
{
	struct p2pcd_benc e;
	char msg[256];
	uint8_t *out = NULL;

	if(detail && *detail)
		snprintf(msg, sizeof(msg), "%s: %s", refusal_text(r), detail);
	else
		snprintf(msg, sizeof(msg), "%s", refusal_text(r));
	p2pcd_benc_init(&e);
	p2pcd_benc_dict(&e);
	p2pcd_benc_cstr(&e, "failure reason");
	p2pcd_benc_cstr(&e, msg);
	p2pcd_benc_cstr(&e, "retry in");
	if(retry_minutes < 0)
		p2pcd_benc_cstr(&e, "never");
	else
		p2pcd_benc_int(&e, retry_minutes);
	p2pcd_benc_end(&e);
	if(p2pcd_benc_take(&e, &out, len))
		out = NULL;
	p2pcd_benc_free(&e);
	return out;
}

static uint8_t *refuse(
		struct worker *w, enum refusal r, const char *detail, size_t *len)
{
	counter_inc(&w->refusals[r]);
	return failure_reply(r, detail,
			refusal_retry_minutes(r, w->t->cfg.retry_in_minutes), len);
}

/* the peer's address: 4 bytes for IPv4 (also v4-mapped IPv6), else 16 */
static int peer_ip(const struct sockaddr *sa, uint8_t ip[16], uint16_t *port)
{
	if(sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		memcpy(ip, &s4->sin_addr, 4);
		*port = s4->sin_port;
		return 4;
	}
	if(sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		*port = s6->sin6_port;
		if(IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			memcpy(ip, s6->sin6_addr.s6_addr + 12, 4);
			return 4;
		}
		memcpy(ip, &s6->sin6_addr, 16);
		return 16;
	}
	return 0;
}

/* token, catalog and tracker state for the swarm ih; the swarm or NULL */
static struct swarm *admit(struct worker *w, const struct request_in *in,
		const uint8_t *ih, int64_t now, struct adm_claims *cl, enum refusal *rf,
		const char **detail)
{
	struct tracker *t = w->t;
	struct swarm *sw;
	int st;

	*detail = NULL;
	if(atomic_load_explicit(&t->cat.tracker_muted, memory_order_relaxed)) {
		*rf = RF_TRACKER_MUTED;
		return NULL;
	}
	*rf = adm_check(&w->cache, in->token, in->token_len, now, cl, detail);
	if(*rf != RF_OK)
		return NULL;
	if(ih && memcmp(cl->ih, ih, 20) != 0) {
		*rf = RF_WRONG_SWARM;
		return NULL;
	}
	sw = catalog_find(&t->cat, cl->ih);
	st = sw ? atomic_load_explicit(&sw->state, memory_order_acquire) : SW_NONE;
	switch(st) {
		case SW_ACTIVE:
			return sw;
		case SW_PENDING:
			if(cl->role == ROLE_SEED)
				return sw;
			*rf = RF_NOT_OPEN;
			return NULL;
		case SW_MUTED:
			*rf = RF_MUTED;
			return NULL;
		case SW_REMOVED:
			*rf = RF_REMOVED;
			return NULL;
		case SW_FOREIGN:
			*rf = RF_FOREIGN_TORRENT;
			return NULL;
		default:
			*rf = RF_UNKNOWN_TORRENT;
			return NULL;
	}
}

/* DESIGN 7.1: more bytes since the previous announce than the rate
 * bound allows is reported and kept out of the buyer's totals */
static void check_plausible(const struct tracker *t, struct swarm *sw,
		uint32_t subject, struct swarm_delta *d)
{
	uint64_t allow;
	struct report r;

	if(d->is_new || t->cfg.report_max_rate <= 0)
		return;
	allow = (uint64_t)t->cfg.report_max_rate * (d->elapsed ? d->elapsed : 1)
			+ (uint64_t)t->cfg.report_slack;
	if(d->up <= allow && d->down <= allow)
		return;
	memset(&r, 0, sizeof(r));
	r.subject = subject;
	r.sw = sw;
	r.check = CHECK_MAX_RATE;
	r.at = time(NULL);
	r.up = d->up;
	r.down = d->down;
	r.seconds = d->elapsed;
	r.v[0] = (uint64_t)t->cfg.report_max_rate;
	r.v[1] = (uint64_t)t->cfg.report_slack;
	reports_add(&r);
	d->up = d->down = 0;
}

static uint32_t next_rand(struct worker *w)
{
	/* xorshift64*: peer selection needs spread, not secrecy */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (uint32_t)((w->rng * 0x2545F4914F6CDD1Dull) >> 32);
}

struct picked
{
	uint32_t seeders, leechers;
	unsigned n4, n6;
};

static uint8_t *announce_reply(struct worker *w, const struct picked *p,
		const uint8_t *buf4, const uint8_t *buf6, const uint8_t *ip, int ip_len,
		size_t *len)
{
	const struct tracker_config *c = &w->t->cfg;
	struct p2pcd_benc e;
	uint8_t *out = NULL;

	p2pcd_benc_init(&e);
	p2pcd_benc_dict(&e);
	p2pcd_benc_cstr(&e, "complete");
	p2pcd_benc_int(&e, p->seeders);
	p2pcd_benc_cstr(&e, "external ip");
	p2pcd_benc_str(&e, ip, (size_t)ip_len);
	p2pcd_benc_cstr(&e, "incomplete");
	p2pcd_benc_int(&e, p->leechers);
	p2pcd_benc_cstr(&e, "interval");
	p2pcd_benc_int(&e, c->interval);
	p2pcd_benc_cstr(&e, "min interval");
	p2pcd_benc_int(&e, c->min_interval);
	p2pcd_benc_cstr(&e, "peers");
	p2pcd_benc_str(&e, buf4, (size_t)p->n4 * 6);
	if(p->n6) {
		p2pcd_benc_cstr(&e, "peers6");
		p2pcd_benc_str(&e, buf6, (size_t)p->n6 * 18);
	}
	p2pcd_benc_end(&e);
	if(p2pcd_benc_take(&e, &out, len))
		out = NULL;
	p2pcd_benc_free(&e);
	return out;
}

static uint8_t *do_announce(
		struct worker *w, const struct request_in *in, size_t *len)
{
	struct tracker *t = w->t;
	const struct tq *q = in->q;
	int64_t now = time(NULL);
	struct adm_claims cl;
	enum refusal rf;
	const char *detail;
	struct swarm *sw;
	struct swarm_announce a;
	struct swarm_delta d;
	struct picked p;
	uint8_t ip[16], pid_hash[8];
	uint16_t src_port;
	int ip_len, want;
	swarm_skip_fn skip;
	/* numwant_max is capped at 1000 by the config */
	uint8_t buf4[1000 * 6], buf6[1000 * 18];

	counter_inc(&w->announces);
	sw = admit(w, in, q->info_hash[0], now, &cl, &rf, &detail);
	if(!sw)
		return refuse(w, rf, detail, len);
	ip_len = peer_ip(in->peer, ip, &src_port);
	if(!ip_len)
		return refuse(w, RF_INTERNAL, "no peer address", len);
	crypto_shorthash(
			pid_hash, q->peer_id, sizeof(q->peer_id), t->peer_hash_key);
	memset(&a, 0, sizeof(a));
	memcpy(&a.key, pid_hash, sizeof(a.key));
	a.ip = ip;
	a.ip_len = ip_len;
	a.port = htons(q->port);
	a.seed = q->left == 0;
	a.stopped = q->event == TQ_EV_STOPPED;
	/* rounded up: a peer never expires before peer_timeout */
	a.exp = (uint16_t)((now + t->cfg.peer_timeout + SWARM_TICK_SECONDS - 1)
					   / SWARM_TICK_SECONDS);
	a.up = q->uploaded;
	a.down = q->downloaded;
	a.subject = cl.subject;
	a.now = (uint32_t)now;
	want = q->numwant < 0 ? t->cfg.numwant_default : q->numwant;
	if(want > t->cfg.numwant_max)
		want = t->cfg.numwant_max;
	if(a.stopped)
		want = 0;
	/* DESIGN 7.2 (tamper.h): a subject reported for bad pieces is
	 * refused (one byte load) and leaves the swarm */
	if(tamper_refused(cl.subject)) {
		a.stopped = true;
		pthread_mutex_lock(&sw->mu);
		if(!swarm_announce(&sw->peers, &a, &d))
			sw->dirty = true;
		pthread_mutex_unlock(&sw->mu);
		return tamper_refusal(len);
	}
	/* DESIGN 7.1 policy (offenders.h): one atomic load unless someone
	 * is over the strike threshold; a refused peer leaves the swarm */
	if(offenders_refuses(cl.subject, a.seed || cl.role == ROLE_SEED)) {
		a.stopped = true;
		pthread_mutex_lock(&sw->mu);
		if(!swarm_announce(&sw->peers, &a, &d))
			sw->dirty = true;
		pthread_mutex_unlock(&sw->mu);
		return offenders_refusal(
				a.seed || cl.role == ROLE_SEED, t->cfg.retry_in_minutes, len);
	}

	pthread_mutex_lock(&sw->mu);
	if(swarm_announce(&sw->peers, &a, &d)) {
		pthread_mutex_unlock(&sw->mu);
		return refuse(w, RF_INTERNAL, "out of memory", len);
	}
	/* a leecher reaching left=0 completed, whether or not it says so
	 * (aria2 stopping at once and rtorrent send no event=completed) */
	if((d.was_leecher && a.seed) || (d.is_new && q->event == TQ_EV_COMPLETED))
		sw->completed++;
	sw->dirty = true;
	/* refused subjects' peers are not handed out (tamper.h) */
	skip = tamper_active() ? tamper_skip : NULL;
	p.n4 = swarm_pick_skip(&sw->peers, 4, a.key, a.seed, (unsigned)want,
			next_rand(w), buf4, skip, NULL);
	p.n6 = swarm_pick_skip(&sw->peers, 16, a.key, a.seed, (unsigned)want - p.n4,
			next_rand(w), buf6, skip, NULL);
	p.seeders = sw->peers.seeders;
	p.leechers = sw->peers.leechers;
	pthread_mutex_unlock(&sw->mu);

	check_plausible(t, sw, cl.subject, &d);
	if(d.up > MAX_DELTA)
		d.up = MAX_DELTA;
	if(d.down > MAX_DELTA)
		d.down = MAX_DELTA;
	acct_add(cl.subject, sw, d.up, d.down);
	reports_note(
			sw, cl.subject, cl.role == ROLE_SEED, &d, q->left, a.seed, a.now);
	return announce_reply(w, &p, buf4, buf6, ip, ip_len, len);
}

static uint8_t *do_scrape(
		struct worker *w, const struct request_in *in, size_t *len)
{
	const struct tq *q = in->q;
	struct adm_claims cl;
	enum refusal rf;
	const char *detail;
	struct swarm *sw;
	unsigned i;
	uint32_t seeders, leechers;
	uint64_t completed;
	struct p2pcd_benc e;
	uint8_t *out = NULL;

	counter_inc(&w->scrapes);
	/* a token admits one swarm: every info_hash asked must be it */
	for(i = 1; i < q->n_info_hash; i++)
		if(memcmp(q->info_hash[i], q->info_hash[0], 20))
			return refuse(w, RF_WRONG_SWARM, NULL, len);
	sw = admit(w, in, q->n_info_hash ? q->info_hash[0] : NULL, time(NULL), &cl,
			&rf, &detail);
	if(!sw)
		return refuse(w, rf, detail, len);
	pthread_mutex_lock(&sw->mu);
	seeders = sw->peers.seeders;
	leechers = sw->peers.leechers;
	completed = sw->completed;
	pthread_mutex_unlock(&sw->mu);

	p2pcd_benc_init(&e);
	p2pcd_benc_dict(&e);
	p2pcd_benc_cstr(&e, "files");
	p2pcd_benc_dict(&e);
	p2pcd_benc_str(&e, sw->ih, 20);
	p2pcd_benc_dict(&e);
	p2pcd_benc_cstr(&e, "complete");
	p2pcd_benc_int(&e, seeders);
	p2pcd_benc_cstr(&e, "downloaded");
	p2pcd_benc_int(&e, (int64_t)completed);
	p2pcd_benc_cstr(&e, "incomplete");
	p2pcd_benc_int(&e, leechers);
	p2pcd_benc_end(&e);
	p2pcd_benc_end(&e);
	p2pcd_benc_end(&e);
	if(p2pcd_benc_take(&e, &out, len))
		out = NULL;
	p2pcd_benc_free(&e);
	return out;
}

uint8_t *tracker_handle(
		struct worker *w, const struct request_in *in, size_t *len)
{
	if(!in->q) {
		if(in->kind == TQ_ANNOUNCE)
			counter_inc(&w->announces);
		return refuse(w, RF_MALFORMED, in->parse_error, len);
	}
	return in->kind == TQ_ANNOUNCE ? do_announce(w, in, len)
								   : do_scrape(w, in, len);
}
