/* probe's evaluation: the plan's shape, the rows (probe_rows.c,
 * probe_ports.c) ranked, the exit status. Pure. */
#include <string.h>

#include "probe_shape.h"

struct shape probe_shape_of(const struct probe_plan *p)
{
	struct shape sh = { .t = 1, .s = 1, .sides = 1, .client = true, .server_info = true, .workers = 1 };
	if (!p)
		return sh;
	sh.n = p->conns;
	sh.t = p->ntargets ? p->ntargets : 1;
	sh.s = p->source_ips ? p->source_ips : 1;
	sh.given_s = p->source_ips != 0;
	sh.sides = p->role == PROBE_ROLE_BOTH ? 2 : 1;
	sh.client = p->role != PROBE_ROLE_SERVER;
	sh.server_info = p->role != PROBE_ROLE_CLIENT;
	sh.loopback = p->loopback;
	sh.ipv6 = p->ipv6;
	sh.workers = p->workers ? p->workers : 1;
	return sh;
}

static int verdict_rank(enum probe_verdict v)
{
	switch (v) {
	case PROBE_BINDS: return 0;
	case PROBE_WARN: return 2;
	case PROBE_OK: return 2; /* warn and ok rows are ranked together by ratio */
	case PROBE_INFO: return 3;
	case PROBE_NA: return 4;
	}
	return 5;
}

/* Negative if a goes before b. */
static int row_cmp(const struct probe_row *a, const struct probe_row *b, bool counted)
{
	int ra = verdict_rank(a->v), rb = verdict_rank(b->v);
	if (!counted) {
		/* without a count, rows that cap the count come first, smallest cap first */
		if (ra == 2 && a->max_conns != UINT64_MAX)
			ra = 1;
		if (rb == 2 && b->max_conns != UINT64_MAX)
			rb = 1;
	}
	if (ra != rb)
		return ra - rb;
	if (ra == 1)
		return a->max_conns < b->max_conns ? -1 : a->max_conns > b->max_conns;
	if (ra <= 2 && counted)
		return a->ratio > b->ratio ? -1 : a->ratio < b->ratio;
	return 0;
}

size_t probe_evaluate(const struct klimits *lim, const struct probe_host *host, const struct probe_plan *plan,
		      struct probe_row *rows, size_t cap)
{
	struct probe_host none = { 0 };
	if (!host)
		host = &none;
	struct shape sh = probe_shape_of(plan);
	struct probe_row all[PROBE_MAX_ROWS];
	size_t n = probe_rows_fill(lim, host, &sh, all);

	/* insertion sort: stable, n is small */
	bool counted = sh.n > 0;
	for (size_t i = 1; i < n; i++) {
		struct probe_row tmp = all[i];
		size_t j = i;
		while (j > 0 && row_cmp(&tmp, &all[j - 1], counted) < 0) {
			all[j] = all[j - 1];
			j--;
		}
		all[j] = tmp;
	}
	size_t out = n < cap ? n : cap;
	if (out)
		memcpy(rows, all, out * sizeof(rows[0]));
	return out;
}

const struct probe_row *probe_first_cap(const struct probe_row *rows, size_t n)
{
	const struct probe_row *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (rows[i].v != PROBE_NA && rows[i].max_conns != UINT64_MAX &&
		    (!best || rows[i].max_conns < best->max_conns))
			best = &rows[i];
	return best;
}

int probe_status(const struct probe_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].v == PROBE_BINDS)
			return 1;
	return 0;
}

const char *probe_verdict_name(enum probe_verdict v)
{
	switch (v) {
	case PROBE_BINDS: return "BINDS";
	case PROBE_WARN: return "warn";
	case PROBE_OK: return "ok";
	case PROBE_INFO: return "info";
	case PROBE_NA: return "n/a";
	}
	return "?";
}

const char *probe_role_name(enum probe_role r)
{
	switch (r) {
	case PROBE_ROLE_CLIENT: return "client";
	case PROBE_ROLE_SERVER: return "server";
	case PROBE_ROLE_BOTH: return "both";
	}
	return "?";
}

