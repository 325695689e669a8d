/* --connect-lanes: first opens take turns. A fan-out past the descriptor
 * limit runs many more workers than CPUs (51 processes on 2 CPUs at 1M).
 * Connecting all at once, each worker waits its turn for a CPU between its
 * connect() and the epoll_wait that sees the handshake done, so the connect
 * latency measured is the generator's run queue: p99 115-132 ms all at
 * once, 6-10 ms in turns (600k connections into 56 server processes, 2
 * CPUs, 5 paired runs each way; time to all within the host's noise:
 * 12.6-15.6 s all at once, 13.4-14.5 s in turns).
 *
 * Worker i belongs to lane i % lanes and starts once worker i - lanes has
 * started all of its first opens (a chain per lane, as tools/connect_floor.c
 * runs), pinned to its lane's CPU for its turn: two lanes left to the
 * scheduler shared one CPU at times. It hands on when its last first
 * connect is started, not answered, so a server that drops SYNs costs each
 * lane one retransmit wait, not one per worker. A waiting worker sleeps on
 * its predecessor's turn_done (a futex in the shared mapping; polling at
 * 1-20 ms cost 12k more context switches in 12 s), at most a publish
 * interval, so a stop reaches it as it reaches any worker process.
 *
 * A worker's own share of --connect-inflight would let a chain of small
 * shares run straight through with every connect still in flight, so with
 * turns the cap is one count over all workers, in the shared run_ctl. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tcpswarm/reactor.h"
#include "tcpswarm/worker.h"
#include "client_engine.h"

/* how soon a worker with none of its own connects in flight (nothing to
 * wake it) looks again when the shared cap stops it, or when it cannot
 * sleep on the futex */
#define SHARED_CAP_RETRY_NS 1000000ULL

unsigned client_turns_lanes(uint64_t want, unsigned cpus, unsigned nworkers, bool paced)
{
	uint64_t lanes = want == CONNECT_LANES_CPUS ? cpus : want;
	/* a --connect-rate or --conn-schedule paces the opens itself */
	if (paced || lanes == 0 || lanes >= nworkers)
		return 0;
	return (unsigned)lanes;
}

unsigned client_run_lanes(const struct client_config *cfg, unsigned nworkers)
{
	return client_turns_lanes(cfg->connect_lanes, worker_cpu_count(), nworkers,
				  cfg->connect_rate > 0 || cfg->conn_sched.n > 0);
}

void client_turns_init(struct cworker *w)
{
	const struct client_config *cfg = w->cfg;
	unsigned cpus = worker_cpu_count();
	w->lanes = client_run_lanes(cfg, w->nworkers);
	w->turn = 0;
	if (w->lanes && w->id >= w->lanes)
		w->turn |= TURN_WAIT;
	if (w->lanes && w->lanes <= cpus)
		w->turn |= TURN_PIN;
	/* in turns the shared count is the cap; else each worker's share */
	uint64_t cap = w->lanes ? cfg->connect_inflight : (cfg->connect_inflight + w->nworkers - 1) / w->nworkers;
	w->inflight_max = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
}

/* Done with first opens (all started, or the worker ends): the next in the
 * lane may start. */
static void hand_on(struct cworker *w)
{
	if (w->turn & TURN_PINNED)
		(void)worker_unpin_self();
	w->turn = TURN_DONE;
	atomic_store_explicit(&w->sh->turn_done, 1, memory_order_release);
	/* not FUTEX_PRIVATE: the successor may be in another worker process */
	syscall(SYS_futex, &w->sh->turn_done, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

bool client_turn_ready(struct cworker *w)
{
	if (!w->lanes || (w->turn & TURN_DONE))
		return true;
	if (w->turn & TURN_WAIT) {
		struct wshared *before = w->sh - w->lanes; /* one array, by global id */
		if (!atomic_load_explicit(&before->turn_done, memory_order_acquire)) {
			/* nothing of ours is open yet: sleep until the hand-on
			 * (the kernel checks the word is still 0 first) */
			struct timespec ts = {.tv_sec = 0, .tv_nsec = PUBLISH_EVERY_NS};
			long rc = syscall(SYS_futex, &before->turn_done, FUTEX_WAIT, 0, &ts, NULL, 0);
			if (rc == 0 || errno == EAGAIN || errno == EINTR || errno == ETIMEDOUT)
				w->r.wake_ns = w->r.now_ns; /* back at once: the phase, then this again */
			else /* no futex (a seccomp filter): look again each poll interval */
				w->r.wake_ns = w->r.now_ns + SHARED_CAP_RETRY_NS;
			return false;
		}
		w->turn &= (uint8_t)~TURN_WAIT;
	}
	if (w->turn & TURN_PIN) {
		w->turn &= (uint8_t)~TURN_PIN;
		if (worker_pin_self(w->id % w->lanes) == 0) /* unpinned, it still runs */
			w->turn |= TURN_PINNED;
	}
	return true;
}

void client_turn_after(struct cworker *w)
{
	if (w->lanes && !(w->turn & (TURN_WAIT | TURN_DONE)) && w->next_open >= w->nconns)
		hand_on(w);
}

void client_turn_end(struct cworker *w)
{
	/* a worker that leaves early (its reactor failed, the load ended)
	 * must not hold its lane for the rest of the run */
	if (w->lanes && !(w->turn & TURN_DONE))
		hand_on(w);
}

bool client_inflight_take(struct cworker *w)
{
	if (w->inflight >= w->inflight_max)
		return false;
	if (w->lanes) {
		unsigned before = atomic_fetch_add_explicit(&w->ctl->connects_inflight, 1, memory_order_relaxed);
		if (before >= w->cfg->connect_inflight) {
			atomic_fetch_sub_explicit(&w->ctl->connects_inflight, 1, memory_order_relaxed);
			if (!w->inflight && w->r.now_ns + SHARED_CAP_RETRY_NS < w->r.wake_ns)
				w->r.wake_ns = w->r.now_ns + SHARED_CAP_RETRY_NS;
			return false;
		}
	}
	w->inflight++;
	return true;
}

void client_inflight_give(struct cworker *w)
{
	w->inflight--;
	if (w->lanes)
		atomic_fetch_sub_explicit(&w->ctl->connects_inflight, 1, memory_order_relaxed);
}
