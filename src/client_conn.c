/* Connection helpers of the client that every protocol calls: the
 * transport (send/recv), closing, recording an answer, and the per-worker
 * random gaps. Calls nothing of the engine or of any protocol. */
#include <errno.h>
#include <math.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_internal.h"

/* xorshift64*: per worker, so no shared state on the send path */
static uint64_t rnd(struct cworker *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545F4914F6CDD1DULL;
}

double client_rnd_unit(struct cworker *w) { return (double)(rnd(w) >> 11) * (1.0 / 9007199254740992.0); }

uint64_t client_next_gap(struct cworker *w)
{
	if (w->cfg->arrivals == ARRIVALS_POISSON)
		return (uint64_t)(-log(1.0 - client_rnd_unit(w)) * w->req_gap_ns);
	return (uint64_t)w->req_gap_ns;
}

uint64_t client_first_gap(struct cworker *w)
{
	double first = w->cfg->arrivals == ARRIVALS_POISSON ? (double)client_next_gap(w)
							    : client_rnd_unit(w) * w->req_gap_ns;
	return (uint64_t)first;
}

void client_conn_end(struct cworker *w, struct cconn *c, enum close_reason why, int err)
{
	if (c->state == CS_CONNECTING) {
		w->inflight--;
		ctr_add(&w->sh->c.conn_failed, 1);
	} else if (c->state == CS_OPEN) {
		ctr_sub(&w->sh->c.conn_open, 1);
		ctr_add(&w->sh->c.closed, 1);
		if (why != CR_RUN_END)
			ctr_add(&w->sh->c.req_lost, c->seq_tx - c->seq_rx);
	}
	if (err)
		ctr_add(&w->sh->c.errs[errslot_of(err)], 1);
	ctr_add(&w->sh->c.close[why], 1);
	reactor_timer_cancel(&w->r, &c->timer);
	if (c->carry) {
		carry_put(&w->carry, c->carry);
		c->carry = 0;
	}
	c->gen++;
	c->state = CS_CLOSED;
}

void client_conn_close(struct cworker *w, struct cconn *c, enum close_reason why, int err)
{
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
}

ssize_t client_send(struct cworker *w, struct cconn *c, const void *buf, size_t len)
{
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
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

ssize_t client_recv(struct cworker *w, struct cconn *c, void *buf, size_t cap)
{
	for (;;) {
		ssize_t n = recv(c->fd, buf, cap, MSG_DONTWAIT);
		if (n > 0) {
			ctr_add(&w->sh->c.bytes_in, (uint64_t)n);
			return n;
		}
		if (n == 0) {
			client_conn_close(w, c, CR_PEER_CLOSED, 0);
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
