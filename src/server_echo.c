/* Server modes echo and sink: no framing, bytes are returned as they come
 * (echo) or only counted (sink). --max-rate (a test knob) throttles both,
 * and the request/response modes (http, dns: throttle_rr_serve): a token
 * bucket of whole requests per worker, refilled every 10 ms. */
#include "server_engine.h"

#include <stdlib.h>
#include <sys/mman.h>

#define THROTTLE_TICK_NS 10000000ULL /* 10 ms */

/* A worker's --max-rate bucket. A connection that finds it empty stops
 * reading (the rest waits in the socket buffers, so the client sees the
 * backlog as latency) and is queued once (SF_THROTTLED) to be served again
 * after the next refill: edge-triggered epoll reports nothing new for
 * bytes already queued. */
struct throttle {
	uint64_t budget;  /* requests this worker may still read in this tick */
	uint64_t next_ns; /* the next refill */
	uint64_t last_ns; /* the last one */
	uint64_t frame;   /* bytes a request counts for (--max-rate-frame) */
	double per_tick;  /* requests a tick: rate / workers / 100 */
	double credit;    /* the fraction of a request carried to the next tick */
	uint64_t *queue;  /* ring of gen << 32 | fd */
	size_t cap, head, n;
	int cur_fd;       /* http/dns: the connection being served (throttle_rr_serve) */
	struct sconn *cur;
};

int throttle_init(struct sworker *w)
{
	const struct server_config *cfg = w->ss->cfg;
	struct throttle *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	unsigned workers = w->ss->nworkers ? w->ss->nworkers : 1;
	t->per_tick = cfg->max_rate / workers / (1e9 / THROTTLE_TICK_NS);
	t->frame = cfg->max_rate_frame < SERVER_PEEK_BYTES ? cfg->max_rate_frame : SERVER_PEEK_BYTES;
	t->cap = w->ss->maxfd;
	/* one slot per possible fd, reserved not committed: only queued
	 * connections touch its pages */
	void *m = mmap(NULL, t->cap * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (m == MAP_FAILED) {
		free(t);
		return -1;
	}
	t->queue = m;
	w->thr = t;
	return 0;
}

void throttle_free(struct sworker *w)
{
	struct throttle *t = w->thr;
	if (!t)
		return;
	munmap(t->queue, t->cap * sizeof(uint64_t));
	free(t);
	w->thr = NULL;
}

/* Bytes the connection may read now, whole requests (so replies are not
 * split more than the network splits them); 0 when the bucket is empty,
 * the connection queued for the next refill. A full ring (only stale
 * entries of closed connections can fill it) leaves it to its next edge. */
static void throttle_queue(struct throttle *t, int fd, struct sconn *c)
{
	if (!(c->flags & SF_THROTTLED) && t->n < t->cap) {
		c->flags |= SF_THROTTLED;
		t->queue[(t->head + t->n++) % t->cap] = (uint64_t)c->gen << 32 | (uint32_t)fd;
	}
}

static size_t throttle_allow(struct sworker *w, int fd, struct sconn *c)
{
	struct throttle *t = w->thr;
	uint64_t most = SERVER_PEEK_BYTES / t->frame;
	if (t->budget)
		return (size_t)((t->budget < most ? t->budget : most) * t->frame);
	throttle_queue(t, fd, c);
	return 0;
}

void throttle_rr_serve(struct sworker *w, int fd, struct sconn *c, uint32_t events)
{
	if (w->thr) { /* --max-rate: the one branch it costs when unset */
		w->thr->cur_fd = fd;
		w->thr->cur = c;
	}
	rr_serve(w, fd, c, events);
}

bool throttle_request(struct sworker *w)
{
	struct throttle *t = w->thr;
	if (!t)
		return true;
	if (t->budget) {
		t->budget--;
		return true;
	}
	throttle_queue(t, t->cur_fd, t->cur); /* served again after the next refill */
	return false;
}

void throttle_turn(struct sworker *w)
{
	struct throttle *t = w->thr;
	if (w->r.now_ns >= t->next_ns) {
		/* refill by the time that passed, not per wake-up: a turn that
		 * runs late (a loaded host) must not lose budget; the bucket
		 * holds at most two ticks, so idle time does not become a burst */
		double add = t->last_ns ? t->per_tick * (double)(w->r.now_ns - t->last_ns) / THROTTLE_TICK_NS : t->per_tick;
		double depth = 2 * t->per_tick > 1 ? 2 * t->per_tick : 1;
		t->credit += (double)t->budget + add;
		if (t->credit > depth)
			t->credit = depth;
		t->budget = (uint64_t)t->credit;
		t->credit -= (double)t->budget;
		t->last_ns = w->r.now_ns;
		t->next_ns = w->r.now_ns + THROTTLE_TICK_NS;
		/* the ones queued before this refill, oldest first; a connection
		 * that empties the bucket again goes to the back */
		for (size_t k = t->n; k && t->budget; k--) {
			uint64_t e = t->queue[t->head];
			t->head = (t->head + 1) % t->cap;
			t->n--;
			int fd = (int)(uint32_t)e;
			struct sconn *c = server_conn_at(w, fd);
			if (c->state != SS_OPEN || c->gen != (uint32_t)(e >> 32) || !(c->flags & SF_THROTTLED))
				continue; /* closed (and maybe reused) while it waited */
			c->flags &= (uint8_t)~SF_THROTTLED;
			w->proto->serve(w, fd, c, EPOLLIN);
		}
	}
	if (t->next_ns < w->r.wake_ns)
		w->r.wake_ns = t->next_ns;
}

/* Echo what arrived; if the peer does not take it all, keep the rest and
 * stop reading (backpressure: the kernel's receive buffer holds the rest). */
static int echo_out(struct sworker *w, int fd, struct sconn *c, size_t len)
{
	ssize_t n = server_send(w, fd, w->scratch, len);
	if (n < 0)
		return -1;
	if ((size_t)n == len)
		return 1;
	return server_keep_output(w, fd, c, w->scratch + n, len - (size_t)n) < 0 ? -1 : 0;
}

/* serve_stream under --max-rate: reads cut to the bucket, charged per
 * request read (a short read that split one counts it whole). */
static void serve_throttled(struct sworker *w, int fd, struct sconn *c, uint32_t events, bool echo)
{
	for (;;) {
		size_t ask = throttle_allow(w, fd, c);
		if (ask == 0)
			return; /* served again after the next refill */
		ssize_t n = server_recv(w, fd, w->scratch, ask);
		if (n <= 0)
			return;
		w->thr->budget -= ((uint64_t)n + w->thr->frame - 1) / w->thr->frame;
		if (echo && echo_out(w, fd, c, (size_t)n) <= 0)
			return;
		if (reactor_read_drained((size_t)n, ask, events))
			return;
	}
}

static void serve_stream(struct sworker *w, int fd, struct sconn *c, uint32_t events, bool echo)
{
	if (c->carry && server_flush(w, fd, c) <= 0)
		return;
	if (server_nothing_to_read(w, events))
		return;
	if (w->thr) { /* --max-rate: the one branch it costs when unset */
		serve_throttled(w, fd, c, events, echo);
		return;
	}
	for (;;) {
		ssize_t n = server_recv(w, fd, w->scratch, SERVER_PEEK_BYTES);
		if (n <= 0)
			return; /* nothing more now, or closed */
		if (echo && echo_out(w, fd, c, (size_t)n) <= 0)
			return;
		if (reactor_read_drained((size_t)n, SERVER_PEEK_BYTES, events))
			return;
	}
}

static void echo_serve(struct sworker *w, int fd, struct sconn *c, uint32_t events)
{
	serve_stream(w, fd, c, events, true);
}

static void sink_serve(struct sworker *w, int fd, struct sconn *c, uint32_t events)
{
	serve_stream(w, fd, c, events, false);
}

const struct server_protocol server_proto_echo = {.name = "echo", .serve = echo_serve};
const struct server_protocol server_proto_sink = {.name = "sink", .serve = sink_serve};
