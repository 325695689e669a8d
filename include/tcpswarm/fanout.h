/* Worker processes, for runs that need more descriptors than one process
 * may hold (RLIMIT_NOFILE). Children die with the parent (PR_SET_PDEATHSIG)
 * and ignore SIGINT: the parent owns the run and stops them through the
 * shared run_ctl; a child that dies early is reported by fanout_poll. */
#ifndef TCPSWARM_FANOUT_H
#define TCPSWARM_FANOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fanout {
	pid_t *pids;
	int *status;   /* wait status, valid once reaped */
	bool *reaped;
	size_t n;
};

/* Forks n children; child k runs child(k, arg) and exits with its return
 * value. 0, or -errno (children already forked are killed and reaped). */
int fanout_start(struct fanout *f, size_t n, int (*child)(size_t k, void *arg), void *arg);
/* Reaps children that ended; returns the index of one that ended abnormally
 * (signal or nonzero exit) with a message, or -1 if none did. */
long fanout_poll(struct fanout *f, char *msg, size_t cap);
/* Waits for every child up to timeout_ms (real time), then SIGKILLs and
 * reaps the rest. Returns how many ended abnormally. */
int fanout_wait(struct fanout *f, int timeout_ms);
/* Reaps children as they end until none is left or the monotonic deadline
 * passes; kills none. Returns how many are still running (those die with
 * the parent, PR_SET_PDEATHSIG, and finish closing in the kernel). */
size_t fanout_reap_until(struct fanout *f, uint64_t deadline_ns);
/* After the stop: the first child that ended abnormally while its workers
 * (slots k*per_proc ..) had not published their end-of-run figures, with a
 * message; -1 if none. A child killed while closing its sockets after
 * publishing cost nothing and is not reported. */
struct wshared;
long fanout_lost_figures(const struct fanout *f, const struct wshared *sh, unsigned per_proc, char *msg, size_t cap);
void fanout_free(struct fanout *f);

/* Raises the soft RLIMIT_NOFILE toward `want` (never above the hard limit:
 * that needs privilege) and returns the soft limit now in force. */
unsigned long long fd_budget_raise(unsigned long long want);

/* Grows this process's descriptor table to hold `fds` (capped at the soft
 * RLIMIT_NOFILE) now, while it has one thread. The kernel doubles the table
 * as descriptors are opened, and in a process whose threads share it each
 * doubling waits for an RCU grace period (expand_fdtable calls
 * synchronize_rcu): perf's sched_switch events found workers blocked
 * there (D state) during a 15k connect burst. A table never shrinks, so one
 * dup to the last slot, closed again, sizes it for the run. 0 or -errno. */
int fd_table_reserve(unsigned long long fds);

/* Processes needed for `fds` descriptors when each process may hold
 * `per_proc` (at least 1). */
static inline size_t fanout_processes_for(unsigned long long fds, unsigned long long per_proc)
{
	return per_proc ? (size_t)((fds + per_proc - 1) / per_proc) : 1;
}

#endif
