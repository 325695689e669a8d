/* Hierarchical timing wheel (Varghese & Lauck scheme 7, as in the classic
 * Linux timer wheel): level l holds timers due in [256^l, 256^(l+1)) ticks,
 * indexed by their own expiry bits, and a level's slot is cascaded down
 * when the lower levels wrap to it. */
#include "tcpswarm/twheel.h"

#define TW_MASK (TW_SLOTS - 1)
#define TW_HORIZON ((uint64_t)1 << (TW_BITS * TW_LEVELS))

static void list_init(struct tw_node *head) { head->next = head->prev = head; }
static bool list_empty(const struct tw_node *head) { return head->next == head; }

static void list_push(struct tw_node *head, struct tw_node *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static void list_unlink(struct tw_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = NULL;
}

void tw_init(struct twheel *w, uint64_t now_tick)
{
	w->now = now_tick;
	w->count = 0;
	for (int l = 0; l < TW_LEVELS; l++) {
		for (unsigned s = 0; s < TW_SLOTS; s++)
			list_init(&w->slot[l][s]);
		for (unsigned i = 0; i < TW_SLOTS / 64; i++)
			w->maybe[l][i] = 0;
	}
}

/* Places n by its expiry relative to now; expires >= now. */
static void place(struct twheel *w, struct tw_node *n)
{
	uint64_t delta = n->expires - w->now;
	int l = 0;
	while (l < TW_LEVELS - 1 && delta >= ((uint64_t)1 << (TW_BITS * (l + 1))))
		l++;
	unsigned s = (unsigned)(n->expires >> (TW_BITS * l)) & TW_MASK;
	list_push(&w->slot[l][s], n);
	w->maybe[l][s / 64] |= (uint64_t)1 << (s % 64);
}

void tw_add(struct twheel *w, struct tw_node *n, uint64_t expires)
{
	if (n->next)
		list_unlink(n);
	else
		w->count++;
	if (expires <= w->now)
		expires = w->now + 1;
	if (expires - w->now >= TW_HORIZON)
		expires = w->now + TW_HORIZON - 1;
	n->expires = expires;
	place(w, n);
}

void tw_cancel(struct twheel *w, struct tw_node *n)
{
	if (!n->next)
		return;
	list_unlink(n);
	w->count--;
}

/* Re-places every node of a higher-level slot relative to the new now. */
static void cascade(struct twheel *w, int l, unsigned s)
{
	struct tw_node tmp;
	struct tw_node *head = &w->slot[l][s];
	w->maybe[l][s / 64] &= ~((uint64_t)1 << (s % 64));
	if (list_empty(head))
		return;
	/* splice the slot into tmp: place() may push into this same slot again */
	tmp.next = head->next;
	tmp.prev = head->prev;
	tmp.next->prev = &tmp;
	tmp.prev->next = &tmp;
	list_init(head);
	while (!list_empty(&tmp)) {
		struct tw_node *n = tmp.next;
		list_unlink(n);
		place(w, n);
	}
}

static void fire_slot(struct twheel *w, unsigned s, tw_fire_fn fire, void *ctx)
{
	struct tw_node due;
	struct tw_node *head = &w->slot[0][s];
	w->maybe[0][s / 64] &= ~((uint64_t)1 << (s % 64));
	if (list_empty(head))
		return;
	due.next = head->next;
	due.prev = head->prev;
	due.next->prev = &due;
	due.prev->next = &due;
	list_init(head);
	/* callbacks may cancel nodes still in `due`: unlink keeps it consistent */
	while (!list_empty(&due)) {
		struct tw_node *n = due.next;
		list_unlink(n);
		w->count--;
		fire(ctx, n);
	}
}

void tw_advance(struct twheel *w, uint64_t to, tw_fire_fn fire, void *ctx)
{
	while (w->now < to) {
		if (w->count == 0) {
			w->now = to;
			return;
		}
		w->now++;
		unsigned s = (unsigned)w->now & TW_MASK;
		if (s == 0) {
			for (int l = 1; l < TW_LEVELS; l++) {
				unsigned ls = (unsigned)(w->now >> (TW_BITS * l)) & TW_MASK;
				cascade(w, l, ls);
				if (ls != 0)
					break;
			}
		}
		fire_slot(w, s, fire, ctx);
	}
}

uint64_t tw_next_due(struct twheel *w)
{
	if (w->count == 0)
		return UINT64_MAX;
	unsigned cur = (unsigned)w->now & TW_MASK;
	/* look at level-0 slots after cur up to the wrap; beyond it a cascade
	 * may be due, so wake at the wrap at the latest */
	for (unsigned s = cur + 1; s < TW_SLOTS;) {
		uint64_t bits = w->maybe[0][s / 64] >> (s % 64);
		if (bits == 0) {
			s = (s / 64 + 1) * 64;
			continue;
		}
		s += (unsigned)__builtin_ctzll(bits);
		if (!list_empty(&w->slot[0][s]))
			return s - cur;
		w->maybe[0][s / 64] &= ~((uint64_t)1 << (s % 64));
		s++;
	}
	return TW_SLOTS - cur;
}

uint64_t tw_coalesced_tick(uint64_t at_ns, uint64_t tick_ns, uint64_t window_ns)
{
	if (window_ns > tick_ns) {
		uint64_t rem = at_ns % window_ns;
		if (rem && at_ns <= UINT64_MAX - (window_ns - rem))
			at_ns += window_ns - rem;
	}
	return at_ns / tick_ns + (at_ns % tick_ns != 0);
}
