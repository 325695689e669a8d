/* One run skeleton for every role (client, server): plan the processes,
 * start the workers, tick once a second, drain, stop, collect, then hand
 * the figures to the role's report hook. A role is a struct run_role: its
 * numbers, its hooks and their context. This header also owns the run's
 * shared control block, its phases and the process exit statuses. */
#ifndef TCPSWARM_RUN_H
#define TCPSWARM_RUN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpswarm/config.h"

/* Exit statuses: 0 ok, 1 a CI gate such as --expect-connections missed (or
 * a run that failed), 2 usage error or plan refused. */
#define EXIT_OK 0
#define EXIT_GATE 1
#define EXIT_USAGE 2

enum run_phase { PHASE_RUN, PHASE_DRAIN, PHASE_STOP };

struct rtt_ring;

/* Shared between the main thread and the workers of one run; lives in a
 * shared mapping (run_ctl_alloc) so worker processes see it too. */
struct run_ctl {
	atomic_int phase;
	uint64_t start_ns;    /* monotonic */
	uint64_t end_ns;      /* end of the load: no request is intended after it */
	struct rtt_ring *rtt; /* --rtt-log: one ring per worker (global id), or NULL */
	int parent_pid;       /* the run's own process: workers elsewhere are worker processes */
	atomic_uint connects_inflight; /* client, first opens in turns: connects in progress, all workers (client_turns.c) */
};

/* NULL if the mapping fails. */
struct run_ctl *run_ctl_alloc(void);
void run_ctl_free(struct run_ctl *ctl);

struct wshared;
struct run_report;

/* One run in progress, as the role's hooks see it. */
struct run {
	struct run_report *rep;
	struct run_ctl *ctl;
	struct wshared *sh;   /* one slot per worker, global id */
	unsigned workers;     /* over all processes: per_proc * procs */
	unsigned per_proc, procs;
};

struct run_role {
	const char *name;                 /* "client": prefixes every message */
	const struct common_config *com;  /* workers, processes, report paths, quiet */
	const char *extra_path;           /* one more output file checked up front (--rtt-log), or NULL */
	/* process plan: sockets the run holds and what each worker costs beside them */
	uint64_t conns;
	uint64_t conns_headroom;          /* planned beyond conns (uneven spread) */
	bool conns_exact;                 /* exactly conns sockets: caps workers and processes, checks --processes */
	const char *conns_flag;           /* the option that set conns, for messages ("-c") */
	unsigned fd_per_worker;           /* epoll, eventfd, ... per worker thread */
	uint64_t live_target;             /* shown in the live line; 0 = none */
	const struct schedule *live_sched; /* rate schedule for the live line's intended rate, or NULL */
	struct sched_part live_conns;     /* --conn-schedule for the live line's intended connections (s NULL: none) */
	uint64_t load_ns;                 /* length of the load; UINT64_MAX = until a signal */
	bool drains;                      /* after the load: PHASE_DRAIN until answered + errors >= sent */
	uint64_t drain_ns;                /* at most this long */
	int start_fail_status;            /* exit status (and child exit) when a worker cannot start */
	bool report_before_teardown;      /* worker processes: report once all published, wait 250 ms for their exits, not more */
	void *ctx;                        /* passed to every hook below */

	/* After the process plan: 0, or -1 (refused, message printed). */
	int (*planned)(void *ctx, unsigned workers);
	/* Shared state allocated, before the monitor starts: 0 or an exit status. */
	int (*prepare)(void *ctx, struct run *run);
	/* Every worker runs (optional). */
	void (*started)(void *ctx, const struct run *run);
	/* Worker id (global) in whatever process runs it: NULL + message in err. */
	void *(*worker_new)(void *ctx, const struct run *run, unsigned id, char *err, size_t errcap);
	void *(*worker_main)(void *worker);
	void (*worker_wake)(void *worker);
	void (*worker_free)(void *worker);
	/* Totals collected (rep->failure set, status 1, if a worker process
	 * died): diagnosis, gates, summary, reports; returns the exit status. */
	int (*finish)(void *ctx, struct run *run, int status);
	/* Always called last, also after an early failure (fields may be NULL). */
	void (*cleanup)(void *ctx, struct run *run);
};

/* Runs the role; returns the process exit status. */
int run_main(const struct run_role *role);

/* Entry points of the subcommands: each returns the process exit status. */
int client_run(struct client_config *cfg);
int server_run(const struct server_config *cfg);

#endif
