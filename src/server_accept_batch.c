/* --accept-batch: fewer wake-ups while connections arrive in a storm and
 * send nothing (a hold, a connect ramp).
 *
 * An edge-triggered listener wakes its sleeping worker at every completed
 * handshake: the listener's sock_def_readable runs ep_poll_callback in the
 * softirq of the connecting side, so on loopback the connecting process pays
 * for the wake-up (and is then preempted by the woken worker) and the server
 * switches context every one to three connections. Measured on a 2-CPU VM,
 * 300k connections into 17 server processes: 94-102k server context
 * switches and 34-38k involuntary ones in the client, against 19k and 6k
 * with 5 ms batches, and all up in 8.3-8.8 s instead of 9.6-10.4 s; a
 * 15,000-connection hold 332-378 ms from exec instead of 528-615 ms.
 *
 * When two wake-ups within one batch each accepted and the last
 * BATCH_SILENT_MIN connections accepted were followed by no readable event
 * on any connection of the worker, the worker disarms its listeners
 * (EPOLL_CTL_MOD with no events: the callback then returns at once, waking
 * nobody) and takes their queues once per batch, each batch shortened to
 * what the rate just seen fits into an eighth of the accept queue. The kernel completes the
 * handshake before accept(), so a client's connect time is unchanged; what
 * waits, at most one batch, is the server's first look at the connection.
 * A readable event on any connection of the worker re-arms at once and a
 * batch that finds nothing re-arms too. The silence asked for first is what
 * keeps requests from waiting: connections that send at once (a connect,
 * request, close churn) are readable when accepted. Without it, with 50
 * connections churning at 500 a second (--conn-requests 1), 49 of 1,537
 * waited and the client's p99 rose from 1.9 to 14 ms; with it none waited
 * at 500, 1,000 or 4,000 a second. A request that does wait (it came in a
 * storm of silent ones) waits at most one batch. Re-arming polls the
 * listener: what queued meanwhile is reported at the next wait. */
#include "server_engine.h"

#include "tcpswarm/kstat.h"

/* connections that stayed silent before a storm is batched: connections
 * that talk are seen long before, and a hold ramp loses only these
 * wake-ups */
#define BATCH_SILENT_MIN 64

/* auto: each worker wakes once a batch, so a fan-out of many processes on
 * few CPUs (56 on 2 at 1M) woke 11k times a second at 5 ms: 600k
 * connections from a client taking turns (--connect-lanes) took 17.4-19.5 s
 * with 170-182k context switches in the first 12 s, against 13.4-14.5 s and
 * 34-35k at 50 ms (2 paired runs). Scaled, the wake-ups per CPU stay those
 * of one worker at 5 ms; the cap bounds what a request caught in a storm
 * of silent connections waits. */
#define AUTO_BATCH_PER_WORKER_US 5000
#define AUTO_BATCH_MOST_US 50000

uint64_t server_accept_batch_us(uint64_t want_us, unsigned workers, unsigned cpus)
{
	if (want_us != ACCEPT_BATCH_AUTO)
		return want_us;
	uint64_t per_cpu = cpus ? (workers + cpus - 1) / cpus : 1;
	uint64_t us = AUTO_BATCH_PER_WORKER_US * (per_cpu ? per_cpu : 1);
	return us < AUTO_BATCH_MOST_US ? us : AUTO_BATCH_MOST_US;
}

void accept_batch_init(struct sworker *w)
{
	/* A batch must fit the accept queue many times over: the kernel drops
	 * the handshakes past it and the client retries the SYN a second later.
	 * A batch that takes a quarter of the shortest queue ends batching; a
	 * queue shorter than 4 x BATCH_SILENT_MIN (--backlog 8 in a test, a
	 * small somaxconn) never batches. */
	uint32_t shortest = UINT32_MAX;
	for (unsigned i = 0; i < w->nlfd; i++) {
		uint32_t queued, limit;
		if (kstat_listener_queue(w->lfds[i], &queued, &limit) < 0)
			limit = 0;
		if (limit < shortest)
			shortest = limit;
	}
	w->batch_most = shortest / 4;
	if (w->batch_most < BATCH_SILENT_MIN)
		w->batch_ns = 0;
}

static bool arm_all(struct sworker *w, bool armed)
{
	bool ok = true;
	for (unsigned i = 0; i < w->nlfd; i++)
		if (reactor_listener_arm(&w->r, w->lfds[i], LISTENER_DATA - i, armed) < 0)
			ok = false;
	return ok;
}

/* The next batch, fitted to the rate just seen (`got` in `over_ns`) so
 * that what arrives meanwhile fills at most an eighth of the accept queue
 * (half of batch_most): a fixed 200 ms batch at --backlog 1024 overflowed
 * the queue and held clients for a SYN retransmit (connect max 1.03 s).
 * False when even a tick-long batch would not fit: then no batching. */
static bool due_in_one_batch(struct sworker *w, unsigned got, uint64_t over_ns)
{
	uint64_t len = w->batch_ns;
	if (got && over_ns) {
		uint64_t fit = over_ns * (w->batch_most / 2) / got;
		if (fit < len)
			len = fit;
	}
	if (len < REACTOR_TICK_NS)
		return false;
	w->batch_due_ns = w->r.now_ns + len;
	if (w->batch_due_ns < w->r.wake_ns)
		w->r.wake_ns = w->batch_due_ns;
	return true;
}

/* Wake at each connection again; a new storm needs BATCH_SILENT_MIN fresh
 * silent accepts before it is batched. */
static void stop_batching(struct sworker *w)
{
	if (!arm_all(w, true)) {
		w->batch_due_ns = w->r.now_ns + w->batch_ns; /* re-arming failed: the queue is still taken each batch */
		return;
	}
	w->batch_due_ns = 0;
	w->last_take_ns = 0;
	w->silent = 0;
}

void accept_batch_after_wake(struct sworker *w, unsigned got)
{
	if (!w->batch_ns || !got || w->batch_due_ns)
		return;
	uint64_t since = w->last_take_ns ? w->r.now_ns - w->last_take_ns : UINT64_MAX;
	w->last_take_ns = w->r.now_ns;
	w->silent = w->silent + got < w->silent ? UINT32_MAX : w->silent + got;
	if (since >= w->batch_ns || w->silent < BATCH_SILENT_MIN)
		return;
	if (!arm_all(w, false))
		arm_all(w, true); /* cannot batch: wake at each connection as before */
	else if (!due_in_one_batch(w, got, since))
		stop_batching(w);
}

bool accept_batch_due(struct sworker *w)
{
	if (!w->batch_due_ns)
		return false;
	if (w->silent >= BATCH_SILENT_MIN && w->r.now_ns < w->batch_due_ns) {
		if (w->batch_due_ns < w->r.wake_ns)
			w->r.wake_ns = w->batch_due_ns;
		return false;
	}
	return true;
}

void accept_batch_took(struct sworker *w, unsigned got)
{
	bool quiet = w->silent >= BATCH_SILENT_MIN;
	uint64_t since = w->r.now_ns - w->last_take_ns;
	ctr_add(&w->sh->c.accept_batched, got);
	w->last_take_ns = w->r.now_ns;
	w->silent = w->silent + got < w->silent ? UINT32_MAX : w->silent + got;
	if (quiet && got && got < w->batch_most && due_in_one_batch(w, got, since))
		return; /* the storm goes on */
	stop_batching(w);
}
