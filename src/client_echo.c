/* The echo protocol on the client: fixed-size frames sent as the schedule
 * comes due (pipelined, many in flight), each carrying its connection, its
 * sequence number and its intended time, matched in order as they return. */
#include <stdint.h>

#include "client_engine.h"
#include "tcpswarm/proto_echo.h"

/* Frames per send(): a window's worth of a busy connection leaves in one
 * (500 us at 200k/s a connection is 100 frames); the scratch buffer bounds
 * it too. The intended times of one batch live on the stack (8 bytes each). */
#define ECHO_SEND_BATCH 512

static void echo_send_due(struct cworker *w, struct cconn *c);

static void echo_on_open(struct cworker *w, struct cconn *c)
{
	if (w->cfg->closed_loop) {
		echo_send_due(w, c);
		return;
	}
	if (w->req_gap_ns <= 0)
		return; /* t_next stays UINT64_MAX: hold the connection idle */
	c->t_next = w->r.now_ns + client_first_gap(w);
	if (c->t_next < w->ctl->end_ns)
		reactor_timer_at(&w->r, &c->timer, c->t_next);
}

/* The send lag a frame of this batch carries: a frame resumed after a
 * partial write keeps the one its first bytes went out with (in t_out). */
static uint32_t frame_lag(const struct cworker *w, const struct cconn *c, size_t k, uint64_t t)
{
	if (k == 0 && c->tx_off)
		return (uint32_t)c->t_out;
	uint64_t lag = client_lag_us(w, t);
	return lag > UINT32_MAX ? UINT32_MAX : (uint32_t)lag;
}

/* Builds the frames due now (at most one batch) into scratch; their
 * intended times go to times[], and times[nf] is the one after the last.
 * Returns the bytes built. */
static size_t build_batch(struct cworker *w, struct cconn *c, uint64_t *times, size_t *nf_out)
{
	const size_t fsz = w->cfg->payload;
	const uint64_t now = w->r.now_ns;
	size_t nf = 0, len = 0, max = CLIENT_SCRATCH_BYTES / fsz;
	uint64_t t = c->t_next;
	if (max > ECHO_SEND_BATCH)
		max = ECHO_SEND_BATCH;
	if (w->cfg->closed_loop && max > w->cfg->inflight - (c->seq_tx - c->seq_rx))
		max = (size_t)(w->cfg->inflight - (c->seq_tx - c->seq_rx)); /* -r max: keep K in flight */
	while (nf < max && t <= now && t < w->ctl->end_ns) {
		struct echo_hdr h = {.conn = client_slot_of(w, c), .seq = c->seq_tx + (uint32_t)nf, .intended_ns = t,
				     .lag_us = frame_lag(w, c, nf, t)};
		if (nf == 0 && c->tx_off) {
			proto_echo_build_part(w->scratch, fsz, &h, c->tx_off, fsz - c->tx_off);
			len = fsz - c->tx_off;
		} else {
			proto_echo_build(w->scratch + len, fsz, &h);
			len += fsz;
		}
		times[nf++] = t;
		t += client_next_gap(w, t);
	}
	times[nf] = t;
	*nf_out = nf;
	return len;
}

/* The send lag of the `done` frames just written whole. */
static void record_lags(struct cworker *w, const struct cconn *c, const uint64_t *times, size_t done)
{
	for (size_t k = 0; k < done; k++)
		client_sent_late(w, frame_lag(w, c, k, times[k]), 1);
}

/* Sends every request whose intended time has come, in batches; stops at
 * EAGAIN (EPOLLOUT resumes) and otherwise re-arms the timer for the next. */
static void echo_send_due(struct cworker *w, struct cconn *c)
{
	const size_t fsz = w->cfg->payload;
	const bool closed = w->cfg->closed_loop;
	if (client_retired(c))
		return;
	if (closed)
		c->t_next = w->r.now_ns; /* -r max: what the window allows is due now */
	while (w->phase == PHASE_RUN && c->t_next <= w->r.now_ns && c->t_next < w->ctl->end_ns) {
		if (!(c->flags & CF_WRITABLE) || (closed && c->seq_tx - c->seq_rx >= w->cfg->inflight))
			return; /* EPOLLOUT, or (-r max) an answer, resumes */
		uint64_t times[ECHO_SEND_BATCH + 1];
		size_t nf;
		size_t len = build_batch(w, c, times, &nf);
		ssize_t n = client_send(w, c, w->scratch, len);
		if (n <= 0)
			return;
		size_t done_bytes = (size_t)n + c->tx_off; /* counted from frame start */
		size_t done = done_bytes / fsz;
		record_lags(w, c, times, done);
		if (done_bytes % fsz) /* a frame left in part: its rest keeps its lag */
			c->t_out = frame_lag(w, c, done, times[done]);
		c->tx_off = (uint16_t)(done_bytes % fsz);
		c->seq_tx += (uint32_t)done;
		c->t_next = times[done];
		ctr_add(&w->sh->c.req_sent, done);
		if ((size_t)n < len) {
			c->flags &= ~CF_WRITABLE; /* socket buffer full: EPOLLOUT resumes */
			return;
		}
	}
	if (!closed && w->phase == PHASE_RUN && c->t_next < w->ctl->end_ns)
		reactor_timer_at(&w->r, &c->timer, c->t_next);
}

struct reply_ctx {
	struct cworker *w;
	struct cconn *c;
};

static int reply_done(void *ctx, const uint8_t *hdr)
{
	struct reply_ctx *rc = ctx;
	struct cworker *w = rc->w;
	struct cconn *c = rc->c;
	struct echo_hdr h;
	if (proto_echo_parse(hdr, &h) < 0 || h.conn != client_slot_of(w, c) || h.seq != c->seq_rx ||
	    c->seq_rx == c->seq_tx)
		return -1;
	client_answered(w, c, h.intended_ns, h.lag_us);
	return 0;
}

/* Consumes echoed bytes; a frame split across reads keeps its header in a
 * carry slot until its last byte arrives. -1 on a mismatch, -2 when no
 * carry slot is left. */
static int parse_replies(struct cworker *w, struct cconn *c, const uint8_t *p, size_t len)
{
	const size_t fsz = w->cfg->payload;
	if (!c->carry && proto_echo_needs_carry(c->rx_off, len, fsz) && !(c->carry = carry_get(&w->carry)))
		return -2;
	struct reply_ctx ctx = {w, c};
	int rc = proto_echo_consume(p, len, fsz, &c->rx_off, c->carry ? carry_ptr(&w->carry, c->carry) : NULL,
				    reply_done, &ctx);
	if (c->carry && c->rx_off == 0) {
		carry_put(&w->carry, c->carry);
		c->carry = 0;
	}
	return rc;
}

static void echo_on_readable(struct cworker *w, struct cconn *c, uint32_t events)
{
	for (;;) {
		ssize_t n = client_recv(w, c, w->scratch, CLIENT_SCRATCH_BYTES);
		if (n <= 0)
			return; /* nothing more now, or closed */
		int rc = parse_replies(w, c, w->scratch, (size_t)n);
		if (rc < 0) {
			if (rc == -1)
				ctr_add(&w->sh->c.req_errors, 1);
			client_conn_close(w, c, rc == -1 ? CR_PROTOCOL : CR_NO_CARRY, 0);
			return;
		}
		if (w->cfg->closed_loop) {
			echo_send_due(w, c); /* answers free the window */
			if (c->state != CS_OPEN)
				return;
		}
		if (reactor_read_drained((size_t)n, CLIENT_SCRATCH_BYTES, events))
			return;
	}
}

const struct client_protocol client_proto_echo = {
	.name = "echo",
	.carry_slot_bytes = ECHO_HDR, /* a split frame keeps its header only */
	.max_in_flight = 0,
	.on_open = echo_on_open,
	.send_due = echo_send_due,
	.on_readable = echo_on_readable,
};
