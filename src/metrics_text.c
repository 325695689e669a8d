/* The Prometheus text exposition of a run's figures: one HELP and TYPE
 * line per family, then its samples. Pure: bytes out of numbers. */
#include "tcpswarm/metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

/* Appends like snprintf, keeping count of what would have been written. */
struct out {
	char *p;
	size_t cap, len;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->len < o->cap ? o->cap - o->len : 0;
	int n = vsnprintf(room ? o->p + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP tcpswarm_%s %s\n# TYPE tcpswarm_%s %s\n", name, help, name, type);
}

static void one(struct out *o, const char *name, const char *type, const char *help, uint64_t v)
{
	family(o, name, type, help);
	put(o, "tcpswarm_%s %" PRIu64 "\n", name, v);
}

/* The scalar counters and gauges: (field, name, type, help). */
#define METRICS_SCALARS(X)                                                                                    \
	X(conn_attempts, "connect_attempts_total", "counter", "Connects started (client).")                   \
	X(conn_established, "connections_established_total", "counter", "Connections established (client).") \
	X(conn_failed, "connect_failures_total", "counter", "Connects that failed or timed out (client).")    \
	X(conn_reopened, "connections_reopened_total", "counter", "Connections established again on a slot that had been open (client).") \
	X(accepted, "connections_accepted_total", "counter", "Connections accepted (server).")                \
	X(accept_errors, "accept_errors_total", "counter", "accept() errors (server).")                       \
	X(accept_batched, "connections_accept_batched_total", "counter", "Connections taken by an --accept-batch batch: each waited in the accept queue up to one batch (server).") \
	X(closed, "connections_closed_total", "counter", "Connections that ended.")                           \
	X(conn_open, "connections_open", "gauge", "Connections open now.")                                    \
	X(req_intended, "requests_intended_total", "counter", "Requests the schedule intended (client).")     \
	X(req_sent, "requests_sent_total", "counter", "Requests sent (client) or served (server).")           \
	X(req_answered, "requests_answered_total", "counter", "Requests answered (client).")                  \
	X(req_errors, "request_errors_total", "counter", "Requests that failed.")                             \
	X(req_lost, "requests_lost_total", "counter", "Requests in flight when their connection ended (client).") \
	X(req_not_sent, "requests_not_sent_total", "counter", "Requests intended while their connection was down (client).") \
	X(bytes_in, "received_bytes_total", "counter", "Bytes received.")                                     \
	X(bytes_out, "sent_bytes_total", "counter", "Bytes sent.")                                            \
	X(listen_queue, "listen_queue", "gauge", "Connections waiting in the listeners' accept queues (server).") \
	X(listen_queue_peak, "listen_queue_peak", "gauge", "Fullest accept queue seen (server).")

/* Bucket bounds in microseconds; each is counted at the histogram's 0.1%. */
static const uint64_t le_us[] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000,
	10000000, 30000000, 100000000,
};

/* A cumulative histogram in seconds: a source bucket counts below a bound
 * when its highest value is at most the bound. */
static void latency(struct out *o, const struct hist *h)
{
	family(o, "request_latency_seconds", "histogram",
	       "Request latency from the intended send time (client), whole run so far.");
	size_t b = 0;
	uint64_t below = 0;
	for (size_t i = 0; i < sizeof(le_us) / sizeof(le_us[0]); i++) {
		for (; h && b < HIST_BUCKETS && hist_bucket_high(b) <= le_us[i]; b++)
			below += h->buckets[b];
		put(o, "tcpswarm_request_latency_seconds_bucket{le=\"%g\"} %" PRIu64 "\n", (double)le_us[i] / 1e6, below);
	}
	uint64_t count = h ? h->count : 0;
	put(o, "tcpswarm_request_latency_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", count);
	put(o, "tcpswarm_request_latency_seconds_sum %.6f\n", h ? (double)h->sum / 1e6 : 0.0);
	put(o, "tcpswarm_request_latency_seconds_count %" PRIu64 "\n", count);
}

/* TLS handshakes (zero without --tls or --tls-cert): done, by kind; failed,
 * by the reasons the summary and the JSON's connections.tls.failed use. */
static void tls(struct out *o, const struct totals *t)
{
	family(o, "tls_handshakes_total", "counter", "TLS handshakes completed, full or resumed.");
	put(o, "tcpswarm_tls_handshakes_total{kind=\"full\"} %" PRIu64 "\n", t->tls_full);
	put(o, "tcpswarm_tls_handshakes_total{kind=\"resumed\"} %" PRIu64 "\n", t->tls_resumed);
	family(o, "tls_handshake_failures_total", "counter", "TLS handshakes failed, by reason.");
	put(o, "tcpswarm_tls_handshake_failures_total{reason=\"certificate\"} %" PRIu64 "\n", t->tls_fail_cert);
	put(o, "tcpswarm_tls_handshake_failures_total{reason=\"protocol\"} %" PRIu64 "\n", t->tls_fail_protocol);
	put(o, "tcpswarm_tls_handshake_failures_total{reason=\"timeout\"} %" PRIu64 "\n", t->tls_fail_timeout);
	one(o, "tls_alpn_missed_total", "counter", "TLS handshakes in which no --alpn protocol was agreed (client).",
	    t->tls_alpn_missed);
}

size_t metrics_format(char *outbuf, size_t cap, const char *role, const char *version, const struct totals *t,
		      const struct hist *lat)
{
	struct out o = {outbuf, cap, 0};
	if (cap)
		outbuf[0] = '\0';
	family(&o, "info", "gauge", "This tcpswarm process: its role and version.");
	put(&o, "tcpswarm_info{role=\"%s\",version=\"%s\"} 1\n", role, version);
#define METRICS_ONE_(field, name, type, help) one(&o, name, type, help, t->field);
	METRICS_SCALARS(METRICS_ONE_)
#undef METRICS_ONE_
	family(&o, "worker_cpu_seconds_total", "counter", "CPU time of the worker threads.");
	put(&o, "tcpswarm_worker_cpu_seconds_total %.6f\n", (double)t->cpu_ns / 1e9);
	family(&o, "errors_total", "counter", "Socket errors by errno.");
	for (int s = 0; s < ES__COUNT; s++)
		put(&o, "tcpswarm_errors_total{errno=\"%s\"} %" PRIu64 "\n", errslot_name((enum errslot)s), t->errs[s]);
	family(&o, "connections_ended_total", "counter", "Connections ended or failed, by reason.");
	for (int r = 0; r < CR__COUNT; r++)
		put(&o, "tcpswarm_connections_ended_total{reason=\"%s\"} %" PRIu64 "\n",
		    close_reason_name((enum close_reason)r), t->close[r]);
	tls(&o, t);
	latency(&o, lat);
	return o.len;
}
