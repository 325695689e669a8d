/* --connect-lanes: first opens take turns. A fan-out past the descriptor
 * limit runs many more workers than CPUs (51 processes on 2 CPUs at 1M).
 * Connecting all at once, each worker waits its turn for a CPU between its
 * connect() and the epoll_wait that sees the handshake done, so the connect
 * latency measured is the generator's run queue: p99 115-132 ms against
 * 6-10 ms in turns (600k connections into 56 server processes, 2 CPUs, 5
 * paired runs each way; time to all within the host's noise, 12.6-15.6 s
 * against 13.4-14.5 s).
 *
 * Worker i belongs to lane i % lanes and starts once worker i - lanes has
 * started all of its first opens (a chain per lane, as tools/connect_floor.c
 * runs), pinned to its lane's CPU: two lanes left to the scheduler shared
 * one CPU at times. It hands on when its last first connect is started,
 * not answered, so a server that drops SYNs costs each lane one retransmit
 * wait, not one per worker. Waiting workers sleep on the run's wake_gen
 * futex (hand-ons and phase changes bump it), not on a poll: polling at
 * 1-20 ms cost 12k more context switches in 12 s. */
#define _GNU_SOURCE
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tcpswarm/reactor.h"
#include "tcpswarm/worker.h"
#include "client_engine.h"

unsigned client_turns_lanes(uint64_t want, unsigned cpus, unsigned nworkers, bool paced)
{
	uint64_t lanes = want == CONNECT_LANES_CPUS ? cpus : want;
	/* a --connect-rate or --conn-schedule paces the opens itself */
	if (paced || lanes == 0 || lanes >= nworkers)
		return 0;
	return (unsigned)lanes;
}

void client_turns_init(struct cworker *w)
{
	const struct client_config *cfg = w->cfg;
	unsigned cpus = worker_cpu_count();
	w->lanes = client_turns_lanes(cfg->connect_lanes, cpus, w->nworkers,
				      cfg->connect_rate > 0 || cfg->conn_sched.n > 0);
	w->turn = 0;
	if (w->lanes && w->id >= w->lanes)
		w->turn |= TURN_WAIT;
	if (w->lanes && w->lanes <= cpus)
		w->turn |= TURN_PIN;
	/* the connects in flight at once are the lanes', not every worker's */
	unsigned share = w->lanes ? w->lanes : w->nworkers;
	w->inflight_max = (uint32_t)((cfg->connect_inflight + share - 1) / share);
}

static void hand_on(struct cworker *w)
{
	w->turn = TURN_DONE;
	atomic_store_explicit(&w->sh->turn_done, 1, memory_order_release);
	run_ctl_wake_all(w->ctl);
	/* its reopens are one worker's share again */
	w->inflight_max = (uint32_t)((w->cfg->connect_inflight + w->nworkers - 1) / w->nworkers);
}

bool client_turn_ready(struct cworker *w)
{
	if (!w->lanes || (w->turn & TURN_DONE))
		return true;
	if (w->turn & TURN_WAIT) {
		unsigned gen = atomic_load_explicit(&w->ctl->wake_gen, memory_order_acquire);
		const struct wshared *before = w->sh - w->lanes; /* one array, by global id */
		if (!atomic_load_explicit(&before->turn_done, memory_order_acquire)) {
			/* nothing of ours is open yet: sleep until a hand-on or a
			 * phase change, at most a publish interval */
			struct timespec ts = {.tv_sec = 0, .tv_nsec = PUBLISH_EVERY_NS};
			syscall(SYS_futex, &w->ctl->wake_gen, FUTEX_WAIT, gen, &ts, NULL, 0);
			w->r.wake_ns = w->r.now_ns; /* back at once: the phase, then this again */
			return false;
		}
		w->turn &= (uint8_t)~TURN_WAIT;
	}
	if (w->turn & TURN_PIN) {
		(void)worker_pin_self(w->id % w->lanes); /* unpinned, it still runs */
		w->turn &= (uint8_t)~TURN_PIN;
	}
	return true;
}

void client_turn_after(struct cworker *w)
{
	if (w->lanes && !(w->turn & (TURN_WAIT | TURN_DONE)) && w->next_open >= w->nconns)
		hand_on(w);
}
