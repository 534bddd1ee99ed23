/* The inconsistent-report queue and the cross-check ledger: see reports.h. */
#include "reports.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swarm.h"

/* ---- the queue ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct report *q;
static size_t n, cap;
static uint64_t total, dropped, by_check[CHECK_COUNT];

static int push_locked(const struct report *r)
{
	if(n == REPORTS_MAX) {
		dropped++;
		return -1;
	}
	if(n == cap) {
		size_t c = cap ? cap * 2 : 64;
		struct report *p = realloc(q, c * sizeof(*p));

		if(!p) {
			dropped++;
			return -1;
		}
		q = p;
		cap = c;
	}
	q[n++] = *r;
	return 0;
}

int reports_add(const struct report *r)
{
	int rc;

	pthread_mutex_lock(&mu);
	rc = push_locked(r);
	if(!rc) {
		total++;
		if(r->check < CHECK_COUNT)
			by_check[r->check]++;
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

size_t reports_take(struct report **out)
{
	size_t k;

	pthread_mutex_lock(&mu);
	*out = q;
	k = n;
	q = NULL;
	n = cap = 0;
	pthread_mutex_unlock(&mu);
	return k;
}

void reports_putback(const struct report *r, size_t k)
{
	size_t i;

	pthread_mutex_lock(&mu);
	for(i = 0; i < k; i++)
		push_locked(&r[i]);
	pthread_mutex_unlock(&mu);
}

static uint64_t get(const uint64_t *v)
{
	uint64_t x;

	pthread_mutex_lock(&mu);
	x = *v;
	pthread_mutex_unlock(&mu);
	return x;
}

uint64_t reports_total(void)
{
	return get(&total);
}

uint64_t reports_dropped(void)
{
	return get(&dropped);
}

uint64_t reports_by_check(enum report_check c)
{
	return (unsigned)c < CHECK_COUNT ? get(&by_check[c]) : 0;
}

const char *reports_check_name(enum report_check c)
{
	static const char *const names[CHECK_COUNT] = {
			"max_rate", "upload_vs_others", "swarm_balance", "seed_claim"};

	return (unsigned)c < CHECK_COUNT ? names[c] : "unknown";
}

#define U(x) ((unsigned long long)(x))

int reports_evidence(
		const struct report *r, const char *tracker_id, char *buf, size_t size)
{
	const uint64_t *v = r->v;
	const char *name = reports_check_name((enum report_check)r->check);
	int k;

	(void)tracker_id; /* the row's tracker_id column holds it */
	switch(r->check) {
		case CHECK_MAX_RATE:
			/* the keys of the first version of this report, kept */
			k = snprintf(buf, size,
					"{\"check\": \"%s\", \"uploaded\": %llu, \"downloaded\": "
					"%llu, \"seconds\": %u, \"max_rate\": %llu, \"slack\": "
					"%llu, \"at\": %lld}",
					name, U(r->up), U(r->down), r->seconds, U(v[0]), U(v[1]),
					(long long)r->at);
			break;
		case CHECK_OTHERS:
			k = snprintf(buf, size,
					"{\"check\": \"%s\", \"interval\": {\"from\": %u, \"to\": "
					"%lld}, \"uploaded\": %llu, \"uploaded_total\": %llu, "
					"\"others_downloaded\": %llu, \"allowed\": %llu, "
					"\"excess\": %llu, \"at\": %lld}",
					name, r->from, (long long)r->at, U(v[0]), U(v[1]), U(v[2]),
					U(v[3]), U(v[4]), (long long)r->at);
			break;
		case CHECK_BALANCE:
			k = snprintf(buf, size,
					"{\"check\": \"%s\", \"interval\": {\"from\": %u, \"to\": "
					"%lld}, \"uploaded\": %llu, \"swarm_uploaded\": %llu, "
					"\"swarm_downloaded\": %llu, \"allowed\": %llu, "
					"\"excess\": %llu, \"at\": %lld}",
					name, r->from, (long long)r->at, U(v[0]), U(v[1]), U(v[2]),
					U(v[3]), U(v[4]), (long long)r->at);
			break;
		default:
			k = snprintf(buf, size,
					"{\"check\": \"%s\", \"downloaded\": %llu, "
					"\"downloaded_recorded\": %llu, \"size\": %llu, "
					"\"size_from\": \"%s\", \"required\": %llu, \"at\": %lld}",
					name, U(v[0]), U(v[1]), U(v[2]),
					v[4] ? "first_announce" : "swarm", U(v[3]),
					(long long)r->at);
			break;
	}
	if(k < 0)
		k = 0;
	if(size && (size_t)k >= size)
		k = (int)size - 1;
	return k;
}

/* ---- the ledger ---- */

struct led
{
	struct swarm *sw;
	uint32_t subject;  /* 0: the swarm's sums */
	uint32_t last;	   /* unix time of the last note */
	uint64_t up, down; /* cross-checkable claims (known peers' deltas) */
	uint64_t up_prev;  /* up at the previous round */
	uint64_t up_base;  /* up at the round before, after write-offs */
	uint64_t got;	   /* downloaded, for seed_claim */
	uint64_t need;	   /* what it lacked when first seen; sums: size */
	uint64_t w;		   /* round scratch: written off */
	uint64_t chk;	   /* round scratch: claims under check */
	bool seed_role, has_need, claim, claim_out, seed_ok, flagged;
};

static pthread_mutex_t lmu = PTHREAD_MUTEX_INITIALIZER;
static struct led *led;
static size_t n_led, led_cap;
static uint32_t *idx; /* open addressing: position + 1 */
static uint32_t idx_cap;
static struct reports_params prm = {16u << 20, 5, 10, 0, 7200, false};

void reports_configure(const struct reports_params *p)
{
	pthread_mutex_lock(&lmu);
	prm = *p;
	pthread_mutex_unlock(&lmu);
}

static uint32_t hkey(const struct swarm *sw, uint32_t subject)
{
	uint64_t x = (uint64_t)(uintptr_t)sw * 0x9e3779b97f4a7c15ull
				 ^ (uint64_t)subject * 0xc2b2ae3d27d4eb4full;

	return (uint32_t)(x >> 32) ^ (uint32_t)x;
}

static int reindex(uint32_t c)
{
	uint32_t *p = calloc(c, sizeof(*p));
	size_t i;

	if(!p)
		return -1;
	for(i = 0; i < n_led; i++) {
		uint32_t j = hkey(led[i].sw, led[i].subject) & (c - 1);

		while(p[j])
			j = (j + 1) & (c - 1);
		p[j] = (uint32_t)i + 1;
	}
	free(idx);
	idx = p;
	idx_cap = c;
	return 0;
}

/* caller holds lmu; NULL on OOM */
static struct led *lookup(struct swarm *sw, uint32_t subject, bool *created)
{
	uint32_t j;

	*created = false;
	if(!idx && reindex(1024))
		return NULL;
	for(j = hkey(sw, subject) & (idx_cap - 1); idx[j];
			j = (j + 1) & (idx_cap - 1)) {
		struct led *e = &led[idx[j] - 1];

		if(e->sw == sw && e->subject == subject)
			return e;
	}
	if(n_led == led_cap) {
		size_t c = led_cap ? led_cap * 2 : 256;
		struct led *p = realloc(led, c * sizeof(*p));

		if(!p)
			return NULL;
		led = p;
		led_cap = c;
	}
	memset(&led[n_led], 0, sizeof(led[n_led]));
	led[n_led].sw = sw;
	led[n_led].subject = subject;
	idx[j] = (uint32_t)++n_led;
	*created = true;
	if(n_led * 2 > idx_cap) {
		struct led *e = &led[n_led - 1];

		reindex(idx_cap * 2); /* on failure the index just gets fuller */
		return e;
	}
	return &led[n_led - 1];
}

void reports_note(struct swarm *sw, uint32_t subject, bool seed_role,
		const struct swarm_delta *d, uint64_t left, bool seed_now, uint32_t now)
{
	bool turns_seed = seed_now && (d->is_new || d->was_leecher);
	bool created;
	struct led *e, *s;
	uint64_t got;

	if(!prm.enabled || !subject
			|| (!d->up && !d->down && !d->is_new && !turns_seed))
		return;
	pthread_mutex_lock(&lmu);
	/* the sums first: the subject's entry pointer must survive */
	s = lookup(sw, 0, &created);
	if(!s)
		goto out;
	s->last = now;
	if(!d->is_new) {
		s->up += d->up;
		s->down += d->down;
	}
	e = lookup(sw, subject, &created);
	if(!e)
		goto out;
	s = NULL; /* may have moved */
	e->last = now;
	if(seed_role)
		e->seed_role = true;
	/* a first announce's totals are history: believed for seed_claim
	 * only right after the tracker started (a client's session counted
	 * before), else a client's first announce carries 0 */
	got = d->down;
	if(d->is_new && (int64_t)now >= prm.history_until)
		got = 0;
	e->got += got;
	if(!d->is_new) {
		e->up += d->up;
		e->down += d->down;
	}
	if(!e->has_need && !seed_now) {
		e->has_need = true;
		e->need = left + got;
	}
	if(turns_seed && !e->seed_role && !e->seed_ok)
		e->claim = true;
	if(e->has_need && !e->seed_role) {
		struct led *t = lookup(sw, 0, &created);

		if(t && t->need < e->need)
			t->need = e->need;
	}
out:
	pthread_mutex_unlock(&lmu);
}

static struct led *sums_of(struct swarm *sw)
{
	uint32_t j;

	if(!idx)
		return NULL;
	for(j = hkey(sw, 0) & (idx_cap - 1); idx[j]; j = (j + 1) & (idx_cap - 1))
		if(led[idx[j] - 1].sw == sw && led[idx[j] - 1].subject == 0)
			return &led[idx[j] - 1];
	return NULL;
}

static uint64_t allowed(uint64_t base)
{
	return prm.slack + base / 100 * (uint64_t)prm.slack_percent
		   + base % 100 * (uint64_t)prm.slack_percent / 100;
}

/* candidates for swarm_balance: position in led[] */
static int cand_cmp(const void *a, const void *b)
{
	const struct led *x = &led[*(const uint32_t *)a];
	const struct led *y = &led[*(const uint32_t *)b];
	uint64_t ix = x->chk - x->up_base, iy = y->chk - y->up_base;

	if(x->sw != y->sw)
		return (uintptr_t)x->sw < (uintptr_t)y->sw ? -1 : 1;
	if(x->flagged != y->flagged)
		return x->flagged ? -1 : 1;
	if(x->seed_role != y->seed_role)
		return x->seed_role ? 1 : -1;
	if(ix != iy)
		return ix > iy ? -1 : 1;
	return x->subject < y->subject ? -1 : x->subject > y->subject;
}

static uint32_t last_round;

size_t reports_round(uint32_t now, struct seed_claim **claims, size_t *n_claims)
{
	size_t i, k = 0, nc = 0, ccap = 0, ncand = 0, flags = 0;
	uint32_t *cand = NULL, from;
	struct seed_claim *cl = NULL;
	struct report r;

	*claims = NULL;
	*n_claims = 0;
	pthread_mutex_lock(&lmu);
	from = last_round ? last_round : now;
	/* round scratch */
	for(i = 0; i < n_led; i++) {
		led[i].chk = led[i].up_prev;
		led[i].w = 0;
		led[i].flagged = false;
	}
	/* upload_vs_others and the seeding claims */
	for(i = 0; i < n_led; i++) {
		struct led *e = &led[i], *s;
		uint64_t iv, others, allow;

		if(!e->subject || !(s = sums_of(e->sw)))
			continue;
		iv = e->chk - e->up_base;
		others = s->down - e->down;
		allow = allowed(others);
		if(iv && e->chk > others + allow) {
			memset(&r, 0, sizeof(r));
			r.subject = e->subject;
			r.sw = e->sw;
			r.check = CHECK_OTHERS;
			r.at = now;
			r.from = from;
			r.v[0] = iv;
			r.v[1] = e->chk;
			r.v[2] = others;
			r.v[3] = allow;
			r.v[4] = e->chk - others - allow;
			if(!reports_add(&r))
				flags++;
			e->flagged = true;
			e->w += iv;
			e->chk -= iv;
			s->chk -= iv < s->chk ? iv : s->chk;
		}
		if(e->claim && !e->claim_out) {
			uint64_t size = e->has_need ? e->need : s->need;
			uint64_t req =
					size / 100 * (uint64_t)(100 - prm.seed_tolerance)
					+ size % 100 * (uint64_t)(100 - prm.seed_tolerance) / 100;

			if(!size) {
				/* size unknown yet: the claim waits */
			} else if(e->got >= req) {
				e->claim = false;
				e->seed_ok = true;
			} else {
				if(nc == ccap) {
					size_t c = ccap ? ccap * 2 : 16;
					struct seed_claim *p = realloc(cl, c * sizeof(*p));

					if(!p)
						continue;
					cl = p;
					ccap = c;
				}
				cl[nc++] = (struct seed_claim){
						e->subject, e->sw, e->got, size, req, e->has_need};
				e->claim_out = true;
			}
		}
		if(e->chk - e->up_base) {
			if(ncand % 64 == 0) {
				uint32_t *p = realloc(cand, (ncand + 64) * sizeof(*p));

				if(!p)
					continue;
				cand = p;
			}
			cand[ncand++] = (uint32_t)i;
		}
	}
	/* swarm_balance: the excess of each swarm over its downloads */
	if(ncand)
		qsort(cand, ncand, sizeof(*cand), cand_cmp);
	for(i = 0; i < ncand; i = k) {
		struct led *s = sums_of(led[cand[i]].sw);
		uint64_t allow, excess, left;

		for(k = i; k < ncand && led[cand[k]].sw == led[cand[i]].sw; k++)
			;
		if(!s)
			continue;
		allow = allowed(s->down);
		if(s->chk <= s->down + allow)
			continue;
		excess = left = s->chk - s->down - allow;
		for(; i < k && left; i++) {
			struct led *e = &led[cand[i]];
			uint64_t iv = e->chk - e->up_base;

			if(!e->flagged) {
				memset(&r, 0, sizeof(r));
				r.subject = e->subject;
				r.sw = e->sw;
				r.check = CHECK_BALANCE;
				r.at = now;
				r.from = from;
				r.v[0] = iv;
				r.v[1] = s->chk;
				r.v[2] = s->down;
				r.v[3] = allow;
				r.v[4] = excess;
				if(!reports_add(&r))
					flags++;
				e->flagged = true;
			}
			e->w += iv;
			e->chk -= iv;
			left = iv < left ? left - iv : 0;
		}
	}
	free(cand);
	/* write-offs, the next round's baselines, idle entries out */
	for(i = 0; i < n_led; i++) {
		struct led *e = &led[i];

		if(e->subject && e->w) {
			struct led *s = sums_of(e->sw);

			e->up -= e->w < e->up ? e->w : e->up;
			if(s)
				s->up -= e->w < s->up ? e->w : s->up;
		}
	}
	for(i = k = 0; i < n_led; i++) {
		struct led *e = &led[i];

		if(e->subject) {
			e->up_base = e->chk;
			e->up_prev = e->up;
		} else {
			e->up_prev = e->up;
		}
		/* a subject's entry goes when idle (its bytes stay in the
		 * sums); a swarm's sums stay */
		if(e->subject && !e->claim && now - e->last > prm.expire)
			continue;
		if(k != i)
			led[k] = *e;
		k++;
	}
	if(k != n_led) {
		n_led = k;
		reindex(idx_cap);
	}
	last_round = now;
	pthread_mutex_unlock(&lmu);
	*claims = cl;
	*n_claims = nc;
	return flags;
}

void reports_claim_done(const struct seed_claim *c, int outcome)
{
	bool created;
	struct led *e;

	pthread_mutex_lock(&lmu);
	e = lookup(c->sw, c->subject, &created);
	if(e && outcome < 0) {
		e->claim_out = false; /* asked again next round */
	} else if(e) {
		e->claim = e->claim_out = false;
		/* vouched for by transfer_totals: no more asking; flagged: a
		 * new seeding claim (after it leeches again) is checked again */
		e->seed_ok = outcome == 0;
	}
	pthread_mutex_unlock(&lmu);
}

size_t reports_ledger_entries(void)
{
	size_t k;

	pthread_mutex_lock(&lmu);
	k = n_led;
	pthread_mutex_unlock(&lmu);
	return k;
}

void reports_free(void)
{
	pthread_mutex_lock(&lmu);
	free(led);
	free(idx);
	led = NULL;
	idx = NULL;
	n_led = led_cap = 0;
	idx_cap = 0;
	pthread_mutex_unlock(&lmu);
}
