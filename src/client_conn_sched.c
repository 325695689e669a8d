/* --conn-schedule in the client engine: the open connections follow the
 * schedule. open_due asks client_conn_sched_room before each connect: below
 * the worker's share of the schedule it may open (at --connect-rate, as
 * ever), above it open connections are retired: nothing more is sent and
 * each closes once nothing is in flight (closed_by "schedule", our own churn,
 * not an error). Retired slots go back to the reopen queue, so a rising
 * schedule reuses them before it touches a slot never opened. */
#include "client_engine.h"

#include "tcpswarm/schedule.h"
#include "tcpswarm/stats.h"

/* Slots looked at per turn when searching for open ones to retire: bounds
 * the turn when most slots are down; the rest waits for the next turn. */
#define RETIRE_SCAN_MAX 4096
/* While the schedule runs, a turn at least this often: a ramp with no
 * other timer due still moves (the turn is where it is read). */
#define SCHED_TICK_NS 10000000ULL

static uint64_t want_now(const struct cworker *w, uint64_t now)
{
	const struct client_config *cfg = w->cfg;
	uint64_t start = w->ctl->start_ns;
	double t = now > start ? (double)(now - start) / 1e9 : 0;
	return schedule_conns_of(&cfg->conn_sched, t, cfg->shard.index, cfg->shard.count, w->id, w->nworkers);
}

/* Connections this worker holds toward the schedule: open (but not being
 * retired by it) or connecting. */
static uint64_t held(const struct cworker *w)
{
	uint64_t open = ctr_get(&w->sh->c.conn_open);
	return open + w->inflight - (open < w->sched_draining ? open : w->sched_draining);
}

/* Retires up to n open connections, round robin over the slots opened so
 * far (so the same few are not churned every time). */
static void retire_some(struct cworker *w, uint64_t n)
{
	uint32_t span = w->next_open;
	for (uint32_t k = 0; n && k < span && k < RETIRE_SCAN_MAX; k++) {
		if (w->sched_cursor >= span)
			w->sched_cursor = 0;
		struct cconn *c = &w->conns[w->sched_cursor++];
		if (c->state != CS_OPEN || (c->flags & CF_RETIRE))
			continue; /* down, connecting, or already closing */
		client_retire(w, c, CF_RETIRE_SCHED);
		w->sched_draining++;
		n--;
		if (c->seq_tx == c->seq_rx)
			client_conn_close(w, c, CR_SCHEDULE, 0); /* nothing in flight: now */
	}
}

bool client_conn_sched_room(struct cworker *w)
{
	if (!w->cfg->conn_sched.n)
		return true;
	uint64_t now = w->r.now_ns;
	uint64_t want = want_now(w, now), have = held(w);
	if (have > want)
		retire_some(w, have - want);
	uint64_t end = w->ctl->start_ns + (uint64_t)(schedule_length(&w->cfg->conn_sched) * 1e9);
	if (now < end && now + SCHED_TICK_NS < w->r.wake_ns)
		w->r.wake_ns = now + SCHED_TICK_NS;
	return have < want;
}
