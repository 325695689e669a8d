/* What the user sees: the live line, the final summary, --json, --csv.
 * The run code fills a struct run_report; this module only formats it. */
#ifndef TCPSWARM_REPORT_H
#define TCPSWARM_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "tcpswarm/config.h"
#include "tcpswarm/diagnose.h"
#include "tcpswarm/hist.h"
#include "tcpswarm/kstat.h"
#include "tcpswarm/counters.h"

struct peer_summary;

/* One second of a run (client and server fill what applies). */
struct sample {
	uint32_t t; /* seconds since start */
	uint64_t open, new_conns, failed, accepted, closed;
	uint64_t sent, answered, errors, bytes_in, bytes_out;
	uint64_t p50_us, p99_us;
	uint64_t listen_queue;
	uint64_t reopened; /* client: connections reopened */
	struct kcounters kmoved; /* kernel counters' change over this second */
	/* client: honest numbers (service time from the actual send, send lag,
	 * CPU busy shares 0..1, -1 unknown) and the generator-bound verdict */
	uint64_t svc_p50_us, svc_p99_us, lag_p99_us, own_lag_p99_us;
	double worker_busy, host_busy;
	bool generator_bound;
	uint64_t tls_full, tls_resumed, tls_failed; /* TLS handshakes this second: done, failed */
};

struct series {
	struct sample *v;
	size_t n, cap;
};
int series_push(struct series *s, const struct sample *x);
void series_free(struct series *s);

struct run_report {
	bool is_client;
	time_t started_wall;
	double duration_s;
	bool interrupted;
	unsigned workers;      /* reactor threads over all processes */
	unsigned processes;
	char failure[200];     /* a worker process that died, or empty */
	struct totals tot;
	uint64_t peak_open;
	struct hist *lat;      /* request latency, whole run (client) */
	struct hist *conn_lat; /* connect latency (client) */
	struct hist *hs_lat;   /* TLS handshake time after the connect (client --tls), or NULL */
	uint64_t start_ns;     /* monotonic start of the run */
	struct series series;
	struct klimits limits;
	struct kcounters kdelta; /* whole run */
	struct sockstat sock_end;
	struct sockstat sock_start; /* client: before connecting (TIME-WAIT left by churn) */
	struct sockstat sock_after; /* after the stop, as the report is written: what the run left on the host */
	unsigned teardown_procs;    /* worker processes still closing their sockets when the report was written */
	uint64_t outage_ns;    /* client: the shortest of the workers' longest outages */
	/* memory: RSS growth over the connections held at the peak */
	uint64_t rss_base, rss_at_peak;
	double user_bytes_per_conn;
	bool memory_by_slope;  /* marginal cost between two samples, else total / count */
	uint64_t rss_first, open_first; /* first sample with connections open */
	size_t conn_struct_bytes;
	/* server */
	int backlog_effective;
	int64_t syn_recv_peak;   /* most SYN-RECV sockets on our port at one sample; -1 unknown */
	char listen_addr[96];
	const struct peer_summary *peers; /* who connected (server_peers.h), or NULL */
	struct diagnosis diag;
	/* who was the bottleneck (client; the monitor fills them) */
	struct hist *svc;        /* service time: answer minus actual send, whole run */
	struct hist *send_lag;   /* actual send minus intended, every request sent */
	struct hist *own_lag;    /* the same, of requests free to leave: not held by a full
				  * socket buffer or window (that wait is the server's) */
	uint64_t max_send_lag_us; /* --max-send-lag */
	double worker_busy;      /* workers' thread CPU over their wall time, 0..1; -1 unknown */
	double host_share;       /* workers' CPU over the host's CPU capacity, 0..1; -1 unknown */
	double host_busy;        /* /proc/stat busy share over the load, 0..1; -1 unknown */
	unsigned host_cpus;
	bool generator_bound;
	uint32_t bound_seconds;  /* live samples flagged generator-bound */
	/* CI gates that failed, one message each */
	char gate_fail[4][200];
	int ngate_fail;
};

/* What the live line knows beside the sample. */
struct live_view {
	uint64_t target;              /* client: -c */
	double total_s;               /* the load's length; 0 = until a signal */
	const struct schedule *sched; /* client: the rate schedule, or NULL */
	struct sched_part conns;      /* client: --conn-schedule (s NULL: none) */
	unsigned width;               /* terminal columns; 0 = no limit (not a tty) */
	bool tty;
};
/* Live line for second s: rewritten in place on a tty, fitted to the width
 * by priority (live_line.h); plain lines with every field otherwise. */
void report_live(FILE *out, const struct run_report *r, const struct sample *s, const struct live_view *v);
void report_summary_client(FILE *out, const struct run_report *r, const struct client_config *cfg);
void report_summary_server(FILE *out, const struct run_report *r, const struct server_config *cfg);
/* 0, or -1 with a message on stderr naming the file. */
int report_json_client(const char *path, const struct run_report *r, const struct client_config *cfg);
int report_json_server(const char *path, const struct run_report *r, const struct server_config *cfg);
/* --csv, streamed a row a second (monitor.c): the header line, and one row
 * (the columns of the series, then the wall clock at the sample, epoch_s). */
void report_csv_header(FILE *f);
/* conns: the --conn-schedule part for the last column, conns_intended
 * (NULL or conns->s NULL: the column is empty). */
void report_csv_row(FILE *f, const struct sample *s, double epoch_s, const struct sched_part *conns);

/* The diagnosis inputs on who set the pace (send lag, CPU, loopback target),
 * from the report and the config. */
void report_diag_honest(const struct run_report *r, const struct client_config *cfg, struct diag_input *in);

/* "NOERROR", "NXDOMAIN", ...; "2xx", ... (index = status / 100, 0 = other). */
const char *report_rcode_name(unsigned rcode);
const char *report_status_name(unsigned cls);

/* Before a run: every report file given can be created (a long run must not
 * lose its report at the end). 0, or -1 with a message naming the option. */
int report_paths_writable(const char *cmd, const char *json, const char *csv, const char *rtt, const char *hdr);

#endif
