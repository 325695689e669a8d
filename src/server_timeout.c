/* --request-timeout and --idle-timeout: stalled peers are closed and
 * counted (close reasons request_timeout, idle_timeout).
 *
 * No timer per connection (a wheel node is 24 bytes, more than the whole
 * connection slot) and nothing per request but a flag in the slot: a
 * connection is put on a worker's watch list once (a partial request seen,
 * or accepted, for the idle list) and a coarse sweep walks the list every
 * period. The slot's flags say what happened since the last sweep: a
 * request answered (SF_PROGRESS) or any byte read or written (SF_ACTIVE)
 * restarts the entry's clock at the sweep, so a connection is closed at
 * most about one period after its limit, never before. Entries of closed
 * connections (the generation moved on) are dropped by the next sweep.
 *
 * Only http and dns have requests the server frames; echo and sink pass
 * bytes as they come, so only the idle timeout applies to them. */
#include <stdlib.h>

#include "server_engine.h"

#define SWEEP_MIN_NS 100000000ULL   /* 100 ms */
#define SWEEP_MAX_NS 1000000000ULL  /* 1 s */
#define WATCH_FIRST_CAP 64

static void watch_init(struct swatch *wt, uint64_t limit_us)
{
	wt->limit_ns = limit_us * 1000;
	uint64_t p = wt->limit_ns / 8;
	wt->period_ns = p < SWEEP_MIN_NS ? SWEEP_MIN_NS : p > SWEEP_MAX_NS ? SWEEP_MAX_NS : p;
}

void server_timeouts_init(struct sworker *w)
{
	watch_init(&w->req_watch, w->ss->cfg->request_timeout_us);
	watch_init(&w->idle_watch, w->ss->cfg->idle_timeout_us);
}

void server_timeouts_free(struct sworker *w)
{
	free(w->req_watch.v);
	free(w->idle_watch.v);
	w->req_watch.v = w->idle_watch.v = NULL;
}

/* Amortised O(1): the list doubles when full. false when memory ran out
 * (the connection is then not watched). */
static bool watch_add(struct sworker *w, struct swatch *wt, int fd, uint32_t gen)
{
	if (wt->n == wt->cap) {
		uint32_t cap = wt->cap ? wt->cap * 2 : WATCH_FIRST_CAP;
		struct swatch_entry *v = realloc(wt->v, (size_t)cap * sizeof(*v));
		if (!v)
			return false;
		wt->v = v;
		wt->cap = cap;
	}
	if (wt->n == 0)
		wt->next_ns = w->r.now_ns + wt->period_ns;
	wt->v[wt->n++] = (struct swatch_entry){.fd = fd, .gen = gen, .since_ns = w->r.now_ns};
	return true;
}

void server_watch_idle(struct sworker *w, int fd, struct sconn *c)
{
	if (w->idle_watch.limit_ns)
		watch_add(w, &w->idle_watch, fd, c->gen);
}

void server_watch_request(struct sworker *w, int fd, struct sconn *c)
{
	c->flags |= SF_PARTIAL;
	if (!w->req_watch.limit_ns || (c->flags & SF_REQ_LISTED))
		return;
	if (watch_add(w, &w->req_watch, fd, c->gen))
		c->flags |= SF_REQ_LISTED;
}

/* One entry of the request list: true to keep it. */
static bool sweep_request(struct sworker *w, struct swatch_entry *e, struct sconn *c)
{
	if (!(c->flags & SF_PARTIAL)) {
		c->flags &= (uint8_t)~(SF_REQ_LISTED | SF_PROGRESS);
		return false;
	}
	if (c->flags & SF_PROGRESS) {
		c->flags &= (uint8_t)~SF_PROGRESS; /* the unfinished one began after the last answer */
		e->since_ns = w->r.now_ns;
		return true;
	}
	if (w->r.now_ns - e->since_ns < w->req_watch.limit_ns)
		return true;
	server_conn_close(w, e->fd, CR_REQUEST_TIMEOUT, 0);
	return false;
}

static bool sweep_idle(struct sworker *w, struct swatch_entry *e, struct sconn *c)
{
	if (c->flags & SF_ACTIVE) {
		c->flags &= (uint8_t)~SF_ACTIVE;
		e->since_ns = w->r.now_ns;
		return true;
	}
	if (w->r.now_ns - e->since_ns < w->idle_watch.limit_ns)
		return true;
	server_conn_close(w, e->fd, CR_IDLE_TIMEOUT, 0);
	return false;
}

/* Walks the list once, keeping the entries still watched, in order. */
static void sweep(struct sworker *w, struct swatch *wt, bool (*one)(struct sworker *, struct swatch_entry *, struct sconn *))
{
	uint32_t keep = 0;
	for (uint32_t i = 0; i < wt->n; i++) {
		struct swatch_entry *e = &wt->v[i];
		struct sconn *c = server_conn_at(w, e->fd);
		/* the connection closed (and its fd may be another's now) */
		if (c->state != SS_OPEN || c->gen != e->gen || c->owner != w->id)
			continue;
		if (one(w, e, c))
			wt->v[keep++] = *e;
	}
	wt->n = keep;
	wt->next_ns = w->r.now_ns + wt->period_ns;
}

static void watch_turn(struct sworker *w, struct swatch *wt,
		       bool (*one)(struct sworker *, struct swatch_entry *, struct sconn *))
{
	if (!wt->n)
		return;
	if (w->r.now_ns >= wt->next_ns)
		sweep(w, wt, one);
	if (wt->n && wt->next_ns < w->r.wake_ns)
		w->r.wake_ns = wt->next_ns;
}

void server_timeouts_turn(struct sworker *w)
{
	watch_turn(w, &w->req_watch, sweep_request);
	watch_turn(w, &w->idle_watch, sweep_idle);
}
