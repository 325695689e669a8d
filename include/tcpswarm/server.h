/* The server engine: one SO_REUSEPORT listener and one reactor per worker,
 * accept until EAGAIN, answer per mode (echo, sink). */
#ifndef TCPSWARM_SERVER_H
#define TCPSWARM_SERVER_H

#include <stdatomic.h>
#include <stddef.h>

#include "tcpswarm/config.h"
#include "tcpswarm/run.h" /* struct run_ctl, enum run_phase */
#include "tcpswarm/stats.h"

struct sworker;
struct peer_table;

/* Shared by the workers of one server process: the connection table is
 * indexed by fd (fds are unique in a process), so it needs no free list. */
struct server_shared {
	const struct server_config *cfg;
	struct run_ctl *ctl;
	struct sockaddr_any bound;  /* the address actually listened on */
	int backlog_effective;      /* min(--backlog, somaxconn) */
	size_t maxfd;
	unsigned nworkers;          /* over all processes: --max-rate splits its rate by it */
	const char *name;           /* dns --name, normalised; NULL = any name */
	char name_buf[256];
	atomic_int probe_fd[SERVER_MAX_PORTS]; /* server_bind_check's probe of each port, until the listeners are bound */
	atomic_int lock_fd[SERVER_MAX_PORTS];  /* each port's start lock, as long */
	struct peer_table *peers;   /* who connects: one table per worker (global id) in a shared
	                             * mapping the server role owns; NULL: not counted */
};

/* Prepares the shared table; 0 or -1 with a message in err. */
int server_shared_init(struct server_shared *ss, const struct server_config *cfg, struct run_ctl *ctl,
		       char *err, size_t errcap);
void server_shared_destroy(struct server_shared *ss);

/* Refuses an address that something already listens on (or cannot be bound
 * at all): one message in err naming the option, -1. On 0 the check holds
 * the address until server_bind_release (safe to call more than once and
 * from several threads), which the workers call once their listeners are
 * bound. Worker processes inherit the hold and release their copy. */
int server_bind_check(struct server_shared *ss, char *err, size_t errcap);
void server_bind_release(struct server_shared *ss);

/* Creates worker id's listener (bind + listen) and reactor; NULL + err. */
struct sworker *sworker_new(struct server_shared *ss, struct wshared *sh, unsigned id, char *err, size_t errcap);
void *sworker_main(void *sw);
void sworker_wake(struct sworker *sw);
void sworker_free(struct sworker *sw);

/* The batch --accept-batch `want_us` gives a run of `workers` on `cpus`
 * (ACCEPT_BATCH_AUTO: 5 ms per worker sharing a CPU, at most 50 ms).
 * server_accept_batch.c. */
uint64_t server_accept_batch_us(uint64_t want_us, unsigned workers, unsigned cpus);
size_t server_conn_size(void);

#endif
