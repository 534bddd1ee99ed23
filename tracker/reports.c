/* The inconsistent-report queue: see reports.h. */
#include "reports.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct report *q;
static size_t n, cap;
static uint64_t total, dropped;

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
	if(!rc)
		total++;
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

uint64_t reports_total(void)
{
	uint64_t v;

	pthread_mutex_lock(&mu);
	v = total;
	pthread_mutex_unlock(&mu);
	return v;
}

uint64_t reports_dropped(void)
{
	uint64_t v;

	pthread_mutex_lock(&mu);
	v = dropped;
	pthread_mutex_unlock(&mu);
	return v;
}
