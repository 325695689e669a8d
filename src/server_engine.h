/* Private to the server engine: the connection slot, the worker, the mode
 * table, and the connection helpers every mode calls.
 *
 * Call graph (no file calls a file that calls it; the engine reaches a mode
 * only through struct server_protocol):
 *   server.c (engine) ──table──> server_echo.c (echo, sink), server_rr.c
 *   server_rr.c       ──table──> server_http.c, server_dns.c (answer_one)
 *   all of them       ─────────> server_conn.c (send, recv, flush, close)
 *   server.c, server_rr.c ─────> server_timeout.c ──> server_conn.c (close)
 *   server.c, server_conn.c ───> tls_server.c (the TLS transport), which reports
 *                                a failure and never closes itself
 */
#ifndef TCPSWARM_SERVER_ENGINE_H
#define TCPSWARM_SERVER_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tcpswarm/carry.h"
#include "tcpswarm/reactor.h"
#include "tcpswarm/server.h"
#include "tcpswarm/server_peers.h"

/* The server's peek/read buffer, one per worker: one recv() takes up to
 * this much, so it is also the largest request http/dns can answer (a
 * request must fit one peek to be parsed). It sizes a carry slot too (the
 * output a slow reader has not taken: one batch of answers, or one echoed
 * read), and a slot is reserved for every possible fd, so it stays small.
 * Smaller than the client's scratch, which must hold a 64 KiB echo frame. */
#define SERVER_PEEK_BYTES (16 * 1024)
#define OUT_BYTES SERVER_PEEK_BYTES /* responses of one batch; fits a carry slot */
#define LISTENER_DATA (UINT64_MAX - 1) /* listener i: LISTENER_DATA - i */
#define QUEUE_SAMPLE_NS 100000000 /* listener queue sampled 10 times a second */

enum { SS_FREE, SS_OPEN };
/* SF_CLOSE_AFTER: close once output is written (after a 400/FORMERR: SF_BAD).
 * The rest are server_timeout.c's: a request is unfinished (SF_PARTIAL),
 * the connection is on the request watch list (SF_REQ_LISTED), a request
 * was answered (SF_PROGRESS) or a byte moved (SF_ACTIVE) since the sweep. */
enum { SF_CLOSE_AFTER = 1, SF_BAD = 2, SF_PARTIAL = 4, SF_REQ_LISTED = 8, SF_PROGRESS = 16, SF_ACTIVE = 32,
       SF_THROTTLED = 64 /* queued by --max-rate */ };

/* One accepted connection: 20 bytes, indexed by fd. */
struct sconn {
	uint32_t gen;
	uint16_t owner;     /* worker that accepted it */
	uint8_t state;
	uint8_t flags;      /* SF_* */
	uint32_t carry;     /* output the peer has not taken yet */
	uint16_t pend_off;  /* bytes of the carry slot already written */
	uint16_t pend_len;
	uint32_t body_left; /* http: body bytes owed after the carried ones */
};
_Static_assert(sizeof(struct sconn) <= 20, "per-connection budget is 20 bytes");

/* Answers of one read, built by a request/response mode's answer_one. */
struct rr_batch {
	uint8_t *out;
	size_t outlen, cap;
	uint64_t body_after; /* body bytes owed after out (the last response) */
	bool close_after, bad;
};

struct sworker;

/* One server mode (--mode). The engine calls serve once per event on a
 * connection; a new mode is one file defining its entry plus a line in
 * server.c's list. */
struct server_protocol {
	const char *name;
	/* per worker, before the RSS baseline (NULL: nothing); -1 with errno */
	int (*init)(struct sworker *w);
	void (*free)(struct sworker *w);
	void (*serve)(struct sworker *w, int fd, struct sconn *c, uint32_t events);
	/* Request/response modes, used by server_rr.c: one request at p into
	 * b; bytes consumed, 0 when it must wait (incomplete, or no room left
	 * in this batch). full_buffer: p is a whole peek buffer, so waiting
	 * cannot complete it. */
	size_t (*answer_one)(struct sworker *w, const uint8_t *p, size_t len, bool full_buffer, struct rr_batch *b);
};

extern const struct server_protocol server_proto_echo, server_proto_sink, server_proto_http, server_proto_dns;

/* A watch list of server_timeout.c: connections a sweep looks at. */
struct swatch_entry {
	int32_t fd;
	uint32_t gen;      /* the connection's generation when listed */
	uint64_t since_ns; /* its clock: listed, or last seen making progress */
};
struct swatch {
	struct swatch_entry *v;
	uint32_t n, cap;
	uint64_t limit_ns;  /* 0: off */
	uint64_t period_ns; /* between sweeps */
	uint64_t next_ns;   /* the next sweep (while the list is not empty) */
};

struct sworker {
	struct reactor r;
	struct server_shared *ss;
	const struct server_protocol *proto;
	struct wshared *sh;
	unsigned id;
	/* This worker's connection table, indexed by fd. Never shared between
	 * workers: a descriptor one worker closes and another accepts has no
	 * history in the second's table, so no slot is written by two threads
	 * (the shared table's handoff went through the kernel's fd table,
	 * which TSan cannot see, and a stale timeout entry read a slot another
	 * thread was writing). */
	struct sconn *conns;
	int lfds[SERVER_MAX_PORTS]; /* one listener per port of -p A-B */
	uint16_t lports[SERVER_MAX_PORTS];
	unsigned nlfd;
	struct peer_table *peers;  /* who connects (server_peers.h); NULL: not counted */
	uint16_t *peer_of;         /* by fd: its connection's peers index (the slot stays 20 B) */
	int reserve_fd;        /* spare fd given up to shed a connection at EMFILE (-1: lost to another worker) */
	bool accept_stuck;     /* accept stopped at EMFILE without a reserve: retried each sample */
	uint64_t accept_from_ns;
	/* --accept-batch (server_accept_batch.c) */
	uint64_t batch_ns;        /* the batch; 0: off */
	uint64_t batch_due_ns;    /* listeners disarmed until then; 0: armed */
	uint64_t last_take_ns;    /* the latest listener wake-up that accepted */
	uint32_t silent;          /* connections accepted since one of the worker's was last readable */
	uint32_t batch_most;      /* a batch that takes this many re-arms: the accept queue would fill */
	uint64_t next_sample_ns;
	uint64_t next_stall_ns;  /* --stall-every: the next stall starts here (0: none) */
	struct carry_pool carry;
	uint8_t *scratch;      /* SERVER_PEEK_BYTES */
	uint8_t *out;          /* http/dns: responses of one batch (OUT_BYTES) */
	struct swatch req_watch;  /* --request-timeout: connections with a request unfinished */
	struct swatch idle_watch; /* --idle-timeout: every connection */
	struct throttle *thr;  /* --max-rate (echo, sink); NULL when unset */
	struct stls *tls;      /* --tls-cert: the SSL objects by fd (tls_server.c), or NULL */
};

static inline struct sconn *server_conn_at(struct sworker *w, int fd) { return w->conns + fd; }

/* An event that says only "writable" (the first event of every accepted
 * connection is one): an edge-triggered event carries the socket's whole
 * readiness, so bytes that had arrived would show as EPOLLIN, and without
 * TLS none wait in a library's buffer either. The read that could only
 * find EAGAIN is skipped: one syscall per connection a hold accepts. */
static inline bool server_nothing_to_read(const struct sworker *w, uint32_t events)
{
	return !(events & (EPOLLIN | REACTOR_HUP_EVENTS)) && !w->tls;
}

/* --- server_conn.c: what every mode calls ------------------------------- */

void server_conn_close(struct sworker *w, int fd, enum close_reason why, int err);
/* Writes pending output (carried bytes, then owed body bytes), every mode:
 * 1 when all is written, 0 when the peer is not reading, -1 when closed. */
int server_flush(struct sworker *w, int fd, struct sconn *c);
/* Keeps n bytes of output the peer did not take in a carry slot; -1 when
 * none is left (the connection is closed). */
int server_keep_output(struct sworker *w, int fd, struct sconn *c, const uint8_t *rest, size_t n);

/* The transport: every byte the server reads or writes goes through these
 * (the place a TLS layer hooks in).
 * server_send: bytes written (counted), 0 when the peer is not reading,
 * -1 when the connection was closed for an error.
 * server_recv: bytes read (counted), 0 when nothing is left to read now,
 * -1 when the connection was closed (peer EOF or an error).
 * server_peek: as server_recv, but the bytes stay queued and are counted
 * only when server_discard drops them (-1 when it closed the connection). */
ssize_t server_send(struct sworker *w, int fd, const void *buf, size_t len);
ssize_t server_recv(struct sworker *w, int fd, void *buf, size_t cap);
ssize_t server_peek(struct sworker *w, int fd, void *buf, size_t cap);
/* After a peek that held no whole request: 1 when more is readable at once
 * (TLS, where a peek shows one record: the request went on in the next),
 * 0 when more comes with an edge, -1 when it closed the connection. */
int server_peek_more(struct sworker *w, int fd, size_t peeked);
int server_discard(struct sworker *w, int fd, size_t n);

/* --- server_timeout.c: --request-timeout, --idle-timeout ------------- */

void server_timeouts_init(struct sworker *w);
void server_timeouts_free(struct sworker *w);
/* once per loop turn: sweeps what is due, lowers r.wake_ns to the next */
void server_timeouts_turn(struct sworker *w);
/* a new connection (watched when --idle-timeout is on) */
void server_watch_idle(struct sworker *w, int fd, struct sconn *c);
/* a request at the front of the input is unfinished */
void server_watch_request(struct sworker *w, int fd, struct sconn *c);
/* a request was answered: its clock restarts; nothing unfinished yet */
static inline void server_request_done(struct sconn *c)
{
	c->flags = (uint8_t)((c->flags | SF_PROGRESS) & ~SF_PARTIAL);
}
/* --- server_accept_batch.c: --accept-batch ---------------------------- */

/* once the listeners exist: batching is off where an accept queue is too
 * short to hold a batch */
void accept_batch_init(struct sworker *w);
/* after a listener's wake-up took `got` connections: may disarm the
 * listeners while connections come in a storm and send nothing */
void accept_batch_after_wake(struct sworker *w, unsigned got);
/* once per loop turn: true when the listeners are disarmed and their
 * queues are to be taken now (the batch is due, or a connection was
 * readable); else lowers r.wake_ns to the batch */
bool accept_batch_due(struct sworker *w);
/* what that take accepted: batching goes on, or the listeners are re-armed
 * (a connection was readable, the batch found nothing or a quarter of the
 * queue) */
void accept_batch_took(struct sworker *w, unsigned got);
/* a connection event: a readable one ends a batch (and the silence) */
static inline void accept_batch_heard(struct sworker *w, uint32_t events)
{
	if (events & EPOLLIN)
		w->silent = 0;
}

/* --- server_echo.c: the --max-rate token bucket (echo, sink, http, dns) - */

/* -1 with errno when its queue cannot be reserved. */
int throttle_init(struct sworker *w);
/* Each turn: every 10 ms the worker's budget is refilled and the
 * connections that stopped reading for want of it are served again. */
void throttle_turn(struct sworker *w);
void throttle_free(struct sworker *w);
/* http/dns: rr_serve with the connection noted for throttle_request. */
void throttle_rr_serve(struct sworker *w, int fd, struct sconn *c, uint32_t events);
/* http/dns: a whole request is ready to be answered: true when --max-rate
 * allows it now (its token taken; always without --max-rate), else false
 * and the connection is served again after the next refill (the request
 * waits, unread, in the socket buffer). */
bool throttle_request(struct sworker *w);

/* --- server_rr.c: the request/response core (http, dns entries) -------- */

int rr_init(struct sworker *w);
void rr_free(struct sworker *w);
void rr_serve(struct sworker *w, int fd, struct sconn *c, uint32_t events);

#endif
