#include "tcpswarm/monitor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "tcpswarm/diagnose.h"
#include "tcpswarm/hdrlog.h"
#include "tcpswarm/prefault.h"
#include "tcpswarm/procmem.h"
#include "tcpswarm/reactor.h"
#include "tcpswarm/stats.h"

/* The figures that say who set the pace: per-second and whole-run service
 * time and send lag (client), and the CPU samples both roles keep. */
static int honest_init(struct monitor *m)
{
	struct run_report *r = m->rep;
	r->worker_busy = r->host_share = r->host_busy = -1;
	m->have_host = cpustat_read(&m->host_start) == 0;
	m->host_prev = m->host_start;
	r->host_cpus = m->have_host ? m->host_start.ncpu : 0;
	m->wall_prev_ns = mono_ns();
	if (!r->is_client)
		return 0;
	m->svc_iv = hist_new_resident();
	m->lag_iv = hist_new_resident();
	m->own_iv = hist_new_resident();
	r->svc = hist_new_resident();
	r->send_lag = hist_new_resident();
	r->own_lag = hist_new_resident();
	if (!m->svc_iv || !m->lag_iv || !m->own_iv || !r->svc || !r->send_lag || !r->own_lag)
		return -1;
	return 0;
}

/* A p99 of a handful of requests is their maximum: one late send would mark
 * the run. Below this many samples only the CPU criterion judges. */
#define LAG_MIN_SAMPLES 100
static uint64_t lag_evidence(const struct hist *h, uint64_t p99_us) { return h->count >= LAG_MIN_SAMPLES ? p99_us : 0; }

/* This second's service-time and send-lag percentiles, CPU busy shares and
 * the generator-bound verdict. */
static void honest_tick(struct monitor *m, const struct totals *now, struct sample *s)
{
	struct run_report *r = m->rep;
	uint64_t wall = mono_ns();
	s->worker_busy = s->host_busy = -1;
	if (wall > m->wall_prev_ns && m->nworkers)
		s->worker_busy = (double)(now->cpu_ns - m->cpu_prev_ns) / ((double)(wall - m->wall_prev_ns) * (double)m->nworkers);
	m->cpu_prev_ns = now->cpu_ns;
	m->wall_prev_ns = wall;
	struct cpu_times host;
	if (m->have_host && cpustat_read(&host) == 0) {
		s->host_busy = cpustat_busy_share(&m->host_prev, &host);
		m->host_prev = host;
	}
	if (!r->is_client)
		return;
	wshared_take_honest(m->sh, m->nworkers, m->svc_iv, m->lag_iv, m->own_iv, 0);
	s->svc_p50_us = hist_percentile(m->svc_iv, 50);
	s->svc_p99_us = hist_percentile(m->svc_iv, 99);
	s->lag_p99_us = hist_percentile(m->lag_iv, 99);
	s->own_lag_p99_us = hist_percentile(m->own_iv, 99);
	/* A second that sent nothing has no schedule to keep (connecting flat out
	 * is the job). One that sent but brought no send lag at all: workers
	 * publish their histograms every 200 ms from their loop, so none came
	 * in a whole second only when their turns took longer than that (a
	 * generator this far behind; measured at -c 100 -r 16m on 2 busy CPUs). */
	if (m->lag_iv->count)
		s->generator_bound = diag_generator_bound(lag_evidence(m->own_iv, s->own_lag_p99_us), r->max_send_lag_us,
							  s->worker_busy);
	else
		s->generator_bound = s->sent > 0;
	r->bound_seconds += s->generator_bound;
	hist_reset(m->svc_iv);
	hist_reset(m->lag_iv);
	hist_reset(m->own_iv);
}

/* Busy shares over the whole load (start to now). */
static void honest_end_load(struct monitor *m)
{
	struct run_report *r = m->rep;
	struct totals t;
	totals_collect(m->sh, m->nworkers, &t);
	double wall = (double)(mono_ns() - r->start_ns);
	if (wall > 0 && m->nworkers && t.cpu_ns) {
		r->worker_busy = (double)t.cpu_ns / (wall * (double)m->nworkers);
		if (r->host_cpus)
			r->host_share = (double)t.cpu_ns / (wall * r->host_cpus);
	}
	struct cpu_times host;
	if (m->have_host && cpustat_read(&host) == 0)
		r->host_busy = cpustat_busy_share(&m->host_start, &host);
}

/* After the workers published their last figures: the whole-run histograms
 * and the verdict. */
static void honest_finish(struct monitor *m)
{
	struct run_report *r = m->rep;
	if (!r->is_client)
		return;
	wshared_take_honest(m->sh, m->nworkers, r->svc, r->send_lag, r->own_lag, 1);
	r->generator_bound = r->send_lag->count &&
			     diag_generator_bound(lag_evidence(r->own_lag, hist_percentile(r->own_lag, 99)), r->max_send_lag_us,
						  r->worker_busy);
}

void monitor_set_live(struct monitor *m, uint64_t load_ns, const struct schedule *sched, struct sched_part conns)
{
	m->live_conns = conns;
	m->live_total_s = load_ns && load_ns != UINT64_MAX ? (double)load_ns / 1e9 : 0;
	m->live_sched = sched;
}

/* The terminal's columns now (read each tick: a resize shows at the next
 * second, no SIGWINCH handler needed); 80 when the tty does not say. */
static unsigned term_width(int fd)
{
	struct winsize ws;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static void live_line(const struct monitor *m, const struct sample *s)
{
	const struct live_view v = {
		.target = m->target,
		.total_s = m->live_total_s,
		.sched = m->live_sched,
		.conns = m->live_conns,
		.width = m->tty ? term_width(STDERR_FILENO) : 0,
		.tty = m->tty,
	};
	report_live(stderr, m->rep, s, &v);
}

int monitor_init(struct monitor *m, struct run_report *rep, struct wshared *sh, size_t n, uint64_t target, bool quiet)
{
	memset(m, 0, sizeof(*m));
	m->sh = sh;
	m->nworkers = n;
	m->rep = rep;
	m->target = target;
	m->live = !quiet;
	m->tty = isatty(STDERR_FILENO);
	m->interval = hist_new_resident();
	if (!m->interval)
		return -1;
	if (honest_init(m) < 0)
		return -1;
	/* a shell starts background jobs with SIGINT ignored, and an ignored
	 * signal is discarded even while blocked: restore the default so
	 * `kill -INT` still ends the run with a summary */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&m->sigs);
	sigaddset(&m->sigs, SIGINT);
	sigaddset(&m->sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &m->sigs, NULL);
	m->have_k = kstat_read_counters(&m->kstart) >= 0;
	m->kprev = m->kstart;
	kstat_read_limits(&rep->limits);
	rep->rss_base = rss_bytes();
	rep->started_wall = time(NULL);
	return 0;
}

static double epoch_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A write error is kept and ends the file's writing: committed with it, the
 * file is dropped (whole or not at all). Flushed so FILE.partial is live. */
static void out_flush(struct outfile *o, int *err)
{
	if (!*err && (fflush(o->f) != 0 || ferror(o->f)))
		*err = errno ? errno : EIO;
}

int monitor_open_outputs(struct monitor *m, const char *who, const char *csv, const char *hdr_log)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "tcpswarm %s", who);
	m->epoch_base = m->epoch_prev = epoch_now();
	if (csv) {
		if (!outfile_open_partial(&m->csv, csv, prefix, "CSV"))
			return -1;
		report_csv_header(m->csv.f);
		out_flush(&m->csv, &m->csv_err);
	}
	if (hdr_log) {
		if (!outfile_open_partial(&m->hdr, hdr_log, prefix, "HDR log"))
			return -1;
		char head[1024];
		hdrlog_header(head, sizeof(head), m->epoch_base, prefix);
		fputs(head, m->hdr.f);
		out_flush(&m->hdr, &m->hdr_err);
	}
	return 0;
}

/* One interval of latencies (m->interval) as an --hdr-log line. */
static void hdr_interval(struct monitor *m, double now)
{
	if (!m->hdr.f || m->hdr_err)
		return;
	char *line = hdrlog_line(m->epoch_prev - m->epoch_base, now - m->epoch_prev, m->interval);
	if (!line)
		m->hdr_err = ENOMEM;
	else
		fputs(line, m->hdr.f);
	free(line);
	out_flush(&m->hdr, &m->hdr_err);
}

static void csv_row(struct monitor *m, const struct sample *s, double now)
{
	if (!m->csv.f || m->csv_err)
		return;
	report_csv_row(m->csv.f, s, now, &m->live_conns);
	out_flush(&m->csv, &m->csv_err);
}

int monitor_commit_outputs(struct monitor *m)
{
	int rc = 0;
	if (m->hdr.f) {
		hist_reset(m->interval);
		wshared_take_latency(m->sh, m->nworkers, m->interval);
		if (m->interval->count)
			hdr_interval(m, epoch_now());
		rc |= outfile_commit(&m->hdr, m->hdr_err, "tcpswarm");
	}
	if (m->csv.f)
		rc |= outfile_commit(&m->csv, m->csv_err, "tcpswarm");
	return rc;
}

/* RSS now and at the start, summed over the processes that hold sockets. */
static void rss_pair(struct monitor *m, uint64_t *now, uint64_t *base)
{
	if (!m->npids) {
		/* the baseline the worker group took once its fixed costs were paid */
		*now = rss_bytes();
		*base = m->sh[0].rss_base ? m->sh[0].rss_base : m->rep->rss_base;
		return;
	}
	*now = *base = 0;
	for (size_t k = 0; k < m->npids; k++) {
		*now += rss_bytes_of(m->pids[k]);
		*base += m->sh[k * m->per_proc].rss_base;
	}
}

/* The memory slope needs an RSS sample taken with few connections open: a
 * fast host opens 70,000 in under the first 1 s tick, and without this
 * sample only the total since the baseline is left, which also holds the
 * fixed costs the workers pay once running (thread stacks, arenas: 4.5 MB
 * over 5 ASan server processes). Watched every FIRST_OPEN_POLL_NS until the
 * first connection is counted; worker processes publish every 200 ms. */
#define FIRST_OPEN_POLL_NS 10000000ULL

static void watch_first_open(struct monitor *m)
{
	struct run_report *r = m->rep;
	struct totals now;
	totals_collect(m->sh, m->nworkers, &now);
	if (!now.conn_open)
		return;
	/* a worker process that has not taken its baseline yet would put its
	 * fixed costs inside the slope: wait for it (the tick takes over) */
	for (size_t k = 0; k < m->npids; k++)
		if (!m->sh[k * m->per_proc].rss_base)
			return;
	r->open_first = now.conn_open;
	rss_pair(m, &r->rss_first, &r->rss_base);
}

bool monitor_wait(struct monitor *m, uint64_t until_ns)
{
	for (;;) {
		uint64_t now = mono_ns();
		if (now >= until_ns)
			return false;
		uint64_t d = until_ns - now;
		if (!m->rep->open_first && d > FIRST_OPEN_POLL_NS)
			d = FIRST_OPEN_POLL_NS;
		struct timespec ts = {.tv_sec = (time_t)(d / 1000000000ULL), .tv_nsec = (long)(d % 1000000000ULL)};
		int s = sigtimedwait(&m->sigs, NULL, &ts);
		if (s == SIGINT || s == SIGTERM)
			return true;
		if (s < 0 && errno != EAGAIN && errno != EINTR)
			return false;
		if (!m->rep->open_first)
			watch_first_open(m);
	}
}

void monitor_group_baseline(struct wshared *sh, unsigned first, unsigned count)
{
	wshared_prefault(&sh[first], count);
	sh[first].rss_base = rss_bytes();
}

void monitor_set_processes(struct monitor *m, const pid_t *pids, size_t n, unsigned per_proc)
{
	m->pids = pids;
	m->npids = n;
	m->per_proc = per_proc;
}

void monitor_tick(struct monitor *m, uint32_t t)
{
	struct run_report *r = m->rep;
	struct totals now;
	struct sample s;
	memset(&s, 0, sizeof(s));
	totals_collect(m->sh, m->nworkers, &now);
	wshared_take_latency(m->sh, m->nworkers, m->interval);
	s.t = t;
	s.open = now.conn_open;
	s.new_conns = now.conn_established - m->prev.conn_established;
	s.failed = now.conn_failed - m->prev.conn_failed;
	s.accepted = now.accepted - m->prev.accepted;
	s.closed = now.closed - m->prev.closed;
	s.sent = now.req_sent - m->prev.req_sent;
	s.answered = now.req_answered - m->prev.req_answered;
	s.errors = now.req_errors - m->prev.req_errors;
	s.bytes_in = now.bytes_in - m->prev.bytes_in;
	s.bytes_out = now.bytes_out - m->prev.bytes_out;
	s.p50_us = hist_percentile(m->interval, 50);
	s.p99_us = hist_percentile(m->interval, 99);
	s.listen_queue = now.listen_queue;
	s.reopened = now.conn_reopened - m->prev.conn_reopened;
	s.tls_full = now.tls_full - m->prev.tls_full;
	s.tls_resumed = now.tls_resumed - m->prev.tls_resumed;
	s.tls_failed = now.tls_fail_cert + now.tls_fail_protocol + now.tls_fail_timeout -
		       (m->prev.tls_fail_cert + m->prev.tls_fail_protocol + m->prev.tls_fail_timeout);
	double epoch = epoch_now();
	hdr_interval(m, epoch);
	hist_reset(m->interval);
	honest_tick(m, &now, &s);
	if (m->have_k) {
		struct kcounters k;
		if (kstat_read_counters(&k) >= 0) {
			kcounters_delta(&m->kprev, &k, &s.kmoved);
			m->kprev = k;
		}
	}
	if (s.open > r->peak_open) {
		r->peak_open = s.open;
		rss_pair(m, &r->rss_at_peak, &r->rss_base);
		if (!r->open_first) {
			r->open_first = s.open;
			r->rss_first = r->rss_at_peak;
		}
	}
	m->prev = now;
	series_push(&r->series, &s);
	csv_row(m, &s, epoch);
	m->epoch_prev = epoch;
	if (m->live)
		live_line(m, &s);
}

void monitor_end_load(struct monitor *m)
{
	struct run_report *r = m->rep;
	struct kcounters k;
	if (m->have_k && kstat_read_counters(&k) >= 0)
		kcounters_delta(&m->kstart, &k, &r->kdelta);
	kstat_read_sockstat(&r->sock_end);
	honest_end_load(m);
	m->load_ended = true;
}

void monitor_finish(struct monitor *m)
{
	struct run_report *r = m->rep;
	if (m->live && m->tty)
		fputc('\n', stderr);
	if (!m->load_ended)
		monitor_end_load(m);
	/* conntrack count and file-nr are gauges: read them again at the end */
	struct klimits end;
	kstat_read_limits(&end);
	r->limits = end;
	honest_finish(m);
	/* the marginal cost when connections rose across samples (fixed costs
	 * paid after the baseline, such as thread stacks, are not per
	 * connection), else everything since the baseline over the count */
	if (r->peak_open && r->peak_open - r->open_first >= r->peak_open / 4 && r->peak_open > r->open_first) {
		r->memory_by_slope = true;
		r->user_bytes_per_conn = (double)(r->rss_at_peak > r->rss_first ? r->rss_at_peak - r->rss_first : 0) /
					 (double)(r->peak_open - r->open_first);
	} else if (r->peak_open) {
		r->user_bytes_per_conn =
			(double)(r->rss_at_peak > r->rss_base ? r->rss_at_peak - r->rss_base : 0) / (double)r->peak_open;
	}
}

void monitor_destroy(struct monitor *m)
{
	/* a run that ended before its reports: no partial series left behind */
	outfile_abort(&m->csv);
	outfile_abort(&m->hdr);
	free(m->interval);
	m->interval = NULL;
	free(m->svc_iv);
	free(m->lag_iv);
	free(m->own_iv);
	m->svc_iv = m->lag_iv = m->own_iv = NULL;
	free(m->rep->svc);
	free(m->rep->send_lag);
	free(m->rep->own_lag);
	m->rep->svc = m->rep->send_lag = m->rep->own_lag = NULL;
}
