/* tcpswarm client as a role of the run skeleton (run.c): the port plan
 * before the start, the --rtt-log writer, and after the run the diagnosis,
 * the CI gates, the summary and the reports. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/client.h"
#include "tcpswarm/kstat.h"
#include "tcpswarm/monitor.h"
#include "tcpswarm/prefault.h"
#include "tcpswarm/procplan.h"
#include "tcpswarm/run.h"
#include "tcpswarm/shard.h"

/* Descriptors per worker beyond its sockets: epoll, eventfd, spare. */

struct client_role {
	struct client_config *cfg;
	struct klimits lim;
	struct rttlog *rtt; /* --rtt-log writer while it runs */
};

static void gates(const struct client_config *cfg, struct run_report *r)
{
	const struct totals *t = &r->tot;
	if (cfg->has_expect_conns && t->conn_established < cfg->expect_conns)
		snprintf(r->gate_fail[r->ngate_fail++], sizeof(r->gate_fail[0]),
			 "--expect-connections %" PRIu64 ": only %" PRIu64 " established", cfg->expect_conns,
			 t->conn_established);
	if (cfg->has_max_error_rate) {
		/* what could not be sent while connections were down is an error */
		uint64_t bad = t->conn_failed + t->req_errors + t->req_lost + t->req_not_sent;
		uint64_t all = t->conn_attempts + t->req_sent + t->req_not_sent;
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

/* A worker killed mid-run never counted what it intended (end_slots does at
 * the end of the load), yet its sends are in the totals, so intended fell
 * below sent. Its share is the mean of the workers that finished (-c and -r
 * split evenly over workers), never below what it sent or could not send;
 * the failure line says that worker's figures are partial. */
static void estimate_dead_intended(const struct run *run, struct run_report *rep)
{
	uint64_t done_sum = 0, add = 0;
	unsigned done = 0, dead = 0;
	for (unsigned i = 0; i < run->workers; i++)
		if (atomic_load(&run->sh[i].done)) {
			done_sum += ctr_get(&run->sh[i].c.req_intended);
			done++;
		}
	for (unsigned i = 0; i < run->workers; i++) {
		const struct wcounters *c = &run->sh[i].c;
		if (atomic_load(&run->sh[i].done))
			continue;
		uint64_t floor = ctr_get(&c->req_sent) + ctr_get(&c->req_not_sent), est = done ? done_sum / done : 0;
		uint64_t have = ctr_get(&c->req_intended);
		est = est > floor ? est : floor;
		add += est > have ? est - have : 0;
		dead++;
	}
	if (!dead)
		return;
	rep->tot.req_intended += add;
	size_t len = strlen(rep->failure);
	snprintf(rep->failure + len, sizeof(rep->failure) - len,
		 "%s%u worker(s) partial: intended estimated from the others", len ? "; " : "", dead);
}

static void final_histograms(struct wshared *sh, unsigned n, struct run_report *r)
{
	for (unsigned i = 0; i < n; i++) {
		wshared_lock(&sh[i]);
		hist_merge(r->lat, &sh[i].lat_total);
		hist_merge(r->conn_lat, &sh[i].conn_lat_total);
		if (r->hs_lat)
			hist_merge(r->hs_lat, &sh[i].hs_lat_total);
		wshared_unlock(&sh[i]);
	}
}

/* From the last first open of a slot to the end of the run: how long the
 * open count could not grow (diagnose_nat.c's plateau). */
static uint64_t flat_since_last_first_open(const struct run_report *r)
{
	uint64_t end = r->start_ns + (uint64_t)(r->duration_s * 1e9), last = r->tot.last_established_ns;
	return last > r->start_ns && last < end ? end - last : 0;
}

static void run_diagnosis(const struct client_config *cfg, struct run_report *r)
{
	struct diag_input in = {
		.is_client = true, .tot = &r->tot, .kdelta = &r->kdelta, .limits = &r->limits, .sock = &r->sock_end,
		.target_conns = cfg->conns, .peak_open = r->peak_open, .source_ips = cfg->sources.n,
		.targets = cfg->ntargets, .backlog_effective = -1, .sent = r->tot.req_sent,
		.answered = r->tot.req_answered, .interrupted = r->interrupted, .intended = r->tot.req_intended,
		.p50_us = hist_percentile(r->lat, 50), .reconnect = cfg->reconnect,
		.not_sent_down = r->tot.req_not_sent, .outage_ns = r->outage_ns,
		.churn_closes = r->tot.close[CR_LIFETIME] + r->tot.close[CR_REQUESTS], .sock_start = &r->sock_start,
		.run_ns = (uint64_t)(r->duration_s * 1e9), .flat_ns = flat_since_last_first_open(r),
	};
	report_diag_honest(r, cfg, &in);
	diagnose(&in, &r->diag);
}

/* The outage of the run: the shortest of the workers' longest outages (a
 * time when no worker held a connection lasted at least that long), over
 * the workers that have connections. */
static uint64_t run_outage_ns(const struct client_config *cfg, const struct run *run)
{
	uint64_t least = UINT64_MAX;
	for (unsigned i = 0; i < run->workers; i++) {
		uint64_t conns = cfg->conns / run->workers + (i < cfg->conns % run->workers); /* as cworker_new */
		uint64_t o = ctr_get(&run->sh[i].c.outage_ns);
		if (conns && o < least)
			least = o;
	}
	return least == UINT64_MAX ? 0 : least;
}

/* Exit 1 with the reason when the run never held a connection, or when the
 * target went away (no connection held or reopened for over a second while
 * the run wanted them). True when the run failed so. */
static bool hold_verdict(const struct client_config *cfg, struct run_report *r)
{
	const struct totals *t = &r->tot;
	if (r->failure[0])
		return false; /* a worker process died: that is the failure */
	if (!t->conn_established && cfg->conns) { /* even with no attempt: the workers never got to connect */
		snprintf(r->failure, sizeof(r->failure),
			 "no connection was ever established (%" PRIu64 " attempts, %" PRIu64 " refused, %" PRIu64 " timed out)",
			 t->conn_attempts, t->errs[ES_ECONNREFUSED], t->close[CR_CONNECT_TIMEOUT]);
		return true;
	}
	if (cfg->reconnect && t->conn_established && r->outage_ns > 1000000000ULL) {
		snprintf(r->failure, sizeof(r->failure),
			 "the target went away: no connection could be held or reopened for %.1fs", (double)r->outage_ns / 1e9);
		return true;
	}
	return false;
}

/* One warning line (not an error) when the host the run starts on is near
 * tcp_max_tw_buckets: a run left by another (TIME-WAIT lasts 60 s). */
static void host_warning(const struct klimits *lim)
{
	struct sockstat now;
	if (kstat_read_sockstat(&now) < 0)
		return;
	struct host_pressure p;
	kstat_host_pressure(&now, lim->n[KL_TCP_MAX_TW_BUCKETS] ? lim->v[KL_TCP_MAX_TW_BUCKETS][0] : -1, &p);
	/* TIME-WAIT near the ceiling is a host-wide limit, so host-wide counts
	 * judge it. Ports are not warned about from host-wide counts: a socket
	 * of another tuple (the server's own accepted sockets, other
	 * destinations) takes no port from this run, and the false alarm fired
	 * after every big loopback run; the port plan judges ports. */
	if (p.tw_near)
		fprintf(stderr,
			"tcpswarm client: warning: the host holds %" PRIu64 " TIME-WAIT sockets, %.0f%% of tcp_max_tw_buckets %" PRId64
			" (past it the kernel skips TIME-WAIT); they expire within 60 s\n",
			p.tw, 100.0 * (double)p.tw / (double)p.tw_max, p.tw_max);
}

static int client_planned(void *ctx, unsigned workers)
{
	struct client_role *c = ctx;
	kstat_read_limits(&c->lim);
	int rc = client_port_plan(c->cfg, &c->lim, workers, c->cfg->com.quiet);
	if (rc == 0)
		host_warning(&c->lim);
	return rc;
}

static int client_prepare(void *ctx, struct run *run)
{
	struct client_role *c = ctx;
	const struct client_config *cfg = c->cfg;
	struct run_report *rep = run->rep;
	rep->is_client = true;
	rep->conn_struct_bytes = client_conn_size();
	rep->max_send_lag_us = cfg->max_send_lag_us;
	rep->lat = hist_new_resident();
	rep->conn_lat = hist_new_resident();
	if (!rep->lat || !rep->conn_lat) {
		fprintf(stderr, "tcpswarm client: out of memory\n");
		return 1;
	}
	if (cfg->tls)
		rep->hs_lat = hist_new_resident();
	kstat_read_sockstat(&rep->sock_start); /* TIME-WAIT before: churn's growth is the end minus this */
	if (cfg->rtt_log) {
		char err[300];
		run->ctl->rtt = rtt_rings_alloc(run->workers);
		if (!run->ctl->rtt || !(c->rtt = rttlog_start(cfg->rtt_log, run->ctl->rtt, run->workers, err, sizeof(err)))) {
			fprintf(stderr, "tcpswarm client: %s\n", run->ctl->rtt ? err : "out of memory");
			return run->ctl->rtt ? EXIT_USAGE : 1;
		}
	}
	if (run->procs > 1 && !cfg->com.quiet)
		fprintf(stderr,
			"tcpswarm client: %" PRIu64 " connections need more descriptors than one process may hold "
			"(RLIMIT_NOFILE %" PRId64 "): running %u worker processes x %u threads\n",
			cfg->conns, c->lim.n[KL_NOFILE_HARD] ? c->lim.v[KL_NOFILE_HARD][0] : -1, run->procs, run->per_proc);
	return 0;
}

static void client_started(void *ctx, const struct run *run)
{
	(void)run;
	struct client_role *c = ctx;
	if (c->rtt)
		rttlog_serve(c->rtt);
}

static void *client_worker_new(void *ctx, const struct run *run, unsigned id, char *err, size_t errcap)
{
	struct client_role *c = ctx;
	return cworker_new(c->cfg, run->ctl, &run->sh[id], id, run->workers, err, errcap);
}

static void *client_worker_main(void *w) { return cworker_main(w); }
static void client_worker_wake(void *w) { cworker_wake(w); }
static void client_worker_free(void *w) { cworker_free(w); }

static int client_finish(void *ctx, struct run *run, int status)
{
	struct client_role *c = ctx;
	const struct client_config *cfg = c->cfg;
	struct run_report *rep = run->rep;
	estimate_dead_intended(run, rep);
	final_histograms(run->sh, run->workers, rep);
	if (c->rtt) {
		int64_t written = rttlog_stop(c->rtt, &rep->tot.rtt_dropped);
		c->rtt = NULL;
		if (written < 0)
			status = 1;
		else
			rep->tot.rtt_written = (uint64_t)written;
	}
	for (unsigned i = 0; i < run->workers; i++)
		if (run->sh[i].exit_error)
			fprintf(stderr, "tcpswarm client: worker %u stopped early: %s\n", i, strerror(run->sh[i].exit_error));
	rep->outage_ns = run_outage_ns(cfg, run);
	bool failed = hold_verdict(cfg, rep);
	run_diagnosis(cfg, rep);
	gates(cfg, rep);
	if (cfg->find.out) /* a --find step: its figures, no summary */
		find_step_measure(cfg->find.out, rep, &cfg->find.slo, cfg->rate);
	else
		report_summary_client(stdout, rep, cfg);
	if (cfg->com.json_path && report_json_client(cfg->com.json_path, rep, cfg) < 0)
		status = 1;
	if ((rep->ngate_fail || failed) && !status)
		status = EXIT_GATE;
	return status;
}

static void client_cleanup(void *ctx, struct run *run)
{
	struct client_role *c = ctx;
	if (c->rtt) {
		uint64_t dropped;
		rttlog_stop(c->rtt, &dropped);
		c->rtt = NULL;
	}
	if (run->ctl)
		rtt_rings_free(run->ctl->rtt, run->workers);
	if (run->rep) {
		free(run->rep->lat);
		free(run->rep->conn_lat);
		free(run->rep->hs_lat);
	}
	srcset_free(&c->cfg->sources);
}

int client_run(struct client_config *cfg)
{
	if (shard_apply(cfg) < 0 || start_at_wait(cfg) < 0) {
		srcset_free(&cfg->sources);
		return EXIT_USAGE;
	}
	struct client_role c = {.cfg = cfg};
	const struct run_role role = {
		.name = "client",
		.com = &cfg->com,
		.extra_path = cfg->rtt_log,
		.conns = cfg->conns,
		.conns_exact = true,
		.conns_flag = "-c",
		.fd_per_worker = PROCPLAN_CLIENT_FD_PER_WORKER,
		.live_target = cfg->conns,
		.live_sched = cfg->rate_sched.n ? &cfg->rate_sched : NULL,
		.live_conns = {cfg->conn_sched.n ? &cfg->conn_sched : NULL, cfg->shard.index, cfg->shard.count},
		.load_ns = cfg->com.duration_us * 1000,
		.drains = true,
		.drain_ns = cfg->drain_us * 1000,
		.start_fail_status = 1,
		.report_before_teardown = true,
		.ctx = &c,
		.planned = client_planned,
		.prepare = client_prepare,
		.started = client_started,
		.worker_new = client_worker_new,
		.worker_main = client_worker_main,
		.worker_wake = client_worker_wake,
		.worker_free = client_worker_free,
		.finish = client_finish,
		.cleanup = client_cleanup,
	};
	return run_main(&role);
}
