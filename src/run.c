/* The run skeleton every role shares: plan processes for the descriptors
 * needed, start the workers (threads here, or worker processes of threads),
 * tick once a second, drain, stop, wait for the published figures, collect,
 * and hand over to the role's report hook. */
#include "tcpswarm/run.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tcpswarm/fanout.h"
#include "tcpswarm/kstat.h"
#include "tcpswarm/metrics.h"
#include "tcpswarm/monitor.h"
#include "tcpswarm/procplan.h"
#include "tcpswarm/reactor.h"
#include "tcpswarm/stats.h"
#include "tcpswarm/worker.h"

/* Descriptors beyond the workers' own: stdio, report files, spares. */

/* Closing 20k sockets takes a process about half a second alone, several
 * seconds with dozens of processes on few CPUs (a million: 10-25 s, the
 * kernel's tcp_close, FIN or RST, and the server's side of it on loopback);
 * killing one after it has published its figures loses nothing, but a clean
 * exit is nicer. A role that reports before the teardown waits only
 * TEARDOWN_WAIT_MS for the exits: the rest finish closing on their own (they
 * die with the parent, PR_SET_PDEATHSIG, and the kernel completes the
 * closes in their exit). */
#define EXIT_GRACE_MS 60000
#define PUBLISH_WAIT_MS 30000
#define TEARDOWN_WAIT_MS 250

struct run_ctl *run_ctl_alloc(void)
{
	void *p = mmap(NULL, sizeof(struct run_ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	struct run_ctl *c = p;
	atomic_init(&c->phase, PHASE_RUN);
	atomic_init(&c->connects_inflight, 0);
	c->start_ns = c->end_ns = 0;
	c->rtt = NULL;
	c->parent_pid = (int)getpid();
	return c;
}

void run_ctl_free(struct run_ctl *ctl)
{
	if (ctl)
		munmap(ctl, sizeof(*ctl));
}

/* The workers one process runs: global ids [first, first + count). */
struct group {
	void **w;
	struct worker_pool pool;
	unsigned first, count;
};

struct run_state {
	const struct run_role *role;
	struct run run;
	struct run_report rep;
	struct group local; /* the workers, when they run in this process */
	struct fanout fo;   /* else the worker processes */
	struct monitor mon;
	bool have_mon;
	uint64_t fds_per_proc; /* the descriptor table each process sizes up front */
	struct metrics *metrics; /* --metrics, or NULL */
	char died[sizeof(((struct run_report *)0)->failure)]; /* a worker process that died */
};

/* Descriptors one process holds: its share of sockets plus each worker's
 * own, stdio and report files. With RLIMIT_NOFILE too low for the whole run
 * in one process, the run spreads over processes. */
static int plan_processes(const struct run_role *role, unsigned *per_proc, unsigned *procs, uint64_t *fds)
{
	struct procplan_input in = {
		.conns = role->conns, .headroom = role->conns_headroom, .exact = role->conns_exact,
		.fd_per_worker = role->fd_per_worker, .workers = role->com->workers, .processes = role->com->processes,
		.cpus = worker_cpu_count(),
	};
	struct procplan p;
	switch (procplan_compute(&in, fd_budget_raise(procplan_want(&in)), &p)) {
	case PROCPLAN_NOFILE_TOO_LOW:
		fprintf(stderr, "tcpswarm %s: RLIMIT_NOFILE is %" PRIu64 ": too low to run (raise ulimit -n)\n", role->name,
			p.avail);
		return -1;
	case PROCPLAN_TOO_FEW:
		fprintf(stderr,
			"tcpswarm %s: --processes %u cannot hold %s %" PRIu64 ": each process may hold about %" PRIu64
			" sockets (RLIMIT_NOFILE %" PRIu64 "); use --processes %u or auto\n",
			role->name, p.procs, role->conns_flag, role->conns, p.per, p.avail, p.need);
		return -1;
	case PROCPLAN_AUTO_TOO_MANY:
		fprintf(stderr,
			"tcpswarm %s: --processes auto would need %u processes for %s %" PRIu64 " (about %" PRIu64
			" sockets each under RLIMIT_NOFILE %" PRIu64 "), more than %d: raise ulimit -n (the hard limit), "
			"give --processes N, or split the plan over machines with --shard\n",
			role->name, p.need, role->conns_flag, role->conns, p.per, p.avail, PROCPLAN_AUTO_MAX);
		return -1;
	case PROCPLAN_OK:
		break;
	}
	*per_proc = p.per_proc;
	*procs = p.procs;
	/* what one process will hold: its share, or all it may when the
	 * spread is not exact (a server's max-conns is a ceiling) */
	uint64_t share = role->conns / p.procs + role->conns_headroom / p.procs + 2; /* rounded up (fd_table_reserve caps it at the limit) */
	*fds = share < p.per ? share + p.overhead : p.avail;
	return 0;
}

/* Creates every worker first (a server's bind error is reported before any
 * thread runs), then starts their threads. */
static int group_start(struct group *g, const struct run_state *s, unsigned first, unsigned count)
{
	const struct run_role *role = s->role;
	memset(g, 0, sizeof(*g));
	g->first = first;
	g->count = count;
	g->w = calloc(count, sizeof(*g->w));
	if (!g->w) {
		fprintf(stderr, "tcpswarm %s: out of memory\n", role->name);
		return -1;
	}
	for (unsigned i = 0; i < count; i++) {
		char err[512];
		g->w[i] = role->worker_new(role->ctx, &s->run, first + i, err, sizeof(err));
		if (!g->w[i]) {
			fprintf(stderr, "tcpswarm %s: %s\n", role->name, err);
			return -1;
		}
	}
	monitor_group_baseline(s->run.sh, first, count);
	int rc = worker_pool_start(&g->pool, count, first, s->run.workers, role->worker_main, (void *const *)g->w);
	if (rc < 0) {
		fprintf(stderr, "tcpswarm %s: cannot start worker threads: %s\n", role->name, strerror(-rc));
		return -1;
	}
	return 0;
}

/* Joins the threads (they end at PHASE_STOP) and frees the workers. */
static void group_end(struct group *g, const struct run_role *role)
{
	if (g->pool.threads)
		worker_pool_join(&g->pool);
	for (unsigned i = 0; g->w && i < g->count; i++)
		if (g->w[i])
			role->worker_free(g->w[i]);
	free(g->w);
	g->w = NULL;
}

/* Body of worker process k (forked, so s is its own copy). */
static int run_child(size_t k, void *arg)
{
	struct run_state *s = arg;
	struct group g;
	fd_table_reserve(s->fds_per_proc); /* forked: one thread */
	int rc = group_start(&g, s, (unsigned)k * s->run.per_proc, s->run.per_proc);
	if (rc < 0)
		atomic_store(&s->run.ctl->phase, PHASE_STOP); /* a worker of the run failed: stop all */
	group_end(&g, s->role);
	return rc < 0 ? s->role->start_fail_status : 0;
}

/* Wakes local workers so they see a phase change now; worker processes
 * notice it within their publish interval (200 ms). */
static void set_phase(struct run_state *s, int phase)
{
	atomic_store_explicit(&s->run.ctl->phase, phase, memory_order_release);
	for (unsigned i = 0; i < s->local.pool.started; i++)
		s->role->worker_wake(s->local.w[i]);
}

/* 0, or the exit status. */
static int start_workers(struct run_state *s)
{
	struct run *run = &s->run;
	if (run->procs == 1) {
		if (group_start(&s->local, s, 0, run->workers) < 0) {
			set_phase(s, PHASE_STOP);
			group_end(&s->local, s->role);
			return s->role->start_fail_status;
		}
		return 0;
	}
	int rc = fanout_start(&s->fo, run->procs, run_child, s);
	if (rc < 0) {
		fprintf(stderr, "tcpswarm %s: cannot start worker processes: %s\n", s->role->name, strerror(-rc));
		return 1;
	}
	monitor_set_processes(&s->mon, s->fo.pids, s->fo.n, run->per_proc);
	return 0;
}

/* One sample a second until the load ends, a signal comes, a worker
 * process dies or a worker stops the run. */
static void tick_loop(struct run_state *s)
{
	const struct run_ctl *ctl = s->run.ctl;
	uint32_t sec = 0;
	for (;;) {
		uint64_t next = ctl->start_ns + (uint64_t)(sec + 1) * 1000000000ULL;
		if (next > ctl->end_ns)
			next = ctl->end_ns;
		if ((s->rep.interrupted = monitor_wait(&s->mon, next)))
			break;
		monitor_tick(&s->mon, ++sec);
		if (s->fo.n && fanout_poll(&s->fo, s->died, sizeof(s->died)) >= 0)
			break;
		if (next >= ctl->end_ns || atomic_load(&ctl->phase) == PHASE_STOP)
			break;
	}
}

static bool all_draining(struct wshared *sh, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (atomic_load_explicit(&sh[i].phase_seen, memory_order_acquire) < PHASE_DRAIN &&
		    !atomic_load_explicit(&sh[i].done, memory_order_acquire))
			return false;
	return true;
}

/* No new requests; wait for answers in flight, up to the role's drain. */
static void drain(struct run_state *s)
{
	set_phase(s, PHASE_DRAIN);
	uint64_t drain_end = mono_ns() + (s->rep.interrupted || s->died[0] ? 0 : s->role->drain_ns);
	while (!s->rep.interrupted && mono_ns() < drain_end) {
		/* judge only once every worker has stopped sending: one still in
		 * PHASE_RUN may send a request due just before the end */
		if (all_draining(s->run.sh, s->run.workers)) {
			struct totals t;
			totals_collect(s->run.sh, s->run.workers, &t);
			if (t.req_answered + t.req_errors >= t.req_sent)
				break;
		}
		uint64_t step = mono_ns() + 5000000;
		s->rep.interrupted = monitor_wait(&s->mon, step < drain_end ? step : drain_end);
	}
}

/* Waits (real time) until every worker has published its end-of-run
 * figures or its process has ended. */
static void wait_published(struct wshared *sh, unsigned n, struct fanout *fo, int timeout_ms)
{
	uint64_t end = mono_ns() + (uint64_t)timeout_ms * 1000000;
	while (mono_ns() < end) {
		unsigned done = 0;
		for (unsigned i = 0; i < n; i++)
			done += (unsigned)atomic_load(&sh[i].done);
		if (done == n)
			return;
		char msg[8];
		fanout_poll(fo, msg, sizeof(msg));
		size_t live = 0;
		for (size_t k = 0; k < fo->n; k++)
			live += !fo->reaped[k];
		if (!live)
			return;
		struct timespec step = {0, 10000000};
		nanosleep(&step, NULL);
	}
}

static void stop_workers(struct run_state *s)
{
	set_phase(s, PHASE_STOP);
	if (s->run.procs == 1) {
		group_end(&s->local, s->role);
		return;
	}
	if (!s->died[0])
		fanout_poll(&s->fo, s->died, sizeof(s->died));
	/* workers publish their figures, then close their sockets (seconds
	 * at a million): wait for the figures, then give the exits time */
	wait_published(s->run.sh, s->run.workers, &s->fo, PUBLISH_WAIT_MS);
	if (s->role->report_before_teardown)
		s->rep.teardown_procs = (unsigned)fanout_reap_until(&s->fo, mono_ns() + TEARDOWN_WAIT_MS * 1000000ULL);
	else
		fanout_wait(&s->fo, EXIT_GRACE_MS);
	if (!s->died[0])
		fanout_lost_figures(&s->fo, s->run.sh, s->run.per_proc, s->died, sizeof(s->died));
}

/* Checks the report paths and plans the processes: 0 or EXIT_USAGE. */
static int plan(struct run_state *s)
{
	const struct run_role *role = s->role;
	unsigned per_proc = 1;
	unsigned procs = 1;
	if (report_paths_writable(role->name, role->com->json_path, role->com->csv_path, role->extra_path,
				  role->com->hdr_log_path) < 0)
		return EXIT_USAGE;
	if (plan_processes(role, &per_proc, &procs, &s->fds_per_proc) < 0)
		return EXIT_USAGE;
	if (procs == 1) /* the workers run here; still one thread */
		fd_table_reserve(s->fds_per_proc);
	if (role->planned && role->planned(role->ctx, per_proc * procs) < 0)
		return EXIT_USAGE;
	s->run.per_proc = per_proc;
	s->run.procs = procs;
	s->run.workers = per_proc * procs;
	return 0;
}

static int execute(struct run_state *s)
{
	const struct run_role *role = s->role;
	struct run *run = &s->run;
	s->rep.workers = run->workers;
	s->rep.processes = run->procs;
	run->sh = wshared_alloc(run->workers);
	run->ctl = run_ctl_alloc();
	if (!run->sh || !run->ctl) {
		fprintf(stderr, "tcpswarm %s: out of memory\n", role->name);
		return 1;
	}
	int status = role->prepare ? role->prepare(role->ctx, run) : 0;
	if (status)
		return status;
	if (monitor_init(&s->mon, &s->rep, run->sh, run->workers, role->live_target, role->com->quiet) < 0)
		return 1;
	s->have_mon = true;
	monitor_set_live(&s->mon, role->load_ns, role->live_sched, role->live_conns);
	if (monitor_open_outputs(&s->mon, role->name, role->com->csv_path, role->com->hdr_log_path) < 0)
		return 1;
	if ((status = metrics_start(&s->metrics, role->name, &role->com->metrics, run->sh, run->workers)))
		return status;
	/* the clock starts now: connect pacing and the schedule count from here */
	run->ctl->start_ns = s->rep.start_ns = mono_ns();
	run->ctl->end_ns = role->load_ns == UINT64_MAX ? UINT64_MAX : run->ctl->start_ns + role->load_ns;
	if ((status = start_workers(s)))
		return status;
	if ((status = metrics_serve(s->metrics))) {
		set_phase(s, PHASE_STOP);
		stop_workers(s);
		return status;
	}
	if (role->started)
		role->started(role->ctx, run);
	tick_loop(s);
	if (role->drains)
		drain(s);
	monitor_end_load(&s->mon);
	stop_workers(s);
	s->rep.duration_s = (double)(mono_ns() - run->ctl->start_ns) / 1e9;
	kstat_read_sockstat(&s->rep.sock_after); /* what the run leaves: TIME-WAIT, orphans, sockets still closing */
	monitor_finish(&s->mon);
	totals_collect(run->sh, run->workers, &s->rep.tot);
	if (s->died[0]) {
		snprintf(s->rep.failure, sizeof(s->rep.failure), "%s", s->died);
		status = 1;
	}
	status = role->finish(role->ctx, run, status);
	/* the streamed series: renamed into place now (also after a signal) */
	if (monitor_commit_outputs(&s->mon) < 0 && !status)
		status = 1;
	return status;
}

/* SIGINT/SIGTERM held from the start (the monitor takes them once the load
 * runs), so one during startup still ends the run with its reports: not
 * with none (the default action killed it), nor not at all (a background
 * job starts with SIGINT ignored, which discarded it). */
static void hold_signals(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
}

int run_main(const struct run_role *role)
{
	hold_signals();
	struct run_state s;
	memset(&s, 0, sizeof(s)); /* every cleanup below is safe from here */
	s.role = role;
	s.run.rep = &s.rep;
	int status = plan(&s);
	if (!status)
		status = execute(&s);
	metrics_stop(s.metrics);
	if (role->cleanup)
		role->cleanup(role->ctx, &s.run);
	if (s.have_mon)
		monitor_destroy(&s.mon);
	fanout_free(&s.fo);
	wshared_free(s.run.sh, s.run.workers);
	run_ctl_free(s.run.ctl);
	series_free(&s.rep.series);
	return status;
}
