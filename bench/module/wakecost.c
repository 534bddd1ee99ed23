/*
 * wakecost: the CPU a process is charged for blocking and being woken, on
 * this machine, now. The acquisition hands each batch between processes
 * (async worker, PostgreSQL, sipp) and sleeps for the group commit; the
 * bare reply does not. On a virtual machine a wake-up that must rouse an
 * idle virtual CPU can cost tens of microseconds, which then shows up in
 * the Kamailio CPU the bench measures.
 *
 *   cc -O2 -o /tmp/wakecost bench/module/wakecost.c && /tmp/wakecost
 *
 * Prints, per case, the CPU (utime + stime, getrusage) and the wall time
 * per wake-up: a 1 ms timer sleep (select, as Kamailio's sleep_us), and a
 * pipe ping-pong between two processes on any CPUs, then on one CPU.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N 5000

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static double cpu_us(int who)
{
	struct rusage r;

	getrusage(who, &r);
	return r.ru_utime.tv_sec * 1e6 + r.ru_utime.tv_usec
		   + r.ru_stime.tv_sec * 1e6 + r.ru_stime.tv_usec;
}

static void timer_sleeps(void)
{
	double c0 = cpu_us(RUSAGE_SELF), t0 = now_us();
	int i;

	for(i = 0; i < N; i++) {
		struct timeval tv = {0, 1000};

		select(0, NULL, NULL, NULL, &tv);
	}
	printf("1 ms timer sleep:        %6.1f us CPU, %7.1f us wall per wake\n",
			(cpu_us(RUSAGE_SELF) - c0) / N, (now_us() - t0) / N);
}

/* the child's CPU per wake-up: it blocks in read() N times, each woken by
 * the parent's write() */
static void ping_pong(int one_cpu)
{
	int a[2], b[2], i, st;
	char x = 0;
	double t0;
	pid_t p;
	struct rusage r;
	cpu_set_t set;

	if(pipe(a) || pipe(b))
		exit(1);
	if(one_cpu) {
		CPU_ZERO(&set);
		CPU_SET(0, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	p = fork();
	if(p == 0) {
		for(i = 0; i < N; i++)
			if(read(a[0], &x, 1) != 1 || write(b[1], &x, 1) != 1)
				_exit(1);
		_exit(0);
	}
	t0 = now_us();
	for(i = 0; i < N; i++)
		if(write(a[1], &x, 1) != 1 || read(b[0], &x, 1) != 1)
			exit(1);
	t0 = now_us() - t0;
	wait4(p, &st, 0, &r);
	printf("pipe ping-pong, %s: %6.1f us CPU, %7.1f us wall per wake\n",
			one_cpu ? "one CPU " : "any CPUs",
			(r.ru_utime.tv_sec * 1e6 + r.ru_utime.tv_usec
					+ r.ru_stime.tv_sec * 1e6 + r.ru_stime.tv_usec)
					/ N,
			t0 / N / 2);
	if(one_cpu) {
		CPU_ZERO(&set);
		for(i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
}

int main(void)
{
	timer_sleeps();
	ping_pong(0);
	ping_pong(1);
	return 0;
}
