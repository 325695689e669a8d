/* Private to the client engine: the connection slot, the worker, the
 * protocol table, and the connection helpers every protocol calls.
 *
 * Call graph (no file calls a file that calls it; the engine reaches a
 * protocol only through struct client_protocol):
 *   client.c (engine) ──table──> client_echo.c, client_rr.c
 *   client_rr.c       ──table──> client_dns.c, client_http.c (build/parse_one)
 *   all of them       ─────────> client_conn.c (send, recv, close, answered, gaps)
 *   client_conn_sched.c ───────> client_conn.c (retire, close)
 *   client.c, client_conn.c ───> tls_client.c (handshake steps, the TLS transport),
 *                                which reports a failure and never closes itself
 */
#ifndef TCPSWARM_CLIENT_ENGINE_H
#define TCPSWARM_CLIENT_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tcpswarm/carry.h"
#include "tcpswarm/client.h"
#include "tcpswarm/reactor.h"
#include "tcpswarm/rttlog.h"

/* The client's read and build buffer, one per worker: one recv() takes up
 * to this much, and one send() carries a batch of echo frames or one whole
 * request. It must hold the largest echo frame (--payload is at most 65535)
 * so a frame is never built in pieces; large so that a busy connection
 * drains in few syscalls. */
#define CLIENT_SCRATCH_BYTES (64 * 1024)
#define SEND_BATCH 64              /* frames per send() when behind schedule */
#define PUBLISH_EVERY_NS 200000000 /* latency histograms to the reporter */

enum cstate { CS_IDLE, CS_CONNECTING, CS_OPEN, CS_CLOSED };
/* flags. CF_RETIRE_*: our own churn close is due (--conn-lifetime,
 * --conn-requests): nothing more is sent, the connection closes once nothing
 * is in flight. CF_QUEUED: in the reopen queue. CF_WAS_OPEN: the slot held a
 * connection before (the next one is a reopen). CF_PROTO_A/B: the protocol's
 * own (raw: its first message). */
enum {
	CF_WRITABLE = 1, CF_RETIRE_LIFE = 2, CF_RETIRE_REQS = 4, CF_QUEUED = 8, CF_WAS_OPEN = 16,
	CF_RETIRE_SCHED = 0x20, /* --conn-schedule fell (client_conn_sched.c) */
	CF_PROTO_A = 0x40, CF_PROTO_B = 0x80,
};
#define CF_RETIRE (CF_RETIRE_LIFE | CF_RETIRE_REQS | CF_RETIRE_SCHED)

/* One connection: 64 bytes, no buffer. While connecting, t_next holds the
 * connect start time; once open, the intended time of the next request
 * (UINT64_MAX: none). t_out is the intended time of the request in flight
 * (dns/http: one at a time; echo frames carry theirs, and echo keeps in
 * t_out the send lag of a frame written only in part, so its rest is
 * rebuilt byte for byte) while open; while the slot is down (closed or
 * reconnecting), the point of its schedule it went down from (0: never
 * down). Everything per connection is reset on reopen (client.c). */
struct cconn {
	struct tw_node timer; /* connect timeout, then the send schedule */
	int32_t fd;
	uint16_t gen;         /* bumps on close: stale epoll events are dropped */
	uint8_t state : 4;    /* enum cstate */
	uint8_t backoff : 4;  /* reconnect backoff level (client_conn.c), kept across reopens */
	uint8_t flags;
	uint64_t t_next;
	uint64_t t_out;
	uint32_t seq_tx;      /* next sequence number to send */
	uint32_t seq_rx;      /* next sequence number expected back */
	uint32_t carry;       /* carry slot: a split reply's bytes and parser state, or 0 */
	uint16_t tx_off;      /* bytes of frame seq_tx already written */
	union {
		uint16_t rx_off;     /* echo: bytes of frame seq_rx already read */
		uint16_t lag_bucket; /* dns/http: send lag of the request in flight, as
				      * its hist bucket (client_lag_code): the slot had
				      * no room for a 32-bit lag, and the histogram
				      * cannot tell a bucket from the value anyway */
	};
};
_Static_assert(sizeof(struct cconn) <= 64, "per-connection budget is 64 bytes");

/* Parser state a request/response protocol keeps between reads (in the
 * carry slot while a reply is split); all zero = nothing to keep. */
#define RR_PARSE_STATE_BYTES 16
union rr_parse_state {
	uint64_t align[RR_PARSE_STATE_BYTES / 8];
	uint8_t bytes[RR_PARSE_STATE_BYTES];
};

/* What parse_one found at the front of the bytes it was given. */
struct rr_reply {
	bool answered; /* a whole answer to the request in flight */
	bool close;    /* the server will close after it: stop reading */
};

struct cworker;

/* One protocol of the client. The engine calls one hook per event; a new
 * protocol is one file defining its entry plus a line in client.c's list. */
struct client_protocol {
	const char *name;
	uint32_t carry_slot_bytes; /* one carry slot: a split reply's bytes and state */
	uint32_t max_in_flight;    /* requests outstanding per connection; 0: as the
				    * schedule sends (echo frames carry their own time) */
	/* per worker, after the scratch buffer exists (NULL: nothing to do);
	 * may keep its state in w->proto_state. -1 with a message in err. */
	int (*init)(struct cworker *w, char *err, size_t errcap);
	void (*free)(struct cworker *w);
	/* a connection just opened: set up its first request */
	void (*on_open)(struct cworker *w, struct cconn *c);
	/* the send timer fired or the socket became writable */
	void (*send_due)(struct cworker *w, struct cconn *c);
	void (*on_readable)(struct cworker *w, struct cconn *c, uint32_t events);
	/* Request/response codec, used by client_rr.c (NULL for stream
	 * protocols). build: request seq_tx of c into out, its length or -1.
	 * parse_one: at most one reply at the front of p; bytes consumed (0:
	 * needs more), -1 on a protocol error. */
	ssize_t (*build)(struct cworker *w, struct cconn *c, uint8_t *out, size_t cap);
	ssize_t (*parse_one)(struct cworker *w, struct cconn *c, union rr_parse_state *st, const uint8_t *p,
			     size_t len, struct rr_reply *r);
	/* the peer closed (recv gave 0), just before the connection is closed:
	 * a reply read until the close ends here (NULL: nothing to finish) */
	void (*on_eof)(struct cworker *w, struct cconn *c);
};

extern const struct client_protocol client_proto_echo, client_proto_dns, client_proto_http, client_proto_raw;

struct cworker {
	struct reactor r;
	const struct client_config *cfg;
	const struct client_protocol *proto;
	struct run_ctl *ctl;
	struct wshared *sh;
	unsigned id, nworkers;
	struct cconn *conns;
	uint32_t nconns;
	uint32_t next_open;       /* next slot to connect */
	uint32_t inflight, inflight_max;
	unsigned lanes;           /* first opens take turns, this many workers at once (0: all at once; client_turns.c) */
	uint8_t turn;             /* TURN_* flags */
	/* holding -c (client.c, client_conn.c) */
	uint32_t *reopen_q;       /* ring of slots waiting to reconnect (nconns), NULL: --reconnect off */
	uint32_t rq_head, rq_len;
	uint64_t connect_next_ns; /* the next connect --connect-rate allows (0: the start) */
	struct tw_node *life;     /* --conn-lifetime: one timer per slot, or NULL */
	uint64_t load_end_ns;     /* ctl->end_ns, or when this worker saw the load end (SIGINT) */
	uint64_t none_open_since; /* no connection of this worker open since then (0: some are) */
	double not_sent_frac;     /* the fraction of a request carried by client_count_down */
	uint64_t resume_ns;       /* during on_open of a reopened slot: the schedule point it resumes from (0: none) */
	uint32_t sched_draining;  /* --conn-schedule: open slots it retired, not closed yet */
	uint32_t sched_cursor;    /* --conn-schedule: where the next search for a slot to retire starts */
	double connect_gap_ns;    /* 0 = unlimited */
	double req_gap_ns;        /* mean gap between requests on one connection */
	size_t *src;              /* this worker's shard: indexes into cfg->sources */
	size_t nsrc;
	struct carry_pool carry;
	uint8_t *scratch;         /* CLIENT_SCRATCH_BYTES */
	uint64_t rng;
	uint64_t next_publish_ns;
	int phase;
	struct hist lat, conn_lat; /* since the last publish */
	struct hist svc, lag;      /* service time (from the actual send), send lag */
	struct hist own_lag;       /* send lag of requests free to leave (not unblocked) */
	bool unblocked;            /* sending because a full socket buffer or window freed */
	bool silent;               /* a hold that never writes (no rate, schedule, first message or TLS): no TCP_NODELAY */
	struct rtt_ring *rtt;      /* --rtt-log ring of this worker, or NULL */
	void *proto_state;         /* the protocol's per-worker state (init/free) */
	struct ctls *tls;          /* --tls: the SSL objects by slot (tls_client.c), or NULL */
};

/* First opens in turns (client_turns.c). */
enum { TURN_WAIT = 1, TURN_PIN = 2, TURN_PINNED = 4, TURN_DONE = 8 };
/* Sets lanes, the turn and the in-flight share (cworker_new). */
void client_turns_init(struct cworker *w);
/* Whether first opens may start now; false after waiting (at most a
 * publish interval) for the worker before it in its lane. */
bool client_turn_ready(struct cworker *w);
/* After open_due: hands the lane on once every first open is started. */
void client_turn_after(struct cworker *w);
/* The worker's loop ended: hands the lane on if it has not. */
void client_turn_end(struct cworker *w);
/* A connect may start (under --connect-inflight; counted when true), and
 * its end (established, failed or cut by the end of the run). */
bool client_inflight_take(struct cworker *w);
void client_inflight_give(struct cworker *w);

/* Our own churn close is due: the protocols send nothing more. */
static inline bool client_retired(const struct cconn *c) { return c->flags & CF_RETIRE; }

static inline uint32_t client_slot_of(const struct cworker *w, const struct cconn *c)
{
	return (uint32_t)(c - w->conns);
}

/* --- client_conn.c: what every protocol calls --------------------------- */

/* Records one answer: latency (from the intended send time) and service
 * time (from the actual one, lag_us later) histograms, counters, --rtt-log. */
void client_answered(struct cworker *w, struct cconn *c, uint64_t intended_ns, uint64_t lag_us);
/* How late a request leaves now: now - intended in microseconds (rounded
 * like latency), recorded in the send-lag histogram for `n` requests; and,
 * unless the send follows an unblock (w->unblocked: the server's
 * backpressure, not the client's), in the generator's own-lag histogram. */
uint64_t client_lag_us(const struct cworker *w, uint64_t intended_ns);
void client_sent_late(struct cworker *w, uint64_t lag_us, uint64_t n);
/* A send lag as a 16-bit code (its hist bucket) and back (the bucket's low
 * value: service time is overstated by at most 1/1024 of the lag). */
uint16_t client_lag_code(uint64_t lag_us);
uint64_t client_lag_decode(uint16_t code);
/* Counts a connection's end and frees its timer and carry; leaves the fd. */
void client_conn_end(struct cworker *w, struct cconn *c, enum close_reason why, int err);
/* client_conn_end, then closes the socket. */
void client_conn_close(struct cworker *w, struct cconn *c, enum close_reason why, int err);
/* Holding -c: puts slot in the reopen queue (client.c's open_due pops it). */
void client_reopen_push(struct cworker *w, struct cconn *c);
/* Stops sending on c (flag: CF_RETIRE_LIFE or CF_RETIRE_REQS); the engine
 * closes it once nothing is in flight. */
void client_retire(struct cworker *w, struct cconn *c, unsigned flag);
/* Counts the requests the schedule intended over down_ns of one slot being
 * down (not sent: they enter the error rate). */
void client_count_down(struct cworker *w, uint64_t from_ns, uint64_t to_ns);
/* The gap from intended time t to the connection's next one (-r, or the
 * rate schedule at t). */
uint64_t client_next_gap(struct cworker *w, uint64_t t);
/* How many of a connection's intended times fall in [from, to), given one
 * at from (0 when from >= to). */
uint64_t client_points_before(struct cworker *w, uint64_t from, uint64_t to);
double client_rnd_unit(struct cworker *w);
/* The first intended time of a connection that just opened, as an offset
 * from now: a random phase spreads connections over the interval instead of
 * firing every connection that opened in one turn together. */
uint64_t client_first_gap(struct cworker *w);

/* The transport: every byte a protocol sends or reads goes through these
 * two (the place a TLS layer hooks in).
 * client_send: bytes written (counted); 0 when the socket buffer is full
 * (the writable flag drops, EPOLLOUT resumes); -1 when the connection was
 * closed for an error.
 * client_recv: bytes read (counted); 0 when nothing is left to read now;
 * -1 when the connection was closed (peer EOF or an error). */
ssize_t client_send(struct cworker *w, struct cconn *c, const void *buf, size_t len);
ssize_t client_recv(struct cworker *w, struct cconn *c, void *buf, size_t cap);

/* --- client_conn_sched.c: --conn-schedule ------------------------------ */

/* open_due's gate: true while this worker may start another connect (no
 * conn schedule: always; else while open + connecting is below its share of
 * the schedule now). Above the share it retires open connections (closed
 * once nothing is in flight, closed_by "schedule"). */
bool client_conn_sched_room(struct cworker *w);

/* --- client_rr.c: the request/response core (dns, http entries) -------- */

void rr_on_open(struct cworker *w, struct cconn *c);
void rr_send_due(struct cworker *w, struct cconn *c);
void rr_on_readable(struct cworker *w, struct cconn *c, uint32_t events);
/* The parser state a split reply left in c's carry slot (zero if none). */
void rr_carried_state(struct cworker *w, const struct cconn *c, union rr_parse_state *st);
/* One complete answer of the request in flight (rr bookkeeping). */
void rr_answered(struct cworker *w, struct cconn *c);
/* The carry slot of rr protocols: [u32 bytes][u32 unused][state][bytes...] */
#define RR_CARRY_HDR (8 + sizeof(union rr_parse_state))
#define RR_CARRY_SLOT (16384 + RR_CARRY_HDR)
#define RR_MAX_CARRIED (RR_CARRY_SLOT - RR_CARRY_HDR)

#endif
