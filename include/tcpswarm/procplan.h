/* The process plan: how many worker processes and threads a run needs when
 * one process may hold only RLIMIT_NOFILE descriptors. Pure: the run
 * skeleton (run.c) and probe both call it, so probe predicts exactly the
 * workers the client will run (and so the port plan it will make). */
#ifndef TCPSWARM_PROCPLAN_H
#define TCPSWARM_PROCPLAN_H

#include <stdbool.h>
#include <stdint.h>

/* Descriptors a process keeps besides its sockets and per-worker fds:
 * stdio, report files, the rtt-log writer, /proc readers. */
#define PROCPLAN_FD_OVERHEAD 32
/* The most processes --processes auto picks. Past it the descriptor limit,
 * not the plan, is what is wrong: thousands of processes on one host would
 * spend the machine on scheduling and memory before any connection (the
 * message says to raise ulimit -n, give --processes or --shard the plan). */
#define PROCPLAN_AUTO_MAX 256
/* Descriptors each client worker keeps beside its sockets: epoll, eventfd, a spare. */
#define PROCPLAN_CLIENT_FD_PER_WORKER 3
/* ...and each server worker: listener, epoll, eventfd, the EMFILE reserve. */
#define PROCPLAN_SERVER_FD_PER_WORKER 4

struct procplan_input {
	uint64_t conns;          /* sockets the run holds */
	uint64_t headroom;       /* planned beyond conns (SO_REUSEPORT's uneven spread) */
	bool exact;              /* exactly conns sockets: caps workers, checks --processes */
	unsigned fd_per_worker;
	unsigned workers;        /* -w per process; 0 = one per CPU */
	unsigned processes;      /* --processes; 0 = auto */
	unsigned cpus;           /* CPUs this process may run on, >= 1 */
};

enum procplan_verdict {
	PROCPLAN_OK,
	PROCPLAN_NOFILE_TOO_LOW, /* not even one worker fits: raise ulimit -n */
	PROCPLAN_TOO_FEW,        /* --processes N cannot hold conns */
	PROCPLAN_AUTO_TOO_MANY,  /* auto would need more than PROCPLAN_AUTO_MAX processes */
};

struct procplan {
	enum procplan_verdict verdict;
	unsigned per_proc, procs; /* worker threads per process, processes */
	uint64_t overhead;        /* descriptors one process needs beside its sockets */
	uint64_t per;             /* sockets one process may hold */
	uint64_t avail;           /* the descriptor limit it was planned with */
	unsigned need;            /* processes auto would pick (for messages) */
};

/* Descriptors to ask for (the soft limit to raise toward) before planning:
 * conns plus the overhead of the first guess of workers. */
uint64_t procplan_want(const struct procplan_input *in);
/* Plans with `avail` descriptors per process (the soft limit in force
 * after raising it toward procplan_want). */
enum procplan_verdict procplan_compute(const struct procplan_input *in, uint64_t avail, struct procplan *out);
/* The soft limit fd_budget_raise() would leave for `want`, from the limits
 * now in force (negative: unknown; INT64_MAX: unlimited): for probe, which
 * must not change its own limit to predict the client's. */
uint64_t procplan_avail_after_raise(uint64_t want, int64_t soft, int64_t hard);

#endif
