/* The info-hash -> swarm map: see catalog.h. */
#include "catalog.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define CATALOG_MIN_CAP 1024

int catalog_init(struct catalog *c)
{
	memset(c, 0, sizeof(*c));
	c->cap = CATALOG_MIN_CAP;
	c->slots = calloc(c->cap, sizeof(*c->slots));
	if(!c->slots)
		return -1;
	return pthread_rwlock_init(&c->lock, NULL) ? -1 : 0;
}

void catalog_free(struct catalog *c)
{
	uint32_t i;

	for(i = 0; i < c->cap; i++) {
		struct swarm *s = c->slots[i];

		if(!s)
			continue;
		swarm_free(&s->peers);
		pthread_mutex_destroy(&s->mu);
		free(s);
	}
	free(c->slots);
	pthread_rwlock_destroy(&c->lock);
	memset(c, 0, sizeof(*c));
}

/* info-hashes are SHA-1 output: their first bytes are hash enough */
static uint32_t slot_of(const uint8_t ih[20], uint32_t cap)
{
	uint32_t h;

	memcpy(&h, ih, sizeof(h));
	return h & (cap - 1);
}

static struct swarm *lookup(const struct catalog *c, const uint8_t ih[20])
{
	uint32_t i = slot_of(ih, c->cap), n;

	for(n = 0; n < c->cap; n++, i = (i + 1) & (c->cap - 1)) {
		struct swarm *s = c->slots[i];

		if(!s)
			return NULL;
		if(memcmp(s->ih, ih, 20) == 0)
			return s;
	}
	return NULL;
}

struct swarm *catalog_find(struct catalog *c, const uint8_t ih[20])
{
	struct swarm *s;

	pthread_rwlock_rdlock(&c->lock);
	s = lookup(c, ih);
	pthread_rwlock_unlock(&c->lock);
	return s;
}

static void place(struct swarm **slots, uint32_t cap, struct swarm *s)
{
	uint32_t i = slot_of(s->ih, cap);

	while(slots[i])
		i = (i + 1) & (cap - 1);
	slots[i] = s;
}

static int grow(struct catalog *c)
{
	uint32_t cap = c->cap * 2, i;
	struct swarm **slots = calloc(cap, sizeof(*slots));

	if(!slots)
		return -1;
	for(i = 0; i < c->cap; i++)
		if(c->slots[i])
			place(slots, cap, c->slots[i]);
	free(c->slots);
	c->slots = slots;
	c->cap = cap;
	return 0;
}

static void set_doi(struct swarm *s, const char *doi)
{
	if(!doi)
		return;
	pthread_mutex_lock(&s->mu);
	snprintf(s->doi, sizeof(s->doi), "%s", doi);
	pthread_mutex_unlock(&s->mu);
}

struct swarm *catalog_set(struct catalog *c, const uint8_t ih[20],
		enum swarm_state st, const char *doi, uint32_t gen)
{
	struct swarm *s = catalog_find(c, ih);

	if(!s) {
		pthread_rwlock_wrlock(&c->lock);
		s = lookup(c, ih); /* raced with another writer? */
		if(!s) {
			s = calloc(1, sizeof(*s));
			if(!s || ((c->n + 1) * 2 > c->cap && grow(c))) {
				free(s);
				pthread_rwlock_unlock(&c->lock);
				return NULL;
			}
			memcpy(s->ih, ih, 20);
			pthread_mutex_init(&s->mu, NULL);
			swarm_init(&s->peers);
			place(c->slots, c->cap, s);
			c->n++;
		}
		pthread_rwlock_unlock(&c->lock);
	}
	set_doi(s, doi);
	s->gen = gen;
	atomic_store(&s->state, (int)st);
	return s;
}

unsigned catalog_retire_except(struct catalog *c, uint32_t gen)
{
	unsigned n = 0;
	uint32_t i;

	pthread_rwlock_rdlock(&c->lock);
	for(i = 0; i < c->cap; i++) {
		struct swarm *s = c->slots[i];

		if(s && s->gen != gen && atomic_load(&s->state) != SW_NONE) {
			atomic_store(&s->state, SW_NONE);
			n++;
		}
	}
	pthread_rwlock_unlock(&c->lock);
	return n;
}

void catalog_each(
		struct catalog *c, void (*fn)(struct swarm *, void *), void *arg)
{
	uint32_t i;

	pthread_rwlock_rdlock(&c->lock);
	for(i = 0; i < c->cap; i++)
		if(c->slots[i])
			fn(c->slots[i], arg);
	pthread_rwlock_unlock(&c->lock);
}

static const char *const state_names[] = {
		[SW_NONE] = "none",
		[SW_PENDING] = "pending",
		[SW_ACTIVE] = "active",
		[SW_MUTED] = "muted",
		[SW_REMOVED] = "removed",
		[SW_FOREIGN] = "foreign",
};

enum swarm_state swarm_state_parse(const char *s)
{
	int i;

	for(i = SW_PENDING; i <= SW_REMOVED; i++)
		if(strcmp(s, state_names[i]) == 0)
			return (enum swarm_state)i;
	return SW_NONE;
}

const char *swarm_state_name(enum swarm_state st)
{
	if((int)st < 0 || st > SW_FOREIGN)
		return "none";
	return state_names[st];
}
