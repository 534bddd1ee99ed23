/* Transfer accounting: see accounting.h. */
#include "accounting.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* subjects: names[id - 1], and an open-addressed index of ids */
static char **names;
static uint32_t n_names, names_cap;
static uint32_t *sub_idx;
static uint32_t sub_cap;

/* pending deltas: an array and an open-addressed index into it (+1) */
static struct acct_delta *deltas;
static size_t n_deltas, deltas_cap;
static uint32_t *d_idx;
static uint32_t d_cap;

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while(*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static uint32_t hash_pair(uint32_t subject, const struct swarm *sw)
{
	uint64_t x = (uint64_t)(uintptr_t)sw * 0x9e3779b97f4a7c15ull
				 ^ (uint64_t)subject * 0xc2b2ae3d27d4eb4full;

	return (uint32_t)(x >> 32) ^ (uint32_t)x;
}

int acct_init(void)
{
	sub_cap = 1024;
	sub_idx = calloc(sub_cap, sizeof(*sub_idx));
	d_cap = 1024;
	d_idx = calloc(d_cap, sizeof(*d_idx));
	return sub_idx && d_idx ? 0 : -1;
}

void acct_free(void)
{
	uint32_t i;

	for(i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	free(sub_idx);
	free(deltas);
	free(d_idx);
	names = NULL;
	sub_idx = d_idx = NULL;
	deltas = NULL;
	n_names = names_cap = sub_cap = d_cap = 0;
	n_deltas = deltas_cap = 0;
}

static int sub_rehash(void)
{
	uint32_t cap = sub_cap * 2, i;
	uint32_t *idx = calloc(cap, sizeof(*idx));

	if(!idx)
		return -1;
	for(i = 0; i < n_names; i++) {
		uint32_t j = hash_str(names[i]) & (cap - 1);

		while(idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = i + 1;
	}
	free(sub_idx);
	sub_idx = idx;
	sub_cap = cap;
	return 0;
}

uint32_t acct_subject_id(const char *sub)
{
	uint32_t j, id = 0;

	pthread_mutex_lock(&mu);
	if(!sub_idx)
		goto out;
	for(j = hash_str(sub) & (sub_cap - 1); sub_idx[j];
			j = (j + 1) & (sub_cap - 1)) {
		if(strcmp(names[sub_idx[j] - 1], sub) == 0) {
			id = sub_idx[j];
			goto out;
		}
	}
	if(n_names == names_cap) {
		uint32_t cap = names_cap ? names_cap * 2 : 256;
		char **p = realloc(names, cap * sizeof(*p));

		if(!p)
			goto out;
		names = p;
		names_cap = cap;
	}
	names[n_names] = strdup(sub);
	if(!names[n_names])
		goto out;
	sub_idx[j] = ++n_names;
	id = n_names;
	if(n_names * 2 > sub_cap)
		sub_rehash(); /* on failure the table just gets fuller */
out:
	pthread_mutex_unlock(&mu);
	return id;
}

const char *acct_subject_name(uint32_t id)
{
	const char *s = "";

	pthread_mutex_lock(&mu);
	if(id >= 1 && id <= n_names)
		s = names[id - 1];
	pthread_mutex_unlock(&mu);
	return s;
}

size_t acct_subjects(void)
{
	size_t n;

	pthread_mutex_lock(&mu);
	n = n_names;
	pthread_mutex_unlock(&mu);
	return n;
}

static int d_rehash(uint32_t cap)
{
	uint32_t *idx = calloc(cap, sizeof(*idx));
	size_t i;

	if(!idx)
		return -1;
	for(i = 0; i < n_deltas; i++) {
		uint32_t j = hash_pair(deltas[i].subject, deltas[i].sw) & (cap - 1);

		while(idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = (uint32_t)i + 1;
	}
	free(d_idx);
	d_idx = idx;
	d_cap = cap;
	return 0;
}

/* caller holds mu */
static void add_locked(
		uint32_t subject, struct swarm *sw, uint64_t up, uint64_t down)
{
	uint32_t j;

	if(!d_idx)
		return;
	for(j = hash_pair(subject, sw) & (d_cap - 1); d_idx[j];
			j = (j + 1) & (d_cap - 1)) {
		struct acct_delta *d = &deltas[d_idx[j] - 1];

		if(d->subject == subject && d->sw == sw) {
			d->up += up;
			d->down += down;
			return;
		}
	}
	if(n_deltas == deltas_cap) {
		size_t cap = deltas_cap ? deltas_cap * 2 : 256;
		struct acct_delta *p = realloc(deltas, cap * sizeof(*p));

		if(!p)
			return; /* lost: accounting is best effort under OOM */
		deltas = p;
		deltas_cap = cap;
	}
	deltas[n_deltas] = (struct acct_delta){subject, sw, up, down};
	d_idx[j] = (uint32_t)++n_deltas;
	if(n_deltas * 2 > d_cap)
		d_rehash(d_cap * 2);
}

void acct_add(uint32_t subject, struct swarm *sw, uint64_t up, uint64_t down)
{
	if(!subject || (!up && !down))
		return;
	pthread_mutex_lock(&mu);
	add_locked(subject, sw, up, down);
	pthread_mutex_unlock(&mu);
}

size_t acct_take(struct acct_delta **out)
{
	size_t n;

	pthread_mutex_lock(&mu);
	*out = deltas;
	n = n_deltas;
	deltas = NULL;
	n_deltas = deltas_cap = 0;
	if(d_idx)
		memset(d_idx, 0, d_cap * sizeof(*d_idx));
	pthread_mutex_unlock(&mu);
	return n;
}

void acct_putback(const struct acct_delta *d, size_t n)
{
	size_t i;

	pthread_mutex_lock(&mu);
	for(i = 0; i < n; i++)
		add_locked(d[i].subject, d[i].sw, d[i].up, d[i].down);
	pthread_mutex_unlock(&mu);
}
