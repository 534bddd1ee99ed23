/*
 * Keeps each announce connection on one CPU: worker i's thread runs on the
 * i-th CPU, and the kernel hands a new connection to the listener of the
 * CPU its SYN was processed on, so a connection's packets and its worker
 * meet there (with a NIC, on the CPU of its receive queue). Measured on
 * the bench: a lower p99 at the same announces/s (docs/tracker.md).
 */
#ifndef P2PCD_TRACKER_CPU_STEER_H
#define P2PCD_TRACKER_CPU_STEER_H

/* the CPUs this process may run on, ascending; returns how many (<= max) */
int cpu_steer_cpus(int *cpus, int max);

/* threads this thread creates from now on run on cpu only; 0 or -1 */
int cpu_steer_pin(int cpu);

/* this thread back to the mask it had before the first cpu_steer_pin */
void cpu_steer_unpin(void);

/* give a connection processed on CPU base + i to the i-th socket of the
 * reuseport group of listen_fd (other CPUs: the kernel's hash); 0 or -1 */
int cpu_steer_attach(int listen_fd, int base);

#endif
