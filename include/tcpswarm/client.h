/* The client engine: connection plan, connect pacing, open-loop request
 * scheduling and reply matching, one instance per worker thread. */
#ifndef TCPSWARM_CLIENT_H
#define TCPSWARM_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "tcpswarm/config.h"
#include "tcpswarm/rttlog.h"
#include "tcpswarm/run.h" /* struct run_ctl, enum run_phase */
#include "tcpswarm/stats.h"

struct cworker;

/* Allocates worker `id` of `nworkers` (its share of connections, its source
 * shard). NULL with an errno-style message in err on failure. */
struct cworker *cworker_new(const struct client_config *cfg, struct run_ctl *ctl, struct wshared *sh,
			    unsigned id, unsigned nworkers, char *err, size_t errcap);
/* Thread body: runs the reactor until PHASE_STOP, then publishes totals. */
void *cworker_main(void *cw);
/* Wakes the worker so it sees a phase change now. Thread-safe. */
void cworker_wake(struct cworker *cw);
void cworker_free(struct cworker *cw);

struct klimits;
/* The port plan for `workers` workers: on loopback with no --source, picks
 * 127.0.0.x sources into cfg->sources; 0, or -1 when the plan cannot fit
 * (message printed). */
int client_port_plan(struct client_config *cfg, const struct klimits *lim, unsigned workers, bool quiet);
/* A target HOST:A-B (the server's -p A-B): 1 with the host's length and the
 * ports, each port then one target the connections spread over; 0 when spec
 * names no range; -1 for a range out of order or past 65535. */
int client_target_ports(const char *spec, size_t *host_len, uint16_t *lo, uint16_t *hi);

/* Bytes of user memory each connection slot costs (for the report). */
size_t client_conn_size(void);

/* The lanes a run of nworkers uses for --connect-lanes `want` on `cpus`
 * (0: none, all connect at once: no more workers than lanes, or opens
 * paced by --connect-rate or --conn-schedule). client_turns.c. */
unsigned client_turns_lanes(uint64_t want, unsigned cpus, unsigned nworkers, bool paced);
/* The lanes a run of cfg with nworkers uses on this process's CPUs. */
unsigned client_run_lanes(const struct client_config *cfg, unsigned nworkers);

#endif
