/* Hierarchical timing wheel: O(1) add and cancel, amortised O(1) expiry.
 *
 * Four levels of 256 slots cover 2^32 ticks (at the reactor's 100 us tick,
 * about five days; later deadlines are clamped to the horizon). Nodes are
 * intrusive (24 bytes, embedded in the connection), so a million pending
 * timers cost no allocation and no heap. Not thread-safe: one per reactor. */
#ifndef TCPSWARM_TWHEEL_H
#define TCPSWARM_TWHEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TW_BITS 8
#define TW_SLOTS (1u << TW_BITS)
#define TW_LEVELS 4

struct tw_node {
	struct tw_node *next, *prev; /* NULL when not scheduled */
	uint64_t expires;            /* absolute tick */
};

struct twheel {
	uint64_t now;  /* current tick: every timer with expires <= now has fired */
	size_t count;  /* scheduled nodes */
	/* bit set = slot may be non-empty (cleared lazily when found empty) */
	uint64_t maybe[TW_LEVELS][TW_SLOTS / 64];
	struct tw_node slot[TW_LEVELS][TW_SLOTS]; /* list heads (sentinels) */
};

typedef void (*tw_fire_fn)(void *ctx, struct tw_node *n);

void tw_init(struct twheel *w, uint64_t now_tick);
static inline bool tw_pending(const struct tw_node *n) { return n->next != NULL; }
/* Schedules n (cancelling it first if pending) at tick expires; a tick at or
 * before now fires on the next tw_advance. */
void tw_add(struct twheel *w, struct tw_node *n, uint64_t expires);
void tw_cancel(struct twheel *w, struct tw_node *n);
/* Moves time to tick `to`, firing every node whose expiry passes, in tick
 * order. A fired node is unscheduled before its callback, which may add it
 * (or any other node) again or cancel others. */
void tw_advance(struct twheel *w, uint64_t to, tw_fire_fn fire, void *ctx);
/* Ticks from now until the next tick that may fire or cascade; UINT64_MAX
 * when empty. Never more than the distance to the next level-0 wrap. */
uint64_t tw_next_due(struct twheel *w);
/* The tick a deadline at_ns expires at, with ticks of tick_ns, when timers
 * coalesce onto shared boundaries at every multiple of window_ns (0 or a
 * window under a tick: per tick): the first boundary at or after at_ns, as
 * the first tick at or after that. So every deadline of one window fires in
 * one tick, never before the deadline and at most window_ns + tick_ns - 1
 * after it. */
uint64_t tw_coalesced_tick(uint64_t at_ns, uint64_t tick_ns, uint64_t window_ns);

#endif
