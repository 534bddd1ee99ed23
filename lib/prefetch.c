/* Read-ahead on a thread: a ring of blocks filled by read(2). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "p2pcd/io.h"
#include "prefetch.h"

#define SLOTS 4

struct p2pcd_prefetch
{
	int fd;
	size_t block;
	uint8_t *buf[SLOTS];
	size_t len[SLOTS];
	int err[SLOTS];
	unsigned head, count; /* consumer's slot, filled slots */
	int held;			  /* the consumer holds buf[head] */
	int stop, done;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
};

static void *reader(void *arg)
{
	struct p2pcd_prefetch *pf = arg;
	unsigned tail = 0;
	ssize_t n;
	int err;

	for(;;) {
		pthread_mutex_lock(&pf->mu);
		while(pf->count == SLOTS && !pf->stop)
			pthread_cond_wait(&pf->cv, &pf->mu);
		if(pf->stop) {
			pthread_mutex_unlock(&pf->mu);
			return NULL;
		}
		pthread_mutex_unlock(&pf->mu);
		/* the slot at tail is free: fill it without the lock */
		n = p2pcd_read_full(pf->fd, pf->buf[tail], pf->block);
		err = n < 0 ? errno : 0;
		pthread_mutex_lock(&pf->mu);
		pf->len[tail] = n < 0 ? 0 : (size_t)n;
		pf->err[tail] = err;
		pf->count++;
		pthread_cond_broadcast(&pf->cv);
		pthread_mutex_unlock(&pf->mu);
		if(err || (size_t)n < pf->block)
			return NULL; /* end of input or error: the last block */
		tail = (tail + 1) % SLOTS;
	}
}

int p2pcd_prefetch_start(struct p2pcd_prefetch **pfp, int fd, size_t block)
{
	struct p2pcd_prefetch *pf;
	struct stat st;
	int i;

	*pfp = NULL;
	if(fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || block == 0)
		return -1;
	pf = calloc(1, sizeof(*pf));
	if(!pf)
		return -1;
	pf->fd = fd;
	pf->block = block;
	for(i = 0; i < SLOTS; i++) {
		pf->buf[i] = malloc(block);
		if(!pf->buf[i])
			goto fail;
	}
	pthread_mutex_init(&pf->mu, NULL);
	pthread_cond_init(&pf->cv, NULL);
	if(pthread_create(&pf->th, NULL, reader, pf) != 0) {
		pthread_mutex_destroy(&pf->mu);
		pthread_cond_destroy(&pf->cv);
		goto fail;
	}
	*pfp = pf;
	return 0;
fail:
	for(i = 0; i < SLOTS; i++)
		free(pf->buf[i]);
	free(pf);
	return -1;
}

int p2pcd_prefetch_next(
		struct p2pcd_prefetch *pf, const uint8_t **p, size_t *len)
{
	int err;

	pthread_mutex_lock(&pf->mu);
	if(pf->held) { /* give the previous block back */
		pf->held = 0;
		pf->head = (pf->head + 1) % SLOTS;
		pf->count--;
		pthread_cond_broadcast(&pf->cv);
	}
	if(pf->done) {
		pthread_mutex_unlock(&pf->mu);
		*p = NULL;
		*len = 0;
		return 0;
	}
	while(pf->count == 0)
		pthread_cond_wait(&pf->cv, &pf->mu);
	err = pf->err[pf->head];
	*p = pf->buf[pf->head];
	*len = pf->len[pf->head];
	pf->held = 1;
	if(err || *len < pf->block)
		pf->done = 1;
	pthread_mutex_unlock(&pf->mu);
	if(err) {
		errno = err;
		return -1;
	}
	return 0;
}

void p2pcd_prefetch_stop(struct p2pcd_prefetch *pf)
{
	int i;

	if(!pf)
		return;
	pthread_mutex_lock(&pf->mu);
	pf->stop = 1;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	pthread_join(pf->th, NULL);
	pthread_mutex_destroy(&pf->mu);
	pthread_cond_destroy(&pf->cv);
	for(i = 0; i < SLOTS; i++) {
		sodium_memzero(pf->buf[i], pf->block);
		free(pf->buf[i]);
	}
	free(pf);
}
