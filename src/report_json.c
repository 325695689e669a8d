/* --json (a public interface: keys are added, never renamed) and --csv
 * (the per-second series). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/client.h"
#include "tcpswarm/json.h"
#include "tcpswarm/proto_http.h"
#include "tcpswarm/names.h"
#include "tcpswarm/outfile.h"
#include "tcpswarm/report.h"
#include "tcpswarm/server.h"
#include "tcpswarm/server_peers.h"
#include "tcpswarm/synq.h"
#include "tcpswarm/worker.h"

#ifndef TCPSWARM_VERSION
#define TCPSWARM_VERSION "0.0.0-dev"
#endif

/* Every report goes through an outfile: whole or not at all. */
static FILE *open_out(struct outfile *o, const char *path, const char *what)
{
	return outfile_open(o, path, "tcpswarm", what);
}

static int close_out(struct outfile *o, int err) { return outfile_commit(o, err, "tcpswarm"); }

static void head(struct jw *w, const struct run_report *r)
{
	char when[40];
	struct tm tm;
	gmtime_r(&r->started_wall, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	jw_str(w, "tool", "tcpswarm");
	jw_str(w, "version", TCPSWARM_VERSION);
	jw_str(w, "role", r->is_client ? "client" : "server");
	jw_str(w, "started_at", when);
	jw_double(w, "duration_s", r->duration_s);
	jw_bool(w, "interrupted", r->interrupted);
	jw_u64(w, "processes", r->processes);
	if (r->failure[0])
		jw_str(w, "failure", r->failure);
}

static int64_t lim0(const struct run_report *r, enum kl l)
{
	return r->limits.n[l] ? r->limits.v[l][0] : -1;
}

static void limits(struct jw *w, const struct run_report *r)
{
	jw_obj_begin(w, "limits");
	for (int l = 0; l < KL__COUNT; l++) {
		const struct klimits *k = &r->limits;
		if (!k->n[l])
			continue;
		if (k->n[l] == 1) {
			jw_i64(w, kl_name((enum kl)l), k->v[l][0]);
		} else {
			jw_arr_begin(w, kl_name((enum kl)l));
			for (int i = 0; i < k->n[l]; i++)
				jw_i64(w, NULL, k->v[l][i]);
			jw_arr_end(w);
		}
	}
	jw_obj_end(w);
}

static void errors(struct jw *w, const struct totals *t)
{
	jw_obj_begin(w, "errors");
	for (int e = 0; e < ES__COUNT; e++)
		if (t->errs[e])
			jw_u64(w, errslot_name((enum errslot)e), t->errs[e]);
	jw_obj_end(w);
	jw_obj_begin(w, "closed_by");
	for (int c = 0; c < CR__COUNT; c++)
		if (t->close[c])
			jw_u64(w, close_reason_name((enum close_reason)c), t->close[c]);
	jw_obj_end(w);
}

static void histogram(struct jw *w, const char *key, const struct hist *h)
{
	size_t need = hist_format_sparse(h, NULL, 0) + 1;
	char *buf = malloc(need);
	if (!buf) {
		jw_null(w, key);
		return;
	}
	hist_format_sparse(h, buf, need);
	jw_raw(w, key, buf);
	free(buf);
}

static void percentiles(struct jw *w, const char *key, const struct hist *h, bool with_hist)
{
	jw_obj_begin(w, key);
	jw_u64(w, "count", h->count);
	jw_u64(w, "p50", hist_percentile(h, 50));
	jw_u64(w, "p90", hist_percentile(h, 90));
	jw_u64(w, "p99", hist_percentile(h, 99));
	jw_u64(w, "p999", hist_percentile(h, 99.9));
	jw_u64(w, "max", h->count ? h->max : 0);
	jw_double(w, "mean", hist_mean(h));
	if (with_hist)
		histogram(w, "histogram", h);
	jw_obj_end(w);
}

/* A busy share 0..1, null when it could not be measured. */
static void share(struct jw *w, const char *key, double v)
{
	if (v < 0)
		jw_null(w, key);
	else
		jw_double(w, key, v);
}

static void kernel(struct jw *w, const struct run_report *r)
{
	jw_obj_begin(w, "kernel");
	jw_obj_begin(w, "deltas");
	for (int c = 0; c < KC__COUNT; c++)
		if (r->kdelta.present[c])
			jw_u64(w, kc_name((enum kc)c), r->kdelta.v[c]);
	jw_obj_end(w);
	jw_obj_begin(w, "sockstat_end");
	for (int s = 0; s < SS__COUNT; s++)
		if (r->sock_end.present[s])
			jw_u64(w, ss_name((enum ss)s), r->sock_end.v[s]);
	jw_obj_end(w);
	jw_obj_end(w);
}

/* "by_rcode" (dns) or "by_status" (http): non-zero counts only. */
/* What the run left on the host as the report was written (sockstat after
 * the stop) beside the kernel's ceilings; teardown_processes: worker
 * processes still closing their sockets then. Both roles. */
static void left_on_host(struct jw *w, const struct run_report *r)
{
	const struct sockstat *a = &r->sock_after;
	if (!a->present[SS_TCP_TW])
		return;
	jw_obj_begin(w, "left_on_host");
	jw_u64(w, "time_wait", a->v[SS_TCP_TW]);
	jw_u64(w, "orphans", a->v[SS_TCP_ORPHAN]);
	jw_u64(w, "tcp_inuse", a->v[SS_TCP_INUSE] + a->v[SS_TCP6_INUSE]);
	jw_i64(w, "tcp_max_tw_buckets", lim0(r, KL_TCP_MAX_TW_BUCKETS));
	jw_i64(w, "tcp_max_orphans", lim0(r, KL_TCP_MAX_ORPHANS));
	jw_u64(w, "teardown_processes", r->teardown_procs);
	jw_obj_end(w);
}

static void answers(struct jw *w, const struct totals *t, bool dns)
{
	jw_obj_begin(w, dns ? "by_rcode" : "by_status");
	for (unsigned k = 0; k < (dns ? DNS_RCODES : HTTP_CLASSES); k++)
		if ((dns ? t->rcode : t->status)[k])
			jw_u64(w, dns ? report_rcode_name(k) : report_status_name(k), (dns ? t->rcode : t->status)[k]);
	jw_obj_end(w);
}

/* sched: the client's rate schedule (NULL: none), for the series' "intended";
 * conns: its conn schedule (s NULL: none), for "conns_intended" */
static void tail(struct jw *w, const struct run_report *r, const struct schedule *sched, const struct sched_part *conns)
{
	jw_obj_begin(w, "memory");
	jw_double(w, "user_bytes_per_conn", r->user_bytes_per_conn);
	jw_str(w, "method", r->memory_by_slope ? "slope" : "total");
	jw_u64(w, "rss_base_bytes", r->rss_base);
	jw_u64(w, "rss_at_peak_bytes", r->rss_at_peak);
	jw_u64(w, "conn_struct_bytes", r->conn_struct_bytes);
	jw_obj_end(w);
	kernel(w, r);
	jw_arr_begin(w, "diagnosis");
	for (size_t i = 0; i < r->diag.n; i++) {
		jw_obj_begin(w, NULL);
		jw_str(w, "limit", r->diag.f[i].limit);
		jw_str(w, "evidence", r->diag.f[i].evidence);
		jw_str(w, "fix", r->diag.f[i].fix);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_arr_begin(w, "series");
	for (size_t i = 0; i < r->series.n; i++) {
		const struct sample *s = &r->series.v[i];
		jw_obj_begin(w, NULL);
		jw_u64(w, "t", s->t);
		jw_i64(w, "t_unix", (int64_t)r->started_wall + s->t); /* the wall-clock second, for tcpswarm merge */
		jw_u64(w, "open", s->open);
		if (conns && conns->s) /* the open connections the schedule intends at t */
			jw_u64(w, "conns_intended", sched_part_count(conns, s->t));
		if (r->is_client) {
			jw_u64(w, "new_conns", s->new_conns);
			jw_u64(w, "reopened", s->reopened);
			jw_u64(w, "failed", s->failed);
			jw_u64(w, "sent", s->sent);
			jw_u64(w, "answered", s->answered);
			if (sched) /* what the schedule intended over this second (t-1, t] */
				jw_double(w, "intended", schedule_integral(sched, s->t) - schedule_integral(sched, s->t - 1.0));
			jw_u64(w, "errors", s->errors);
			jw_u64(w, "p50_us", s->p50_us);
			jw_u64(w, "p99_us", s->p99_us);
			jw_u64(w, "service_p50_us", s->svc_p50_us);
			jw_u64(w, "service_p99_us", s->svc_p99_us);
			jw_u64(w, "send_lag_p99_us", s->lag_p99_us);
			jw_u64(w, "own_send_lag_p99_us", s->own_lag_p99_us);
			share(w, "client_cpu", s->worker_busy);
			share(w, "host_cpu", s->host_busy);
			jw_bool(w, "generator_bound", s->generator_bound);
		} else {
			jw_u64(w, "accepted", s->accepted);
			jw_u64(w, "closed", s->closed);
			jw_u64(w, "accept_queue", s->listen_queue);
		}
		jw_u64(w, "bytes_in", s->bytes_in);
		jw_u64(w, "bytes_out", s->bytes_out);
		jw_obj_begin(w, "kernel");
		for (int c = 0; c < KC__COUNT; c++)
			if (s->kmoved.present[c] && s->kmoved.v[c] && c != KC_CURR_ESTAB)
				jw_u64(w, kc_name((enum kc)c), s->kmoved.v[c]);
		jw_obj_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* "tls" in "connections": handshakes full and resumed, failures by reason,
 * the handshake time (client); absent when the run had no TLS. */
static void tls_json(struct jw *w, const struct run_report *r)
{
	const struct totals *t = &r->tot;
	uint64_t failed = t->tls_fail_cert + t->tls_fail_protocol + t->tls_fail_timeout;
	if (!r->hs_lat && !t->tls_full && !t->tls_resumed && !failed)
		return;
	double s = r->duration_s > 0 ? r->duration_s : 1;
	jw_obj_begin(w, "tls");
	jw_u64(w, "handshakes_full", t->tls_full);
	jw_u64(w, "handshakes_resumed", t->tls_resumed);
	jw_double(w, "full_per_s", (double)t->tls_full / s);
	jw_double(w, "resumed_per_s", (double)t->tls_resumed / s);
	jw_obj_begin(w, "failed");
	jw_u64(w, "certificate", t->tls_fail_cert);
	jw_u64(w, "protocol", t->tls_fail_protocol);
	jw_u64(w, "timeout", t->tls_fail_timeout);
	jw_obj_end(w);
	jw_u64(w, "alpn_missed", t->tls_alpn_missed);
	jw_obj_end(w);
	if (r->hs_lat) /* with its buckets: tcpswarm merge adds them */
		percentiles(w, "handshake_us", r->hs_lat, true);
}

/* "connections" of a client run: counts, reopens, close reasons, connect latency. */
static void client_connections(struct jw *w, const struct run_report *r, const struct client_config *cfg)
{
	const struct totals *t = &r->tot;
	jw_obj_begin(w, "connections");
	jw_u64(w, "target", cfg->conns);
	jw_u64(w, "attempted", t->conn_attempts);
	jw_u64(w, "established", t->conn_established);
	jw_u64(w, "accepted", 0);
	jw_u64(w, "peak_open", r->peak_open);
	jw_u64(w, "failed", t->conn_failed);
	if (t->conn_established - t->conn_reopened == cfg->conns && t->last_established_ns > r->start_ns) {
		double s = (double)(t->last_established_ns - r->start_ns) / 1e9;
		jw_double(w, "time_to_all_s", s);
		jw_double(w, "conn_per_s", (double)cfg->conns / s);
	}
	jw_u64(w, "reopened", t->conn_reopened);
	jw_double(w, "connect_rate_per_s", r->duration_s > 0 ? (double)t->conn_attempts / r->duration_s : 0);
	jw_double(w, "longest_outage_s", (double)r->outage_ns / 1e9);
	if (r->sock_start.present[SS_TCP_TW] && r->sock_end.present[SS_TCP_TW]) {
		jw_u64(w, "time_wait_start", r->sock_start.v[SS_TCP_TW]);
		jw_u64(w, "time_wait_end", r->sock_end.v[SS_TCP_TW]);
	}
	errors(w, t);
	percentiles(w, "connect_latency_us", r->conn_lat, false);
	tls_json(w, r);
	jw_obj_end(w);
}

/* Service time beside latency, send lag, CPU and the generator verdict. */
static void honest(struct jw *w, const struct run_report *r)
{
	struct hist empty;
	hist_reset(&empty);
	percentiles(w, "service_us", r->svc ? r->svc : &empty, true);
	percentiles(w, "send_lag_us", r->send_lag ? r->send_lag : &empty, true);
	/* the lag of requests free to leave: the generator's own (the verdict's) */
	percentiles(w, "own_send_lag_us", r->own_lag ? r->own_lag : &empty, false);
	jw_u64(w, "max_send_lag_us", r->max_send_lag_us);
	share(w, "client_cpu", r->worker_busy);
	share(w, "client_host_share", r->host_share);
	share(w, "host_cpu", r->host_busy);
	jw_u64(w, "host_cpus", r->host_cpus);
	jw_bool(w, "generator_bound", r->generator_bound);
	jw_u64(w, "generator_bound_seconds", r->bound_seconds);
}

/* "config" of a client run: every option as parsed. */
static void client_config_obj(struct jw *w, const struct run_report *r, const struct client_config *cfg)
{
	char buf[96];
	jw_obj_begin(w, "config");
	jw_arr_begin(w, "targets");
	for (unsigned i = 0; i < cfg->ntargets; i++) {
		addr_format(&cfg->targets[i], buf, sizeof(buf));
		jw_str(w, NULL, buf);
	}
	jw_arr_end(w);
	jw_u64(w, "connections", cfg->conns);
	jw_double(w, "connect_rate", cfg->connect_rate);
	jw_u64(w, "connect_inflight", cfg->connect_inflight);
	/* the lanes this run used (0: all workers connected at once) */
	jw_u64(w, "connect_lanes", client_run_lanes(cfg, r->workers));
	jw_u64(w, "connect_timeout_us", cfg->connect_timeout_us);
	jw_bool(w, "reconnect", cfg->reconnect);
	jw_u64(w, "conn_lifetime_min_us", cfg->life_lo_us);
	jw_u64(w, "conn_lifetime_max_us", cfg->life_hi_us);
	jw_u64(w, "conn_requests", cfg->conn_requests);
	jw_str(w, "close", cfg->close_rst ? "rst" : "fin");
	jw_str(w, "source", cfg->source_spec);
	if (cfg->source_iface)
		jw_str(w, "source_iface", cfg->source_iface);
	jw_u64(w, "source_ips", cfg->sources.n);
	jw_double(w, "rate", cfg->rate);
	if (cfg->rate_sched.n) { /* the points, as parsed: a step is two points at one time */
		jw_arr_begin(w, "rate_schedule");
		for (size_t i = 0; i < cfg->rate_sched.n; i++) {
			jw_obj_begin(w, NULL);
			jw_double(w, "t_s", cfg->rate_sched.p[i].t);
			jw_double(w, "rate", cfg->rate_sched.p[i].v);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	if (cfg->conn_sched.n) { /* as rate_schedule: the points as parsed (the whole plan, before --shard) */
		jw_arr_begin(w, "conn_schedule");
		for (size_t i = 0; i < cfg->conn_sched.n; i++) {
			jw_obj_begin(w, NULL);
			jw_double(w, "t_s", cfg->conn_sched.p[i].t);
			jw_double(w, "conns", cfg->conn_sched.p[i].v);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_bool(w, "closed_loop", cfg->closed_loop);
	jw_u64(w, "inflight", cfg->inflight);
	jw_str(w, "arrivals", arrivals_name(cfg->arrivals));
	jw_u64(w, "payload", cfg->payload);
	jw_u64(w, "duration_us", cfg->com.duration_us);
	jw_u64(w, "drain_us", cfg->drain_us);
	jw_u64(w, "send_window_us", cfg->send_window_us);
	jw_u64(w, "workers", r->workers);
	jw_u64(w, "seed", cfg->seed);
	if (cfg->shard.count) {
		jw_obj_begin(w, "shard");
		jw_u64(w, "index", cfg->shard.index);
		jw_u64(w, "count", cfg->shard.count);
		jw_u64(w, "total_connections", cfg->shard.total_conns);
		jw_double(w, "total_rate", cfg->shard.total_rate);
		jw_obj_end(w);
	}
	if (cfg->start_at) {
		time_t at = (time_t)cfg->start_at;
		struct tm tm;
		char when[40];
		gmtime_r(&at, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		jw_str(w, "start_at", when);
	}
	jw_str(w, "proto", client_proto_name(cfg->proto));
	if (cfg->proto == PROTO_DNS) {
		jw_str(w, "qname", cfg->qname);
		jw_i64(w, "qtype", cfg->qtype);
	}
	if (cfg->proto == PROTO_HTTP) {
		jw_str(w, "path", cfg->path);
		if (cfg->has_length) {
			jw_u64(w, "length_min", cfg->len_lo);
			jw_u64(w, "length_max", cfg->len_hi);
		}
		jw_str(w, "method", proto_http_method_name(cfg->method));
		if (cfg->has_url)
			jw_str(w, "host", cfg->url_host);
		if (cfg->has_body)
			jw_u64(w, "body_bytes", cfg->body_len);
	}
	if (cfg->proto == PROTO_RAW) {
		jw_u64(w, "message_bytes", cfg->raw_msg_len);
		jw_u64(w, "first_message_bytes", cfg->has_raw_first ? cfg->raw_first_len : 0);
		jw_str(w, "reply", cfg->raw_framing.kind == PROTO_RAW_REPLY_DELIM   ? "delim"
				    : cfg->raw_framing.kind == PROTO_RAW_REPLY_BYTES ? "bytes"
										      : "none");
	}
	if (cfg->has_think) {
		jw_u64(w, "think_min_us", cfg->think_lo_us);
		jw_u64(w, "think_max_us", cfg->think_hi_us);
	}
	jw_obj_end(w);
}

int report_json_client(const char *path, const struct run_report *r, const struct client_config *cfg)
{
	struct outfile of;
	FILE *f = open_out(&of, path, "JSON");
	if (!f)
		return -1;
	struct jw w;
	const struct totals *t = &r->tot;
	jw_init(&w, f, true);
	jw_obj_begin(&w, NULL);
	head(&w, r);
	client_config_obj(&w, r, cfg);
	limits(&w, r);
	client_connections(&w, r, cfg);
	jw_obj_begin(&w, "requests");
	jw_u64(&w, "intended", t->req_intended);
	jw_u64(&w, "sent", t->req_sent);
	jw_u64(&w, "answered", t->req_answered);
	jw_u64(&w, "lost", t->req_lost);
	jw_u64(&w, "errors", t->req_errors);
	jw_u64(&w, "not_sent_down", t->req_not_sent);
	jw_u64(&w, "bytes_in", t->bytes_in);
	jw_u64(&w, "bytes_out", t->bytes_out);
	if (cfg->proto == PROTO_DNS || cfg->proto == PROTO_HTTP)
		answers(&w, t, cfg->proto == PROTO_DNS);
	if (cfg->proto == PROTO_HTTP)
		jw_u64(&w, "bad_length", t->bad_length);
	if (cfg->rtt_log) {
		jw_u64(&w, "rtt_log_lines", t->rtt_written);
		jw_u64(&w, "rtt_log_dropped", t->rtt_dropped);
	}
	jw_obj_end(&w);
	percentiles(&w, "latency_us", r->lat, true);
	honest(&w, r);
	const struct sched_part conns = {cfg->conn_sched.n ? &cfg->conn_sched : NULL, cfg->shard.index, cfg->shard.count};
	tail(&w, r, cfg->rate_sched.n ? &cfg->rate_sched : NULL, &conns);
	left_on_host(&w, r);
	jw_arr_begin(&w, "gates_failed");
	for (int i = 0; i < r->ngate_fail; i++)
		jw_str(&w, NULL, r->gate_fail[i]);
	jw_arr_end(&w);
	jw_obj_end(&w);
	return close_out(&of, jw_finish(&w));
}

/* Who connected: every (source address, port) pair, busiest first. */
static void peers(struct jw *w, const struct peer_summary *p)
{
	jw_arr_begin(w, "peers");
	for (size_t i = 0; p && i < p->n; i++) {
		jw_obj_begin(w, NULL);
		jw_str(w, "addr", p->v[i].addr);
		jw_u64(w, "port", p->v[i].port);
		jw_u64(w, "open", p->v[i].open);
		jw_u64(w, "peak", p->v[i].peak);
		jw_u64(w, "accepted", p->v[i].accepted);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_begin(w, "peers_other"); /* beyond PEERS_MAX pairs a worker */
	jw_u64(w, "open", p ? p->other_open : 0);
	jw_u64(w, "peak", p ? p->other_peak : 0);
	jw_u64(w, "accepted", p ? p->other_accepted : 0);
	jw_bool(w, "table_full", p && p->overflow);
	jw_obj_end(w);
}

int report_json_server(const char *path, const struct run_report *r, const struct server_config *cfg)
{
	struct outfile of;
	FILE *f = open_out(&of, path, "JSON");
	if (!f)
		return -1;
	struct jw w;
	const struct totals *t = &r->tot;
	jw_init(&w, f, true);
	jw_obj_begin(&w, NULL);
	head(&w, r);
	jw_obj_begin(&w, "config");
	jw_str(&w, "listen", r->listen_addr);
	jw_u64(&w, "port", cfg->port);
	jw_u64(&w, "port_count", cfg->port_count ? cfg->port_count : 1); /* -p A-B */
	jw_u64(&w, "backlog", cfg->backlog);
	jw_str(&w, "mode", server_mode_name(cfg->mode));
	jw_u64(&w, "workers", r->workers);
	jw_u64(&w, "duration_us", cfg->com.duration_us);
	jw_u64(&w, "accept_pause_us", cfg->accept_pause_us);
	jw_u64(&w, "accept_batch_us", server_accept_batch_us(cfg->accept_batch_us, r->workers, worker_cpu_count()));
	jw_u64(&w, "request_timeout_us", cfg->request_timeout_us);
	jw_u64(&w, "idle_timeout_us", cfg->idle_timeout_us);
	jw_obj_end(&w);
	limits(&w, r);
	jw_obj_begin(&w, "connections");
	jw_u64(&w, "accepted", t->accepted);
	jw_u64(&w, "closed", t->closed);
	jw_u64(&w, "peak_open", r->peak_open);
	jw_u64(&w, "failed", t->accept_errors);
	errors(&w, t);
	tls_json(&w, r);
	jw_obj_end(&w);
	jw_obj_begin(&w, "listener");
	jw_i64(&w, "backlog_effective", r->backlog_effective);
	jw_u64(&w, "accept_queue_peak", t->listen_queue_peak);
	jw_u64(&w, "accept_batched", t->accept_batched); /* taken by a due --accept-batch: waited up to one batch */
	jw_i64(&w, "syn_recv_peak", r->syn_recv_peak); /* -1: sock_diag unavailable */
	jw_i64(&w, "syn_recv_ceiling", synq_ceiling(cfg->backlog > INT64_MAX ? INT64_MAX : (int64_t)cfg->backlog,
						       lim0(r, KL_SOMAXCONN), lim0(r, KL_TCP_MAX_SYN_BACKLOG),
						       lim0(r, KL_TCP_SYNCOOKIES)));
	jw_obj_end(&w);
	jw_obj_begin(&w, "requests");
	jw_u64(&w, "answered", t->req_answered);
	jw_u64(&w, "errors", t->req_errors);
	jw_u64(&w, "bytes_in", t->bytes_in);
	jw_u64(&w, "bytes_out", t->bytes_out);
	if (cfg->mode == MODE_DNS || cfg->mode == MODE_HTTP)
		answers(&w, t, cfg->mode == MODE_DNS);
	jw_obj_end(&w);
	peers(&w, r->peers);
	tail(&w, r, NULL, NULL);
	left_on_host(&w, r);
	jw_obj_end(&w);
	return close_out(&of, jw_finish(&w));
}

int report_paths_writable(const char *cmd, const char *json, const char *csv, const char *rtt, const char *hdr)
{
	char who[64];
	snprintf(who, sizeof(who), "tcpswarm %s", cmd);
	const char *paths[] = {json, csv, rtt, hdr};
	static const char *const opts[] = {"--json", "--csv", "--rtt-log", "--hdr-log"};
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			if (outfile_same(paths[i], paths[j])) {
				fprintf(stderr,
					"%s: options %s '%s' and %s '%s' name the same file (or one is the other's "
					"streaming name, FILE" OUTFILE_PARTIAL "): give each report its own file\n",
					who, opts[i], paths[i], opts[j], paths[j]);
				return -1;
			}
	return outfile_check(who, "--json", json) | outfile_check(who, "--csv", csv) |
	       outfile_check(who, "--rtt-log", rtt) | outfile_check(who, "--hdr-log", hdr);
}

/* The columns after listen_drops: service time, send lag, CPU shares
 * (empty when unknown), the generator flag. */
static void csv_honest(FILE *f, const struct sample *s)
{
	fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", s->svc_p50_us, s->svc_p99_us, s->lag_p99_us);
	if (s->worker_busy >= 0)
		fprintf(f, "%.3f", s->worker_busy);
	fputc(',', f);
	if (s->host_busy >= 0)
		fprintf(f, "%.3f", s->host_busy);
	fprintf(f, ",%d,%" PRIu64, s->generator_bound ? 1 : 0, s->own_lag_p99_us);
}

void report_csv_header(FILE *f)
{
	fprintf(f, "t,open,new_conns,failed,accepted,closed,sent,answered,errors,bytes_in,bytes_out,p50_us,p99_us,"
		   "accept_queue,listen_overflows,listen_drops,service_p50_us,service_p99_us,send_lag_p99_us,"
		   "client_cpu,host_cpu,generator_bound,own_send_lag_p99_us,epoch_s,conns_intended\n");
}

void report_csv_row(FILE *f, const struct sample *s, double epoch_s, const struct sched_part *conns)
{
	fprintf(f,
		"%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
		s->t, s->open, s->new_conns, s->failed, s->accepted, s->closed, s->sent, s->answered, s->errors,
		s->bytes_in, s->bytes_out, s->p50_us, s->p99_us, s->listen_queue, s->kmoved.v[KC_LISTEN_OVERFLOWS],
		s->kmoved.v[KC_LISTEN_DROPS]);
	csv_honest(f, s);
	fprintf(f, ",%.3f,", epoch_s);
	if (conns && conns->s) /* as the JSON series: empty without --conn-schedule */
		fprintf(f, "%" PRIu64, sched_part_count(conns, s->t));
	fputc('\n', f);
}
