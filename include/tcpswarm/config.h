/* Parsed configuration of each subcommand. Filled by cli.c, then passed as
 * const pointers: there is no global configuration. */
#ifndef TCPSWARM_CONFIG_H
#define TCPSWARM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpswarm/find.h"
#include "tcpswarm/proto_raw.h"
#include "tcpswarm/schedule.h"
#include "tcpswarm/srcaddr.h"
#include "tcpswarm/url.h"

#define MAX_TARGETS 64
#define ACCEPT_BATCH_AUTO UINT64_MAX /* --accept-batch auto */
#define CONNECT_LANES_CPUS UINT64_MAX /* --connect-lanes cpus: one lane per CPU */
#define SERVER_MAX_PORTS 64 /* server -p A-B: listeners per worker */

enum arrivals { ARRIVALS_UNIFORM, ARRIVALS_POISSON };
enum server_mode { MODE_ECHO, MODE_SINK, MODE_HTTP, MODE_DNS };
enum client_proto { PROTO_ECHO, PROTO_DNS, PROTO_HTTP, PROTO_RAW };

#define MAX_HEADERS 16
#define CFG_MAX_MESSAGE 65535 /* raw: -m / -f bytes (one write of the scratch buffer) */
#define CFG_MAX_FIRST 4096    /* raw: --first-message bytes */
#define CFG_MAX_BODY 32768    /* http: --body bytes */
#define CFG_MAX_INFLIGHT 1024 /* --inflight */

/* --shard I/N: this machine's part of a plan N machines run together. */
struct shard_spec {
	uint64_t index, count;   /* 1..count */
	uint64_t total_conns;    /* the global plan, kept for the report */
	double total_rate;
};

struct common_config {
	unsigned workers;       /* per process; 0 = one per allowed CPU */
	unsigned processes;     /* 0 = auto: as many as RLIMIT_NOFILE requires */
	uint64_t duration_us;   /* client: run length; server: 0 = until signal */
	const char *json_path;
	const char *csv_path;
	const char *hdr_log_path; /* --hdr-log: latency histograms, HdrHistogram interval log */
	bool quiet;             /* no live line */
	struct sockaddr_any metrics; /* --metrics ADDR:PORT; len 0: none */
};

struct client_config {
	struct common_config com;
	struct sockaddr_any targets[MAX_TARGETS];
	unsigned ntargets;
	uint64_t conns;
	double connect_rate;    /* per second, 0 = unlimited */
	uint64_t connect_inflight;
	uint64_t connect_lanes;  /* --connect-lanes: workers making first opens at once; 0 all; CONNECT_LANES_CPUS */
	uint64_t connect_timeout_us;
	bool reconnect;         /* reopen what closes, to hold -c (--reconnect on) */
	uint64_t life_lo_us, life_hi_us; /* --conn-lifetime A-B; 0-0 = none */
	uint64_t conn_requests; /* --conn-requests: close after N answers; 0 = none */
	bool close_rst;         /* --close rst: SO_LINGER 0, no TIME-WAIT */
	struct srcset sources;  /* empty: the kernel picks */
	const char *source_spec;
	const char *source_iface; /* every address of this interface, aliases included */
	double rate;            /* requests per second, all connections; 0 = none */
	enum arrivals arrivals;
	uint64_t payload;       /* bytes per request frame */
	uint64_t drain_us;      /* after -T: wait this long for replies in flight */
	uint64_t send_window_us; /* --send-window: sends due within one window leave in one wake-up */
	uint64_t seed;
	struct shard_spec shard; /* --shard I/N; count 0: not a shard */
	int64_t start_at;       /* --start-at, epoch seconds; 0: start now */
	bool ignore_plan;       /* run a plan that cannot fit, to see what fails */
	enum client_proto proto;
	/* raw (--proto raw): the bytes live here so the config owns them
	 * (no allocation to free; worker processes inherit them by fork) */
	uint8_t raw_msg[CFG_MAX_MESSAGE];
	uint32_t raw_msg_len;     /* 0: no -m/-f given */
	uint8_t raw_first[CFG_MAX_FIRST];
	uint32_t raw_first_len;
	bool has_raw_first;
	const char *raw_msg_text, *raw_msg_file, *raw_first_text; /* as given */
	const char *reply_delim_text; /* --reply-delim as given */
	uint64_t reply_bytes;     /* --reply-bytes, 0: not given */
	bool reply_none;          /* --reply none */
	struct proto_raw_framing raw_framing; /* built from the three above */
	uint64_t inflight;        /* requests outstanding per connection (-r max keeps this many) */
	bool closed_loop;         /* -r max: every answer sends the next at once */
	int family;               /* AF_UNSPEC, AF_INET (-4), AF_INET6 (-6): names resolved in it */
	const char *target_specs[MAX_TARGETS]; /* targets as given, resolved after argv */
	unsigned ntarget_specs;
	/* http: any server */
	bool has_length;          /* --length given: ?length=N asked and checked */
	int method;               /* enum proto_http_method */
	const char *body_spec;    /* --body as given (TEXT or @FILE) */
	uint8_t body[CFG_MAX_BODY];
	uint32_t body_len;
	bool has_body;
	bool has_url;             /* a URL target: path and Host from it */
	char url_host[sizeof(((struct url *)0)->host)]; /* Host header of the URL target */
	char url_target[URL_MAX_TARGET + 1];
	const char *qname;      /* dns */
	int qtype;
	uint64_t len_lo, len_hi; /* http: body length asked, per request */
	bool has_think;
	uint64_t think_lo_us, think_hi_us; /* http/dns: pause after each answer */
	const char *path;
	const char *headers[MAX_HEADERS];
	unsigned nheaders;
	const char *rtt_log;
	/* CI gates */
	bool has_expect_conns, has_max_error_rate, has_max_p99;
	uint64_t expect_conns;
	double max_error_rate;  /* fraction 0..1 */
	uint64_t max_p99_us;
	uint64_t max_send_lag_us; /* send lag p99 above this: the generator is the bottleneck */
	/* --rate-schedule / --schedule-file (cli_schedule.c): n 0 = flat -r */
	struct schedule rate_sched;
	const char *rate_sched_spec, *sched_file;
	enum sched_format sched_format;
	bool has_duration;      /* -T given (else a schedule's length sets it) */
	/* --conn-schedule (cli_schedule.c, client_conn_sched.c): the open
	 * connections aimed at over time; n 0 = hold -c */
	struct schedule conn_sched;
	const char *conn_sched_spec;
	bool has_conns;         /* -c given (else the conn schedule's peak sets it) */
	bool has_reconnect;     /* --reconnect given */
	struct find_spec find;  /* --find, --slo, --step (cli_find.c) */
	/* TLS (tls.h): --tls, --sni, --ca, --insecure, --alpn, --tls-resume */
	bool tls, tls_insecure, tls_resume;
	const char *tls_sni, *tls_ca, *tls_alpn;
	struct ssl_ctx_st *tls_ctx; /* built after argv, shared read-only by the workers */
};

struct server_config {
	struct common_config com;
	const char *bind;       /* NULL: "::" dual-stack, else 0.0.0.0 */
	uint64_t port;
	uint64_t port_count;     /* -p A-B: ports A..A+port_count-1 (1: one) */
	uint64_t backlog;
	enum server_mode mode;
	uint64_t accept_pause_us; /* test knob: do not accept for this long */
	uint64_t accept_batch_us; /* --accept-batch: take a quiet storm's connections this often (0: at each) */
	uint64_t max_conns;       /* sizes the process count when it is auto */
	uint64_t max_length;      /* http: largest body served */
	uint8_t answer4[4], answer6[16]; /* dns: A and AAAA answers */
	const char *name;         /* dns: answer only this name, NXDOMAIN others */
	uint64_t stall_every_us;  /* test knob: every this long, stop serving ... */
	uint64_t stall_for_us;    /* ... for this long (0: never) */
	uint64_t request_timeout_us; /* a request unfinished this long closes its connection (0: off) */
	uint64_t idle_timeout_us;    /* nothing read or written this long closes it (0: off) */
	double max_rate;          /* --max-rate: requests a second over all workers (0: unthrottled) */
	uint64_t max_rate_frame;  /* echo/sink: bytes one request counts for (the client's --payload) */
	const char *tls_cert, *tls_key; /* --tls-cert, --tls-key: TLS in every mode (tls.h) */
	struct ssl_ctx_st *tls_ctx;     /* built after argv, shared read-only by the workers */
};

#endif
