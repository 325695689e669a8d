/* Parsed configuration of each subcommand. Filled by cli.c, then passed as
 * const pointers: there is no global configuration. */
#ifndef TCPSWARM_CONFIG_H
#define TCPSWARM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpswarm/srcaddr.h"

#define MAX_TARGETS 64

enum arrivals { ARRIVALS_UNIFORM, ARRIVALS_POISSON };
enum server_mode { MODE_ECHO, MODE_SINK, MODE_HTTP, MODE_DNS };
enum client_proto { PROTO_ECHO, PROTO_DNS, PROTO_HTTP };

#define MAX_HEADERS 16

struct common_config {
	unsigned workers;       /* per process; 0 = one per allowed CPU */
	unsigned processes;     /* 0 = auto: as many as RLIMIT_NOFILE requires */
	uint64_t duration_us;   /* client: run length; server: 0 = until signal */
	const char *json_path;
	const char *csv_path;
	bool quiet;             /* no live line */
};

struct client_config {
	struct common_config com;
	struct sockaddr_any targets[MAX_TARGETS];
	unsigned ntargets;
	uint64_t conns;
	double connect_rate;    /* per second, 0 = unlimited */
	uint64_t connect_inflight;
	uint64_t connect_timeout_us;
	struct srcset sources;  /* empty: the kernel picks */
	const char *source_spec;
	const char *source_iface; /* every address of this interface, aliases included */
	double rate;            /* requests per second, all connections; 0 = none */
	enum arrivals arrivals;
	uint64_t payload;       /* bytes per request frame */
	uint64_t drain_us;      /* after -T: wait this long for replies in flight */
	uint64_t seed;
	bool ignore_plan;       /* run a plan that cannot fit, to see what fails */
	enum client_proto proto;
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
};

struct server_config {
	struct common_config com;
	const char *bind;       /* NULL: "::" dual-stack, else 0.0.0.0 */
	uint64_t port;
	uint64_t backlog;
	enum server_mode mode;
	uint64_t accept_pause_us; /* test knob: do not accept for this long */
	uint64_t max_conns;       /* sizes the process count when it is auto */
	uint64_t max_length;      /* http: largest body served */
	uint8_t answer4[4], answer6[16]; /* dns: A and AAAA answers */
	const char *name;         /* dns: answer only this name, NXDOMAIN others */
	uint64_t stall_every_us;  /* test knob: every this long, stop serving ... */
	uint64_t stall_for_us;    /* ... for this long (0: never) */
};

#endif
