/* Dense per-swarm peer tables: see swarm.h. */
#include "swarm.h"

#include <stdlib.h>
#include <string.h>

/* every entry starts with key, exp, port */
struct peer_head
{
	uint32_t key;
	uint16_t exp;
	uint16_t port;
};

static void pvec_init(struct pvec *v, uint32_t stride)
{
	memset(v, 0, sizeof(*v));
	v->stride = stride;
}

static void pvec_free(struct pvec *v)
{
	free(v->p);
	free(v->acct);
	v->p = NULL;
	v->acct = NULL;
	v->n = v->cap = 0;
}

static inline struct peer_head *at(const struct pvec *v, uint32_t i)
{
	return (struct peer_head *)(v->p + (size_t)i * v->stride);
}

/* first index whose key >> 1 is >= k >> 1 */
static uint32_t lower_bound(const struct pvec *v, uint32_t k)
{
	uint32_t lo = 0, hi = v->n;

	k >>= 1;
	while(lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if((at(v, mid)->key >> 1) < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int pvec_grow(struct pvec *v)
{
	/* 1.25x: little slack keeps the hot table near 12 bytes a peer */
	uint32_t cap = v->cap + v->cap / 4 + 4;
	uint8_t *p;
	struct peer_acct *a;

	p = realloc(v->p, (size_t)cap * v->stride);
	if(!p)
		return -1;
	v->p = p;
	a = realloc(v->acct, (size_t)cap * sizeof(*a));
	if(!a)
		return -1;
	v->acct = a;
	v->cap = cap;
	return 0;
}

static void pvec_remove(struct pvec *v, uint32_t i)
{
	uint32_t tail = v->n - i - 1;

	memmove(v->p + (size_t)i * v->stride, v->p + (size_t)(i + 1) * v->stride,
			(size_t)tail * v->stride);
	memmove(&v->acct[i], &v->acct[i + 1], (size_t)tail * sizeof(*v->acct));
	v->n--;
}

void swarm_init(struct swarm_peers *s)
{
	pvec_init(&s->v4, sizeof(struct peer4));
	pvec_init(&s->v6, sizeof(struct peer6));
	s->seeders = s->leechers = 0;
}

void swarm_free(struct swarm_peers *s)
{
	pvec_free(&s->v4);
	pvec_free(&s->v6);
	s->seeders = s->leechers = 0;
}

void swarm_clear(struct swarm_peers *s)
{
	s->v4.n = s->v6.n = 0;
	s->seeders = s->leechers = 0;
}

static void count(struct swarm_peers *s, uint32_t key, int d)
{
	if(key & 1)
		s->seeders += (uint32_t)d;
	else
		s->leechers += (uint32_t)d;
}

/* totals went down: the client restarted, the new totals are the delta */
static uint64_t delta(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : now;
}

int swarm_announce(struct swarm_peers *s, const struct swarm_announce *a,
		struct swarm_delta *d)
{
	struct pvec *v = a->ip_len == 16 ? &s->v6 : &s->v4;
	uint32_t key = (a->key & ~1u) | (a->seed ? 1u : 0u);
	uint32_t i = lower_bound(v, key);
	bool found = i < v->n && (at(v, i)->key >> 1) == (key >> 1);
	struct peer_head *h;

	memset(d, 0, sizeof(*d));
	if(found) {
		struct peer_acct *ac = &v->acct[i];

		d->up = delta(a->up, ac->up);
		d->down = delta(a->down, ac->down);
		h = at(v, i);
		d->was_leecher = !(h->key & 1);
		d->elapsed = a->now - ac->last;
		count(s, h->key, -1);
		if(a->stopped) {
			pvec_remove(v, i);
			return 0;
		}
	} else {
		if(a->stopped)
			return 0;
		if(v->n == v->cap && pvec_grow(v))
			return -1;
		memmove(v->p + (size_t)(i + 1) * v->stride,
				v->p + (size_t)i * v->stride, (size_t)(v->n - i) * v->stride);
		memmove(&v->acct[i + 1], &v->acct[i],
				(size_t)(v->n - i) * sizeof(*v->acct));
		v->n++;
		d->is_new = true;
		/* a peer's first announce carries its totals so far */
		d->up = a->up;
		d->down = a->down;
		h = at(v, i);
	}
	h->key = key;
	h->exp = a->exp;
	h->port = a->port;
	memcpy((uint8_t *)h + sizeof(*h), a->ip, (size_t)a->ip_len);
	v->acct[i].up = a->up;
	v->acct[i].down = a->down;
	v->acct[i].subject = a->subject;
	v->acct[i].last = a->now;
	count(s, key, 1);
	return 0;
}

unsigned swarm_pick(const struct swarm_peers *s, int ip_len, uint32_t self,
		bool self_seed, unsigned want, uint32_t rnd, uint8_t *out)
{
	return swarm_pick_skip(
			s, ip_len, self, self_seed, want, rnd, out, NULL, NULL);
}

unsigned swarm_pick_skip(const struct swarm_peers *s, int ip_len, uint32_t self,
		bool self_seed, unsigned want, uint32_t rnd, uint8_t *out,
		swarm_skip_fn skip, void *arg)
{
	const struct pvec *v = ip_len == 16 ? &s->v6 : &s->v4;
	size_t out_len = (size_t)ip_len + 2;
	unsigned got = 0;
	uint32_t i, start, n = v->n;

	if(n == 0 || want == 0)
		return 0;
	start = rnd % n;
	for(i = 0; i < n && got < want; i++) {
		const struct peer_head *h = at(v, (start + i) % n);

		if((h->key >> 1) == (self >> 1))
			continue;
		if(self_seed && (h->key & 1))
			continue; /* seeds need no seeds */
		if(skip && skip(v->acct[(start + i) % n].subject, arg))
			continue;
		memcpy(out, (const uint8_t *)h + sizeof(*h), (size_t)ip_len);
		memcpy(out + ip_len, &h->port, 2);
		out += out_len;
		got++;
	}
	return got;
}

static unsigned pvec_expire(struct swarm_peers *s, struct pvec *v, uint16_t now)
{
	uint32_t r, w = 0;
	unsigned dropped = 0;

	for(r = 0; r < v->n; r++) {
		struct peer_head *h = at(v, r);

		if((int16_t)(uint16_t)(h->exp - now) <= 0) {
			count(s, h->key, -1);
			dropped++;
			continue;
		}
		if(w != r) {
			memcpy(v->p + (size_t)w * v->stride, h, v->stride);
			v->acct[w] = v->acct[r];
		}
		w++;
	}
	v->n = w;
	/* give memory back when a swarm shrank a lot */
	if(v->cap > 64 && v->n < v->cap / 4) {
		uint32_t cap = v->cap / 2;
		uint8_t *p = realloc(v->p, (size_t)cap * v->stride);
		struct peer_acct *a;

		if(p) {
			/* a failed shrink of acct leaves it larger: harmless */
			v->p = p;
			v->cap = cap;
			a = realloc(v->acct, (size_t)cap * sizeof(*a));
			if(a)
				v->acct = a;
		}
	}
	return dropped;
}

unsigned swarm_expire(struct swarm_peers *s, uint16_t now)
{
	return pvec_expire(s, &s->v4, now) + pvec_expire(s, &s->v6, now);
}

size_t swarm_bytes(const struct swarm_peers *s, size_t *hot)
{
	size_t h =
			(size_t)s->v4.cap * s->v4.stride + (size_t)s->v6.cap * s->v6.stride;
	size_t cold = ((size_t)s->v4.cap + s->v6.cap) * sizeof(struct peer_acct);

	if(hot)
		*hot = h;
	return h + cold;
}

uint32_t swarm_subject_at(const struct swarm_peers *s, const uint8_t *ip,
		int ip_len, uint16_t port)
{
	const struct pvec *v = ip_len == 16 ? &s->v6 : &s->v4;
	uint32_t i, by_ip = 0;
	bool ambiguous = false;

	if(ip_len != 4 && ip_len != 16)
		return 0;
	for(i = 0; i < v->n; i++) {
		const struct peer_head *h = at(v, i);

		if(memcmp((const uint8_t *)h + sizeof(*h), ip, (size_t)ip_len))
			continue;
		if(h->port == port)
			return v->acct[i].subject;
		if(by_ip && by_ip != v->acct[i].subject)
			ambiguous = true;
		by_ip = v->acct[i].subject;
	}
	return ambiguous ? 0 : by_ip;
}
