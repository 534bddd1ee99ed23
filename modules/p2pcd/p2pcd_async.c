/*
 * p2pcd - database jobs off the SIP workers: core async task workers; the
 * reply leaves only after the commit
 *
 * The SIP worker does the cheap checks (trust, cache, body) and hands the
 * job to the core async task workers (global parameter async_workers),
 * which run it with their own DB connection. Two ways to answer:
 *
 * - Batched acquisitions are stateless. Over UDP the SIP worker builds
 *   the answer's head as sl would and the job keeps it; the async worker
 *   completes it and sends a batch's answers together (p2pcd_reply.c).
 *   Otherwise the job keeps a copy of the request as received and the
 *   async worker parses it again and answers it through sl.
 *   Exactly-once does not rest on a transaction: the acquisition
 *   statement charges a request id (Call-ID, CSeq, identity) once and
 *   returns the first grant to any repeat. Retransmissions
 *   (same request id and Via branch) that arrive while the job is queued
 *   or committing are dropped by the in-flight set below, and the answer
 *   reaches them, being the same transaction's; a retransmission after
 *   the answer runs again and gets the same grant, charged nothing. A
 *   tm transaction per acquisition (clone to shared memory, suspend,
 *   continue with a faked request, reply kept 5 s on the wait timer) was
 *   a third of the module's CPU per acquisition.
 * - Other jobs (PUBLISH) go through tm: the SIP worker creates the
 *   transaction, suspends it and pushes the job; the worker continues the
 *   transaction with a one-action route that calls p2pcd_resume(), and the
 *   reply goes out through tm. The routing script is not involved after
 *   the function call either way.
 *
 * Batching: a job with a batch function (the acquisition) is not pushed
 * itself; it goes to a queue in shared memory and a small "kick" task is
 * pushed instead. The worker that runs a kick takes everything queued (up
 * to batch_max jobs) and runs it as one batch (one statement, one
 * commit), then continues each transaction; later kicks find the queue
 * empty. Under load the queue fills while a batch commits, so the cost of
 * a commit and of a database round trip is shared; at low rates a batch
 * is one job. A kick is pushed when no worker drains, or when a full
 * batch waits and fewer than batch_workers drain; a draining worker that
 * finds the queue empty looks again every 1 ms for batch_linger us before
 * it ends. Under load the SIP workers then push no kick at all (a
 * datagram and a wake-up of an async worker per job were a fifth of the
 * cost of an acquisition) and one drainer makes the biggest batches; at
 * low rates the first job still kicks at once.
 *
 * Overload: with queue_max jobs queued a new acquisition gets 503 at once;
 * a job that waited more than queue_timeout ms (the S-CSCF gives up after
 * isc_fr_timeout, 5 s) gets 503 without touching the database. Either
 * way nothing is charged that the buyer was not told about.
 *
 * Without tm or without async workers the job runs in the SIP worker.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/str.h"
#include "core/async_task.h"
#include "core/data_lump_rpl.h"
#include "core/globals.h"
#include "core/pt.h"
#include "core/receive.h"
#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/route_struct.h"
#include "core/sr_module.h"
#include "core/ut.h"

#include "p2pcd.h"
#include "p2pcd_sip.h"
#include "p2pcd_async.h"
#include "p2pcd_reply.h"

/* the job being answered by p2pcd_resume() in this process */
static p2pcd_job_t *p2pcd_resume_job = NULL;

#define P2PCD_INFLIGHT_SIZE 4096 /* buckets, a power of two */

/* the batch queue and the in-flight set of stateless jobs (queued or
 * being answered, by key), under one lock: a SIP worker takes it once per
 * job (shared memory) */
typedef struct p2pcd_queue
{
	gen_lock_t lock;
	p2pcd_job_t *head;
	p2pcd_job_t *tail;
	int n;
	int kicks; /* pushed and not yet ended (a worker drains until empty) */
	long long batch_us; /* when the last batch was taken (monotonic) */
	int batch_n;		/* its jobs; 0 after the queue was found empty */
	p2pcd_job_t *inflight[P2PCD_INFLIGHT_SIZE];
} p2pcd_queue_t;

static p2pcd_queue_t *p2pcd_queue = NULL;

#define P2PCD_LINGER_STEP_US 1000

static int p2pcd_resume(sip_msg_t *msg, char *p1, char *p2);

static ksr_cmd_export_t p2pcd_resume_cmd = {
		"p2pcd_resume", (cmd_function)p2pcd_resume, 0, 0, 0, 0, 0, 0};
static struct action p2pcd_resume_act;

int p2pcd_async_init(void)
{
	p2pcd_queue = shm_malloc(sizeof(*p2pcd_queue));
	if(p2pcd_queue == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(p2pcd_queue, 0, sizeof(*p2pcd_queue));
	if(lock_init(&p2pcd_queue->lock) == NULL) {
		LM_ERR("cannot init the queue lock\n");
		return -1;
	}
	memset(&p2pcd_resume_act, 0, sizeof(p2pcd_resume_act));
	p2pcd_resume_act.type = MODULE0_T;
	p2pcd_resume_act.count = 2;
	p2pcd_resume_act.val[0].type = MODEXP_ST;
	p2pcd_resume_act.val[0].u.data = &p2pcd_resume_cmd;
	p2pcd_resume_act.val[1].type = NUMBER_ST;
	p2pcd_resume_act.val[1].u.number = 0;
	p2pcd_resume_act.rname = "p2pcd:resume";
	return 0;
}

void p2pcd_async_destroy(void)
{
	if(p2pcd_queue == NULL)
		return;
	lock_destroy(&p2pcd_queue->lock);
	shm_free(p2pcd_queue);
	p2pcd_queue = NULL;
}

/* a job whose data the caller writes, and room bytes after it for the
 * stateless answer's head or the request (saves an allocation); the
 * header zeroed but for the header lines' buffer (most of the job; only
 * what is used is touched) */
p2pcd_job_t *p2pcd_job_new_raw(p2pcd_job_f run, int size, int room)
{
	async_task_t *task;
	p2pcd_job_t *job;

	size = (size + 7) & ~7;
	/* one block: the core frees the task (and so the job) after exec */
	task = shm_malloc(sizeof(async_task_t) + sizeof(p2pcd_job_t) + size + room);
	if(task == NULL) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(task, 0, sizeof(async_task_t) + offsetof(p2pcd_job_t, hdrs));
	job = (p2pcd_job_t *)(task + 1);
	memset(&job->data, 0, sizeof(*job) - offsetof(p2pcd_job_t, data));
	job->hdrs[0] = '\0';
	job->run = run;
	job->data = (void *)(job + 1);
	job->room = (char *)job->data + size;
	job->room_len = room;
	job->code = 500;
	strcpy(job->reason, "Server Internal Error");
	return job;
}

p2pcd_job_t *p2pcd_job_new(p2pcd_job_f run, int size)
{
	p2pcd_job_t *job = p2pcd_job_new_raw(run, size, 0);

	if(job != NULL)
		memset(job->data, 0, size);
	return job;
}

/* len bytes for sl_buf: the job's room, or shared memory of its own */
static char *p2pcd_job_sl_buf(p2pcd_job_t *job, int len)
{
	if(len <= job->room_len)
		return job->room;
	return shm_malloc(len);
}

void p2pcd_job_free(p2pcd_job_t *job)
{
	if(job == NULL)
		return;
	if(job->sl_buf != NULL && job->sl_buf != job->room)
		shm_free(job->sl_buf);
	shm_free(((async_task_t *)job) - 1);
}

void p2pcd_job_set(p2pcd_job_t *job, int code, const char *reason)
{
	size_t n = strlen(reason);

	if(n >= sizeof(job->reason))
		n = sizeof(job->reason) - 1;
	job->code = code;
	memcpy(job->reason, reason, n);
	job->reason[n] = '\0';
}

void p2pcd_job_hdr_addv(p2pcd_job_t *job, const str *v, int n)
{
	int len = strlen(job->hdrs), total = 0, i;
	char *p;

	for(i = 0; i < n; i++) {
		if(v[i].len < 0)
			return;
		total += v[i].len;
	}
	if(total >= (int)sizeof(job->hdrs) - len) {
		LM_WARN("reply headers too long, dropped\n");
		return;
	}
	p = job->hdrs + len;
	for(i = 0; i < n; i++) {
		memcpy(p, v[i].s, v[i].len);
		p += v[i].len;
	}
	*p = '\0';
}

void p2pcd_job_hdr(p2pcd_job_t *job, const char *fmt, ...)
{
	va_list ap;
	int len = strlen(job->hdrs);

	va_start(ap, fmt);
	vsnprintf(job->hdrs + len, sizeof(job->hdrs) - len, fmt, ap);
	va_end(ap);
}

/* runs in the async worker, under t_continue, with the faked request */
static int p2pcd_resume(sip_msg_t *msg, char *p1, char *p2)
{
	p2pcd_job_t *job = p2pcd_resume_job;

	if(job == NULL)
		return 0;
	if(job->hdrs[0] != '\0'
			&& add_lump_rpl(msg, job->hdrs, strlen(job->hdrs), LUMP_RPL_HDR)
					   == NULL)
		LM_ERR("cannot add the reply headers\n");
	if(p2pcd_tmb.t_reply(msg, job->code, job->reason) < 0)
		LM_ERR("cannot send the %d reply\n", job->code);
	return 0;
}

static long long p2pcd_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long p2pcd_now_ms(void)
{
	return p2pcd_now_us() / 1000;
}

static void p2pcd_job_overload(p2pcd_job_t *job)
{
	update_stat(p2pcd_overload_stat, 1);
	p2pcd_job_set(job, 503, "Overloaded");
	p2pcd_job_hdr(job, "Retry-After: %d\r\n", p2pcd_retry_after);
}

/* under the queue lock: the in-flight bucket of a stateless job, or NULL
 * if a job with its key is there already (a retransmission) */
static p2pcd_job_t **p2pcd_inflight_slot(p2pcd_job_t *job)
{
	p2pcd_job_t **b, *j;

	b = &p2pcd_queue->inflight[job->key & (P2PCD_INFLIGHT_SIZE - 1)];
	for(j = *b; j != NULL; j = j->hnext)
		if(j->key == job->key)
			return NULL;
	return b;
}

static void p2pcd_inflight_unlink(p2pcd_job_t *job)
{
	p2pcd_job_t **pp;

	pp = &p2pcd_queue->inflight[job->key & (P2PCD_INFLIGHT_SIZE - 1)];
	for(; *pp != NULL; pp = &(*pp)->hnext) {
		if(*pp == job) {
			*pp = job->hnext;
			break;
		}
	}
}

/* n answered (stateless) jobs leave the in-flight set, under one lock
 * (its cache line is shared with the SIP workers) */
static void p2pcd_inflight_del_n(p2pcd_job_t **jobs, int n)
{
	int i;

	lock_get(&p2pcd_queue->lock);
	for(i = 0; i < n; i++)
		p2pcd_inflight_unlink(jobs[i]);
	lock_release(&p2pcd_queue->lock);
}

/* keep what the answer needs: the reply's head built now (see
 * p2pcd_reply.c), or else what sl needs to answer the request from
 * another process: the buffer as received, where it came from, the
 * core's flags (rport); and any reply headers the script added before
 * the call */
static int p2pcd_sl_capture(sip_msg_t *msg, p2pcd_job_t *job)
{
	struct lump_rpl *l;
	str head;
	int len;

	for(l = msg->reply_lump; l != NULL; l = l->next) {
		if(!(l->flags & LUMP_RPL_HDR))
			continue;
		len = strlen(job->hdrs);
		if(l->text.len >= (int)sizeof(job->hdrs) - len) {
			LM_WARN("reply headers of the script too long, dropped\n");
			break;
		}
		memcpy(job->hdrs + len, l->text.s, l->text.len);
		job->hdrs[len + l->text.len] = '\0';
	}
	job->sl_rcv = msg->rcv;
	if(p2pcd_reply_head(msg, &head, &job->sl_to) == 0) {
		job->sl_buf = p2pcd_job_sl_buf(job, head.len);
		if(job->sl_buf != NULL) {
			memcpy(job->sl_buf, head.s, head.len);
			job->sl_len = head.len;
			job->sl_head = 1;
		}
		pkg_free(head.s);
	} else {
		job->sl_buf = p2pcd_job_sl_buf(job, msg->len + 1);
		if(job->sl_buf != NULL) {
			memcpy(job->sl_buf, msg->buf, msg->len);
			job->sl_buf[msg->len] = '\0';
			job->sl_len = msg->len;
			job->sl_flags = msg->msg_flags;
			job->sl_rpl_flags = msg->rpl_send_flags;
		}
	}
	if(job->sl_buf == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	return 0;
}

/* answer a stateless job: from the reply's head, sent with the batch's
 * other answers; or the request parsed again, the reply by sl */
static void p2pcd_sl_answer(p2pcd_job_t *job)
{
	sip_msg_t msg;
	str head;

	if(job->sl_head) {
		head.s = job->sl_buf;
		head.len = job->sl_len;
		p2pcd_reply_defer(job->sl_rcv.bind_address, &job->sl_to, &head,
				job->code, job->reason, job->hdrs);
		return;
	}
	memset(&msg, 0, sizeof(msg));
	msg.buf = job->sl_buf;
	msg.len = job->sl_len;
	msg.rcv = job->sl_rcv;
	msg.id = inc_msg_no();
	msg.pid = my_pid();
	msg.msg_flags = job->sl_flags;
	msg.rpl_send_flags = job->sl_rpl_flags;
	msg.set_global_address = default_global_address;
	msg.set_global_port = default_global_port;
	if(parse_msg(msg.buf, msg.len, &msg) != 0)
		LM_ERR("cannot parse the request again to answer %d\n", job->code);
	else
		p2pcd_reply(&msg, job->code, job->reason, job->hdrs);
	free_sip_msg(&msg);
}

/* send the job's answer: statelessly, or by continuing its suspended
 * transaction */
static void p2pcd_job_finish(p2pcd_job_t *job)
{
	if(job->sl_buf != NULL) {
		p2pcd_sl_answer(job);
		return;
	}
	p2pcd_resume_job = job;
	if(p2pcd_tmb.t_continue(job->tindex, job->tlabel, &p2pcd_resume_act) < 0)
		LM_WARN("cannot continue the transaction [%u:%u] (gone?)\n",
				job->tindex, job->tlabel);
	p2pcd_resume_job = NULL;
}

static void p2pcd_job_exec(void *param)
{
	p2pcd_job_t *job = param;

	job->run(job);
	p2pcd_job_finish(job);
	/* the core frees the task block, job included */
}

/* after n jobs were answered: send the answers kept for the batch, then
 * take the jobs out of the in-flight set (a retransmission until then is
 * absorbed) and free them */
static void p2pcd_drained(p2pcd_job_t **jobs, int n)
{
	int i;

	p2pcd_reply_flush();
	p2pcd_inflight_del_n(jobs, n);
	for(i = 0; i < n; i++)
		p2pcd_job_free(jobs[i]);
}

/* group commit, as PostgreSQL's commit_delay and commit_siblings: when the
 * last batch (of any worker) had batch_siblings jobs or more (there is
 * load), the next starts batch_wait us after it. Per batch there is a
 * round trip to the database, a commit, and the code of the whole path run
 * from cold caches: at 5000/s on 2 cores that was about 75 us of Kamailio
 * CPU and more of PostgreSQL's, so bigger batches (26 or 40 instead of 18
 * with a wait of 5 or 8 ms) cut both per acquisition. One sleep: if
 * batch_max jobs queue up meanwhile, the SIP worker that queues the last
 * kicks another drainer (up to batch_workers), which does not wait; with
 * batch_workers 1 the rate is capped at batch_max per batch_wait. The
 * fields are read without the lock: a stale value only moves one batch's
 * start. */
static void p2pcd_group_wait(void)
{
	long long left;

	if(p2pcd_batch_wait <= 0 || p2pcd_queue->batch_n < p2pcd_batch_siblings
			|| p2pcd_queue->n >= p2pcd_batch_max)
		return;
	left = p2pcd_queue->batch_us + p2pcd_batch_wait - p2pcd_now_us();
	if(left > 0)
		sleep_us(left);
}

/* run what is queued, batch by batch, until the queue stayed empty for
 * linger_us, with the group commit wait if group_wait (an async worker;
 * a SIP worker draining in their place must not sleep); the caller holds
 * one of the queue's kicks, given back here */
static void p2pcd_drain(int linger_us, int group_wait)
{
	p2pcd_job_t *jobs[P2PCD_BATCH_MAX], *stale[P2PCD_BATCH_MAX], *j;
	long long limit, now_us;
	int i, n, ns, idle_us = 0;

	for(;;) {
		if(group_wait)
			p2pcd_group_wait();
		now_us = p2pcd_now_us();
		limit = now_us / 1000 - p2pcd_queue_timeout;
		n = ns = 0;
		lock_get(&p2pcd_queue->lock);
		while(n < p2pcd_batch_max && ns < P2PCD_BATCH_MAX
				&& p2pcd_queue->head != NULL) {
			j = p2pcd_queue->head;
			p2pcd_queue->head = j->next;
			p2pcd_queue->n--;
			if(j->queued_ms < limit)
				stale[ns++] = j;
			else
				jobs[n++] = j;
		}
		if(p2pcd_queue->head == NULL)
			p2pcd_queue->tail = NULL;
		if(n > 0) {
			p2pcd_queue->batch_us = now_us;
			p2pcd_queue->batch_n = n;
		}
		if(n == 0 && ns == 0) {
			p2pcd_queue->batch_n = 0; /* no load: the next job goes at once */
			if(idle_us < linger_us) {
				lock_release(&p2pcd_queue->lock);
				sleep_us(P2PCD_LINGER_STEP_US);
				idle_us += P2PCD_LINGER_STEP_US;
				continue;
			}
			/* under the lock: a job queued after this pushes a kick */
			p2pcd_queue->kicks--;
			lock_release(&p2pcd_queue->lock);
			return;
		}
		lock_release(&p2pcd_queue->lock);
		idle_us = 0;
		if(ns > 0) {
			for(i = 0; i < ns; i++) {
				p2pcd_job_overload(stale[i]);
				p2pcd_job_finish(stale[i]);
			}
			p2pcd_drained(stale, ns);
		}
		if(n > 0)
			update_stat(p2pcd_batches_stat, 1);
		if(n == 1)
			jobs[0]->run(jobs[0]);
		else if(n > 1)
			jobs[0]->batch(jobs, n);
		for(i = 0; i < n; i++)
			p2pcd_job_finish(jobs[i]);
		p2pcd_drained(jobs, n);
	}
}

/* a kick: an async worker drains */
static void p2pcd_kick_exec(void *param)
{
	p2pcd_drain(p2pcd_batch_linger, 1);
}

/* queue a stateless job and push a kick: 0 (queued; answered once its
 * batch committed), 1 (the queue is full, the job is not queued) or 2 (a
 * retransmission of a queued or committing request, not queued) */
static int p2pcd_job_enqueue(p2pcd_job_t *job)
{
	async_task_t *kick;
	p2pcd_job_t **b;
	int push;

	job->next = NULL;
	job->queued_ms = p2pcd_now_ms();
	lock_get(&p2pcd_queue->lock);
	/* a retransmission first: its request is answered when it commits,
	 * however full the queue */
	b = p2pcd_inflight_slot(job);
	if(b == NULL) {
		lock_release(&p2pcd_queue->lock);
		return 2;
	}
	if(p2pcd_queue->n >= p2pcd_queue_max) {
		lock_release(&p2pcd_queue->lock);
		return 1;
	}
	job->hnext = *b;
	*b = job;
	if(p2pcd_queue->tail != NULL)
		p2pcd_queue->tail->next = job;
	else
		p2pcd_queue->head = job;
	p2pcd_queue->tail = job;
	p2pcd_queue->n++;
	/* one worker drains; more (up to batch_workers) only while a full
	 * batch is waiting: one drainer makes the biggest batches */
	push = p2pcd_queue->kicks == 0
		   || (p2pcd_queue->kicks < p2pcd_batch_workers
				   && p2pcd_queue->n >= p2pcd_batch_max);
	if(push)
		p2pcd_queue->kicks++;
	lock_release(&p2pcd_queue->lock);
	if(!push)
		return 0; /* a draining worker takes it */
	kick = shm_malloc(sizeof(async_task_t));
	if(kick != NULL) {
		kick->exec = p2pcd_kick_exec;
		kick->param = NULL;
		if(async_task_push(kick) == 0)
			return 0;
		shm_free(kick);
	} else {
		SHM_MEM_ERROR;
	}
	/* no kick (the async workers' socket is full): this process drains
	 * in their place with the kick it counted, so no job queued behind
	 * this one waits without a drainer; taking the job back instead
	 * could take another job at a recycled address */
	LM_WARN("cannot push a kick to the async workers: draining here\n");
	p2pcd_drain(0, 0);
	return 0;
}

static int p2pcd_job_run_here(sip_msg_t *msg, p2pcd_job_t *job)
{
	job->run(job);
	p2pcd_reply(msg, job->code, job->reason, job->hdrs);
	p2pcd_job_free(job);
	return 0;
}

int p2pcd_job_dispatch(sip_msg_t *msg, p2pcd_job_t *job)
{
	async_task_t *task = ((async_task_t *)job) - 1;
	tm_cell_t *t;
	int ret;

	if(!p2pcd_async || !p2pcd_have_tm || async_task_workers_get() <= 0)
		return p2pcd_job_run_here(msg, job);

	if(job->batch != NULL && p2pcd_batch_max > 1) {
		if(p2pcd_sl_capture(msg, job) < 0)
			return p2pcd_job_run_here(msg, job);
		ret = p2pcd_job_enqueue(job);
		if(ret == 0)
			return 0;
		if(ret == 2) {
			/* a retransmission of a queued or committing request */
			update_stat(p2pcd_absorbed_stat, 1);
			p2pcd_job_free(job);
			return 0;
		}
		/* overloaded: answer now, charge nothing (on the request itself,
		 * which still has the script's reply headers) */
		job->hdrs[0] = '\0';
		p2pcd_job_overload(job);
		p2pcd_reply(msg, job->code, job->reason, job->hdrs);
		p2pcd_job_free(job);
		return 0;
	}

	t = p2pcd_tmb.t_gett();
	if(t == NULL || t == T_UNDEFINED) {
		ret = p2pcd_tmb.t_newtran(msg);
		if(ret == 0) {
			/* a retransmission: tm absorbed it (or re-sent the reply) */
			p2pcd_job_free(job);
			return 0;
		}
		if(ret < 0) {
			LM_ERR("cannot create the transaction (%d)\n", ret);
			return p2pcd_job_run_here(msg, job);
		}
	}
	if(p2pcd_tmb.t_suspend(msg, &job->tindex, &job->tlabel) < 0) {
		LM_ERR("cannot suspend the transaction\n");
		return p2pcd_job_run_here(msg, job);
	}
	task->exec = p2pcd_job_exec;
	task->param = job;
	if(async_task_push(task) < 0) {
		LM_ERR("cannot push the job to the async workers\n");
		p2pcd_tmb.t_cancel_suspend(job->tindex, job->tlabel);
		return p2pcd_job_run_here(msg, job);
	}
	return 0;
}
