/* Turns what a run measured (errno counts, kernel counter deltas, limits,
 * listener queue) into findings: which limit bound, the evidence, and the
 * knob to change. Pure: no I/O, so every rule is unit-tested. */
#ifndef TCPSWARM_DIAGNOSE_H
#define TCPSWARM_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpswarm/kstat.h"
#include "tcpswarm/counters.h"

#define DIAG_MAX 12

struct finding {
	const char *limit;   /* stable key: "accept_queue", "ephemeral_ports", ... */
	int score;           /* for ranking: how much of the failure it explains */
	char evidence[320];
	char fix[320];
};

struct diagnosis {
	struct finding f[DIAG_MAX];
	size_t n;
};

/* Everything the rules look at. */
struct diag_input {
	bool is_client;
	const struct totals *tot;
	const struct kcounters *kdelta;  /* whole-run kernel counter deltas */
	const struct klimits *limits;
	const struct sockstat *sock;     /* at the end of the run */
	uint64_t target_conns;           /* client: -c */
	uint64_t peak_open;
	uint64_t source_ips;             /* client: 0 = kernel's choice (one IP) */
	uint64_t targets;                /* client: destination tuples */
	int backlog_effective;           /* server: min(backlog, somaxconn); -1 unknown */
	uint64_t listen_queue_peak;      /* server */
	int64_t syn_recv_peak;           /* server: SYN-RECV sockets on its port, peak; -1 or 0 unknown/none */
	/* server: the (source address, port) pair holding most connections at
	 * once (server_peers.h), and how many ports it listens on (-p A-B) */
	const char *peer_top_addr;       /* NULL: none counted */
	uint16_t peer_top_port;
	uint64_t peer_top_peak;
	uint64_t server_ports;
	uint64_t sent, answered;
	uint64_t intended;               /* client: requests the schedule called for */
	uint64_t p50_us;                 /* client: median latency from intended send times */
	bool interrupted;                /* no drain: requests in flight were cut off, not lost */
	/* client, holding -c */
	bool reconnect;                  /* --reconnect on */
	uint64_t not_sent_down;          /* intended while connections were down */
	uint64_t outage_ns;              /* longest time no connection could be held (every worker) */
	uint64_t churn_closes;           /* our own closes: --conn-lifetime, --conn-requests */
	const struct sockstat *sock_start; /* before the run (TIME-WAIT growth), or NULL */
	/* who was the bottleneck (client): send lag, CPU busy shares 0..1 (-1
	 * unknown), whether every target is on this host */
	uint64_t lag_p99_us, max_send_lag_us; /* own send lag (requests free to go); max 0: no limit */
	uint64_t all_lag_p99_us;              /* send lag of every request, held back ones included */
	double worker_busy, host_share, host_busy;
	unsigned workers, host_cpus;
	bool target_loopback;
	/* client: how long the load ran, and how long of it no slot opened for
	 * the first time (the open count was flat); 0 unknown */
	uint64_t run_ns, flat_ns;
};

#define DIAG_BUSY 0.9 /* a CPU share at or above this is saturated */

/* The client could not keep its schedule: send lag p99 above the limit, or
 * its workers saturated. */
bool diag_generator_bound(uint64_t lag_p99_us, uint64_t max_send_lag_us, double worker_busy);
/* Client and server share this host and its CPUs were saturated. */
bool diag_shared_host(bool target_loopback, double host_busy);

/* For the rule files (diagnose_*.c): a new finding (NULL when d is full),
 * and whether d has one of that limit. */
struct finding *diag_add(struct diagnosis *d, const char *limit, uint64_t weight);
bool diag_has(const struct diagnosis *d, const char *limit);
/* diagnose_nat.c: one source address near a port range's worth of
 * connections (server), and new connections dropped on the path, as a full
 * conntrack table does (client). */
void diag_behind_one_address(const struct diag_input *in, struct diagnosis *d);
void diag_conntrack_path(const struct diag_input *in, struct diagnosis *d);

/* Fills d with the findings, ranked (highest score first). */
void diagnose(const struct diag_input *in, struct diagnosis *d);

#endif
