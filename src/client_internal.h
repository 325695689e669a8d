/* Private to the client engine (client.c, client_rr.c): the connection
 * slot, the worker, and the helpers both files use. */
#ifndef TCPSWARM_CLIENT_INTERNAL_H
#define TCPSWARM_CLIENT_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include "tcpswarm/carry.h"
#include "tcpswarm/client.h"
#include "tcpswarm/reactor.h"
#include "tcpswarm/rttlog.h"

#define SCRATCH_BYTES (64 * 1024)
#define SEND_BATCH 64              /* frames per send() when behind schedule */
#define PUBLISH_EVERY_NS 200000000 /* latency histograms to the reporter */

enum cstate { CS_IDLE, CS_CONNECTING, CS_OPEN, CS_CLOSED };
enum { CF_WRITABLE = 1 };

/* One connection: 64 bytes, no buffer. While connecting, t_next holds the
 * connect start time; once open, the intended time of the next request
 * (UINT64_MAX: none). t_out is the intended time of the request in flight
 * (dns/http: one at a time; echo frames carry theirs). */
struct cconn {
	struct tw_node timer; /* connect timeout, then the send schedule */
	int32_t fd;
	uint16_t gen;         /* bumps on close: stale epoll events are dropped */
	uint8_t state;
	uint8_t flags;
	uint64_t t_next;
	uint64_t t_out;
	uint32_t seq_tx;      /* next sequence number to send */
	uint32_t seq_rx;      /* next sequence number expected back */
	uint32_t carry;       /* carry slot: a split reply's bytes and parser state, or 0 */
	uint16_t tx_off;      /* bytes of frame seq_tx already written */
	uint16_t rx_off;      /* bytes of frame seq_rx already read */
};
_Static_assert(sizeof(struct cconn) <= 64, "per-connection budget is 64 bytes");

struct cworker {
	struct reactor r;
	const struct client_config *cfg;
	struct run_ctl *ctl;
	struct wshared *sh;
	unsigned id, nworkers;
	struct cconn *conns;
	uint32_t nconns;
	uint32_t next_open;       /* next slot to connect */
	uint32_t inflight, inflight_max;
	double connect_gap_ns;    /* 0 = unlimited */
	double req_gap_ns;        /* mean gap between requests on one connection */
	size_t *src;              /* this worker's shard: indexes into cfg->sources */
	size_t nsrc;
	struct carry_pool carry;
	uint8_t *scratch;
	uint64_t rng;
	uint64_t next_publish_ns;
	int phase;
	struct hist lat, conn_lat; /* since the last publish */
	struct rtt_ring *rtt;      /* --rtt-log ring of this worker, or NULL */
	char (*host)[64];          /* http: Host header value per target */
};

/* Records one answer: latency histogram, counters, --rtt-log. */
void client_answered(struct cworker *w, struct cconn *c, uint64_t intended_ns);

void client_conn_close(struct cworker *w, struct cconn *c, enum close_reason why, int err);
uint64_t client_next_gap(struct cworker *w);
/* send(): bytes written (counted); 0 when the socket buffer is full (the
 * writable flag drops, EPOLLOUT resumes); -1 when the connection was closed
 * for an error. */
ssize_t client_send(struct cworker *w, struct cconn *c, const void *buf, size_t len);
double client_rnd_unit(struct cworker *w);

/* Request/response protocols (dns, http): one request in flight. */
void rr_send_due(struct cworker *w, struct cconn *c);
void rr_on_readable(struct cworker *w, struct cconn *c, uint32_t events);
/* Sets up the first request of a connection that just opened. */
void rr_first(struct cworker *w, struct cconn *c);
int rr_init(struct cworker *w, char *err, size_t errcap);
void rr_free(struct cworker *w);

#endif
