/* CPU affinity of the announce workers and reuseport steering: see
 * cpu_steer.h. */
#include "cpu_steer.h"

#include <linux/filter.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>

static cpu_set_t saved;
static int have_saved;

int cpu_steer_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int c, n = 0;

	if(sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for(c = 0; c < CPU_SETSIZE && n < max; c++)
		if(CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

int cpu_steer_pin(int cpu)
{
	cpu_set_t set;

	if(!have_saved) {
		if(pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved))
			return -1;
		have_saved = 1;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) ? -1 : 0;
}

void cpu_steer_unpin(void)
{
	if(have_saved)
		pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	have_saved = 0;
}

int cpu_steer_attach(int listen_fd, int base)
{
	/* A = CPU - base, the index of the group's socket that takes the
	 * connection; an index out of range (a CPU below base wraps around)
	 * makes the kernel fall back to its hash */
	struct sock_filter code[] = {
			{BPF_LD | BPF_W | BPF_ABS, 0, 0, SKF_AD_OFF + SKF_AD_CPU},
			{BPF_ALU | BPF_SUB | BPF_K, 0, 0, (unsigned)base},
			{BPF_RET | BPF_A, 0, 0, 0},
	};
	struct sock_fprog prog = {.len = 3, .filter = code};

	return setsockopt(listen_fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
			sizeof(prog));
}
