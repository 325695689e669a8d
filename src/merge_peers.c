/* tcpswarm merge, the servers' "peers": every report's (address, port)
 * rows, the same pair in several reports summed (open, peak, accepted), in
 * the order a server report lists them (busiest first). */
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/merge.h"
#include "tcpswarm/server_peers.h"

static int by_pair(const void *a, const void *b)
{
	const struct merge_peer *x = a, *y = b;
	int c = strcmp(x->addr, y->addr);
	return c ? c : (x->port > y->port) - (x->port < y->port);
}

/* As the server's own summary (peers_by_load), then by address and port. */
static int by_load(const void *a, const void *b)
{
	const struct merge_peer *x = a, *y = b;
	int c = peers_by_load(x->peak, x->open, x->accepted, y->peak, y->open, y->accepted);
	return c ? c : by_pair(a, b);
}

static uint64_t field(const struct jr_value *row, const char *key)
{
	uint64_t v = 0;
	jr_as_u64(jr_get(row, key), &v);
	return v;
}

static size_t rows_in(const struct merge_set *s)
{
	size_t total = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct jr_value *p = jr_get(&s->in[i].root, "peers");
		total += p && p->type == JR_ARRAY ? p->n : 0;
	}
	return total;
}

int merge_peers_collect(const struct merge_set *s, struct merge_peers *out)
{
	memset(out, 0, sizeof(*out));
	size_t total = rows_in(s), at = 0;
	struct merge_peer *all = calloc(total + 1, sizeof(*all));
	if (!all)
		return -1;
	for (size_t i = 0; i < s->n; i++) {
		const struct jr_value *p = jr_get(&s->in[i].root, "peers");
		for (size_t k = 0; p && p->type == JR_ARRAY && k < p->n; k++) {
			const struct jr_value *row = &p->kids[k];
			struct merge_peer *m = &all[at++];
			snprintf(m->addr, sizeof(m->addr), "%s", jr_as_str(jr_get(row, "addr")) ?: "?");
			m->port = field(row, "port");
			m->open = field(row, "open");
			m->peak = field(row, "peak");
			m->accepted = field(row, "accepted");
		}
	}
	qsort(all, at, sizeof(*all), by_pair);
	size_t n = 0;
	for (size_t i = 0; i < at; i++) {
		if (n && !by_pair(&all[n - 1], &all[i])) { /* the same pair seen by another server: summed */
			all[n - 1].open += all[i].open;
			all[n - 1].peak += all[i].peak;
			all[n - 1].accepted += all[i].accepted;
			continue;
		}
		out->addresses += !n || strcmp(all[n - 1].addr, all[i].addr);
		all[n++] = all[i];
	}
	qsort(all, n, sizeof(*all), by_load);
	out->v = all;
	out->n = n;
	return 0;
}

void merge_peers_free(struct merge_peers *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}
