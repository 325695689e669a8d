/* --proto raw on the client: the user's bytes (-m/-f) as each request, sent
 * as the schedule comes due (-r) or at once when a reply frees the window
 * (-r max), up to --inflight K outstanding per connection; replies framed by
 * a delimiter or a size (proto_raw_feed, nothing buffered) and matched in
 * order, latency from each request's intended send time. --reply none: the
 * replies are only counted as bytes; a request is then done once written.
 *
 * --first-message: written once after each connect, before any request;
 * when replies are framed, its reply is awaited (requests due meanwhile go
 * out late, their latency still counted from their intended time) and is
 * not counted as an answer.
 *
 * Memory per connection: with K = 1 the 64-byte slot holds everything (t_out
 * is the intended time of the one request in flight); a carry slot (8 bytes
 * used) holds the framing state only while a reply is split across reads.
 * With K > 1 a carry slot of 8 + 8 K bytes holds the framing state and the
 * intended times of the K in flight, taken while any is outstanding:
 *   [struct proto_raw_state][uint32 unused][uint64 intended[K]] */
#include <stdio.h>
#include <string.h>

#include "client_engine.h"
#include "tcpswarm/proto_raw.h"

#define RAW_FIRST_TX CF_PROTO_A /* the first message is not all written yet */
#define RAW_FIRST_RX CF_PROTO_B /* the first message's reply is awaited */
#define RAW_SLOT_HDR 8

static uint32_t outstanding(const struct cconn *c) { return c->seq_tx - c->seq_rx; }

static uint8_t *slot_of(struct cworker *w, struct cconn *c, bool create)
{
	if (!c->carry && (!create || !(c->carry = carry_get(&w->carry))))
		return NULL;
	return carry_ptr(&w->carry, c->carry);
}

/* Keeps the intended time of request seq and how late it left, packed in
 * 8 bytes: microseconds since the run's start (48 bits: 8 years) and the
 * send lag as its histogram bucket (16 bits, client_lag_code). false when no
 * slot was left. */
static bool store_time(struct cworker *w, struct cconn *c, uint32_t seq, uint64_t t)
{
	uint64_t rel_us = (t > w->ctl->start_ns ? t - w->ctl->start_ns : 0) / 1000;
	uint64_t v = rel_us << 16 | client_lag_code(client_lag_us(w, t));
	uint32_t k = (uint32_t)w->cfg->inflight;
	if (k == 1) {
		c->t_out = v;
		return true;
	}
	uint8_t *s = slot_of(w, c, true);
	if (!s)
		return false;
	memcpy(s + RAW_SLOT_HDR + (size_t)(seq % k) * 8, &v, 8);
	return true;
}

/* The intended time of request seq (ns) and its send lag (us). */
static uint64_t load_time(struct cworker *w, struct cconn *c, uint32_t seq, uint64_t *lag_us)
{
	uint32_t k = (uint32_t)w->cfg->inflight;
	uint64_t v = c->t_out;
	uint8_t *s = k > 1 ? slot_of(w, c, false) : NULL;
	if (s)
		memcpy(&v, s + RAW_SLOT_HDR + (size_t)(seq % k) * 8, 8);
	*lag_us = client_lag_decode((uint16_t)v);
	return w->ctl->start_ns + (v >> 16) * 1000;
}

static void raw_on_open(struct cworker *w, struct cconn *c)
{
	if (w->cfg->has_raw_first)
		c->flags |= RAW_FIRST_TX;
	if (w->cfg->closed_loop)
		c->t_next = w->r.now_ns;
	else if (w->req_gap_ns > 0)
		c->t_next = w->r.now_ns + client_first_gap(w);
	/* else t_next stays UINT64_MAX: the connection is held idle */
	w->proto->send_due(w, c);
}

/* The send lag of request seq: kept with its time when replies are framed
 * (a request written in parts keeps the lag of its first byte). */
static uint64_t framed_lag(struct cworker *w, struct cconn *c, uint32_t seq, uint64_t t)
{
	if (w->cfg->raw_framing.kind == PROTO_RAW_REPLY_NONE)
		return client_lag_us(w, t);
	uint64_t lag_us;
	load_time(w, c, seq, &lag_us);
	return lag_us;
}

/* Writes what is left of the first message. true when requests may go. */
static bool first_done(struct cworker *w, struct cconn *c)
{
	const struct client_config *cfg = w->cfg;
	if (!(c->flags & RAW_FIRST_TX))
		return !(c->flags & RAW_FIRST_RX);
	if (!(c->flags & CF_WRITABLE))
		return false;
	ssize_t n = client_send(w, c, cfg->raw_first + c->tx_off, cfg->raw_first_len - c->tx_off);
	if (n <= 0)
		return false;
	c->tx_off = (uint16_t)(c->tx_off + n);
	if (c->tx_off < cfg->raw_first_len) {
		c->flags &= ~CF_WRITABLE;
		return false;
	}
	c->tx_off = 0;
	c->flags &= ~RAW_FIRST_TX;
	if (cfg->raw_framing.kind != PROTO_RAW_REPLY_NONE)
		c->flags |= RAW_FIRST_RX;
	return !(c->flags & RAW_FIRST_RX);
}

/* How many more requests may go now: the window, one batch, the scratch. */
static size_t room(const struct cworker *w, const struct cconn *c)
{
	size_t r = CLIENT_SCRATCH_BYTES / w->cfg->raw_msg_len;
	if (r > SEND_BATCH)
		r = SEND_BATCH;
	if (w->cfg->raw_framing.kind != PROTO_RAW_REPLY_NONE && w->cfg->inflight - outstanding(c) < r)
		r = (size_t)(w->cfg->inflight - outstanding(c));
	return r;
}

/* Copies the requests due now (at most room) into scratch, keeping their
 * intended times; times[nf] is the schedule after the last. The bytes. */
static size_t build_batch(struct cworker *w, struct cconn *c, uint64_t *times, size_t *nf_out)
{
	const struct client_config *cfg = w->cfg;
	const uint64_t now = w->r.now_ns, end = w->ctl->end_ns;
	const bool framed = cfg->raw_framing.kind != PROTO_RAW_REPLY_NONE;
	size_t nf = 0, len = 0, max = room(w, c);
	uint64_t t = c->t_next;
	while (nf < max && now < end) {
		if (cfg->closed_loop)
			t = now; /* latency is service time */
		else if (t > now || t >= end)
			break;
		size_t skip = nf == 0 ? c->tx_off : 0;
		memcpy(w->scratch + len, cfg->raw_msg + skip, cfg->raw_msg_len - skip);
		len += cfg->raw_msg_len - skip;
		/* a request already partly written keeps the time it was given */
		if (framed && !skip && !store_time(w, c, c->seq_tx + (uint32_t)nf, t))
			return 0;
		times[nf++] = t;
		if (!cfg->closed_loop)
			t += client_next_gap(w, t);
	}
	times[nf] = t;
	*nf_out = nf;
	return len;
}

static void raw_send_due(struct cworker *w, struct cconn *c)
{
	const struct client_config *cfg = w->cfg;
	if (w->phase != PHASE_RUN || client_retired(c) || !first_done(w, c) || c->state != CS_OPEN)
		return;
	for (;;) {
		if (!(c->flags & CF_WRITABLE) || room(w, c) == 0)
			return; /* EPOLLOUT or an answer resumes */
		uint64_t times[SEND_BATCH + 1];
		size_t nf = 0;
		size_t len = build_batch(w, c, times, &nf);
		if (nf == 0)
			break;
		if (len == 0) {
			client_conn_close(w, c, CR_NO_CARRY, 0);
			return;
		}
		ssize_t n = client_send(w, c, w->scratch, len);
		if (n <= 0)
			return;
		size_t done_bytes = (size_t)n + c->tx_off;
		size_t done = done_bytes / cfg->raw_msg_len;
		for (size_t i = 0; i < done; i++) /* send lag: how late each left (its first byte) */
			client_sent_late(w, framed_lag(w, c, c->seq_tx + (uint32_t)i, times[i]), 1);
		c->tx_off = (uint16_t)(done_bytes % cfg->raw_msg_len);
		c->seq_tx += (uint32_t)done;
		c->t_next = times[done];
		if (cfg->raw_framing.kind == PROTO_RAW_REPLY_NONE)
			c->seq_rx = c->seq_tx; /* nothing comes back to wait for */
		ctr_add(&w->sh->c.req_sent, done);
		if ((size_t)n < len) {
			c->flags &= ~CF_WRITABLE;
			return;
		}
		if (cfg->closed_loop) {
			/* a sink never fills the window: come back next turn so
			 * one connection cannot hold the loop */
			if (cfg->raw_framing.kind == PROTO_RAW_REPLY_NONE)
				reactor_timer_at(&w->r, &c->timer, w->r.now_ns);
			return;
		}
	}
	if (!cfg->closed_loop && c->t_next < w->ctl->end_ns)
		reactor_timer_at(&w->r, &c->timer, c->t_next);
}

/* Frames the replies in p: counts them, keeps the state. -1: bytes nobody
 * asked for (a protocol error), -2: no carry slot. */
static int take_replies(struct cworker *w, struct cconn *c, const uint8_t *p, size_t len)
{
	struct proto_raw_state st = {0};
	uint8_t *s = slot_of(w, c, false);
	if (s)
		memcpy(&st, s, sizeof(st));
	bool first = c->flags & RAW_FIRST_RX;
	size_t used = 0;
	size_t k = proto_raw_feed(&w->cfg->raw_framing, &st, p, len, outstanding(c) + first, &used);
	if (k && first) {
		c->flags &= ~RAW_FIRST_RX; /* the handshake's reply: not an answer */
		k--;
	}
	for (size_t i = 0; i < k; i++) {
		uint64_t lag_us, t = load_time(w, c, c->seq_rx, &lag_us);
		client_answered(w, c, t, lag_us);
	}
	if (used < len)
		return -1;
	bool keep = st.v || (w->cfg->inflight > 1 && (outstanding(c) || c->tx_off)); /* a part-written request's time too */
	if (keep && !s && !(s = slot_of(w, c, true)))
		return -2;
	if (keep)
		memcpy(s, &st, sizeof(st));
	else if (s) {
		carry_put(&w->carry, c->carry);
		c->carry = 0;
	}
	return 0;
}

static void raw_on_readable(struct cworker *w, struct cconn *c, uint32_t events)
{
	for (;;) {
		ssize_t n = client_recv(w, c, w->scratch, CLIENT_SCRATCH_BYTES);
		if (n <= 0)
			return; /* nothing more now, or closed */
		if (w->cfg->raw_framing.kind != PROTO_RAW_REPLY_NONE) {
			int rc = take_replies(w, c, w->scratch, (size_t)n);
			if (rc < 0) {
				if (rc == -1)
					ctr_add(&w->sh->c.req_errors, 1);
				client_conn_close(w, c, rc == -1 ? CR_PROTOCOL : CR_NO_CARRY, 0);
				return;
			}
			w->unblocked = true; /* these waited on the server's answers, not on us */
			raw_send_due(w, c);  /* answers free the window */
			w->unblocked = false;
			if (c->state != CS_OPEN)
				return;
		}
		if (reactor_read_drained((size_t)n, CLIENT_SCRATCH_BYTES, events))
			return;
	}
}

/* The carry pool sized for K intended times (the engine made it for one). */
static int raw_init(struct cworker *w, char *err, size_t errcap)
{
	uint32_t k = (uint32_t)w->cfg->inflight;
	if (k <= 1)
		return 0;
	carry_destroy(&w->carry);
	if (carry_init(&w->carry, w->nconns, RAW_SLOT_HDR + 8 * k) < 0) {
		snprintf(err, errcap, "worker %u: cannot reserve %u slots of %u intended times (--inflight)", w->id,
			 w->nconns, k);
		return -1;
	}
	return 0;
}

const struct client_protocol client_proto_raw = {
	.name = "raw",
	.carry_slot_bytes = RAW_SLOT_HDR, /* the framing state; raw_init widens it for K > 1 */
	.max_in_flight = 0,               /* --inflight, read from the config */
	.init = raw_init,
	.on_open = raw_on_open,
	.send_due = raw_send_due,
	.on_readable = raw_on_readable,
};
