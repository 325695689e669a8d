/* Connection helpers of the client that every protocol calls: the
 * transport (send/recv), closing, recording an answer, and the per-worker
 * random gaps. Calls nothing of the engine or of any protocol. */
#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_engine.h"
#include "tls_client.h"

/* xorshift64*: per worker, so no shared state on the send path */
static uint64_t rnd(struct cworker *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545F4914F6CDD1DULL;
}

double client_rnd_unit(struct cworker *w) { return (double)(rnd(w) >> 11) * (1.0 / 9007199254740992.0); }

/* ---- a rate schedule (--rate-schedule): the intended times are where the
 * integral of the rate, shared by -c connections, reaches the connection's
 * next point: each connection's k-th request is due when the schedule has
 * intended conns * (phase + k) requests in all, so a flat schedule is the
 * flat -r exactly and rate 0 stretches the gap (nothing is due). */

#define SCHED_NEVER_NS (1ULL << 62) /* an intended time past any load's end */

static double sched_integral_at(const struct cworker *w, uint64_t t_ns)
{
	uint64_t start = w->ctl->start_ns;
	return schedule_integral(&w->cfg->rate_sched, t_ns > start ? (double)(t_ns - start) / 1e9 : 0);
}

/* The time (ns) at which the schedule's integral reaches area. */
static uint64_t sched_time_of(const struct cworker *w, double area)
{
	double s = schedule_time_of(&w->cfg->rate_sched, area);
	if (!(s * 1e9 < (double)(SCHED_NEVER_NS - w->ctl->start_ns)))
		return SCHED_NEVER_NS; /* the rate stays 0: never */
	return w->ctl->start_ns + (uint64_t)(s * 1e9 + 0.5);
}

/* From t, the gap to the point `share` requests (of all connections) on. */
static uint64_t sched_gap(const struct cworker *w, uint64_t t, double share)
{
	uint64_t due = sched_time_of(w, sched_integral_at(w, t) + share);
	return due > t ? due - t : 0;
}

static bool has_sched(const struct cworker *w) { return w->cfg->rate_sched.n != 0; }

uint64_t client_next_gap(struct cworker *w, uint64_t t)
{
	double unit = w->cfg->arrivals == ARRIVALS_POISSON ? -log(1.0 - client_rnd_unit(w)) : 1.0;
	if (has_sched(w)) {
		uint64_t gap = sched_gap(w, t, unit * (double)w->cfg->conns);
		return gap ? gap : 1; /* always forward: the senders loop while due */
	}
	return (uint64_t)(unit * w->req_gap_ns);
}

uint64_t client_points_before(struct cworker *w, uint64_t from, uint64_t to)
{
	if (from >= to)
		return 0;
	if (!has_sched(w))
		return 1 + (uint64_t)((double)(to - from - 1) / w->req_gap_ns);
	double k = ceil((sched_integral_at(w, to) - sched_integral_at(w, from)) / (double)w->cfg->conns - 1e-9);
	return k >= 1 ? (uint64_t)k : 1; /* the point at from itself */
}

/* client_first_gap's schedule case: resume on the slot's grid, or a random
 * phase within one connection's share. */
static uint64_t sched_first_gap(struct cworker *w, uint64_t now, uint64_t resume)
{
	double share = (double)w->cfg->conns;
	if (!resume)
		return sched_gap(w, now, (w->cfg->arrivals == ARRIVALS_POISSON ? -log(1.0 - client_rnd_unit(w))
										: client_rnd_unit(w)) * share);
	if (resume > now)
		return resume - now;
	if (w->cfg->arrivals == ARRIVALS_POISSON)
		return client_next_gap(w, now);
	double from = sched_integral_at(w, resume);
	double k = ceil((sched_integral_at(w, now) - from) / share - 1e-9);
	uint64_t due = sched_time_of(w, from + (k > 0 ? k : 0) * share);
	return due > now ? due - now : 0;
}

uint64_t client_first_gap(struct cworker *w)
{
	uint64_t now = w->r.now_ns, resume = w->resume_ns;
	if (has_sched(w))
		return sched_first_gap(w, now, resume);
	if (resume) {
		/* a reopened slot keeps its schedule: a fresh random phase after
		 * every reopen would send early (measured: one request per
		 * connection against an HTTP/1.0 server ran at 1.5x -r) */
		if (resume > now)
			return resume - now;
		if (w->cfg->arrivals == ARRIVALS_POISSON)
			return client_next_gap(w, now); /* memoryless: a fresh gap is the same law */
		uint64_t gap = (uint64_t)w->req_gap_ns;
		return gap ? (gap - (now - resume) % gap) % gap : 0; /* the first point at or after now */
	}
	double first = w->cfg->arrivals == ARRIVALS_POISSON ? (double)client_next_gap(w, now)
							    : client_rnd_unit(w) * w->req_gap_ns;
	return (uint64_t)first;
}

/* Reconnect backoff of a slot whose connection failed or ended unused:
 * 50 ms, doubling to 1 s (levels 1..6), so a dead or refusing target gets
 * at most one connect a second per slot; a connection that answered
 * something (or that we closed ourselves) reopens at once. */
#define BACKOFF_FIRST_NS 50000000ULL
#define BACKOFF_MAX_NS 1000000000ULL
#define BACKOFF_LEVELS 6

static uint64_t backoff_ns(unsigned level)
{
	uint64_t ns = BACKOFF_FIRST_NS << (level - 1);
	return ns < BACKOFF_MAX_NS ? ns : BACKOFF_MAX_NS;
}

void client_reopen_push(struct cworker *w, struct cconn *c)
{
	if (c->flags & CF_QUEUED)
		return;
	c->flags |= CF_QUEUED;
	w->reopen_q[(w->rq_head + w->rq_len++) % w->nconns] = client_slot_of(w, c);
}

/* After a close: back in the reopen queue now, or after the backoff. */
static void schedule_reopen(struct cworker *w, struct cconn *c, bool healthy)
{
	if (!w->reopen_q || w->phase != PHASE_RUN || w->r.now_ns >= w->load_end_ns)
		return;
	unsigned level = c->backoff;
	if (healthy) {
		c->backoff = 0;
		client_reopen_push(w, c);
		return;
	}
	if (level < BACKOFF_LEVELS)
		level++;
	c->backoff = level & 15;
	reactor_timer_at(&w->r, &c->timer, w->r.now_ns + backoff_ns(level)); /* on_timer queues it */
}

void client_count_down(struct cworker *w, uint64_t from, uint64_t to)
{
	if (w->req_gap_ns <= 0 || w->cfg->has_think || from >= to)
		return; /* no schedule, or a closed loop: nothing was intended */
	uint64_t down_ns = to - from;
	if (has_sched(w) && w->cfg->arrivals == ARRIVALS_UNIFORM) {
		ctr_add(&w->sh->c.req_not_sent, client_points_before(w, from, to));
		return;
	}
	if (has_sched(w)) { /* poisson: the expected count over the span, as below */
		double x = (sched_integral_at(w, to) - sched_integral_at(w, from)) / (double)w->cfg->conns + w->not_sent_frac;
		uint64_t n = (uint64_t)x;
		w->not_sent_frac = x - (double)n;
		ctr_add(&w->sh->c.req_not_sent, n);
		return;
	}
	/* uniform: the schedule points in [down from, now), exactly (down_ns is
	 * counted from a point of the slot's schedule, and client_first_gap
	 * resumes at the first point after it); poisson: the expected count,
	 * the fraction carried over */
	if (w->cfg->arrivals == ARRIVALS_UNIFORM) {
		uint64_t gap = (uint64_t)w->req_gap_ns;
		ctr_add(&w->sh->c.req_not_sent, gap ? (down_ns + gap - 1) / gap : 0);
		return;
	}
	double x = (double)down_ns / w->req_gap_ns + w->not_sent_frac;
	uint64_t n = (uint64_t)x;
	w->not_sent_frac = x - (double)n;
	ctr_add(&w->sh->c.req_not_sent, n);
}

void client_retire(struct cworker *w, struct cconn *c, unsigned flag)
{
	/* the protocols send nothing once retired (client_retired); t_next keeps
	 * the schedule's next point, so the slot resumes from it after the reopen
	 * and only what falls due meanwhile counts as not sent */
	c->flags = (uint8_t)((c->flags | flag) & ~CF_WRITABLE);
	reactor_timer_cancel(&w->r, &c->timer);
}

/* The end of an open connection: counts and the outage bookkeeping. */
static void open_ended(struct cworker *w, struct cconn *c, enum close_reason why)
{
	ctr_sub(&w->sh->c.conn_open, 1);
	ctr_add(&w->sh->c.closed, 1);
	uint64_t lost = c->seq_tx - c->seq_rx;
	if (why == CR_PROTOCOL && lost)
		lost--; /* the request whose reply was bad is counted as an error already */
	if (why != CR_RUN_END)
		ctr_add(&w->sh->c.req_lost, lost);
	/* down from the next point of its schedule (past points it was behind on
	 * included): one closed right after an answer has missed nothing yet,
	 * and its schedule resumes from there */
	c->t_out = c->t_next != UINT64_MAX ? c->t_next : w->r.now_ns;
	if (w->reopen_q && !w->none_open_since && ctr_get(&w->sh->c.conn_open) == 0)
		w->none_open_since = w->r.now_ns;
}

/* A connection --conn-schedule retired (client_conn_sched.c) has ended. */
static void sched_ended(struct cworker *w, struct cconn *c, enum close_reason why)
{
	if (w->sched_draining)
		w->sched_draining--;
	/* the schedule wanted it closed: the requests it would have sent are
	 * not intended, and no connection open is no outage */
	c->t_out = 0;
	if (why == CR_SCHEDULE)
		w->none_open_since = 0;
}

void client_conn_end(struct cworker *w, struct cconn *c, enum close_reason why, int err)
{
	bool was_open = c->state == CS_OPEN;
	if (w->tls) /* our own closes say close_notify; a handshake cut by the timeout is TLS's */
		why = client_tls_end(w, c, why, why == CR_LIFETIME || why == CR_REQUESTS || why == CR_RUN_END);
	if (c->state == CS_CONNECTING) {
		client_inflight_give(w);
		if (why != CR_RUN_END) /* still connecting when the run ended: not a failure */
			ctr_add(&w->sh->c.conn_failed, 1);
		if (!c->t_out)
			c->t_out = c->t_next; /* down since this failed attempt began */
	} else if (was_open) {
		open_ended(w, c, why);
	}
	if (err)
		ctr_add(&w->sh->c.errs[errslot_of(err)], 1);
	ctr_add(&w->sh->c.close[why], 1);
	reactor_timer_cancel(&w->r, &c->timer);
	if (w->life)
		reactor_timer_cancel(&w->r, &w->life[client_slot_of(w, c)]);
	if (c->carry) {
		carry_put(&w->carry, c->carry);
		c->carry = 0;
	}
	c->gen++;
	c->state = CS_CLOSED;
	if (c->flags & CF_RETIRE_SCHED)
		sched_ended(w, c, why);
	c->flags &= (uint8_t)~(CF_WRITABLE | CF_RETIRE);
	if (why != CR_RUN_END)
		schedule_reopen(w, c, was_open && (c->seq_rx > 0 || why == CR_LIFETIME || why == CR_REQUESTS || why == CR_SCHEDULE));
}

void client_conn_close(struct cworker *w, struct cconn *c, enum close_reason why, int err)
{
	if (w->cfg->close_rst && c->state == CS_OPEN && c->fd >= 0) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0}; /* close sends RST: no TIME-WAIT */
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	client_conn_end(w, c, why, err);
	if (c->fd >= 0)
		close(c->fd); /* also removes it from the epoll set */
	c->fd = -1;
}

uint64_t client_lag_us(const struct cworker *w, uint64_t intended_ns)
{
	uint64_t now = w->r.now_ns;
	return ((now > intended_ns ? now - intended_ns : 0) + 500) / 1000;
}

void client_sent_late(struct cworker *w, uint64_t lag_us, uint64_t n)
{
	hist_record_n(&w->lag, lag_us, n);
	if (!w->unblocked)
		hist_record_n(&w->own_lag, lag_us, n);
}

uint16_t client_lag_code(uint64_t lag_us)
{
	_Static_assert(HIST_BUCKETS <= 65536, "a bucket index fits 16 bits");
	return (uint16_t)hist_bucket_of(lag_us > HIST_MAX_US ? HIST_MAX_US : lag_us);
}

uint64_t client_lag_decode(uint16_t code) { return code ? hist_bucket_low(code) : 0; }

void client_answered(struct cworker *w, struct cconn *c, uint64_t intended_ns, uint64_t lag_us)
{
	uint64_t now = w->r.now_ns;
	uint64_t lat_us = ((now > intended_ns ? now - intended_ns : 0) + 500) / 1000;
	hist_record(&w->lat, lat_us);
	hist_record(&w->svc, lat_us > lag_us ? lat_us - lag_us : 0);
	if (w->rtt) {
		struct rtt_rec x = {.t_us = (now - w->ctl->start_ns) / 1000, .lat_us = lat_us,
				    .conn = client_slot_of(w, c) * w->nworkers + w->id, .req = c->seq_rx};
		rtt_push(w->rtt, &x);
	}
	c->seq_rx++;
	ctr_add(&w->sh->c.req_answered, 1);
	if (w->cfg->conn_requests && c->seq_rx >= w->cfg->conn_requests)
		client_retire(w, c, CF_RETIRE_REQS); /* closed by the engine once nothing is in flight */
}

ssize_t client_send(struct cworker *w, struct cconn *c, const void *buf, size_t len)
{
	if (w->tls) {
		struct client_tls_fail f;
		ssize_t n = client_tls_send(w, c, buf, len, &f);
		if (n < 0)
			client_conn_close(w, c, f.why, f.err);
		return n;
	}
	ssize_t n;
	do /* a signal is no error: retry (test_io_wrap closed the slot on EINTR) */
		n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		ctr_add(&w->sh->c.bytes_out, (uint64_t)n);
		return n;
	}
	if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK) {
		c->flags &= ~CF_WRITABLE; /* socket buffer full: EPOLLOUT resumes */
		return 0;
	}
	client_conn_close(w, c, close_reason_of(errno), errno);
	return -1;
}

/* A receive ended the connection: at the peer's close the protocol may
 * take what it had read (an HTTP body read until close) first. */
static void peer_gone(struct cworker *w, struct cconn *c, enum close_reason why, int err)
{
	if (why == CR_PEER_CLOSED && w->proto->on_eof)
		w->proto->on_eof(w, c);
	client_conn_close(w, c, why, err);
}

ssize_t client_recv(struct cworker *w, struct cconn *c, void *buf, size_t cap)
{
	if (w->tls) {
		struct client_tls_fail f;
		ssize_t n = client_tls_recv(w, c, buf, cap, &f);
		if (n < 0)
			peer_gone(w, c, f.why, f.err);
		return n;
	}
	for (;;) {
		ssize_t n = recv(c->fd, buf, cap, MSG_DONTWAIT);
		if (n > 0) {
			ctr_add(&w->sh->c.bytes_in, (uint64_t)n);
			return n;
		}
		if (n == 0) {
			peer_gone(w, c, CR_PEER_CLOSED, 0);
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		client_conn_close(w, c, close_reason_of(errno), errno);
		return -1;
	}
}
