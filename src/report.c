/* Live line and final summary, as text for a person. */
#include "tcpswarm/report.h"
#include "tcpswarm/server_peers.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/live_line.h"
#include "tcpswarm/names.h"
#include "tcpswarm/schedule.h"
#include "tcpswarm/server.h"
#include "tcpswarm/synq.h"
#include "tcpswarm/units.h"
#include "tcpswarm/worker.h"

int series_push(struct series *s, const struct sample *x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct sample *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *x;
	return 0;
}

void series_free(struct series *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Kernel counters worth a place in the live line when they move. */
static const enum kc live_counters[] = {
	KC_LISTEN_OVERFLOWS, KC_LISTEN_DROPS, KC_TCP_REQQ_FULL_DROP, KC_SYNCOOKIES_SENT,
	KC_TCP_ABORT_ON_MEMORY, KC_ESTAB_RESETS, KC_TCP_TIME_WAIT_OVERFLOW,
};

/* Each moved counter is a field of its own: the narrow line drops them one by one. */
static void kmoved_fields(struct live_line *l, unsigned prio, const struct kcounters *k)
{
	for (size_t i = 0; i < sizeof(live_counters) / sizeof(live_counters[0]); i++) {
		enum kc c = live_counters[i];
		if (k->present[c] && k->v[c]) {
			char f[96];
			snprintf(f, sizeof(f), "%s +%" PRIu64, kc_name(c), k->v[c]);
			live_add(l, prio, f, NULL);
		}
	}
}

/* Elapsed, and the load's length when it has one. */
static void time_field(struct live_line *l, const struct sample *s, const struct live_view *v)
{
	char full[48], brief[40], tot[24] = "";
	if (v->total_s > 0)
		snprintf(tot, sizeof(tot), "/%.0fs", v->total_s);
	snprintf(full, sizeof(full), "%4us%s", s->t, tot);
	snprintf(brief, sizeof(brief), "%us%s", s->t, tot);
	live_add(l, 0, full, brief);
}

static void bytes_field(struct live_line *l, unsigned prio, const struct sample *s)
{
	char in[32], out[32], f[80];
	units_fmt_bytes(in, sizeof(in), (double)s->bytes_in);
	units_fmt_bytes(out, sizeof(out), (double)s->bytes_out);
	snprintf(f, sizeof(f), "in %s/s out %s/s", in, out);
	live_add(l, prio, f, NULL);
}

/* With --tls: this second's handshakes, last in priority (shown only where
 * the terminal has room; every field on a non-tty). */
static void tls_field(struct live_line *l, unsigned prio, const struct sample *s)
{
	char full[112], brief[64];
	snprintf(full, sizeof(full), "tls full %" PRIu64 "/s resumed %" PRIu64 "/s failed %" PRIu64 "/s", s->tls_full,
		 s->tls_resumed, s->tls_failed);
	if (s->tls_failed)
		snprintf(brief, sizeof(brief), "tls %" PRIu64 "/s fail %" PRIu64, s->tls_full + s->tls_resumed, s->tls_failed);
	else
		snprintf(brief, sizeof(brief), "tls %" PRIu64 "/s", s->tls_full + s->tls_resumed);
	live_add(l, prio, full, brief);
}

/* Client fields, by priority: time, connections, answered (against what the
 * schedule intended), latency, errors, generator-bound, kernel counters that
 * moved, send lag, sent, bytes, TLS handshakes (with --tls). Display order
 * is the order added. */
static void client_fields(struct live_line *l, const struct sample *s, const struct live_view *v, bool tls)
{
	char a[32], t[32], b[32], p50[24], p99[24], lag[24], full[112], brief[112];
	units_fmt_count(a, sizeof(a), (double)s->open);
	/* with --conn-schedule: achieved against what it intends this second */
	units_fmt_count(t, sizeof(t), (double)(v->conns.s ? sched_part_count(&v->conns, s->t) : v->target));
	snprintf(brief, sizeof(brief), "conn %s/%s", a, t);
	int n = v->conns.s ? snprintf(full, sizeof(full), "conn %s intended %s +%" PRIu64 "/s", a, t, s->new_conns)
			   : snprintf(full, sizeof(full), "%s +%" PRIu64 "/s", brief, s->new_conns);
	if (s->reopened && n > 0 && (size_t)n < sizeof(full))
		snprintf(full + n, sizeof(full) - (size_t)n, " reopen %" PRIu64 "/s", s->reopened);
	live_add(l, 1, full, brief);
	snprintf(full, sizeof(full), "req %" PRIu64 "/s", s->sent);
	live_add(l, 8, full, NULL);
	units_fmt_count(b, sizeof(b), (double)s->answered);
	if (v->sched) { /* what the schedule intended over this second (t-1, t] */
		char want[32];
		units_fmt_count(want, sizeof(want),
				schedule_integral(v->sched, s->t) - schedule_integral(v->sched, s->t - 1.0));
		snprintf(full, sizeof(full), "ans %s/s intended %s/s", b, want);
		snprintf(brief, sizeof(brief), "ans %s/%s/s", b, want);
		live_add(l, 2, full, brief);
	} else {
		snprintf(full, sizeof(full), "ans %s/s", b);
		live_add(l, 2, full, NULL);
	}
	bytes_field(l, 9, s);
	units_fmt_duration(p50, sizeof(p50), s->p50_us);
	units_fmt_duration(p99, sizeof(p99), s->p99_us);
	snprintf(full, sizeof(full), "p50 %s p99 %s", s->answered ? p50 : "-", s->answered ? p99 : "-");
	snprintf(brief, sizeof(brief), "p99 %s", s->answered ? p99 : "-");
	live_add(l, 3, full, brief);
	snprintf(full, sizeof(full), "err %" PRIu64, s->failed + s->errors);
	live_add(l, 4, full, NULL);
	units_fmt_duration(lag, sizeof(lag), s->lag_p99_us);
	snprintf(full, sizeof(full), "lag p99 %s", lag);
	live_add(l, 7, full, NULL);
	kmoved_fields(l, 6, &s->kmoved);
	if (s->generator_bound)
		live_add(l, 5, "generator-bound", "gen-bound");
	if (tls)
		tls_field(l, 10, s);
}

static void server_fields(struct live_line *l, const struct sample *s)
{
	char a[32], full[112], brief[112];
	units_fmt_count(a, sizeof(a), (double)s->open);
	snprintf(full, sizeof(full), "open %s", a);
	live_add(l, 1, full, NULL);
	snprintf(full, sizeof(full), "accepted %" PRIu64 "/s closed %" PRIu64 "/s", s->accepted, s->closed);
	snprintf(brief, sizeof(brief), "acc %" PRIu64 "/s", s->accepted);
	live_add(l, 2, full, brief);
	bytes_field(l, 5, s);
	snprintf(full, sizeof(full), "accept queue %" PRIu64, s->listen_queue);
	snprintf(brief, sizeof(brief), "q %" PRIu64, s->listen_queue);
	live_add(l, 3, full, brief);
	kmoved_fields(l, 4, &s->kmoved);
}

void report_live(FILE *out, const struct run_report *r, const struct sample *s, const struct live_view *v)
{
	struct live_line l = { .n = 0 };
	char line[1024];
	time_field(&l, s, v);
	if (r->is_client)
		client_fields(&l, s, v, r->hs_lat != NULL); /* hs_lat: allocated with --tls */
	else
		server_fields(&l, s);
	/* one column short of the width: a terminal that wraps on the last
	 * column would scroll a line each second */
	live_fit(&l, v->width > 1 ? v->width - 1 : v->width, line, sizeof(line));
	if (v->tty)
		fprintf(out, "\r\033[K%s", line);
	else
		fprintf(out, "%s\n", line);
	fflush(out);
}

static void errors_line(FILE *out, const struct totals *t)
{
	bool any = false;
	for (int e = 0; e < ES__COUNT; e++)
		if (t->errs[e]) {
			fprintf(out, "%s%s %" PRIu64, any ? ", " : "  errors       ", errslot_name((enum errslot)e), t->errs[e]);
			any = true;
		}
	if (any)
		fputc('\n', out);
	any = false;
	for (int c = 0; c < CR__COUNT; c++)
		if (t->close[c] && c != CR_RUN_END) {
			fprintf(out, "%s%s %" PRIu64, any ? ", " : "  ended by     ", close_reason_name((enum close_reason)c),
				t->close[c]);
			any = true;
		}
	if (any)
		fputc('\n', out);
}

static void pct_line(FILE *out, const char *label, const struct hist *h, bool full)
{
	char p50[24], p90[24], p99[24], p999[24], mx[24];
	if (!h || !h->count) {
		fprintf(out, "  %-12s none recorded\n", label);
		return;
	}
	units_fmt_duration(p50, sizeof(p50), hist_percentile(h, 50));
	units_fmt_duration(p90, sizeof(p90), hist_percentile(h, 90));
	units_fmt_duration(p99, sizeof(p99), hist_percentile(h, 99));
	units_fmt_duration(p999, sizeof(p999), hist_percentile(h, 99.9));
	units_fmt_duration(mx, sizeof(mx), h->max);
	if (full)
		fprintf(out, "  %-12s p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n", label, p50, p90, p99, p999, mx);
	else
		fprintf(out, "  %-12s p50 %s  p99 %s  max %s\n", label, p50, p99, mx);
}

static void share_text(char *out, size_t cap, double share)
{
	if (share < 0)
		snprintf(out, cap, "unknown");
	else
		snprintf(out, cap, "%.0f%%", share * 100);
}

/* Service time and send lag beside latency, the CPU figures, and whether
 * the client itself set the pace. */
static void honest_lines(FILE *out, const struct run_report *r)
{
	char wb[16], hs[16], hb[16], lag[24], mx[24];
	pct_line(out, "service", r->svc, true);
	pct_line(out, "send lag", r->send_lag, false);
	pct_line(out, " free to go", r->own_lag, false); /* not held by a full buffer or window */
	share_text(wb, sizeof(wb), r->worker_busy);
	share_text(hs, sizeof(hs), r->host_share);
	share_text(hb, sizeof(hb), r->host_busy);
	fprintf(out, "cpu            client workers %s busy (%u), %s of the host; host %s busy (%u CPUs)\n", wb, r->workers,
		hs, hb, r->host_cpus);
	units_fmt_duration(lag, sizeof(lag), r->own_lag ? hist_percentile(r->own_lag, 99) : 0);
	units_fmt_duration(mx, sizeof(mx), r->max_send_lag_us);
	if (r->generator_bound)
		fprintf(out, "generator      BOUND: own send lag p99 %s (--max-send-lag %s), workers %s busy; %u of %zu seconds "
			"flagged: the client set the pace, not the server\n", lag, mx, wb, r->bound_seconds, r->series.n);
	else
		fprintf(out, "generator      kept its schedule: own send lag p99 %s (--max-send-lag %s), workers %s busy\n", lag, mx,
			wb);
}

static void kernel_lines(FILE *out, const struct run_report *r)
{
	bool any = false;
	for (int c = 0; c < KC__COUNT; c++) {
		if (!r->kdelta.present[c] || !r->kdelta.v[c] || c == KC_CURR_ESTAB || c == KC_ACTIVE_OPENS ||
		    c == KC_PASSIVE_OPENS)
			continue;
		fprintf(out, "%s%s +%" PRIu64, any ? ", " : "kernel         ", kc_name((enum kc)c), r->kdelta.v[c]);
		any = true;
	}
	if (!any)
		fprintf(out, "kernel         no drop, overflow, abort or reset counter moved");
	fputc('\n', out);
}

/* TLS: handshakes full and resumed (per second of the run), failures by
 * reason, the handshake time after the connect (client). */
static void tls_lines(FILE *out, const struct run_report *r)
{
	const struct totals *t = &r->tot;
	uint64_t failed = t->tls_fail_cert + t->tls_fail_protocol + t->tls_fail_timeout;
	if (!r->hs_lat && !t->tls_full && !t->tls_resumed && !failed)
		return;
	double s = r->duration_s > 0 ? r->duration_s : 1;
	fprintf(out, "tls            handshakes %" PRIu64 " full (%.0f/s)  %" PRIu64 " resumed (%.0f/s)  failed %" PRIu64
		" (certificate %" PRIu64 ", protocol %" PRIu64 ", timeout %" PRIu64 ")\n",
		t->tls_full, (double)t->tls_full / s, t->tls_resumed, (double)t->tls_resumed / s, failed, t->tls_fail_cert,
		t->tls_fail_protocol, t->tls_fail_timeout);
	if (t->tls_alpn_missed)
		fprintf(out, "  alpn         %" PRIu64 " handshakes agreed on none of --alpn\n", t->tls_alpn_missed);
	if (r->hs_lat)
		pct_line(out, "handshake", r->hs_lat, false);
}

static void memory_line(FILE *out, const struct run_report *r)
{
	if (r->peak_open == 0)
		return;
	char grow[32];
	units_fmt_bytes(grow, sizeof(grow), (double)(r->rss_at_peak > r->rss_base ? r->rss_at_peak - r->rss_base : 0));
	if (r->memory_by_slope)
		fprintf(out, "memory         %.0f B user memory per connection (RSS growth from %" PRIu64 " to %" PRIu64
			" open connections; connection slot %zu B)\n",
			r->user_bytes_per_conn, r->open_first, r->peak_open, r->conn_struct_bytes);
	else
		fprintf(out, "memory         %.0f B user memory per connection (RSS +%s over %" PRIu64
			" open connections; connection slot %zu B)\n",
			r->user_bytes_per_conn, grow, r->peak_open, r->conn_struct_bytes);
}

static void diagnosis_lines(FILE *out, const struct run_report *r)
{
	if (r->diag.n == 0) {
		fprintf(out, "diagnosis      no limit hit\n");
		return;
	}
	for (size_t i = 0; i < r->diag.n; i++) {
		const struct finding *f = &r->diag.f[i];
		fprintf(out, "%s%zu. %s\n", i ? "               " : "diagnosis      ", i + 1, f->limit);
		fprintf(out, "                  evidence: %s\n", f->evidence);
		fprintf(out, "                  fix:      %s\n", f->fix);
	}
}

static const char *const rcode_names[DNS_RCODES] = {
	"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
	"NXRRSET",  "NOTAUTH", "NOTZONE",  "RCODE11",  "RCODE12", "RCODE13", "RCODE14",  "RCODE15"};
static const char *const status_names[HTTP_CLASSES] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};

const char *report_rcode_name(unsigned rc) { return rcode_names[rc % DNS_RCODES]; }
const char *report_status_name(unsigned cls) { return cls < HTTP_CLASSES ? status_names[cls] : "other"; }

/* "  answers      NOERROR 10, NXDOMAIN 2" (dns) or "  responses    2xx 9" (http);
 * false when there was nothing to print. */
static bool answers_line(FILE *out, const struct totals *t, bool dns)
{
	const uint64_t *v = dns ? t->rcode : t->status;
	unsigned n = dns ? DNS_RCODES : HTTP_CLASSES;
	bool any = false;
	for (unsigned k = 0; k < n; k++)
		if (v[k]) {
			fprintf(out, "%s%s %" PRIu64, any ? ", " : dns ? "  answers      " : "  responses    ",
				dns ? rcode_names[k] : status_names[k], v[k]);
			any = true;
		}
	return any;
}

static void proto_lines(FILE *out, const struct run_report *r, const struct client_config *cfg)
{
	const struct totals *t = &r->tot;
	if ((cfg->proto == PROTO_DNS || cfg->proto == PROTO_HTTP) && answers_line(out, t, cfg->proto == PROTO_DNS)) {
		if (cfg->proto == PROTO_HTTP)
			fprintf(out, "; wrong body length %" PRIu64, t->bad_length);
		fputc('\n', out);
	}
	if (cfg->rtt_log)
		fprintf(out, "  rtt log      %" PRIu64 " lines to %s, %" PRIu64 " dropped (writer could not keep up)\n",
			t->rtt_written, cfg->rtt_log, t->rtt_dropped);
}

/* TIME-WAIT sockets at the start and the end: -1 when unknown. */
static int64_t tw_count(const struct sockstat *s)
{
	return s->present[SS_TCP_TW] ? (int64_t)s->v[SS_TCP_TW] : -1;
}

/* Holding -c: reopens, the connect rate they took, TIME-WAIT left behind. */
static void holding_line(FILE *out, const struct run_report *r, const struct client_config *cfg)
{
	const struct totals *t = &r->tot;
	bool churn = cfg->life_hi_us || cfg->conn_requests;
	if (!t->conn_reopened && !churn && !t->req_not_sent)
		return;
	fprintf(out, "  holding      reopened %" PRIu64 " (%.1f/s), connect rate %.1f/s%s, TIME-WAIT %" PRId64 " -> %" PRId64
		" (%s close)\n",
		t->conn_reopened, r->duration_s > 0 ? (double)t->conn_reopened / r->duration_s : 0.0,
		r->duration_s > 0 ? (double)t->conn_attempts / r->duration_s : 0.0, churn ? " under churn" : "",
		tw_count(&r->sock_start), tw_count(&r->sock_end), cfg->close_rst ? "rst" : "fin");
	if (t->req_not_sent)
		fprintf(out, "  not sent     %" PRIu64 " intended requests while connections were down (in the error rate)\n",
			t->req_not_sent);
}

/* What the run left on the host as the report is written: TIME-WAIT beside
 * its ceiling (at the ceiling the kernel skips TIME-WAIT: TCPTimeWaitOverflow),
 * orphans, and the worker processes still closing their sockets. */
static void left_on_host_line(FILE *out, const struct run_report *r)
{
	const struct sockstat *a = &r->sock_after;
	if (!a->present[SS_TCP_TW])
		return;
	int64_t tw_max = r->limits.n[KL_TCP_MAX_TW_BUCKETS] ? r->limits.v[KL_TCP_MAX_TW_BUCKETS][0] : -1;
	fprintf(out, "left on host   TIME-WAIT %" PRIu64, a->v[SS_TCP_TW]);
	if (tw_max > 0)
		fprintf(out, " of tcp_max_tw_buckets %" PRId64 " (%.0f%%)", tw_max, 100.0 * (double)a->v[SS_TCP_TW] / (double)tw_max);
	fprintf(out, ", orphans %" PRIu64 ", TCP sockets in use %" PRIu64, a->v[SS_TCP_ORPHAN],
		a->v[SS_TCP_INUSE] + a->v[SS_TCP6_INUSE]);
	if (r->teardown_procs)
		fprintf(out, "; %u worker process%s still closing (they end on their own)", r->teardown_procs,
			r->teardown_procs == 1 ? "" : "es");
	fputc('\n', out);
}

void report_summary_client(FILE *out, const struct run_report *r, const struct client_config *cfg)
{
	const struct totals *t = &r->tot;
	char tg[96];
	addr_format(&cfg->targets[0], tg, sizeof(tg));
	fprintf(out, "\ntcpswarm client: %s%s, %u workers in %u process%s, %.1fs%s\n", tg,
		cfg->ntargets > 1 ? " (+more)" : "", r->workers, r->processes, r->processes == 1 ? "" : "es", r->duration_s,
		r->interrupted ? " (interrupted)" : "");
	if (r->failure[0])
		fprintf(out, "FAILED         %s\n", r->failure);
	fprintf(out, "connections    target %" PRIu64 "  established %" PRIu64 "  failed %" PRIu64 "  peak open %" PRIu64
		"\n",
		cfg->conns, t->conn_established, t->conn_failed, r->peak_open);
	errors_line(out, t);
	holding_line(out, r, cfg);
	pct_line(out, "connect", r->conn_lat, false);
	tls_lines(out, r);
	if (cfg->rate > 0 || cfg->has_think || cfg->closed_loop) {
		if (cfg->closed_loop)
			fprintf(out, "closed loop    -r max: %" PRIu64 " in flight per connection; latency is service time\n",
				cfg->inflight);
		fprintf(out, "requests       intended %" PRIu64 "  sent %" PRIu64 "  answered %" PRIu64 "  lost %" PRIu64
			"  errors %" PRIu64 "  (%.0f/s answered)\n",
			t->req_intended, t->req_sent, t->req_answered, t->req_lost, t->req_errors,
			r->duration_s > 0 ? (double)t->req_answered / r->duration_s : 0.0);
		pct_line(out, "latency", r->lat, true);
		honest_lines(out, r);
		proto_lines(out, r, cfg);
		char bi[32], bo[32];
		units_fmt_bytes(bi, sizeof(bi), (double)t->bytes_in);
		units_fmt_bytes(bo, sizeof(bo), (double)t->bytes_out);
		fprintf(out, "bytes          in %s  out %s\n", bi, bo);
	}
	memory_line(out, r);
	kernel_lines(out, r);
	left_on_host_line(out, r);
	diagnosis_lines(out, r);
	for (int i = 0; i < r->ngate_fail; i++)
		fprintf(out, "gate failed    %s\n", r->gate_fail[i]);
	fflush(out);
}

static int64_t limit0(const struct run_report *r, enum kl l)
{
	return r->limits.n[l] ? r->limits.v[l][0] : -1;
}

static uint64_t kdelta0(const struct run_report *r, enum kc c)
{
	return r->kdelta.present[c] ? r->kdelta.v[c] : 0;
}

/* Ends the listener line with the SYN queue's sampled peak and its
 * ceiling, then one line of the SYN counters (they count for the whole
 * network namespace: every listener in it). */
static void syn_queue_line(FILE *out, const struct run_report *r, uint64_t backlog)
{
	int64_t ceil = synq_ceiling(backlog > INT64_MAX ? INT64_MAX : (int64_t)backlog, limit0(r, KL_SOMAXCONN),
				    limit0(r, KL_TCP_MAX_SYN_BACKLOG), limit0(r, KL_TCP_SYNCOOKIES));
	if (r->syn_recv_peak < 0)
		fprintf(out, ", syn queue peak unknown (no sock_diag)\n");
	else
		fprintf(out, ", syn queue peak %" PRId64 " (ceiling %" PRId64 ")\n", r->syn_recv_peak, ceil);
	fprintf(out, "syn queue      TCPReqQFullDrop +%" PRIu64 ", TCPReqQFullDoCookies +%" PRIu64 ", SyncookiesSent +%" PRIu64
		", SyncookiesRecv +%" PRIu64 ", SyncookiesFailed +%" PRIu64 ", ListenDrops +%" PRIu64
		" (netns-wide); tcp_syncookies %" PRId64 ", tcp_abort_on_overflow %" PRId64 "\n",
		kdelta0(r, KC_TCP_REQQ_FULL_DROP), kdelta0(r, KC_TCP_REQQ_FULL_DO_COOKIES), kdelta0(r, KC_SYNCOOKIES_SENT),
		kdelta0(r, KC_SYNCOOKIES_RECV), kdelta0(r, KC_SYNCOOKIES_FAILED), kdelta0(r, KC_LISTEN_DROPS),
		limit0(r, KL_TCP_SYNCOOKIES), limit0(r, KL_TCP_ABORT_ON_OVERFLOW));
}

/* The busiest source addresses (per listening port), PEERS_TOP of them. */
static void peers_lines(FILE *out, const struct peer_summary *p)
{
	if (!p || (!p->n && !p->other_accepted))
		return;
	fprintf(out, "peers          %zu source address%s", p->addresses, p->addresses == 1 ? "" : "es");
	if (p->n > PEERS_TOP)
		fprintf(out, " (%zu address:port pairs, the busiest %d here, all in the JSON)", p->n, PEERS_TOP);
	fputc('\n', out);
	for (size_t i = 0; i < p->n && i < PEERS_TOP; i++)
		fprintf(out, "  %-40s port %-5u open %" PRIu64 "  peak %" PRIu64 "  accepted %" PRIu64 "\n", p->v[i].addr,
			(unsigned)p->v[i].port, p->v[i].open, p->v[i].peak, p->v[i].accepted);
	if (p->other_accepted)
		fprintf(out, "  other (past %u pairs a worker, not told apart) open %" PRIu64 "  peak %" PRIu64 "  accepted %" PRIu64
			"\n", PEERS_MAX, p->other_open, p->other_peak, p->other_accepted);
}

void report_summary_server(FILE *out, const struct run_report *r, const struct server_config *cfg)
{
	const struct totals *t = &r->tot;
	char bi[32], bo[32];
	units_fmt_bytes(bi, sizeof(bi), (double)t->bytes_in);
	units_fmt_bytes(bo, sizeof(bo), (double)t->bytes_out);
	fprintf(out, "\ntcpswarm server: %s, mode %s, %u workers in %u process%s, %.1fs%s\n", r->listen_addr,
		server_mode_name(cfg->mode), r->workers, r->processes, r->processes == 1 ? "" : "es", r->duration_s,
		r->interrupted ? " (stopped by signal)" : "");
	if (r->failure[0])
		fprintf(out, "FAILED         %s\n", r->failure);
	fprintf(out, "connections    accepted %" PRIu64 "  closed %" PRIu64 "  peak open %" PRIu64 "  accept errors %" PRIu64
		"\n",
		t->accepted, t->closed, r->peak_open, t->accept_errors);
	errors_line(out, t);
	peers_lines(out, r->peers);
	fprintf(out, "listener       backlog %d effective (min of --backlog %" PRIu64 " and somaxconn), accept queue peak %" PRIu64,
		r->backlog_effective, cfg->backlog, t->listen_queue_peak);
	syn_queue_line(out, r, cfg->backlog);
	if (t->accept_batched)
		fprintf(out, "accept batch   %" PRIu64 " of %" PRIu64 " accepted in batches of %.3g ms (--accept-batch: silent connections in a storm wait in the accept queue up to one batch; connect times are unchanged)\n",
			t->accept_batched, t->accepted,
			(double)server_accept_batch_us(cfg->accept_batch_us, r->workers, worker_cpu_count()) / 1000.0);
	tls_lines(out, r);
	if (cfg->mode == MODE_HTTP || cfg->mode == MODE_DNS) {
		fprintf(out, "requests       answered %" PRIu64 " (%.0f/s)  malformed %" PRIu64 "\n", t->req_answered,
			r->duration_s > 0 ? (double)t->req_answered / r->duration_s : 0.0, t->req_errors);
		if (answers_line(out, t, cfg->mode == MODE_DNS))
			fputc('\n', out);
	}
	fprintf(out, "bytes          in %s  out %s\n", bi, bo);
	char wb[16], hb[16];
	share_text(wb, sizeof(wb), r->worker_busy);
	share_text(hb, sizeof(hb), r->host_busy);
	fprintf(out, "cpu            server workers %s busy (%u); host %s busy (%u CPUs)\n", wb, r->workers, hb, r->host_cpus);
	memory_line(out, r);
	kernel_lines(out, r);
	left_on_host_line(out, r);
	diagnosis_lines(out, r);
	fflush(out);
}

void report_diag_honest(const struct run_report *r, const struct client_config *cfg, struct diag_input *in)
{
	in->lag_p99_us = r->own_lag ? hist_percentile(r->own_lag, 99) : 0;
	in->all_lag_p99_us = r->send_lag ? hist_percentile(r->send_lag, 99) : 0;
	in->max_send_lag_us = r->max_send_lag_us;
	in->worker_busy = r->worker_busy;
	in->host_share = r->host_share;
	in->host_busy = r->host_busy;
	in->workers = r->workers;
	in->host_cpus = r->host_cpus;
	in->target_loopback = cfg->ntargets > 0;
	for (unsigned i = 0; i < cfg->ntargets; i++)
		in->target_loopback = in->target_loopback && addr_is_loopback(&cfg->targets[i]);
}
