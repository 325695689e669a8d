/* tcpswarm client: checks the plan against the limits, starts the workers,
 * reports each second, drains, and writes the summary and reports. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tcpswarm/cli.h"
#include "tcpswarm/client.h"
#include "tcpswarm/fanout.h"
#include "tcpswarm/monitor.h"
#include "tcpswarm/reactor.h"
#include "tcpswarm/run.h"
#include "tcpswarm/worker.h"

/* Descriptors beyond the sockets: epoll, eventfd per worker, stdio, files. */
#define FD_OVERHEAD_PER_WORKER 3
#define FD_OVERHEAD 32

/* Descriptors one process holds: its share of sockets plus epoll, eventfd
 * and spare fds per worker, stdio and report files. With RLIMIT_NOFILE too
 * low for the whole run in one process, the run spreads over processes. */
static int plan_processes(const struct client_config *cfg, unsigned *per_proc, unsigned *procs)
{
	if (*per_proc > cfg->conns)
		*per_proc = (unsigned)cfg->conns;
	uint64_t avail = fd_budget_raise(cfg->conns + (uint64_t)*per_proc * FD_OVERHEAD_PER_WORKER + FD_OVERHEAD);
	uint64_t overhead = (uint64_t)*per_proc * FD_OVERHEAD_PER_WORKER + FD_OVERHEAD;
	if (avail <= overhead + 1) {
		fprintf(stderr, "tcpswarm client: RLIMIT_NOFILE is %" PRIu64 ": too low to run (raise ulimit -n)\n", avail);
		return -1;
	}
	uint64_t per = avail - overhead;
	unsigned need = (unsigned)fanout_processes_for(cfg->conns, per);
	if (cfg->com.processes) {
		*procs = cfg->com.processes;
		if (fanout_processes_for(cfg->conns, *procs) > per) {
			fprintf(stderr,
				"tcpswarm client: --processes %u cannot hold -c %" PRIu64 ": each process may hold about %" PRIu64
				" sockets (RLIMIT_NOFILE %" PRIu64 "); use --processes %u or auto\n",
				*procs, cfg->conns, per, avail, need);
			return -1;
		}
	} else {
		*procs = need;
	}
	if (*procs > cfg->conns)
		*procs = (unsigned)cfg->conns;
	if (*procs > 1 && !cfg->com.workers) {
		/* spread the CPUs over the processes instead of multiplying threads */
		unsigned cpus = worker_cpu_count();
		*per_proc = cpus / *procs ? cpus / *procs : 1;
	}
	if ((uint64_t)*procs * *per_proc > cfg->conns)
		*per_proc = 1;
	return 0;
}

static void gates(const struct client_config *cfg, struct run_report *r)
{
	const struct totals *t = &r->tot;
	if (cfg->has_expect_conns && t->conn_established < cfg->expect_conns)
		snprintf(r->gate_fail[r->ngate_fail++], sizeof(r->gate_fail[0]),
			 "--expect-connections %" PRIu64 ": only %" PRIu64 " established", cfg->expect_conns,
			 t->conn_established);
	if (cfg->has_max_error_rate) {
		uint64_t bad = t->conn_failed + t->req_errors + t->req_lost;
		uint64_t all = t->conn_attempts + t->req_sent;
		double rate = all ? (double)bad / (double)all : 0;
		if (rate > cfg->max_error_rate)
			snprintf(r->gate_fail[r->ngate_fail++], sizeof(r->gate_fail[0]),
				 "--max-error-rate %g: error rate was %g (%" PRIu64 " of %" PRIu64 ")", cfg->max_error_rate,
				 rate, bad, all);
	}
	if (cfg->has_max_p99) {
		uint64_t p99 = hist_percentile(r->lat, 99);
		if (r->lat->count == 0 || p99 > cfg->max_p99_us)
			snprintf(r->gate_fail[r->ngate_fail++], sizeof(r->gate_fail[0]),
				 "--max-p99 %" PRIu64 "us: p99 was %" PRIu64 "us over %" PRIu64 " answers", cfg->max_p99_us,
				 p99, r->lat->count);
	}
}

static void final_histograms(struct wshared *sh, unsigned n, struct run_report *r)
{
	for (unsigned i = 0; i < n; i++) {
		pthread_mutex_lock(&sh[i].lock);
		hist_merge(r->lat, &sh[i].lat_total);
		hist_merge(r->conn_lat, &sh[i].conn_lat_total);
		pthread_mutex_unlock(&sh[i].lock);
	}
}

static void run_diagnosis(const struct client_config *cfg, struct run_report *r)
{
	struct diag_input in = {
		.is_client = true, .tot = &r->tot, .kdelta = &r->kdelta, .limits = &r->limits, .sock = &r->sock_end,
		.target_conns = cfg->conns, .peak_open = r->peak_open, .source_ips = cfg->sources.n,
		.targets = cfg->ntargets, .backlog_effective = -1, .sent = r->tot.req_sent,
		.answered = r->tot.req_answered, .interrupted = r->interrupted, .intended = r->tot.req_intended,
		.p50_us = hist_percentile(r->lat, 50),
	};
	diagnose(&in, &r->diag);
}

/* The workers one process runs: global ids [first, first + count). */
struct group {
	struct cworker **cw;
	struct worker_pool pool;
	unsigned first, count;
};

static int group_start(struct group *g, const struct client_config *cfg, struct run_ctl *ctl, struct wshared *sh,
		       unsigned first, unsigned count, unsigned total)
{
	memset(g, 0, sizeof(*g));
	g->first = first;
	g->count = count;
	g->cw = calloc(count, sizeof(*g->cw));
	if (!g->cw) {
		fprintf(stderr, "tcpswarm client: out of memory\n");
		return -1;
	}
	for (unsigned i = 0; i < count; i++) {
		char err[256];
		g->cw[i] = cworker_new(cfg, ctl, &sh[first + i], first + i, total, err, sizeof(err));
		if (!g->cw[i]) {
			fprintf(stderr, "tcpswarm client: %s\n", err);
			return -1;
		}
	}
	monitor_group_baseline(sh, first, count);
	int rc = worker_pool_start(&g->pool, count, first, cworker_main, (void *const *)g->cw);
	if (rc < 0) {
		fprintf(stderr, "tcpswarm client: cannot start worker threads: %s\n", strerror(-rc));
		return -1;
	}
	return 0;
}

static void group_wake(struct group *g)
{
	for (unsigned i = 0; i < g->pool.started; i++)
		cworker_wake(g->cw[i]);
}

static void group_end(struct group *g)
{
	if (g->pool.threads)
		worker_pool_join(&g->pool);
	for (unsigned i = 0; g->cw && i < g->count; i++)
		cworker_free(g->cw[i]);
	free(g->cw);
	g->cw = NULL;
}

/* Closing 20k sockets takes a process about half a second alone, several
 * seconds with dozens of processes on few CPUs; killing one after it has
 * published its figures loses nothing, but a clean exit is nicer. */
#define EXIT_GRACE_MS 60000

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

static bool all_draining(struct wshared *sh, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (atomic_load_explicit(&sh[i].phase_seen, memory_order_acquire) < PHASE_DRAIN &&
		    !atomic_load_explicit(&sh[i].done, memory_order_acquire))
			return false;
	return true;
}

struct child_args {
	const struct client_config *cfg;
	struct run_ctl *ctl;
	struct wshared *sh;
	unsigned per_proc, total;
};

static int client_child(size_t k, void *arg)
{
	struct child_args *a = arg;
	struct group g;
	int rc = group_start(&g, a->cfg, a->ctl, a->sh, (unsigned)k * a->per_proc, a->per_proc, a->total);
	if (rc < 0)
		atomic_store(&a->ctl->phase, PHASE_STOP); /* a worker of the run failed: stop all */
	group_end(&g);
	return rc < 0 ? 1 : 0;
}

/* Wakes local workers so they see a phase change now; worker processes
 * notice it within their publish interval (200 ms). */
static void set_phase(struct run_ctl *ctl, struct group *local, int phase)
{
	atomic_store_explicit(&ctl->phase, phase, memory_order_release);
	if (local)
		group_wake(local);
}

int client_run(struct client_config *cfg)
{
	unsigned per_proc = cfg->com.workers ? cfg->com.workers : worker_cpu_count();
	if (report_paths_writable("client", cfg->com.json_path, cfg->com.csv_path, cfg->rtt_log) < 0) {
		srcset_free(&cfg->sources);
		return EXIT_USAGE;
	}
	struct klimits lim;
	kstat_read_limits(&lim);
	unsigned procs = 1;
	if (plan_processes(cfg, &per_proc, &procs) < 0 || client_port_plan(cfg, &lim, per_proc * procs, cfg->com.quiet) < 0) {
		srcset_free(&cfg->sources);
		return EXIT_USAGE;
	}
	unsigned workers = per_proc * procs;

	struct run_report rep;
	memset(&rep, 0, sizeof(rep));
	rep.is_client = true;
	rep.workers = workers;
	rep.processes = procs;
	rep.conn_struct_bytes = client_conn_size();
	rep.lat = malloc(sizeof(struct hist));
	rep.conn_lat = malloc(sizeof(struct hist));
	struct wshared *sh = wshared_alloc(workers);
	struct run_ctl *ctl = run_ctl_alloc();
	struct rttlog *rtt = NULL;
	struct group local = {0};
	struct fanout fo = {0};
	struct monitor mon;
	bool have_mon = false;
	int status = 0;
	if (!rep.lat || !rep.conn_lat || !sh || !ctl) {
		fprintf(stderr, "tcpswarm client: out of memory\n");
		status = 1;
		goto out;
	}
	hist_reset(rep.lat);
	hist_reset(rep.conn_lat);
	if (cfg->rtt_log) {
		char err[300];
		ctl->rtt = rtt_rings_alloc(workers);
		if (!ctl->rtt || !(rtt = rttlog_start(cfg->rtt_log, ctl->rtt, workers, err, sizeof(err)))) {
			fprintf(stderr, "tcpswarm client: %s\n", ctl->rtt ? err : "out of memory");
			status = ctl->rtt ? EXIT_USAGE : 1;
			goto out;
		}
	}
	if (monitor_init(&mon, &rep, sh, workers, cfg->conns, cfg->com.quiet) < 0) {
		status = 1;
		goto out;
	}
	have_mon = true;
	if (procs > 1 && !cfg->com.quiet)
		fprintf(stderr,
			"tcpswarm client: %" PRIu64 " connections need more descriptors than one process may hold "
			"(RLIMIT_NOFILE %" PRId64 "): running %u worker processes x %u threads\n",
			cfg->conns, lim.n[KL_NOFILE_HARD] ? lim.v[KL_NOFILE_HARD][0] : -1, procs, per_proc);
	/* the clock starts now: connect pacing and the schedule count from here */
	ctl->start_ns = mono_ns();
	ctl->end_ns = ctl->start_ns + cfg->com.duration_us * 1000;
	rep.start_ns = ctl->start_ns;
	struct child_args ca = {cfg, ctl, sh, per_proc, workers};
	if (procs == 1) {
		if (group_start(&local, cfg, ctl, sh, 0, workers, workers) < 0) {
			set_phase(ctl, &local, PHASE_STOP);
			status = 1;
			goto out;
		}
	} else {
		int rc = fanout_start(&fo, procs, client_child, &ca);
		if (rc < 0) {
			fprintf(stderr, "tcpswarm client: cannot start worker processes: %s\n", strerror(-rc));
			status = 1;
			goto out;
		}
		monitor_set_processes(&mon, fo.pids, fo.n, per_proc);
	}
	char died[200] = "";
	uint32_t sec = 0;
	while (!rep.interrupted) {
		uint64_t next = ctl->start_ns + (uint64_t)(sec + 1) * 1000000000ULL;
		if (next > ctl->end_ns)
			next = ctl->end_ns;
		rep.interrupted = monitor_wait(&mon, next);
		if (rep.interrupted)
			break;
		monitor_tick(&mon, ++sec);
		if (fo.n && fanout_poll(&fo, died, sizeof(died)) >= 0)
			break;
		if (next >= ctl->end_ns || atomic_load(&ctl->phase) == PHASE_STOP)
			break;
	}
	/* drain: no new requests; wait for answers in flight, up to --drain */
	set_phase(ctl, &local, PHASE_DRAIN);
	uint64_t drain_end = mono_ns() + (rep.interrupted || died[0] ? 0 : cfg->drain_us * 1000);
	while (!rep.interrupted && mono_ns() < drain_end) {
		/* judge only once every worker has stopped sending: one still in
		 * PHASE_RUN may send a request due just before the end */
		if (all_draining(sh, workers)) {
			struct totals t;
			totals_collect(sh, workers, &t);
			if (t.req_answered + t.req_errors >= t.req_sent)
				break;
		}
		uint64_t step = mono_ns() + 5000000;
		rep.interrupted = monitor_wait(&mon, step < drain_end ? step : drain_end);
	}
	monitor_end_load(&mon);
	set_phase(ctl, &local, PHASE_STOP);
	if (procs == 1) {
		group_end(&local);
	} else {
		if (!died[0])
			fanout_poll(&fo, died, sizeof(died));
		/* workers publish their figures, then close their sockets (seconds
		 * at a million): wait for the figures, then give the exits time */
		wait_published(sh, workers, &fo, 30000);
		fanout_wait(&fo, EXIT_GRACE_MS);
		if (!died[0])
			fanout_lost_figures(&fo, sh, per_proc, died, sizeof(died));
	}
	rep.duration_s = (double)(mono_ns() - ctl->start_ns) / 1e9;
	monitor_finish(&mon);
	totals_collect(sh, workers, &rep.tot);
	final_histograms(sh, workers, &rep);
	if (rtt) {
		int64_t written = rttlog_stop(rtt, &rep.tot.rtt_dropped);
		rtt = NULL;
		if (written < 0)
			status = 1;
		else
			rep.tot.rtt_written = (uint64_t)written;
	}
	for (unsigned i = 0; i < workers; i++)
		if (sh[i].exit_error)
			fprintf(stderr, "tcpswarm client: worker %u stopped early: %s\n", i, strerror(sh[i].exit_error));
	run_diagnosis(cfg, &rep);
	gates(cfg, &rep);
	if (died[0]) {
		snprintf(rep.failure, sizeof(rep.failure), "%s", died);
		status = 1;
	}
	report_summary_client(stdout, &rep, cfg);
	if (cfg->com.json_path && report_json_client(cfg->com.json_path, &rep, cfg) < 0)
		status = 1;
	if (cfg->com.csv_path && report_csv(cfg->com.csv_path, &rep) < 0)
		status = 1;
	if (rep.ngate_fail && !status)
		status = EXIT_GATE;
out:
	if (rtt) {
		uint64_t dropped;
		rttlog_stop(rtt, &dropped);
	}
	if (ctl)
		rtt_rings_free(ctl->rtt, workers);
	if (have_mon)
		monitor_destroy(&mon);
	fanout_free(&fo);
	wshared_free(sh, workers);
	run_ctl_free(ctl);
	series_free(&rep.series);
	free(rep.lat);
	free(rep.conn_lat);
	srcset_free(&cfg->sources);
	return status;
}
