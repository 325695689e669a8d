/* The request/response core of the client (dns and http entries): up to
 * the protocol's max_in_flight requests per connection (one today), sent
 * when its intended time comes (-r, open loop: latency counts from that
 * time even when it had to wait for the previous answer) or after a think
 * time (--think, closed loop per connection). The protocol only builds a
 * request and parses a reply, through its table entry.
 *
 * A request is regenerated from (connection, sequence number) whenever it
 * is written, so a partial write needs no buffer. An answer split across
 * reads keeps its unconsumed bytes and the parser state in a carry slot:
 *   [uint32 carried bytes][uint32 unused][union rr_parse_state][bytes...] */
#include <string.h>

#include "client_engine.h"

static void arm(struct cworker *w, struct cconn *c)
{
	if (c->t_next < w->ctl->end_ns && w->phase == PHASE_RUN)
		reactor_timer_at(&w->r, &c->timer, c->t_next);
}

void rr_on_open(struct cworker *w, struct cconn *c)
{
	if (w->cfg->has_think || w->cfg->closed_loop)
		c->t_next = w->r.now_ns; /* ask at once; think (or not, -r max) after each answer */
	else if (w->req_gap_ns > 0)
		c->t_next = w->r.now_ns + client_first_gap(w);
	else
		return; /* t_next stays UINT64_MAX: hold the connection idle */
	arm(w, c);
}

void rr_send_due(struct cworker *w, struct cconn *c)
{
	if (w->phase != PHASE_RUN || client_retired(c) || c->seq_tx - c->seq_rx >= w->proto->max_in_flight)
		return; /* the window is full: an answer triggers the next */
	if (c->tx_off == 0) {
		if (c->t_next > w->r.now_ns || c->t_next >= w->ctl->end_ns) {
			arm(w, c);
			return;
		}
		c->t_out = c->t_next;
		c->lag_bucket = client_lag_code(client_lag_us(w, c->t_out)); /* leaves now */
	}
	if (!(c->flags & CF_WRITABLE))
		return;
	ssize_t len = w->proto->build(w, c, w->scratch, CLIENT_SCRATCH_BYTES);
	if (len < 0) { /* cannot happen with a validated config; never send garbage */
		ctr_add(&w->sh->c.req_errors, 1);
		client_conn_close(w, c, CR_PROTOCOL, 0);
		return;
	}
	ssize_t n = client_send(w, c, w->scratch + c->tx_off, (size_t)len - c->tx_off);
	if (n <= 0)
		return;
	c->tx_off = (uint16_t)(c->tx_off + n);
	if (c->tx_off < len) {
		c->flags &= ~CF_WRITABLE;
		return;
	}
	c->tx_off = 0;
	c->seq_tx++;
	ctr_add(&w->sh->c.req_sent, 1);
	client_sent_late(w, client_lag_decode(c->lag_bucket), 1);
	if (!w->cfg->has_think && !w->cfg->closed_loop)
		c->t_next += client_next_gap(w, c->t_next); /* the schedule goes on, answered or not */
}

/* One complete answer: count it, then schedule (think), ask again at once
 * (-r max: latency is service time) or send (rate). */
void rr_answered(struct cworker *w, struct cconn *c)
{
	client_answered(w, c, c->t_out, client_lag_decode(c->lag_bucket));
	if (w->cfg->closed_loop)
		c->t_next = w->r.now_ns;
	if (w->cfg->has_think) {
		uint64_t lo = w->cfg->think_lo_us, hi = w->cfg->think_hi_us;
		uint64_t think_us = lo + (uint64_t)(client_rnd_unit(w) * (double)(hi - lo));
		c->t_next = w->r.now_ns + think_us * 1000;
	}
}

/* Every whole reply in p: bytes consumed, or -1 on a protocol error. */
static ssize_t consume(struct cworker *w, struct cconn *c, union rr_parse_state *st, const uint8_t *p, size_t len,
		       bool *close_after)
{
	size_t used = 0;
	while (used < len) {
		struct rr_reply r = {0};
		ssize_t k = w->proto->parse_one(w, c, st, p + used, len - used, &r);
		if (k < 0)
			return -1;
		if (k == 0 && !r.answered)
			break; /* the rest is not a whole reply yet */
		used += (size_t)k;
		if (!r.answered)
			continue;
		rr_answered(w, c);
		if (r.close) {
			*close_after = true;
			break;
		}
	}
	return (ssize_t)used;
}

/* Saves leftover bytes and parser state, or frees the slot when neither is
 * needed. -1 when no slot is free. */
static int save_carry(struct cworker *w, struct cconn *c, const uint8_t *rest, size_t n,
		      const union rr_parse_state *st)
{
	static const union rr_parse_state zero;
	bool need = n || memcmp(st, &zero, sizeof(zero));
	if (!need) {
		if (c->carry) {
			carry_put(&w->carry, c->carry);
			c->carry = 0;
		}
		return 0;
	}
	if (!c->carry && !(c->carry = carry_get(&w->carry)))
		return -1;
	uint8_t *slot = carry_ptr(&w->carry, c->carry);
	uint32_t n32 = (uint32_t)n;
	memcpy(slot, &n32, sizeof(n32));
	memcpy(slot + 8, st, sizeof(*st));
	memmove(slot + RR_CARRY_HDR, rest, n);
	return 0;
}

void rr_carried_state(struct cworker *w, const struct cconn *c, union rr_parse_state *st)
{
	memset(st, 0, sizeof(*st));
	if (c->carry)
		memcpy(st, carry_ptr(&w->carry, c->carry) + 8, sizeof(*st));
}

/* Puts a carried reply's bytes at the front of scratch: their count. */
static size_t restore_carry(struct cworker *w, struct cconn *c, union rr_parse_state *st)
{
	memset(st, 0, sizeof(*st));
	if (!c->carry)
		return 0;
	const uint8_t *slot = carry_ptr(&w->carry, c->carry);
	uint32_t n32;
	memcpy(&n32, slot, sizeof(n32));
	memcpy(st, slot + 8, sizeof(*st));
	memcpy(w->scratch, slot + RR_CARRY_HDR, n32);
	return n32;
}

void rr_on_readable(struct cworker *w, struct cconn *c, uint32_t events)
{
	for (;;) {
		union rr_parse_state st;
		size_t have = restore_carry(w, c, &st);
		ssize_t n = client_recv(w, c, w->scratch + have, CLIENT_SCRATCH_BYTES - have);
		if (n <= 0)
			return; /* nothing more now, or closed */
		size_t len = have + (size_t)n;
		bool close_after = false;
		ssize_t used = consume(w, c, &st, w->scratch, len, &close_after);
		if (used < 0) {
			ctr_add(&w->sh->c.req_errors, 1);
			client_conn_close(w, c, CR_PROTOCOL, 0);
			return;
		}
		if (close_after) {
			client_conn_close(w, c, CR_PEER_CLOSED, 0);
			return;
		}
		size_t rest = len - (size_t)used;
		if (rest > RR_MAX_CARRIED || save_carry(w, c, w->scratch + used, rest, &st) < 0) {
			ctr_add(&w->sh->c.req_errors, rest > RR_MAX_CARRIED);
			client_conn_close(w, c, rest > RR_MAX_CARRIED ? CR_PROTOCOL : CR_NO_CARRY, 0);
			return;
		}
		w->unblocked = true; /* a request held by the full window: the server's wait */
		rr_send_due(w, c); /* the answer may have freed the way for a due request */
		w->unblocked = false;
		if (c->state != CS_OPEN || reactor_read_drained((size_t)n, CLIENT_SCRATCH_BYTES - have, events))
			return;
	}
}
