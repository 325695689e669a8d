/* Request/response protocols on the client (dns, http): one request in
 * flight per connection, sent when its intended time comes (-r, open loop:
 * latency counts from that time even when it had to wait for the previous
 * answer) or after a think time (--think, closed loop per connection).
 *
 * A request is regenerated from (connection, sequence number) whenever it
 * is written, so a partial write needs no buffer. An answer split across
 * reads keeps its unconsumed bytes and the parser state in a carry slot:
 *   [uint32 carried bytes][uint32 unused][proto_http_resp_state][bytes...] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_internal.h"
#include "tcpswarm/proto_dns.h"
#include "tcpswarm/proto_http.h"

#define RR_MAX_HEADER 8192
#define CARRY_HDR (8 + sizeof(struct proto_http_resp_state))
#define RR_CARRY_SLOT (16384 + CARRY_HDR)
#define RR_MAX_CARRIED (RR_CARRY_SLOT - CARRY_HDR)

static uint32_t slot_of(const struct cworker *w, const struct cconn *c) { return (uint32_t)(c - w->conns); }

/* The length asked by request seq of a connection: random-looking but
 * reproducible, so a rewritten request asks the same and the answer can be
 * checked. */
static uint64_t asked_length(const struct cworker *w, uint32_t slot, uint32_t seq)
{
	const struct client_config *cfg = w->cfg;
	uint64_t x = ((uint64_t)slot * w->nworkers + w->id) << 32 | seq;
	x ^= cfg->seed * 0x9E3779B97F4A7C15ULL;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return cfg->len_lo + x % (cfg->len_hi - cfg->len_lo + 1);
}

static ssize_t build_request(struct cworker *w, struct cconn *c, uint8_t *out, size_t cap)
{
	const struct client_config *cfg = w->cfg;
	uint32_t slot = slot_of(w, c);
	if (cfg->proto == PROTO_DNS)
		return proto_dns_build_query(out, cap, (uint16_t)c->seq_tx, cfg->qname, (uint16_t)cfg->qtype);
	return proto_http_build_request((char *)out, cap, cfg->path, asked_length(w, slot, c->seq_tx), 1,
					w->host[slot % cfg->ntargets], cfg->headers, cfg->nheaders);
}

static void arm(struct cworker *w, struct cconn *c)
{
	if (c->t_next < w->ctl->end_ns && w->phase == PHASE_RUN)
		reactor_timer_at(&w->r, &c->timer, c->t_next);
}

void rr_first(struct cworker *w, struct cconn *c)
{
	if (w->cfg->has_think) {
		c->t_next = w->r.now_ns; /* ask at once, think after each answer */
	} else if (w->req_gap_ns > 0) {
		double first = w->cfg->arrivals == ARRIVALS_POISSON ? (double)client_next_gap(w)
								    : client_rnd_unit(w) * w->req_gap_ns;
		c->t_next = w->r.now_ns + (uint64_t)first;
	} else {
		return; /* t_next stays UINT64_MAX: hold the connection idle */
	}
	arm(w, c);
}

void rr_send_due(struct cworker *w, struct cconn *c)
{
	if (w->phase != PHASE_RUN || c->seq_tx != c->seq_rx)
		return; /* one in flight: the answer triggers the next */
	if (c->tx_off == 0) {
		if (c->t_next > w->r.now_ns || c->t_next >= w->ctl->end_ns) {
			arm(w, c);
			return;
		}
		c->t_out = c->t_next;
	}
	if (!(c->flags & CF_WRITABLE))
		return;
	ssize_t len = build_request(w, c, w->scratch, SCRATCH_BYTES);
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
	if (!w->cfg->has_think)
		c->t_next += client_next_gap(w); /* the schedule goes on, answered or not */
}

/* One complete answer: count it, then schedule (think) or send (rate). */
static void answered(struct cworker *w, struct cconn *c)
{
	client_answered(w, c, c->t_out);
	if (w->cfg->has_think) {
		uint64_t lo = w->cfg->think_lo_us, hi = w->cfg->think_hi_us;
		uint64_t think_us = lo + (uint64_t)(client_rnd_unit(w) * (double)(hi - lo));
		c->t_next = w->r.now_ns + think_us * 1000;
	}
}

/* dns: length-prefixed frames; the ID must be the one in flight. Returns
 * bytes consumed, or -1 on a protocol error. */
static ssize_t dns_consume(struct cworker *w, struct cconn *c, const uint8_t *p, size_t len)
{
	size_t used = 0;
	while (used < len) {
		ssize_t fl = proto_dns_frame(p + used, len - used, RR_MAX_CARRIED - 2);
		if (fl == -2)
			break;
		struct proto_dns_resp r;
		if (fl < 0 || c->seq_tx == c->seq_rx ||
		    proto_dns_parse_response(p + used + 2, (size_t)fl - 2, &r) < 0 || !r.qr ||
		    r.id != (uint16_t)c->seq_rx)
			return -1;
		ctr_add(&w->sh->c.rcode[r.rcode & 15], 1);
		used += (size_t)fl;
		answered(w, c);
	}
	return (ssize_t)used;
}

/* http: the incremental response parser; body bytes are only counted. */
static ssize_t http_consume(struct cworker *w, struct cconn *c, struct proto_http_resp_state *st, const uint8_t *p,
			    size_t len, bool *close_after)
{
	size_t used = 0;
	while (used < len) {
		struct proto_http_resp_done done;
		memset(&done, 0, sizeof(done));
		ssize_t n = proto_http_resp_feed(st, p + used, len - used, RR_MAX_HEADER, &done);
		if (n == PROTO_HTTP_AGAIN)
			break;
		if (n < 0 || (done.complete && !done.interim && c->seq_tx == c->seq_rx))
			return -1;
		used += (size_t)n;
		if (!done.complete || done.interim)
			continue;
		int cls = done.status >= 100 && done.status < 600 ? done.status / 100 : 0;
		ctr_add(&w->sh->c.status[cls], 1);
		if (cls == 2 && done.body_len != asked_length(w, slot_of(w, c), c->seq_rx))
			ctr_add(&w->sh->c.bad_length, 1);
		answered(w, c);
		if (done.close) {
			*close_after = true;
			break;
		}
	}
	return (ssize_t)used;
}

static uint8_t *carry_bytes(struct cworker *w, struct cconn *c) { return carry_ptr(&w->carry, c->carry) + CARRY_HDR; }

/* Saves leftover bytes and parser state, or frees the slot when neither is
 * needed. -1 when no slot is free. */
static int save_carry(struct cworker *w, struct cconn *c, const uint8_t *rest, size_t n,
		      const struct proto_http_resp_state *st)
{
	static const struct proto_http_resp_state zero;
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
	memmove(slot + CARRY_HDR, rest, n);
	return 0;
}

void rr_on_readable(struct cworker *w, struct cconn *c, uint32_t events)
{
	for (;;) {
		struct proto_http_resp_state st;
		memset(&st, 0, sizeof(st));
		size_t have = 0;
		if (c->carry) {
			uint8_t *slot = carry_ptr(&w->carry, c->carry);
			uint32_t n32;
			memcpy(&n32, slot, sizeof(n32));
			memcpy(&st, slot + 8, sizeof(st));
			have = n32;
			memcpy(w->scratch, carry_bytes(w, c), have);
		}
		ssize_t n = recv(c->fd, w->scratch + have, SCRATCH_BYTES - have, MSG_DONTWAIT);
		if (n == 0) {
			client_conn_close(w, c, CR_PEER_CLOSED, 0);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				client_conn_close(w, c, errno == ECONNRESET ? CR_RESET : CR_IO_ERROR, errno);
			return;
		}
		ctr_add(&w->sh->c.bytes_in, (uint64_t)n);
		size_t len = have + (size_t)n;
		bool close_after = false;
		ssize_t used = w->cfg->proto == PROTO_DNS ? dns_consume(w, c, w->scratch, len)
							  : http_consume(w, c, &st, w->scratch, len, &close_after);
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
		rr_send_due(w, c); /* the answer may have freed the way for a due request */
		if (c->state != CS_OPEN || reactor_read_drained((size_t)n, SCRATCH_BYTES - have, events))
			return;
	}
}

int rr_init(struct cworker *w, char *err, size_t errcap)
{
	const struct client_config *cfg = w->cfg;
	w->host = calloc(cfg->ntargets, sizeof(*w->host));
	if (!w->host) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < cfg->ntargets; i++)
		addr_format(&cfg->targets[i], w->host[i], sizeof(w->host[i]));
	uint8_t probe[512];
	if (cfg->proto == PROTO_DNS && proto_dns_build_query(probe, sizeof(probe), 0, cfg->qname, (uint16_t)cfg->qtype) < 0) {
		snprintf(err, errcap, "--qname '%s' is not a valid DNS name (labels of 1-63 bytes, at most 253 in all)",
			 cfg->qname);
		return -1;
	}
	if (cfg->proto == PROTO_HTTP &&
	    proto_http_build_request((char *)w->scratch, SCRATCH_BYTES, cfg->path, cfg->len_hi, 1, w->host[0],
				     cfg->headers, cfg->nheaders) < 0) {
		snprintf(err, errcap, "--path or --header is not valid in an HTTP request (path '%s')", cfg->path);
		return -1;
	}
	return carry_init(&w->carry, w->nconns, RR_CARRY_SLOT) < 0 ? (snprintf(err, errcap, "out of memory"), -1) : 0;
}

void rr_free(struct cworker *w)
{
	free(w->host);
	w->host = NULL;
}
