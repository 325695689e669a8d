/* probe's evaluation, inside: the plan's shape as the rows see it, shared
 * helpers, and the row functions (probe_rows.c, probe_ports.c). Not a
 * public header. */
#ifndef TCPSWARM_PROBE_SHAPE_H
#define TCPSWARM_PROBE_SHAPE_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "tcpswarm/arith.h"
#include "tcpswarm/probe.h"

/* Limit values this large mean "no limit" (fs.file-max is LONG_MAX on new
 * kernels). */
#define HUGE_LIMIT (INT64_C(1) << 62)
/* A limit this close to its need gets a warning. */
#define NEAR_RATIO 0.9

/* What the evaluation needs to know about the plan. */
struct shape {
	uint64_t n;        /* connections; 0 = no count */
	uint64_t t;        /* targets, at least 1 */
	uint64_t s;        /* source IPs, at least 1; UINT64_MAX = as many as needed */
	bool given_s;      /* --source was given */
	unsigned sides;    /* sockets per connection on this host */
	bool client;       /* client sockets on this host */
	bool server_info;  /* show the listener rows as applying here */
	bool loopback, ipv6;
	unsigned workers;  /* the client's, at least 1 */
};

struct shape probe_shape_of(const struct probe_plan *p);

static inline bool has(const struct klimits *l, enum kl k)
{
	return l->n[k] > 0 && l->v[k][0] >= 0;
}

static inline const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static inline double ratio_of(uint64_t need, uint64_t limit)
{
	return limit ? (double)need / (double)limit : (need ? INFINITY : 0);
}

/* Sets max_conns and its text ("-" for UINT64_MAX). Inline, so the row
 * files (probe_rows.c, probe_ports.c) share it without calling each other. */
static inline void probe_set_max(struct probe_row *r, uint64_t m)
{
	r->max_conns = m;
	if (m == UINT64_MAX)
		snprintf(r->max, sizeof(r->max), "-");
	else
		snprintf(r->max, sizeof(r->max), "%" PRIu64, m);
}

/* Fills one row per limit, in table order; returns how many (at most
 * PROBE_MAX_ROWS). */
size_t probe_rows_fill(const struct klimits *lim, const struct probe_host *host, const struct shape *sh,
		       struct probe_row *rows);

/* ip_local_port_range, judged by portplan_compute (probe_ports.c). */
void probe_row_ports(const struct klimits *l, const struct shape *sh, struct probe_row *r);

#endif
