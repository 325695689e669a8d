/* CPU time: the host's (/proc/stat's aggregate "cpu" line) and this
 * thread's or process's own, so a run can say whether the generator, the
 * shared machine or the server was the bottleneck. The parser is pure
 * ((buf, len) in, ticks out); the readers do the I/O. */
#ifndef TCPSWARM_CPUSTAT_H
#define TCPSWARM_CPUSTAT_H

#include <stddef.h>
#include <stdint.h>

/* The aggregate "cpu" line of /proc/stat, in USER_HZ ticks. busy is every
 * field but idle and iowait (guest time is already inside user and nice,
 * so it is not added twice). */
struct cpu_times {
	uint64_t busy, idle, total;
	unsigned ncpu; /* "cpuN" lines seen */
};

/* 0, or -1 when buf holds no well-formed "cpu " line. */
int cpustat_parse(const char *buf, size_t len, struct cpu_times *out);
/* Reads /proc/stat: 0 or -1. */
int cpustat_read(struct cpu_times *out);
/* Busy share of all CPUs between two samples, 0..1; -1 when no time passed. */
double cpustat_busy_share(const struct cpu_times *a, const struct cpu_times *b);

/* CPU time (user + system) of the calling thread, and of the whole calling
 * process, in nanoseconds (clock_gettime's CPU-time clocks). */
uint64_t cpustat_thread_ns(void);
uint64_t cpustat_process_ns(void);

#endif
