/* One edge-triggered epoll loop, owned by one thread.
 *
 * Sockets are registered once for IN|OUT|RDHUP|ET and the owner drains them
 * to EAGAIN; there is no per-request epoll_ctl. The reactor knows nothing of
 * protocols: it hands (data, events) to on_io, due timers to on_timer, and
 * calls on_turn once per loop turn. Time is read once per turn and cached in
 * r->now_ns (CLOCK_MONOTONIC). reactor_stop() is the only call that is safe
 * from another thread. */
#ifndef TCPSWARM_REACTOR_H
#define TCPSWARM_REACTOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "tcpswarm/twheel.h"

#define REACTOR_TICK_NS 100000ULL   /* timer resolution: 100 us */
#define REACTOR_DATA_STOP UINT64_MAX /* epoll data of the stop eventfd */
#define REACTOR_MAX_EVENTS 512

struct reactor_ops {
	void (*on_io)(void *ctx, uint64_t data, uint32_t events);
	void (*on_timer)(void *ctx, struct tw_node *n);
	/* after each turn's events and timers; may lower r->wake_ns */
	void (*on_turn)(void *ctx);
};

struct reactor {
	int epfd;
	int stopfd;                /* eventfd: written by reactor_stop */
	atomic_int stopping;
	uint64_t now_ns;           /* cached monotonic time of this turn */
	uint64_t wake_ns;          /* on_turn's request: wake no later than this */
	uint64_t turns;
	uint64_t timer_window_ns;  /* timers coalesce onto boundaries this far apart (0: the tick) */
	struct twheel wheel;
	struct reactor_ops ops;
	void *ctx;
};

uint64_t mono_ns(void);

/* Edge-triggered reads: a read shorter than the buffer emptied the receive
 * queue, and new bytes raise a new edge, so the EAGAIN read can be skipped;
 * not when the peer also hung up in this event: then read on to the EOF,
 * which no later edge reports. */
#define REACTOR_HUP_EVENTS (EPOLLRDHUP | EPOLLHUP | EPOLLERR)
static inline bool reactor_read_drained(size_t got, size_t asked, uint32_t events)
{
	return got < asked && !(events & REACTOR_HUP_EVENTS);
}

/* 0, or -errno with the reactor unusable. */
int reactor_init(struct reactor *r, const struct reactor_ops *ops, void *ctx);
void reactor_destroy(struct reactor *r);
/* Registers fd once, edge-triggered, for IN|OUT|RDHUP. 0 or -errno. */
int reactor_add(struct reactor *r, int fd, uint64_t data);
/* Registers a listening socket: EPOLLIN|EPOLLET only. */
int reactor_add_listener(struct reactor *r, int fd, uint64_t data);
/* A listener registered by reactor_add_listener: armed (EPOLLIN|EPOLLET
 * again; what is already queued is reported at the next wait) or disarmed
 * (no events: a new connection then wakes nobody). 0 or -errno. */
int reactor_listener_arm(struct reactor *r, int fd, uint64_t data, bool armed);
int reactor_del(struct reactor *r, int fd);
/* Timers in absolute monotonic nanoseconds, rounded up to the tick, or with
 * a timer window to the next window boundary (tw_coalesced_tick): one
 * wake-up serves every timer due in the window, none fires early. */
void reactor_timer_at(struct reactor *r, struct tw_node *n, uint64_t at_ns);
void reactor_timer_cancel(struct reactor *r, struct tw_node *n);
/* Runs until reactor_stop(). 0, or -errno if epoll itself failed. */
int reactor_run(struct reactor *r);
/* Thread-safe, async-signal-safe. */
void reactor_stop(struct reactor *r);
/* Makes the loop run one turn now (so on_turn sees a change); thread-safe. */
void reactor_wake(struct reactor *r);

#endif
