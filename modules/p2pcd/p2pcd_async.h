/*
 * p2pcd - database jobs off the SIP workers: core async task workers,
 * stateless batched acquisitions or tm suspend/continue; the reply leaves
 * only after the commit
 */

#ifndef _P2PCD_ASYNC_H_
#define _P2PCD_ASYNC_H_

#include "core/ip_addr.h"
#include "core/parser/msg_parser.h"

typedef struct p2pcd_job p2pcd_job_t;
typedef void (*p2pcd_job_f)(p2pcd_job_t *job);
/* run n jobs of the same kind at once (each gets its code, reason, hdrs) */
typedef void (*p2pcd_batch_f)(p2pcd_job_t **jobs, int n);

#define P2PCD_BATCH_MAX 64

/* the header of every job; the rest of the allocation is the job's data */
struct p2pcd_job
{
	p2pcd_job_f run;	 /* fills code, reason, hdrs */
	p2pcd_batch_f batch; /* NULL: never batched */
	struct p2pcd_job *next;
	long long queued_ms; /* monotonic time it was queued */
	unsigned int tindex;
	unsigned int tlabel;
	int code;
	char reason[64];
	char hdrs[1024];
	void *data;
	/* a stateless job (batched acquisitions): the reply's head built by
	 * the SIP worker (sl_head 1) and where it goes, or the request as
	 * received, answered by sl from the async worker; key identifies it
	 * in the in-flight set that absorbs retransmissions */
	char *sl_buf; /* room, or shared memory of its own */
	int sl_len;
	char *room; /* the allocation's bytes after data */
	int room_len;
	int sl_head;
	union sockaddr_union sl_to;
	struct receive_info sl_rcv;
	unsigned int sl_flags;
	snd_flags_t sl_rpl_flags;
	unsigned long long key;
	struct p2pcd_job *hnext;
};

/* a job with size bytes of zeroed data after it, in shared memory */
p2pcd_job_t *p2pcd_job_new(p2pcd_job_f run, int size);
/* the same with the data not zeroed (the caller writes all of it) and
 * room bytes more for the stateless answer (see p2pcd_job_dispatch) */
p2pcd_job_t *p2pcd_job_new_raw(p2pcd_job_f run, int size, int room);
void p2pcd_job_free(p2pcd_job_t *job);
void p2pcd_job_set(p2pcd_job_t *job, int code, const char *reason);
/* append n pieces of header text, all or none (no printf: the
 * acquisition path) */
void p2pcd_job_hdr_addv(p2pcd_job_t *job, const str *v, int n);
void p2pcd_job_hdr(p2pcd_job_t *job, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
/*
 * Run the job: in an async task worker when tm is loaded and async_workers
 * is set, else here. A job with a batch function is queued and answered
 * statelessly (sl) after its batch committed, its retransmissions absorbed
 * by the in-flight set (set job->key first); any other job suspends its tm
 * transaction, which is continued to send the reply. Takes ownership of
 * job. Returns 0 (the script ends).
 */
int p2pcd_job_dispatch(sip_msg_t *msg, p2pcd_job_t *job);
int p2pcd_async_init(void);
void p2pcd_async_destroy(void);

#endif /* _P2PCD_ASYNC_H_ */
