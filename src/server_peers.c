/* The server's per-source-address table (server_peers.h): one open-addressed
 * hash per worker, written at accept and close only, merged at the end. */
#include "tcpswarm/server_peers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* IPv4 and IPv4-mapped IPv6 get one key, so a dual-stack listener and an
 * IPv4 one count the same client once. */
static void key_of(const struct sockaddr_any *a, uint8_t key[16])
{
	memset(key, 0, 16);
	if (a->sa.sa_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &a->in4.sin_addr, 4);
	} else if (a->sa.sa_family == AF_INET6) {
		memcpy(key, &a->in6.sin6_addr, 16);
	}
}

static uint32_t hash_of(const uint8_t key[16], uint16_t port)
{
	uint64_t h = 0xcbf29ce484222325ull ^ port; /* FNV-1a, then a final mix */
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 0x100000001b3ull;
	h ^= h >> 29;
	return (uint32_t)h & (PEERS_HASH - 1);
}

uint16_t peers_open(struct peer_table *t, const struct sockaddr_any *peer, uint16_t lport)
{
	uint8_t key[16];
	key_of(peer, key);
	uint32_t s = hash_of(key, lport);
	for (;; s = (s + 1) & (PEERS_HASH - 1)) {
		uint16_t i = t->slot[s];
		if (i == 0)
			break;
		if (t->e[i].port == lport && !memcmp(t->e[i].addr, key, 16)) {
			struct peer_entry *e = &t->e[i];
			e->accepted++;
			if (++e->open > e->peak)
				e->peak = e->open;
			return i;
		}
	}
	if (t->n == PEERS_MAX) { /* full: the hash stays at most half full */
		t->other_accepted++;
		if (++t->other_open > t->other_peak)
			t->other_peak = t->other_open;
		return 0;
	}
	uint16_t i = (uint16_t)++t->n;
	struct peer_entry *e = &t->e[i];
	memcpy(e->addr, key, 16);
	e->port = lport;
	e->open = e->peak = 1;
	e->accepted = 1;
	t->slot[s] = i;
	return i;
}

void peers_close(struct peer_table *t, uint16_t idx, bool still_open)
{
	if (still_open)
		return;
	uint32_t *open = idx ? &t->e[idx].open : &t->other_open;
	if (*open)
		(*open)--;
}

static int by_key(const void *a, const void *b)
{
	const struct peer_entry *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, 16);
	return c ? c : (int)x->port - (int)y->port;
}

int peers_by_load(uint64_t peak_a, uint64_t open_a, uint64_t acc_a, uint64_t peak_b, uint64_t open_b, uint64_t acc_b)
{
	if (peak_a != peak_b)
		return peak_a < peak_b ? 1 : -1;
	if (open_a != open_b)
		return open_a < open_b ? 1 : -1;
	if (acc_a != acc_b)
		return acc_a < acc_b ? 1 : -1;
	return 0;
}

static int by_load(const void *a, const void *b)
{
	const struct peer_row *x = a, *y = b;
	int c = peers_by_load(x->peak, x->open, x->accepted, y->peak, y->open, y->accepted);
	return c ? c : strcmp(x->addr, y->addr);
}

static void format_key(const uint8_t key[16], char *out, size_t cap)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (!memcmp(key, mapped, 12))
		inet_ntop(AF_INET, key + 12, out, (socklen_t)cap);
	else
		inet_ntop(AF_INET6, key, out, (socklen_t)cap);
}

/* Sorted entries into rows, duplicates (the same pair in several workers) summed. */
static void fold(const struct peer_entry *all, size_t total, struct peer_summary *s)
{
	for (size_t i = 0; i < total; i++) {
		const struct peer_entry *e = &all[i];
		bool same = i > 0 && !by_key(&all[i - 1], e);
		if (!same) {
			struct peer_row *r = &s->v[s->n++];
			format_key(e->addr, r->addr, sizeof(r->addr));
			r->port = e->port;
			if (i == 0 || memcmp(all[i - 1].addr, e->addr, 16))
				s->addresses++;
		}
		struct peer_row *r = &s->v[s->n - 1];
		r->open += e->open;
		r->peak += e->peak;
		r->accepted += e->accepted;
	}
}

int peers_merge(const struct peer_table *const *t, size_t n, struct peer_summary *s)
{
	memset(s, 0, sizeof(*s));
	size_t total = 0;
	for (size_t k = 0; k < n; k++)
		if (t[k])
			total += t[k]->n;
	struct peer_entry *all = total ? malloc(total * sizeof(*all)) : NULL;
	s->v = total ? calloc(total, sizeof(*s->v)) : NULL;
	if (total && (!all || !s->v)) {
		free(all);
		free(s->v);
		s->v = NULL;
		return -1;
	}
	size_t at = 0;
	for (size_t k = 0; k < n; k++) {
		if (!t[k])
			continue;
		if (t[k]->n) /* all is NULL when every table is empty */
			memcpy(all + at, &t[k]->e[1], t[k]->n * sizeof(*all));
		at += t[k]->n;
		s->other_open += t[k]->other_open;
		s->other_peak += t[k]->other_peak;
		s->other_accepted += t[k]->other_accepted;
		if (t[k]->n == PEERS_MAX && t[k]->other_accepted)
			s->overflow = true;
	}
	if (total) {
		qsort(all, total, sizeof(*all), by_key);
		fold(all, total, s);
		qsort(s->v, s->n, sizeof(*s->v), by_load);
	}
	free(all);
	return 0;
}

void peers_summary_free(struct peer_summary *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

const struct peer_row *peers_busiest(const struct peer_summary *s) { return s->n ? &s->v[0] : NULL; }
