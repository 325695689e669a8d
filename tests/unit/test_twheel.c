/* Unit tests for twheel.c: every timer fires exactly at its tick, checked
 * against a reference model (random schedules, random advance steps, level
 * boundaries, wrap of every level), cancel and re-add, callbacks that
 * reschedule or cancel, tw_next_due, the count and the horizon clamp; and
 * coalescing windows (tw_coalesced_tick) on a fake clock: never early. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpswarm/twheel.h"

#define L1 ((uint64_t)1 << 8)
#define L2 ((uint64_t)1 << 16)
#define L3 ((uint64_t)1 << 24)
#define HORIZON ((uint64_t)1 << 32)

/* ---- fixed-seed PRNG (splitmix64) ----------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n) { return n ? rnd() % n : 0; }

/* ---- reference model ------------------------------------------------------- */

struct tnode {
	struct tw_node tw;
	uint64_t want;   /* tick it must fire at (model) */
	bool pending;    /* model: scheduled */
	unsigned fires;  /* times fired */
	uint64_t last_fired_at;
};

#define TNODE(p) ((struct tnode *)((char *)(p) - offsetof(struct tnode, tw)))

struct model;
typedef void (*hook_fn)(struct model *m, struct tnode *t);

struct model {
	struct twheel *w;
	struct tnode *nodes;
	size_t n;
	size_t pending;     /* model's count */
	uint64_t last_tick; /* tick of the last fire: never decreases */
	uint64_t fired;
	hook_fn hook;       /* runs inside the fire callback */
};

static void model_init(struct model *m, struct twheel *w, size_t n, uint64_t now)
{
	memset(m, 0, sizeof(*m));
	m->w = w;
	m->n = n;
	m->nodes = n ? calloc(n, sizeof(*m->nodes)) : NULL;
	assert_true(n == 0 || m->nodes != NULL);
	tw_init(w, now);
	m->last_tick = now;
}

static void model_free(struct model *m) { free(m->nodes); }

/* The tick tw_add must schedule expires at, computed from the contract. */
static uint64_t expected_tick(uint64_t now, uint64_t expires)
{
	uint64_t want = expires <= now ? now + 1 : expires;
	if (want - now >= HORIZON)
		want = now + HORIZON - 1;
	return want;
}

static void m_add(struct model *m, struct tnode *t, uint64_t expires)
{
	uint64_t want = expected_tick(m->w->now, expires);
	if (!t->pending)
		m->pending++;
	t->pending = true;
	t->want = want;
	tw_add(m->w, &t->tw, expires);
	assert_true(tw_pending(&t->tw));
	if (t->tw.expires != want) {
		print_error("tw_add(expires=%llu) at now %llu scheduled %llu, want %llu\n", (unsigned long long)expires,
			    (unsigned long long)m->w->now, (unsigned long long)t->tw.expires, (unsigned long long)want);
		fail();
	}
	assert_int_equal(m->w->count, m->pending);
}

static void m_cancel(struct model *m, struct tnode *t)
{
	if (t->pending)
		m->pending--;
	t->pending = false;
	tw_cancel(m->w, &t->tw);
	assert_false(tw_pending(&t->tw));
	assert_int_equal(m->w->count, m->pending);
}

static void on_fire(void *ctx, struct tw_node *n)
{
	struct model *m = ctx;
	struct tnode *t = TNODE(n);
	uint64_t now = m->w->now;
	assert_false(tw_pending(n)); /* unscheduled before the callback */
	if (!t->pending) {
		print_error("node %td fired at %llu but is not scheduled (fired %u times)\n", t - m->nodes,
			    (unsigned long long)now, t->fires);
		fail();
	}
	if (now != t->want) {
		print_error("node %td fired at tick %llu, due at %llu (%s)\n", t - m->nodes, (unsigned long long)now,
			    (unsigned long long)t->want, now < t->want ? "early" : "late");
		fail();
	}
	if (now < m->last_tick) {
		print_error("fired at %llu after a fire at %llu: not in tick order\n", (unsigned long long)now,
			    (unsigned long long)m->last_tick);
		fail();
	}
	m->last_tick = now;
	t->pending = false;
	t->fires++;
	t->last_fired_at = now;
	m->fired++;
	m->pending--;
	assert_int_equal(m->w->count, m->pending);
	if (m->hook)
		m->hook(m, t);
}

/* Every model node is where it should be relative to now: none overdue. */
static void m_scan(struct model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct tnode *t = &m->nodes[i];
		assert_int_equal(tw_pending(&t->tw), t->pending);
		if (t->pending && t->want <= m->w->now) {
			print_error("node %zu due at %llu still pending at now %llu (late)\n", i,
				    (unsigned long long)t->want, (unsigned long long)m->w->now);
			fail();
		}
	}
}

static void m_advance(struct model *m, uint64_t to)
{
	tw_advance(m->w, to, on_fire, m);
	assert_true(m->w->now == to);
	assert_int_equal(m->w->count, m->pending);
}

/* Advances in steps until everything fired, scanning at every stop. */
static void m_drain(struct model *m, uint64_t step)
{
	uint64_t guard = 0;
	while (m->pending) {
		m_advance(m, m->w->now + step);
		m_scan(m);
		assert_true(++guard < 100000);
	}
	m_scan(m);
	assert_int_equal(m->w->count, 0);
}

/* A delta with weight on the level boundaries (relative to now) and on
 * absolute expiries aligned to them (slots are indexed by absolute bits). */
static uint64_t pick_expires(uint64_t now, uint64_t max_rand)
{
	static const uint64_t special[] = {
		0, 1, 2, 3, 254, 255, 256, 257, 258, 511, 512, 513, 767, 768, 769,
		L2 - 2, L2 - 1, L2, L2 + 1, L2 + 255, L2 + 256, L2 + 257, 2 * L2 - 1, 2 * L2, 2 * L2 + 1,
		L3 - 257, L3 - 256, L3 - 1, L3, L3 + 1, L3 + 256, L3 + L2,
	};
	switch (rnd_below(10)) {
	case 0:
	case 1:
		return now + special[rnd_below(sizeof(special) / sizeof(special[0]))];
	case 2: /* multiples of a level's span, +-1 */
	{
		static const uint64_t unit[] = {L1, L2, L3};
		int u = (int)rnd_below(3);
		uint64_t k = u == 2 ? 1 : 1 + rnd_below(255);
		return now + k * unit[u] + rnd_below(3) - 1;
	}
	case 3: /* absolute alignment to a level boundary, +-1 */
	{
		static const uint64_t unit[] = {L1, L2, L3};
		int u = (int)rnd_below(3);
		uint64_t k = u == 2 ? 1 : 1 + rnd_below(200);
		uint64_t e = (now / unit[u] + k) * unit[u];
		return e + rnd_below(3) - 1;
	}
	case 4: /* in the past: fires on the next tick */
		return now - rnd_below(now < 1000 ? now + 1 : 1000);
	case 5:
		return now + rnd_below(256);
	default:
		return now + rnd_below(max_rand + 1);
	}
}

static uint64_t pick_step(uint64_t now)
{
	switch (rnd_below(12)) {
	case 0:
		return 0;
	case 1:
	case 2:
	case 3:
		return 1 + rnd_below(3);
	case 4:
	case 5:
		return rnd_below(700);
	case 6:
	case 7:
		return rnd_below(70000);
	case 8:
		return rnd_below(3000000);
	case 9:
		return L1 - (now & (L1 - 1)); /* exactly to the next level-0 wrap */
	case 10:
		return L2 - (now & (L2 - 1));
	default:
		return (L1 - (now & (L1 - 1))) + rnd_below(3) - 1;
	}
}

/* Schedules n timers at start, then advances in random steps to the end. */
static void run_static(uint64_t start, size_t n, uint64_t max_rand, uint64_t seed)
{
	struct twheel *w = malloc(sizeof(*w));
	assert_non_null(w);
	struct model m;
	rng_state = seed;
	model_init(&m, w, n, start);
	for (size_t i = 0; i < n; i++)
		m_add(&m, &m.nodes[i], pick_expires(start, max_rand));
	size_t stops = 0;
	while (m.pending) {
		m_advance(&m, m.w->now + pick_step(m.w->now));
		if (++stops % 16 == 0)
			m_scan(&m);
	}
	m_scan(&m);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(m.nodes[i].fires, 1);
	assert_int_equal(m.fired, n);
	assert_int_equal(w->count, 0);
	assert_true(tw_next_due(w) == UINT64_MAX);
	model_free(&m);
	free(w);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_empty(void **state)
{
	(void)state;
	struct twheel w;
	struct model m;
	model_init(&m, &w, 0, 12345);
	assert_int_equal(w.count, 0);
	assert_true(w.now == 12345);
	assert_true(tw_next_due(&w) == UINT64_MAX);
	m_advance(&m, 12345); /* to == now: nothing */
	m_advance(&m, 99999999);
	assert_true(tw_next_due(&w) == UINT64_MAX);
	assert_int_equal(m.fired, 0);
	/* a timer after a long empty stretch is placed relative to the new now */
	struct tnode t = {0};
	m.nodes = &t;
	m.n = 1;
	m_add(&m, &t, 99999999 + 300);
	m_advance(&m, 99999999 + 299);
	assert_int_equal(t.fires, 0);
	m_advance(&m, 99999999 + 300);
	assert_int_equal(t.fires, 1);
	assert_true(tw_next_due(&w) == UINT64_MAX);
}

static void test_reference_from_zero(void **state)
{
	(void)state;
	run_static(0, 6000, 5000000, 1);
}

static void test_reference_unaligned_start(void **state)
{
	(void)state;
	run_static(0x123456789aULL, 6000, 5000000, 2);
	run_static(L2 - 3, 3000, 300000, 3);
	run_static(L3 - 200, 3000, 3000000, 4);
}

/* Timers added, re-added and cancelled while time moves, and from callbacks. */
static struct {
	uint64_t max_rand;
} dyn;

static void dyn_hook(struct model *m, struct tnode *t)
{
	switch (rnd_below(8)) {
	case 0: /* re-add itself (often due now or in the past: next tick) */
		m_add(m, t, m->w->now + rnd_below(2) * rnd_below(600));
		break;
	case 1: /* re-add itself far */
		m_add(m, t, pick_expires(m->w->now, dyn.max_rand));
		break;
	case 2: /* cancel another node, possibly one due this same tick */
		m_cancel(m, &m->nodes[rnd_below(m->n)]);
		break;
	case 3: /* move another node */
		m_add(m, &m->nodes[rnd_below(m->n)], pick_expires(m->w->now, dyn.max_rand));
		break;
	default:
		break;
	}
}

static void run_dynamic(uint64_t start, size_t n, uint64_t span, uint64_t seed)
{
	struct twheel *w = malloc(sizeof(*w));
	assert_non_null(w);
	struct model m;
	rng_state = seed;
	dyn.max_rand = 300000;
	model_init(&m, w, n, start);
	m.hook = dyn_hook;
	for (size_t i = 0; i < n / 2; i++)
		m_add(&m, &m.nodes[i], pick_expires(start, dyn.max_rand));
	size_t stops = 0;
	while (m.w->now - start < span) {
		unsigned ops = (unsigned)rnd_below(12);
		for (unsigned k = 0; k < ops; k++) {
			struct tnode *t = &m.nodes[rnd_below(n)];
			if (rnd_below(4) == 0)
				m_cancel(&m, t);
			else
				m_add(&m, t, pick_expires(m.w->now, dyn.max_rand));
		}
		m_advance(&m, m.w->now + pick_step(m.w->now) % 4096);
		if (++stops % 32 == 0)
			m_scan(&m);
	}
	m.hook = NULL;
	m_drain(&m, 100000);
	assert_true(m.fired >= 5 * n); /* the run did exercise the wheel */
	model_free(&m);
	free(w);
}

static void test_reference_dynamic(void **state)
{
	(void)state;
	run_dynamic(0, 2000, 6000000, 11);
	run_dynamic(HORIZON - 3000000, 2000, 6000000, 12); /* crosses the 2^32 wrap */
}

/* The wheel started just before a point where every level wraps. */
static void run_wrap(uint64_t start)
{
	static const uint64_t rel[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 250, 251, 255, 256, 257, L2 - 1, L2, L2 + 1, L3 - 1, L3, L3 + 1,
	};
	/* the level-3 boundary just ahead: near 2^32 or 2^40 every level wraps there */
	uint64_t wrap = (start + 8) & ~(L3 - 1);
	static const uint64_t abs_off[] = {
		0, 1, 2, 255, 256, 257, L2 - 1, L2, L2 + 1, L2 + 256, L3 - 1, L3, L3 + 1, L3 + L2 + 257,
	};
	size_t nrel = sizeof(rel) / sizeof(rel[0]), nabs = sizeof(abs_off) / sizeof(abs_off[0]);
	struct twheel *w = malloc(sizeof(*w));
	assert_non_null(w);
	struct model m;
	rng_state = start;
	model_init(&m, w, nrel + 2 * nabs + 200, start);
	size_t k = 0;
	for (size_t i = 0; i < nrel; i++)
		m_add(&m, &m.nodes[k++], start + rel[i]);
	for (size_t i = 0; i < nabs; i++) {
		m_add(&m, &m.nodes[k++], wrap + abs_off[i]);
		m_add(&m, &m.nodes[k++], wrap - 1 - abs_off[i] % (wrap - start));
	}
	while (k < m.n)
		m_add(&m, &m.nodes[k++], pick_expires(start, 3000000));
	/* tick by tick across the wrap, then random steps */
	while (m.w->now < wrap + 600) {
		m_advance(&m, m.w->now + 1);
		m_scan(&m);
	}
	while (m.pending) {
		m_advance(&m, m.w->now + pick_step(m.w->now));
		m_scan(&m);
	}
	for (size_t i = 0; i < m.n; i++)
		assert_int_equal(m.nodes[i].fires, 1);
	model_free(&m);
	free(w);
}

static void test_wrap_all_levels(void **state)
{
	(void)state;
	run_wrap(HORIZON - 5);             /* 2^32: levels 1, 2 and 3 wrap */
	run_wrap(((uint64_t)1 << 40) - 5); /* 2^40 */
	run_wrap(L3 - 5);                  /* level 3 index 0 -> 1 */
}

static void test_add_in_past_fires_next_tick(void **state)
{
	(void)state;
	struct twheel w;
	struct model m;
	model_init(&m, &w, 4, 1000);
	m_add(&m, &m.nodes[0], 1000); /* == now */
	m_add(&m, &m.nodes[1], 999);
	m_add(&m, &m.nodes[2], 0);
	m_add(&m, &m.nodes[3], 1001);
	for (int i = 0; i < 4; i++)
		assert_true(m.nodes[i].tw.expires == 1001);
	m_advance(&m, 1001);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(m.nodes[i].fires, 1);
		assert_true(m.nodes[i].last_fired_at == 1001);
	}
	model_free(&m);
}

static void test_cancel(void **state)
{
	(void)state;
	struct twheel w;
	struct model m;
	model_init(&m, &w, 5, 0);
	struct tnode *a = &m.nodes[0], *b = &m.nodes[1], *c = &m.nodes[2], *d = &m.nodes[3], *never = &m.nodes[4];
	m_add(&m, a, 10);
	m_add(&m, b, 10);
	m_add(&m, c, 70000); /* level 2 */
	m_add(&m, d, 300);   /* level 1 */
	assert_int_equal(w.count, 4);
	m_cancel(&m, a);
	assert_int_equal(w.count, 3);
	m_cancel(&m, a); /* twice: no-op */
	assert_int_equal(w.count, 3);
	m_cancel(&m, never); /* never scheduled: no-op */
	assert_int_equal(w.count, 3);
	m_cancel(&m, c);
	assert_int_equal(w.count, 2);
	m_advance(&m, 10);
	assert_int_equal(a->fires, 0);
	assert_int_equal(b->fires, 1);
	m_cancel(&m, b); /* already fired: no-op */
	assert_int_equal(w.count, 1);
	m_advance(&m, 100000);
	assert_int_equal(c->fires, 0);
	assert_int_equal(d->fires, 1);
	assert_int_equal(w.count, 0);
	/* a cancelled node can be scheduled again */
	m_add(&m, a, 100005);
	m_advance(&m, 100005);
	assert_int_equal(a->fires, 1);
	model_free(&m);
}

static void test_readd_moves(void **state)
{
	(void)state;
	struct twheel w;
	struct model m;
	model_init(&m, &w, 2, 0);
	struct tnode *a = &m.nodes[0], *b = &m.nodes[1];
	m_add(&m, a, 5000000); /* level 2 */
	m_add(&m, a, 50);      /* moved to level 0, earlier */
	assert_int_equal(w.count, 1);
	m_add(&m, b, 40);
	m_add(&m, b, 70000); /* moved later, to level 2 */
	assert_int_equal(w.count, 2);
	m_advance(&m, 69999);
	assert_int_equal(a->fires, 1);
	assert_true(a->last_fired_at == 50);
	assert_int_equal(b->fires, 0);
	m_advance(&m, 5000001);
	assert_int_equal(a->fires, 1); /* nothing left at its old slot */
	assert_int_equal(b->fires, 1);
	assert_true(b->last_fired_at == 70000);
	/* re-add to the very same tick: still one timer */
	m_add(&m, a, 5000100);
	m_add(&m, a, 5000100);
	assert_int_equal(w.count, 1);
	m_advance(&m, 5000200);
	assert_int_equal(a->fires, 2);
	model_free(&m);
}

/* A periodic timer: the callback re-adds its own node. */
static uint64_t period;

static void readd_self(struct model *m, struct tnode *t)
{
	if (t->fires < 20)
		m_add(m, t, m->w->now + period);
}

static void test_callback_readds_self(void **state)
{
	(void)state;
	static const uint64_t periods[] = {0, 1, 7, 255, 256, 300, 65536, 70001};
	for (size_t p = 0; p < sizeof(periods) / sizeof(periods[0]); p++) {
		struct twheel *w = malloc(sizeof(*w));
		assert_non_null(w);
		struct model m;
		model_init(&m, w, 1, 77);
		m.hook = readd_self;
		period = periods[p];
		m_add(&m, &m.nodes[0], 100);
		m_advance(&m, 100 + 25 * (period ? period : 1) + 10);
		assert_int_equal(m.nodes[0].fires, 20);
		/* period 0 means "now": the next tick */
		assert_true(m.nodes[0].last_fired_at == 100 + 19 * (period ? period : 1));
		assert_int_equal(w->count, 0);
		model_free(&m);
		free(w);
	}
}

/* Callbacks that cancel or move other nodes due in the same tick. */
static struct tnode *group[3];

static bool in_group(const struct tnode *t) { return t == group[0] || t == group[1] || t == group[2]; }

static void cancel_group(struct model *m, struct tnode *t)
{
	if (!in_group(t))
		return;
	for (int i = 0; i < 3; i++)
		if (group[i] != t)
			m_cancel(m, group[i]); /* the first to fire cancels the rest */
	m_cancel(m, t);                        /* itself: already unscheduled, no-op */
}

static void test_callback_cancels_same_tick(void **state)
{
	(void)state;
	struct twheel w;
	struct model m;
	model_init(&m, &w, 5, 0);
	m.hook = cancel_group;
	for (int i = 0; i < 3; i++)
		group[i] = &m.nodes[i];
	/* the slot's list runs group[0], group[1], group[2], node 3: the
	 * first to fire cancels the node right after it */
	m_add(&m, group[0], 1000); /* level 1, cascaded at 768 */
	m_add(&m, group[1], 1000);
	m_add(&m, &m.nodes[4], 1001);
	m_advance(&m, 900);
	m_add(&m, group[2], 1000); /* level 0 */
	m_add(&m, &m.nodes[3], 1000);
	assert_int_equal(w.count, 5);
	m_advance(&m, 1000);
	/* whichever fired first cancelled the other two */
	assert_int_equal(group[0]->fires + group[1]->fires + group[2]->fires, 1);
	assert_int_equal(m.nodes[3].fires, 1); /* not a member: unaffected */
	assert_int_equal(w.count, 1);
	m_advance(&m, 5000);
	assert_int_equal(group[0]->fires + group[1]->fires + group[2]->fires, 1);
	assert_int_equal(m.nodes[4].fires, 1);
	assert_int_equal(w.count, 0);
	model_free(&m);
}

/* The first of the group to fire moves the others: one to now (next tick),
 * one later. */
static bool moved;

static void move_group(struct model *m, struct tnode *t)
{
	if (moved || !in_group(t))
		return;
	moved = true;
	int j = 0;
	for (int i = 0; i < 3; i++)
		if (group[i] != t)
			m_add(m, group[i], j++ ? m->w->now + 500 : m->w->now);
}

static void test_callback_moves_same_tick(void **state)
{
	(void)state;
	struct twheel w;
	struct model m;
	model_init(&m, &w, 3, 0);
	m.hook = move_group;
	moved = false;
	for (int i = 0; i < 3; i++)
		group[i] = &m.nodes[i];
	m_add(&m, group[0], 70000);
	m_add(&m, group[1], 70000);
	m_advance(&m, 69000);
	m_add(&m, group[2], 70000);
	m_advance(&m, 70000);
	assert_true(moved);
	unsigned fired = group[0]->fires + group[1]->fires + group[2]->fires;
	assert_int_equal(fired, 1);
	assert_int_equal(w.count, 2);
	m_advance(&m, 70001);
	assert_int_equal(group[0]->fires + group[1]->fires + group[2]->fires, 2);
	m_advance(&m, 70499);
	assert_int_equal(w.count, 1);
	m_advance(&m, 70500);
	assert_int_equal(group[0]->fires + group[1]->fires + group[2]->fires, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(group[i]->fires, 1);
	model_free(&m);
}

static void test_next_due_exact(void **state)
{
	(void)state;
	struct twheel w;
	struct model m;
	model_init(&m, &w, 3, 1000); /* 1000 % 256 = 232 */
	assert_true(tw_next_due(&w) == UINT64_MAX);
	m_add(&m, &m.nodes[0], 1010);
	assert_true(tw_next_due(&w) == 10);
	m_add(&m, &m.nodes[1], 1005);
	assert_true(tw_next_due(&w) == 5);
	m_cancel(&m, &m.nodes[1]); /* a cancelled timer does not count */
	assert_true(tw_next_due(&w) == 10);
	m_cancel(&m, &m.nodes[0]);
	assert_true(tw_next_due(&w) == UINT64_MAX);
	/* a level-0 timer past the wrap: wake at the wrap (1024) at the latest */
	m_add(&m, &m.nodes[0], 1030);
	assert_true(tw_next_due(&w) == 24);
	/* only a far timer: the distance to the wrap */
	m_cancel(&m, &m.nodes[0]);
	m_add(&m, &m.nodes[2], 1000 + 5000000);
	assert_true(tw_next_due(&w) == 24);
	m_advance(&m, 1024);
	assert_true(tw_next_due(&w) == 256);
	m_advance(&m, 1279); /* 1279 % 256 = 255 */
	assert_true(tw_next_due(&w) == 1);
	model_free(&m);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Advancing by tw_next_due only, nothing fires late (on_fire checks the
 * tick), every due tick is visited, and the result is never 0. */
static void test_next_due_never_overshoots(void **state)
{
	(void)state;
	static const uint64_t starts[] = {1000, HORIZON - 300000};
	for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
		struct twheel *w = malloc(sizeof(*w));
		assert_non_null(w);
		struct model m;
		rng_state = 100 + s;
		model_init(&m, w, 3000, starts[s]);
		uint64_t *wants = malloc(m.n * sizeof(*wants));
		assert_non_null(wants);
		for (size_t i = 0; i < m.n; i++) {
			m_add(&m, &m.nodes[i], pick_expires(starts[s], 2000000));
			wants[i] = m.nodes[i].want;
		}
		qsort(wants, m.n, sizeof(*wants), cmp_u64);
		uint64_t guard = 0;
		while (m.pending) {
			uint64_t d = tw_next_due(w);
			assert_true(d >= 1);
			assert_true(d <= TW_SLOTS - (w->now & (TW_SLOTS - 1)));
			/* the earliest pending timer (all fire once, in order) is
			 * never before now + d */
			uint64_t first = wants[m.fired];
			if (first < w->now + d) {
				print_error("tw_next_due %llu at now %llu overshoots a timer due at %llu\n",
					    (unsigned long long)d, (unsigned long long)w->now, (unsigned long long)first);
				fail();
			}
			m_advance(&m, w->now + d);
			assert_true(++guard < 200000);
		}
		for (size_t i = 0; i < m.n; i++)
			assert_int_equal(m.nodes[i].fires, 1);
		assert_true(tw_next_due(w) == UINT64_MAX);
		free(wants);
		model_free(&m);
		free(w);
	}
}

static void test_count(void **state)
{
	(void)state;
	struct twheel w;
	struct model m;
	model_init(&m, &w, 100, 0);
	for (size_t i = 0; i < 100; i++)
		m_add(&m, &m.nodes[i], 1 + i * 1000);
	assert_int_equal(w.count, 100);
	for (size_t i = 0; i < 100; i += 2)
		m_add(&m, &m.nodes[i], 50); /* re-add: no change */
	assert_int_equal(w.count, 100);
	for (size_t i = 1; i < 100; i += 4)
		m_cancel(&m, &m.nodes[i]);
	assert_int_equal(w.count, 75);
	m_advance(&m, 50); /* the 50 even ones fire */
	assert_int_equal(w.count, 25);
	m_drain(&m, 777);
	assert_int_equal(w.count, 0);
	model_free(&m);
}

static void test_horizon_clamp(void **state)
{
	(void)state;
	static const uint64_t starts[] = {0, 12345, ((uint64_t)1 << 40) + 3};
	for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
		uint64_t now = starts[s];
		struct twheel *w = malloc(sizeof(*w));
		assert_non_null(w);
		struct model m;
		model_init(&m, w, 5, now);
		struct tnode *a = &m.nodes[0], *b = &m.nodes[1], *c = &m.nodes[2], *d = &m.nodes[3];
		m_add(&m, a, now + HORIZON - 1); /* the last tick in range: kept */
		m_add(&m, b, now + HORIZON);     /* clamped */
		m_add(&m, c, now + HORIZON * 5 + 77);
		m_add(&m, d, UINT64_MAX);
		assert_true(a->tw.expires == now + HORIZON - 1);
		assert_true(b->tw.expires == now + HORIZON - 1);
		assert_true(c->tw.expires == now + HORIZON - 1);
		assert_true(d->tw.expires == now + HORIZON - 1);
		m_add(&m, &m.nodes[4], now + HORIZON - L3 - 1); /* level 3, inside the range */
		assert_true(m.nodes[4].tw.expires == now + HORIZON - L3 - 1);
		assert_int_equal(w->count, 5);
		/* nothing is due for a long time: a long advance fires none */
		m_advance(&m, now + 2 * L2 + 5);
		assert_int_equal(m.fired, 0);
		m_scan(&m);
		m_cancel(&m, a);
		m_cancel(&m, b);
		m_cancel(&m, c);
		m_cancel(&m, d);
		m_cancel(&m, &m.nodes[4]);
		assert_int_equal(w->count, 0);
		model_free(&m);
		free(w);
	}
}

/* A level-3 timer (delta >= 2^24) fires at its tick after the cascades. */
static void test_level3_fires(void **state)
{
	(void)state;
	struct twheel *w = malloc(sizeof(*w));
	assert_non_null(w);
	struct model m;
	model_init(&m, w, 3, 99);
	m_add(&m, &m.nodes[0], 99 + L3 + L2 + 3);
	m_add(&m, &m.nodes[1], 2 * L3);
	m_add(&m, &m.nodes[2], 2 * L3 - 1);
	m_advance(&m, 99 + L3 + L2 + 2);
	assert_int_equal(m.fired, 0);
	m_advance(&m, 2 * L3 - 2);
	assert_int_equal(m.fired, 1);
	m_drain(&m, 1);
	assert_true(m.nodes[2].last_fired_at == 2 * L3 - 1);
	assert_true(m.nodes[1].last_fired_at == 2 * L3);
	assert_true(m.nodes[0].last_fired_at == 99 + L3 + L2 + 3);
	model_free(&m);
	free(w);
}

/* ---- coalescing windows (tw_coalesced_tick), on a fake clock ---------------- */

#define TICK_NS 100000ULL /* the reactor's tick */

/* Never early, late by less than window + tick, and every deadline of one
 * window lands on the tick of that window's end. */
static void test_coalesced_tick_bounds(void **state)
{
	(void)state;
	static const uint64_t windows[] = {0, 1, 50000, 100000, 250000, 333333, 500000, 1000000, 5000000};
	rng_state = 11;
	for (size_t k = 0; k < sizeof(windows) / sizeof(windows[0]); k++) {
		uint64_t wnd = windows[k];
		for (int i = 0; i < 20000; i++) {
			uint64_t at = i < 8 ? (uint64_t)i * 50000 : rnd_below((uint64_t)1 << 50);
			uint64_t t = tw_coalesced_tick(at, TICK_NS, wnd);
			assert_true(t * TICK_NS >= at);
			uint64_t slack = (wnd > TICK_NS ? wnd : 0) + TICK_NS;
			assert_true(t * TICK_NS < at + slack);
			if (wnd <= TICK_NS || at == 0)
				continue;
			uint64_t end = (at + wnd - 1) / wnd * wnd; /* the window's end */
			assert_true(tw_coalesced_tick(end, TICK_NS, wnd) == t);
			assert_true(tw_coalesced_tick(end - wnd + 1, TICK_NS, wnd) == t);
		}
	}
	assert_true(tw_coalesced_tick(0, TICK_NS, 250000) == 0);
	assert_true(tw_coalesced_tick(1, TICK_NS, 250000) == 3);      /* 250 us, as ticks: 300 us */
	assert_true(tw_coalesced_tick(250000, TICK_NS, 250000) == 3);
	assert_true(tw_coalesced_tick(250001, TICK_NS, 250000) == 5); /* 500 us */
	assert_true(tw_coalesced_tick(UINT64_MAX, TICK_NS, 250000) == UINT64_MAX / TICK_NS + 1);
}

struct fake_send {
	struct tw_node tw;
	uint64_t deadline_ns; /* the intended send time */
};

struct fake_clock {
	uint64_t now_ns;
	uint64_t fired, max_late_ns, wakeups, last_wakeup;
	bool early;
};

static struct fake_clock fclock;

static void fire_fake(void *ctx, struct tw_node *n)
{
	(void)ctx;
	struct fake_send *s = (struct fake_send *)n;
	if (fclock.now_ns < s->deadline_ns)
		fclock.early = true;
	else if (fclock.now_ns - s->deadline_ns > fclock.max_late_ns)
		fclock.max_late_ns = fclock.now_ns - s->deadline_ns;
	fclock.fired++;
	if (fclock.last_wakeup != fclock.now_ns + 1) { /* this turn's first timer */
		fclock.last_wakeup = fclock.now_ns + 1;
		fclock.wakeups++;
	}
}

/* The engine's use on a fake clock: thousands of send deadlines, timers
 * set through tw_coalesced_tick, time advanced in uneven steps as a loop
 * would. Nothing fires before its deadline, nothing later than window +
 * tick + one step, and the turns that fire anything are at most one per
 * window (the point of the window: one wake-up serves many connections). */
static void test_window_never_early_fake_clock(void **state)
{
	(void)state;
	const uint64_t wnd = 500000, span = 200000000; /* 0.5 ms windows over 200 ms */
	const size_t n = 5000;
	struct twheel *w = malloc(sizeof(*w));
	struct fake_send *s = calloc(n, sizeof(*s));
	assert_non_null(w);
	assert_non_null(s);
	memset(&fclock, 0, sizeof(fclock));
	rng_state = 7;
	fclock.now_ns = 1000000007ULL; /* an unaligned start */
	tw_init(w, fclock.now_ns / TICK_NS);
	for (size_t i = 0; i < n; i++) {
		s[i].deadline_ns = fclock.now_ns + rnd_below(span);
		tw_add(w, &s[i].tw, tw_coalesced_tick(s[i].deadline_ns, TICK_NS, wnd));
	}
	uint64_t end = fclock.now_ns + span + wnd + TICK_NS, max_step = 0;
	while (fclock.now_ns < end) {
		uint64_t step = 1 + rnd_below(300000); /* up to 300 us between turns */
		if (step > max_step)
			max_step = step;
		fclock.now_ns += step;
		tw_advance(w, fclock.now_ns / TICK_NS, fire_fake, NULL);
	}
	assert_true(fclock.fired == n);
	assert_false(fclock.early);
	assert_true(fclock.max_late_ns < wnd + TICK_NS + max_step);
	assert_true(fclock.wakeups <= span / wnd + 2);
	assert_true(fclock.wakeups >= span / wnd / 2); /* and the deadlines did spread over the windows */
	free(s);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_reference_from_zero),
		cmocka_unit_test(test_reference_unaligned_start),
		cmocka_unit_test(test_reference_dynamic),
		cmocka_unit_test(test_wrap_all_levels),
		cmocka_unit_test(test_add_in_past_fires_next_tick),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_readd_moves),
		cmocka_unit_test(test_callback_readds_self),
		cmocka_unit_test(test_callback_cancels_same_tick),
		cmocka_unit_test(test_callback_moves_same_tick),
		cmocka_unit_test(test_next_due_exact),
		cmocka_unit_test(test_next_due_never_overshoots),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_horizon_clamp),
		cmocka_unit_test(test_level3_fires),
		cmocka_unit_test(test_coalesced_tick_bounds),
		cmocka_unit_test(test_window_never_early_fake_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
