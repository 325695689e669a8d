/* tcpswarm server: a listener and reactor per worker, in one process or, when
 * --max-conns needs more descriptors than RLIMIT_NOFILE allows, in several;
 * reports each second until SIGINT/SIGTERM (or -T), then the summary. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/cli.h"
#include "tcpswarm/fanout.h"
#include "tcpswarm/monitor.h"
#include "tcpswarm/reactor.h"
#include "tcpswarm/run.h"
#include "tcpswarm/server.h"
#include "tcpswarm/worker.h"

#define FD_OVERHEAD_PER_WORKER 4 /* listener, epoll, eventfd, reserve fd */
#define FD_OVERHEAD 32

struct sgroup {
	struct sworker **sw;
	struct worker_pool pool;
	unsigned count;
};

/* Creates every listener first, so a bind error is reported before any
 * thread runs. */
static int sgroup_start(struct sgroup *g, struct server_shared *ss, struct wshared *sh, unsigned first, unsigned count)
{
	memset(g, 0, sizeof(*g));
	g->count = count;
	g->sw = calloc(count, sizeof(*g->sw));
	if (!g->sw)
		return -1;
	for (unsigned i = 0; i < count; i++) {
		char err[512];
		g->sw[i] = sworker_new(ss, &sh[first + i], first + i, err, sizeof(err));
		if (!g->sw[i]) {
			fprintf(stderr, "tcpswarm server: %s\n", err);
			return -1;
		}
	}
	monitor_group_baseline(sh, first, count);
	int rc = worker_pool_start(&g->pool, count, first, sworker_main, (void *const *)g->sw);
	if (rc < 0) {
		fprintf(stderr, "tcpswarm server: cannot start worker threads: %s\n", strerror(-rc));
		return -1;
	}
	return 0;
}

static void sgroup_end(struct sgroup *g)
{
	for (unsigned i = 0; i < g->pool.started; i++)
		sworker_wake(g->sw[i]);
	if (g->pool.threads)
		worker_pool_join(&g->pool);
	for (unsigned i = 0; g->sw && i < g->count; i++)
		sworker_free(g->sw[i]);
	free(g->sw);
	g->sw = NULL;
}

struct schild_args {
	struct server_shared *ss;
	struct wshared *sh;
	unsigned per_proc;
};

static int server_child(size_t k, void *arg)
{
	struct schild_args *a = arg;
	struct sgroup g;
	int rc = sgroup_start(&g, a->ss, a->sh, (unsigned)k * a->per_proc, a->per_proc);
	if (rc < 0)
		atomic_store(&a->ss->ctl->phase, PHASE_STOP);
	sgroup_end(&g);
	return rc < 0 ? 2 : 0;
}

static int plan_processes(const struct server_config *cfg, unsigned *per_proc, unsigned *procs)
{
	uint64_t overhead = (uint64_t)*per_proc * FD_OVERHEAD_PER_WORKER + FD_OVERHEAD;
	uint64_t avail = fd_budget_raise(cfg->max_conns + overhead);
	if (avail <= overhead + 1) {
		fprintf(stderr, "tcpswarm server: RLIMIT_NOFILE is %" PRIu64 ": too low to run (raise ulimit -n)\n", avail);
		return -1;
	}
	/* SO_REUSEPORT spreads connections by hash, not evenly: 10% headroom
	 * (at 1M over 51 processes one took 70 more than the average allows) */
	*procs = cfg->com.processes ? cfg->com.processes
				    : (unsigned)fanout_processes_for(cfg->max_conns + cfg->max_conns / 10, avail - overhead);
	if (*procs > 1 && !cfg->com.workers) {
		unsigned cpus = worker_cpu_count();
		*per_proc = cpus / *procs ? cpus / *procs : 1;
	}
	return 0;
}

int server_run(const struct server_config *cfg)
{
	unsigned per_proc = cfg->com.workers ? cfg->com.workers : worker_cpu_count();
	unsigned procs = 1;
	if (report_paths_writable("server", cfg->com.json_path, cfg->com.csv_path, NULL) < 0)
		return EXIT_USAGE;
	if (plan_processes(cfg, &per_proc, &procs) < 0)
		return EXIT_USAGE;
	unsigned workers = per_proc * procs;
	struct run_report rep;
	memset(&rep, 0, sizeof(rep));
	rep.workers = workers;
	rep.processes = procs;
	struct server_shared ss;
	memset(&ss, 0, sizeof(ss));
	struct sgroup local = {0};
	struct fanout fo = {0};
	struct monitor mon;
	bool have_mon = false;
	char err[512];
	int status = 0;
	struct wshared *sh = wshared_alloc(workers);
	struct run_ctl *ctl = run_ctl_alloc();
	if (!sh || !ctl) {
		fprintf(stderr, "tcpswarm server: out of memory\n");
		status = 1;
		goto out;
	}
	/* children inherit ss, including its (untouched, copy-on-write)
	 * connection table */
	if (server_shared_init(&ss, cfg, ctl, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpswarm server: %s\n", err);
		status = EXIT_USAGE;
		goto out;
	}
	addr_format(&ss.bound, rep.listen_addr, sizeof(rep.listen_addr));
	rep.backlog_effective = ss.backlog_effective;
	rep.conn_struct_bytes = server_conn_size();
	if (monitor_init(&mon, &rep, sh, workers, 0, cfg->com.quiet) < 0) {
		status = 1;
		goto out;
	}
	have_mon = true;
	ctl->start_ns = mono_ns();
	ctl->end_ns = cfg->com.duration_us ? ctl->start_ns + cfg->com.duration_us * 1000 : UINT64_MAX;
	struct schild_args ca = {&ss, sh, per_proc};
	if (procs == 1) {
		if (sgroup_start(&local, &ss, sh, 0, workers) < 0) {
			atomic_store(&ctl->phase, PHASE_STOP);
			sgroup_end(&local);
			status = EXIT_USAGE;
			goto out;
		}
	} else {
		int rc = fanout_start(&fo, procs, server_child, &ca);
		if (rc < 0) {
			fprintf(stderr, "tcpswarm server: cannot start worker processes: %s\n", strerror(-rc));
			status = 1;
			goto out;
		}
		monitor_set_processes(&mon, fo.pids, fo.n, per_proc);
	}
	if (!cfg->com.quiet)
		fprintf(stderr, "tcpswarm server: listening on %s, mode %s, %u workers in %u process%s, backlog %d\n",
			rep.listen_addr, (const char *const[]){"echo", "sink", "http", "dns"}[cfg->mode], workers, procs, procs == 1 ? "" : "es",
			ss.backlog_effective);
	uint32_t sec = 0;
	for (;;) {
		uint64_t next = ctl->start_ns + (uint64_t)(sec + 1) * 1000000000ULL;
		if (next > ctl->end_ns)
			next = ctl->end_ns;
		if ((rep.interrupted = monitor_wait(&mon, next)))
			break;
		monitor_tick(&mon, ++sec);
		if (fo.n && fanout_poll(&fo, rep.failure, sizeof(rep.failure)) >= 0)
			break;
		if (next >= ctl->end_ns || atomic_load(&ctl->phase) == PHASE_STOP)
			break;
	}
	monitor_end_load(&mon);
	atomic_store_explicit(&ctl->phase, PHASE_STOP, memory_order_release);
	if (procs == 1) {
		sgroup_end(&local);
	} else {
		if (!rep.failure[0])
			fanout_poll(&fo, rep.failure, sizeof(rep.failure));
		/* each process closes its connections before it exits: seconds at
		 * a million; killing it then loses nothing (figures are shared) */
		fanout_wait(&fo, 60000);
	}
	if (rep.failure[0])
		status = 1;
	rep.duration_s = (double)(mono_ns() - ctl->start_ns) / 1e9;
	monitor_finish(&mon);
	totals_collect(sh, workers, &rep.tot);
	struct diag_input in = {
		.is_client = false, .tot = &rep.tot, .kdelta = &rep.kdelta, .limits = &rep.limits, .sock = &rep.sock_end,
		.peak_open = rep.peak_open, .backlog_effective = rep.backlog_effective,
		.listen_queue_peak = rep.tot.listen_queue_peak,
	};
	diagnose(&in, &rep.diag);
	report_summary_server(stdout, &rep, cfg);
	if (cfg->com.json_path && report_json_server(cfg->com.json_path, &rep, cfg) < 0)
		status = 1;
	if (cfg->com.csv_path && report_csv(cfg->com.csv_path, &rep) < 0)
		status = 1;
out:
	if (have_mon)
		monitor_destroy(&mon);
	fanout_free(&fo);
	server_shared_destroy(&ss);
	wshared_free(sh, workers);
	run_ctl_free(ctl);
	series_free(&rep.series);
	return status;
}
