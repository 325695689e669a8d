/* tcpswarm client: checks the plan against the limits, starts the workers,
 * reports each second, drains, and writes the summary and reports. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "tcpswarm/cli.h"
#include "tcpswarm/client.h"
#include "tcpswarm/monitor.h"
#include "tcpswarm/reactor.h"
#include "tcpswarm/run.h"
#include "tcpswarm/worker.h"

/* Descriptors beyond the sockets: epoll, eventfd per worker, stdio, files. */
#define FD_OVERHEAD_PER_WORKER 3
#define FD_OVERHEAD 32

static int check_fds(const struct client_config *cfg, unsigned workers)
{
	uint64_t need = cfg->conns + (uint64_t)workers * FD_OVERHEAD_PER_WORKER + FD_OVERHEAD;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		/* the soft limit may rise to the hard one without privilege */
		struct rlimit up = rl;
		up.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &up);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		fprintf(stderr,
			"tcpswarm client: -c %" PRIu64 " needs about %" PRIu64 " file descriptors in this process, but "
			"RLIMIT_NOFILE is %llu (hard limit %llu).\n"
			"  fix: raise it (ulimit -n %" PRIu64 "; the hard limit needs root or LimitNOFILE) or lower -c to "
			"at most %llu\n",
			cfg->conns, need, (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max, need,
			(unsigned long long)(rl.rlim_cur > need - cfg->conns ? rl.rlim_cur - (need - cfg->conns) : 0));
		return -1;
	}
	return 0;
}

static bool all_loopback_v4(const struct client_config *cfg)
{
	for (unsigned i = 0; i < cfg->ntargets; i++)
		if (cfg->targets[i].sa.sa_family != AF_INET || !addr_is_loopback(&cfg->targets[i]))
			return false;
	return true;
}

/* One (source IP, target) tuple holds at most one port range of
 * connections. Refuse a plan that cannot fit; on loopback with no --source,
 * pick 127.0.0.x sources ourselves. */
static int check_ports(struct client_config *cfg, const struct klimits *lim)
{
	if (lim->n[KL_IP_LOCAL_PORT_RANGE] < 2)
		return 0;
	uint32_t lo = (uint32_t)lim->v[KL_IP_LOCAL_PORT_RANGE][0], hi = (uint32_t)lim->v[KL_IP_LOCAL_PORT_RANGE][1];
	uint64_t per = ports_per_tuple(lo, hi);
	uint64_t nsrc = cfg->sources.n ? cfg->sources.n : 1;
	uint64_t capacity = per * nsrc * cfg->ntargets;
	if (cfg->conns <= capacity)
		return 0;
	uint64_t need = srcaddr_ips_needed(cfg->conns, cfg->ntargets, lo, hi);
	if (!cfg->sources.n && all_loopback_v4(cfg) && need <= 250) {
		char spec[64], err[256];
		snprintf(spec, sizeof(spec), "127.0.0.2-127.0.0.%" PRIu64, need + 1);
		if (srcset_parse(&cfg->sources, spec, err, sizeof(err)) == 0) {
			cfg->source_spec = NULL;
			fprintf(stderr,
				"tcpswarm client: one (source IP, target) holds at most %" PRIu64
				" connections (ip_local_port_range %u-%u); using source IPs %s\n",
				per, lo, hi, spec);
			return 0;
		}
	}
	fprintf(stderr,
		"tcpswarm client: the plan cannot fit: %" PRIu64 " connections to %u target(s) from %" PRIu64
		" source IP(s), but each (source IP, target) holds at most %" PRIu64
		" (net.ipv4.ip_local_port_range %u-%u), so at most %" PRIu64 ".\n"
		"  fix: use %" PRIu64 " source IPs (--source A-B, or --source-iface), add target ports, or widen "
		"ip_local_port_range\n",
		cfg->conns, cfg->ntargets, nsrc, per, lo, hi, capacity, need);
	return -1;
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
		.answered = r->tot.req_answered,
	};
	diagnose(&in, &r->diag);
}

int client_run(struct client_config *cfg)
{
	unsigned workers = cfg->com.workers ? cfg->com.workers : worker_cpu_count();
	if (workers > cfg->conns)
		workers = (unsigned)cfg->conns;
	struct klimits lim;
	kstat_read_limits(&lim);
	if (check_fds(cfg, workers) < 0 || check_ports(cfg, &lim) < 0)
		return EXIT_USAGE;

	struct run_report rep;
	memset(&rep, 0, sizeof(rep));
	rep.is_client = true;
	rep.workers = workers;
	rep.conn_struct_bytes = client_conn_size();
	rep.lat = malloc(sizeof(struct hist));
	rep.conn_lat = malloc(sizeof(struct hist));
	struct wshared *sh = wshared_alloc(workers);
	struct cworker **cw = calloc(workers, sizeof(*cw));
	void **args = calloc(workers, sizeof(*args));
	struct run_ctl ctl;
	int status = 0;
	if (!rep.lat || !rep.conn_lat || !sh || !cw || !args) {
		fprintf(stderr, "tcpswarm client: out of memory\n");
		status = 1;
		goto out;
	}
	hist_reset(rep.lat);
	hist_reset(rep.conn_lat);
	atomic_init(&ctl.phase, PHASE_RUN);
	ctl.start_ns = mono_ns();
	ctl.end_ns = ctl.start_ns + cfg->com.duration_us * 1000;
	for (unsigned i = 0; i < workers; i++) {
		char err[256];
		cw[i] = cworker_new(cfg, &ctl, &sh[i], i, workers, err, sizeof(err));
		if (!cw[i]) {
			fprintf(stderr, "tcpswarm client: %s\n", err);
			status = 1;
			goto out;
		}
		args[i] = cw[i];
	}
	struct monitor mon;
	if (monitor_init(&mon, &rep, sh, workers, cfg->conns, cfg->com.quiet) < 0) {
		status = 1;
		goto out;
	}
	/* the clock starts now: connect pacing and the schedule count from here */
	ctl.start_ns = mono_ns();
	ctl.end_ns = ctl.start_ns + cfg->com.duration_us * 1000;
	rep.start_ns = ctl.start_ns;
	struct worker_pool pool;
	int rc = worker_pool_start(&pool, workers, cworker_main, args);
	if (rc < 0) {
		fprintf(stderr, "tcpswarm client: cannot start worker threads: %s\n", strerror(-rc));
		atomic_store(&ctl.phase, PHASE_STOP);
		for (unsigned i = 0; i < pool.started; i++)
			cworker_wake(cw[i]);
		worker_pool_join(&pool);
		monitor_destroy(&mon);
		status = 1;
		goto out;
	}
	uint32_t sec = 0;
	while (!rep.interrupted) {
		uint64_t next = ctl.start_ns + (uint64_t)(sec + 1) * 1000000000ULL;
		if (next > ctl.end_ns)
			next = ctl.end_ns;
		rep.interrupted = monitor_wait(&mon, next);
		if (rep.interrupted)
			break;
		monitor_tick(&mon, ++sec);
		if (next >= ctl.end_ns)
			break;
	}
	/* drain: no new requests; wait for answers in flight, up to --drain */
	atomic_store_explicit(&ctl.phase, PHASE_DRAIN, memory_order_release);
	for (unsigned i = 0; i < workers; i++)
		cworker_wake(cw[i]);
	uint64_t drain_end = mono_ns() + (rep.interrupted ? 0 : cfg->drain_us * 1000);
	while (!rep.interrupted && mono_ns() < drain_end) {
		struct totals t;
		totals_collect(sh, workers, &t);
		if (t.req_answered + t.req_errors >= t.req_sent)
			break;
		uint64_t step = mono_ns() + 20000000;
		rep.interrupted = monitor_wait(&mon, step < drain_end ? step : drain_end);
	}
	atomic_store_explicit(&ctl.phase, PHASE_STOP, memory_order_release);
	for (unsigned i = 0; i < workers; i++)
		cworker_wake(cw[i]);
	worker_pool_join(&pool);
	rep.duration_s = (double)(mono_ns() - ctl.start_ns) / 1e9;
	monitor_finish(&mon);
	monitor_destroy(&mon);
	totals_collect(sh, workers, &rep.tot);
	final_histograms(sh, workers, &rep);
	for (unsigned i = 0; i < workers; i++)
		if (sh[i].exit_error)
			fprintf(stderr, "tcpswarm client: worker %u stopped early: %s\n", i, strerror(sh[i].exit_error));
	run_diagnosis(cfg, &rep);
	gates(cfg, &rep);
	report_summary_client(stdout, &rep, cfg);
	if (cfg->com.json_path && report_json_client(cfg->com.json_path, &rep, cfg) < 0)
		status = 1;
	if (cfg->com.csv_path && report_csv(cfg->com.csv_path, &rep) < 0)
		status = 1;
	if (rep.ngate_fail)
		status = EXIT_GATE;
out:
	for (unsigned i = 0; cw && i < workers; i++)
		cworker_free(cw[i]);
	free(cw);
	free(args);
	wshared_free(sh, workers);
	series_free(&rep.series);
	free(rep.lat);
	free(rep.conn_lat);
	srcset_free(&cfg->sources);
	return status;
}
