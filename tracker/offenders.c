/* Flagged subjects and the reports policy: see offenders.h. */
#include "offenders.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounting.h"
#include "p2pcd/bencode.h"

_Atomic int offenders_policy_v;
_Atomic uint32_t offenders_over_n;
_Atomic(_Atomic uint8_t *) offenders_dir[OFFENDERS_DIR];

struct off
{
	uint32_t subject;
	bool over;
	uint8_t n;						  /* local strike times held */
	int64_t t[OFFENDERS_MAX_STRIKES]; /* newest last */
	uint32_t db_count;				  /* from peer_reports, windowed */
	int64_t db_last;
	int64_t cleared;	  /* strikes up to this time are forgiven */
	int64_t last;		  /* time of the newest strike known */
	char *evidence;		  /* of that strike (JSON text) */
	uint64_t local_total; /* strikes found here since start */
	int64_t round;		  /* the DB reload that last set db_count */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct off *tab; /* open addressing on subject, 0 = empty */
static uint32_t cap, used;
static int strikes = 3, window = 86400;
static _Atomic uint64_t refused[3];

static const char *const policy_names[] = {"warn", "refuse_seed", "refuse"};

const char *offenders_policy_name(enum offender_policy p)
{
	return (unsigned)p < 3 ? policy_names[p] : "warn";
}

int offenders_policy_parse(const char *s)
{
	int i;

	for(i = 0; i < 3; i++)
		if(strcmp(s, policy_names[i]) == 0)
			return i;
	return -1;
}

void offenders_configure(enum offender_policy p, int n, int w)
{
	pthread_mutex_lock(&mu);
	strikes = n < 1 ? 1 : n > OFFENDERS_MAX_STRIKES ? OFFENDERS_MAX_STRIKES : n;
	window = w < 1 ? 1 : w;
	pthread_mutex_unlock(&mu);
	atomic_store(&offenders_policy_v, (int)p);
}

static uint32_t slot_of(uint32_t subject, uint32_t c)
{
	return (subject * 2654435761u) & (c - 1);
}

static int grow_locked(void)
{
	uint32_t nc = cap ? cap * 2 : 64, i;
	struct off *nt = calloc(nc, sizeof(*nt));

	if(!nt)
		return -1;
	for(i = 0; i < cap; i++) {
		uint32_t j;

		if(!tab[i].subject)
			continue;
		for(j = slot_of(tab[i].subject, nc); nt[j].subject;
				j = (j + 1) & (nc - 1))
			;
		nt[j] = tab[i];
	}
	free(tab);
	tab = nt;
	cap = nc;
	return 0;
}

static struct off *find_locked(uint32_t subject, int create)
{
	uint32_t j;

	if(!subject)
		return NULL;
	if(cap) {
		for(j = slot_of(subject, cap); tab[j].subject; j = (j + 1) & (cap - 1))
			if(tab[j].subject == subject)
				return &tab[j];
	}
	if(!create)
		return NULL;
	if((used + 1) * 2 > cap && grow_locked())
		return NULL;
	for(j = slot_of(subject, cap); tab[j].subject; j = (j + 1) & (cap - 1))
		;
	memset(&tab[j], 0, sizeof(tab[j]));
	tab[j].subject = subject;
	used++;
	return &tab[j];
}

/* the lock-free byte the announce path reads */
static void publish(uint32_t subject, bool over)
{
	uint32_t d = subject >> OFFENDERS_CHUNK_BITS;
	_Atomic uint8_t *c;

	if(d >= OFFENDERS_DIR)
		return;
	c = atomic_load_explicit(&offenders_dir[d], memory_order_acquire);
	if(!c) {
		if(!over)
			return;
		c = calloc((size_t)1 << OFFENDERS_CHUNK_BITS, sizeof(*c));
		if(!c)
			return;
		atomic_store_explicit(&offenders_dir[d], c, memory_order_release);
	}
	atomic_store_explicit(&c[subject & ((1u << OFFENDERS_CHUNK_BITS) - 1)],
			over ? 1 : 0, memory_order_relaxed);
}

static uint32_t local_count(const struct off *o, int64_t now)
{
	uint32_t k = 0;
	int i;

	for(i = 0; i < o->n; i++)
		if(o->t[i] > now - window && o->t[i] > o->cleared)
			k++;
	return k;
}

static uint32_t count_of(const struct off *o, int64_t now)
{
	uint32_t l = local_count(o, now);

	/* local strikes reach peer_reports too: the larger count, not the sum */
	return l > o->db_count ? l : o->db_count;
}

static void update_locked(struct off *o, int64_t now)
{
	bool over = count_of(o, now) >= (uint32_t)strikes;

	if(over != o->over) {
		o->over = over;
		if(over)
			atomic_fetch_add(&offenders_over_n, 1);
		else
			atomic_fetch_sub(&offenders_over_n, 1);
		publish(o->subject, over);
	}
}

static void set_evidence(struct off *o, int64_t t, const char *ev)
{
	char *s;

	if(t < o->last || !ev)
		return;
	s = strdup(ev);
	if(!s)
		return;
	free(o->evidence);
	o->evidence = s;
	o->last = t;
}

void offenders_strike(uint32_t subject, int64_t t, const char *evidence)
{
	struct off *o;

	pthread_mutex_lock(&mu);
	o = find_locked(subject, 1);
	if(o) {
		if(o->n == OFFENDERS_MAX_STRIKES) {
			memmove(o->t, o->t + 1, sizeof(o->t[0]) * (o->n - 1));
			o->n--;
		}
		o->t[o->n++] = t;
		o->local_total++;
		set_evidence(o, t, evidence);
		update_locked(o, t);
	}
	pthread_mutex_unlock(&mu);
}

/* the DB reload: every row a subject gets is newer than begun */
static int64_t db_round;

int64_t offenders_db_begin(void)
{
	int64_t r;

	pthread_mutex_lock(&mu);
	r = ++db_round;
	pthread_mutex_unlock(&mu);
	return r;
}

/* subjects cleared after the query started keep their clearing: the
 * clear time is compared with the row's newest strike */
void offenders_db_set(uint32_t subject, int64_t begun, uint32_t count,
		int64_t last, const char *evidence)
{
	struct off *o;

	pthread_mutex_lock(&mu);
	o = find_locked(subject, 1);
	if(o) {
		o->round = begun;
		/* a clear newer than the newest row wins (the query may have
		 * run before the clear was committed) */
		o->db_count = last > o->cleared ? count : 0;
		if(last > o->cleared) {
			o->db_last = last;
			set_evidence(o, last, evidence);
		}
	}
	pthread_mutex_unlock(&mu);
}

void offenders_db_end(int64_t begun, int64_t now)
{
	uint32_t i;

	pthread_mutex_lock(&mu);
	for(i = 0; i < cap; i++) {
		if(!tab[i].subject)
			continue;
		if(tab[i].round != begun)
			tab[i].db_count = 0;
		update_locked(&tab[i], now);
	}
	pthread_mutex_unlock(&mu);
}

void offenders_expire(int64_t now)
{
	uint32_t i;

	pthread_mutex_lock(&mu);
	for(i = 0; i < cap; i++)
		if(tab[i].subject)
			update_locked(&tab[i], now);
	pthread_mutex_unlock(&mu);
}

int offenders_clear(uint32_t subject, int64_t now)
{
	struct off *o;
	int had = 0;

	pthread_mutex_lock(&mu);
	o = find_locked(subject, 1);
	if(o) {
		had = count_of(o, now) > 0;
		o->cleared = now;
		o->db_count = 0;
		o->n = 0;
		update_locked(o, now);
	}
	pthread_mutex_unlock(&mu);
	return had;
}

static const char *state_of(const struct off *o)
{
	if(!o->over)
		return "ok";
	switch(atomic_load(&offenders_policy_v)) {
		case POLICY_REFUSE:
			return "refused";
		case POLICY_REFUSE_SEED:
			return "seeding_refused";
		default:
			return "flagged";
	}
}

static json_t *entry_json(const struct off *o, int64_t now)
{
	json_t *ev = o->evidence ? json_loads(o->evidence, 0, NULL) : NULL;

	return json_pack("{s:s, s:i, s:i, s:I, s:o, s:s, s:I, s:I, s:I}", "subject",
			acct_subject_name(o->subject), "strikes", (int)count_of(o, now),
			"threshold", strikes, "last", (json_int_t)o->last, "last_evidence",
			ev ? ev : json_null(), "state", state_of(o), "cleared",
			(json_int_t)o->cleared, "flagged_here", (json_int_t)o->local_total,
			"window", (json_int_t)window);
}

json_t *offenders_json(int64_t now)
{
	json_t *a = json_array();
	uint32_t i;

	pthread_mutex_lock(&mu);
	for(i = 0; a && i < cap; i++)
		if(tab[i].subject && (count_of(&tab[i], now) || tab[i].cleared))
			json_array_append_new(a, entry_json(&tab[i], now));
	pthread_mutex_unlock(&mu);
	return a;
}

json_t *offenders_json_one(uint32_t subject, int64_t now)
{
	struct off *o;
	json_t *j = NULL;

	pthread_mutex_lock(&mu);
	o = find_locked(subject, 0);
	if(o)
		j = entry_json(o, now);
	pthread_mutex_unlock(&mu);
	return j;
}

uint8_t *offenders_refusal(bool seeding, int retry_minutes, size_t *len)
{
	struct p2pcd_benc e;
	uint8_t *out = NULL;
	int p = atomic_load(&offenders_policy_v);
	char msg[160];

	atomic_fetch_add(&refused[(unsigned)p < 3 ? p : 0], 1);
	snprintf(msg, sizeof(msg),
			"flagged for inconsistent transfer reports: %s refused (policy "
			"%s)",
			seeding && p == POLICY_REFUSE_SEED ? "seeding" : "announce",
			offenders_policy_name((enum offender_policy)p));
	p2pcd_benc_init(&e);
	p2pcd_benc_dict(&e);
	p2pcd_benc_cstr(&e, "failure reason");
	p2pcd_benc_cstr(&e, msg);
	p2pcd_benc_cstr(&e, "retry in");
	p2pcd_benc_int(&e, retry_minutes);
	p2pcd_benc_end(&e);
	if(p2pcd_benc_take(&e, &out, len))
		out = NULL;
	p2pcd_benc_free(&e);
	return out;
}

uint64_t offenders_refused(enum offender_policy p)
{
	return (unsigned)p < 3 ? atomic_load(&refused[p]) : 0;
}

uint32_t offenders_over_count(void)
{
	return atomic_load(&offenders_over_n);
}

void offenders_free(void)
{
	uint32_t i;

	pthread_mutex_lock(&mu);
	for(i = 0; i < cap; i++)
		free(tab[i].evidence);
	free(tab);
	tab = NULL;
	cap = used = 0;
	for(i = 0; i < OFFENDERS_DIR; i++)
		free((void *)atomic_exchange(&offenders_dir[i], NULL));
	atomic_store(&offenders_over_n, 0);
	pthread_mutex_unlock(&mu);
}
