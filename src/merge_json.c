/* tcpswarm merge, the merged JSON: one walk over the union of the reports'
 * keys, in the order the first report has them, each key combined by the
 * rule its path names (counters add by default). The outline is the
 * reports' own (client or server), plus merged_from and nodes. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/json.h"
#include "tcpswarm/merge.h"

enum rule {
	R_DEFAULT,  /* numbers add, strings and arrays the first, booleans any */
	R_FIRST,    /* the first report's value (checked equal, or per machine) */
	R_FIRST_IN, /* an object whose leaves default to R_FIRST */
	R_SUM,
	R_MAX,
	R_MAX_ALL,  /* max when every report has it, else left out */
	R_MEAN,
	R_DROP,
	R_HIST,     /* a latency block rebuilt from the merged histogram */
	R_PEERS,    /* the servers' peers, summed by (addr, port) */
	R_STARTED, R_SPAN, R_TAGGED, R_SERIES, R_SERIES_T, R_SERIES_TS,
};

static const struct { const char *path; enum rule rule; } rules[] = {
	{"tool", R_FIRST}, {"version", R_FIRST}, {"role", R_FIRST},
	{"started_at", R_STARTED}, {"duration_s", R_SPAN},
	{"config", R_FIRST_IN}, {"config.connections", R_SUM}, {"config.connect_rate", R_SUM},
	{"config.connect_inflight", R_SUM}, {"config.connect_lanes", R_SUM}, {"config.rate", R_SUM}, {"config.workers", R_SUM},
	{"config.source_ips", R_SUM}, {"config.shard", R_DROP}, {"config.source", R_DROP},
	{"limits", R_FIRST_IN},
	{"connections.time_to_all_s", R_MAX_ALL}, {"connections.conn_per_s", R_DROP},
	{"connections.connect_latency_us", R_HIST}, {"latency_us", R_HIST}, {"connections.handshake_us", R_HIST},
	{"peers", R_PEERS}, {"listener", R_FIRST_IN}, {"listener.accept_queue_peak", R_MAX},
	{"listener.accept_batched", R_SUM},
	{"listener.syn_recv_peak", R_MAX},
	{"memory.user_bytes_per_conn", R_MEAN}, {"memory.conn_struct_bytes", R_FIRST},
	{"diagnosis", R_TAGGED}, {"gates_failed", R_TAGGED}, {"series", R_SERIES},
	{"series[].t", R_SERIES_T}, {"series[].t_unix", R_SERIES_TS},
	{"series[].p50_us", R_MAX}, {"series[].p99_us", R_MAX},
};

struct walk {
	const struct merge_set *s;
	struct jw *w;
	int64_t ts; /* the series second being written */
};

static enum rule rule_of(const char *path, enum rule leaf)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(rules[i].path, path))
			return rules[i].rule;
	return leaf;
}

/* A value of one report written as it is, without the members named skip
 * (at any depth). */
static void copy(struct jw *w, const char *key, const struct jr_value *v, const char *skip)
{
	switch (v->type) {
	case JR_OBJECT:
		jw_obj_begin(w, key);
		for (size_t i = 0; i < v->n; i++)
			if (!skip || strcmp(v->keys[i], skip))
				copy(w, v->keys[i], &v->kids[i], skip);
		jw_obj_end(w);
		break;
	case JR_ARRAY:
		jw_arr_begin(w, key);
		for (size_t i = 0; i < v->n; i++)
			copy(w, NULL, &v->kids[i], NULL);
		jw_arr_end(w);
		break;
	case JR_STRING:
		jw_str(w, key, v->str);
		break;
	default: {
		char buf[64];
		size_t n = v->raw_len < sizeof(buf) - 1 ? v->raw_len : sizeof(buf) - 1;
		memcpy(buf, v->raw, n);
		buf[n] = 0;
		jw_raw(w, key, buf);
	}
	}
}

static void numbers(struct jw *w, const char *key, const struct jr_value **vs, size_t n, enum rule r)
{
	bool exact = true;
	uint64_t u = 0;
	double d = r == R_MAX || r == R_MAX_ALL ? -INFINITY : 0;
	size_t have = 0;
	for (size_t i = 0; i < n; i++) {
		if (!vs[i] || vs[i]->type != JR_NUMBER)
			continue;
		have++;
		exact &= vs[i]->is_u64;
		if (r == R_MAX || r == R_MAX_ALL) {
			d = fmax(d, vs[i]->number);
			u = vs[i]->u64 > u ? vs[i]->u64 : u;
		} else {
			d += vs[i]->number;
			u = __builtin_add_overflow(u, vs[i]->u64, &u) ? UINT64_MAX : u;
		}
	}
	if (r == R_MAX_ALL && have != n)
		return;
	if (r == R_MEAN) {
		jw_double(w, key, have ? d / (double)have : 0);
		return;
	}
	if (exact)
		jw_u64(w, key, u);
	else
		jw_double(w, key, d);
}

/* latency_us (always exact, with its buckets), connect_latency_us (exact
 * when every report has buckets; written without), handshake_us (exact and
 * with buckets when every report that has one has them). */
static void hist_block(struct walk *k, const char *path, const char *key, const struct jr_value **vs, size_t n)
{
	bool lat = !strcmp(path, "latency_us"), hs = !strcmp(path, "connections.handshake_us");
	const struct hist *h = lat ? k->s->lat : hs ? k->s->hs : k->s->conn;
	bool exact = lat || (hs ? k->s->hs_exact : k->s->conn_exact);
	jw_obj_begin(k->w, key);
	if (!exact) { /* no buckets in the reports: counts add, no percentiles */
		const char *p[] = {"p50", "p90", "p99", "p999"};
		const struct jr_value *cnt[64], *mx[64];
		size_t m = n < 64 ? n : 64;
		for (size_t i = 0; i < m; i++) {
			cnt[i] = vs[i] ? jr_get(vs[i], "count") : NULL;
			mx[i] = vs[i] ? jr_get(vs[i], "max") : NULL;
		}
		numbers(k->w, "count", cnt, m, R_SUM);
		for (size_t i = 0; i < 4; i++)
			jw_null(k->w, p[i]);
		numbers(k->w, "max", mx, m, R_MAX);
	} else {
		jw_u64(k->w, "count", h->count);
		jw_u64(k->w, "p50", hist_percentile(h, 50));
		jw_u64(k->w, "p90", hist_percentile(h, 90));
		jw_u64(k->w, "p99", hist_percentile(h, 99));
		jw_u64(k->w, "p999", hist_percentile(h, 99.9));
		jw_u64(k->w, "max", h->count ? h->max : 0);
		jw_double(k->w, "mean", hist_mean(h));
	}
	if (lat || (hs && exact)) {
		size_t need = hist_format_sparse(h, NULL, 0) + 1;
		char *buf = malloc(need);
		if (buf) {
			hist_format_sparse(h, buf, need);
			jw_raw(k->w, "histogram", buf);
		} else {
			jw_null(k->w, "histogram");
		}
		free(buf);
	}
	jw_obj_end(k->w);
}

static void node(struct walk *k, const char *path, const char *key, const struct jr_value **vs, enum rule leaf);

/* Keys of every report, each once, in the order they first appear. */
static void members(struct walk *k, const char *path, const struct jr_value **vs, enum rule leaf)
{
	size_t n = k->s->n;
	const struct jr_value **kid = calloc(n, sizeof(*kid));
	if (!kid)
		return;
	for (size_t i = 0; i < n; i++) {
		for (size_t m = 0; vs[i] && vs[i]->type == JR_OBJECT && m < vs[i]->n; m++) {
			const char *name = vs[i]->keys[m];
			bool seen = jr_get(vs[i], name) != &vs[i]->kids[m];
			for (size_t j = 0; j < i && !seen; j++)
				seen = jr_get(vs[j], name) != NULL;
			if (seen)
				continue;
			for (size_t j = 0; j < n; j++)
				kid[j] = jr_get(vs[j], name);
			char sub[256];
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", name);
			node(k, sub, name, kid, leaf);
		}
	}
	free(kid);
}

static void object(struct walk *k, const char *path, const char *key, const struct jr_value **vs, enum rule leaf)
{
	jw_obj_begin(k->w, key);
	members(k, path, vs, leaf);
	jw_obj_end(k->w);
}

/* diagnosis and gates_failed: every report's entries, each with its node. */
static void tagged(struct walk *k, const char *key, const struct jr_value **vs)
{
	jw_arr_begin(k->w, key);
	for (size_t i = 0; i < k->s->n; i++) {
		for (size_t e = 0; vs[i] && vs[i]->type == JR_ARRAY && e < vs[i]->n; e++) {
			const struct jr_value *v = &vs[i]->kids[e];
			if (v->type == JR_OBJECT) {
				jw_obj_begin(k->w, NULL);
				jw_str(k->w, "node", k->s->in[i].name);
				for (size_t m = 0; m < v->n; m++)
					copy(k->w, v->keys[m], &v->kids[m], NULL);
				jw_obj_end(k->w);
			} else if (v->type == JR_STRING) {
				char line[600];
				snprintf(line, sizeof(line), "%s: %s", k->s->in[i].name, v->str);
				jw_str(k->w, NULL, line);
			}
		}
	}
	jw_arr_end(k->w);
}

struct second {
	int64_t ts;
	size_t in;
	const struct jr_value *v;
};

static int by_second(const void *a, const void *b)
{
	const struct second *x = a, *y = b;
	return x->ts != y->ts ? (x->ts < y->ts ? -1 : 1) : (x->in < y->in ? -1 : x->in > y->in);
}

/* The wall-clock second of a series entry: t_unix, else start + t. */
static int64_t second_of(const struct merge_input *m, const struct jr_value *e)
{
	uint64_t v;
	if (jr_as_u64(jr_get(e, "t_unix"), &v))
		return (int64_t)v;
	return jr_as_u64(jr_get(e, "t"), &v) ? (int64_t)m->started + (int64_t)v : (int64_t)m->started;
}

static void series(struct walk *k, const char *key, const struct jr_value **vs)
{
	size_t n = k->s->n, total = 0, at = 0;
	for (size_t i = 0; i < n; i++)
		total += vs[i] && vs[i]->type == JR_ARRAY ? vs[i]->n : 0;
	struct second *all = calloc(total + 1, sizeof(*all));
	const struct jr_value **row = calloc(n, sizeof(*row));
	jw_arr_begin(k->w, key);
	for (size_t i = 0; all && row && i < n; i++)
		for (size_t e = 0; vs[i] && vs[i]->type == JR_ARRAY && e < vs[i]->n; e++)
			all[at++] = (struct second){second_of(&k->s->in[i], &vs[i]->kids[e]), i, &vs[i]->kids[e]};
	qsort(all, at, sizeof(*all), by_second);
	for (size_t a = 0; a < at;) {
		memset(row, 0, n * sizeof(*row));
		size_t b = a;
		for (; b < at && all[b].ts == all[a].ts; b++)
			row[all[b].in] = all[b].v;
		k->ts = all[a].ts;
		object(k, "series[]", NULL, row, R_DEFAULT);
		a = b;
	}
	jw_arr_end(k->w);
	free(all);
	free(row);
}

/* Every (addr, port) pair any server saw, busiest first (merge_peers.c). */
static void peers(struct walk *k, const char *key)
{
	const struct merge_peers *p = &k->s->peers;
	jw_arr_begin(k->w, key);
	for (size_t i = 0; i < p->n; i++) {
		jw_obj_begin(k->w, NULL);
		jw_str(k->w, "addr", p->v[i].addr);
		jw_u64(k->w, "port", p->v[i].port);
		jw_u64(k->w, "open", p->v[i].open);
		jw_u64(k->w, "peak", p->v[i].peak);
		jw_u64(k->w, "accepted", p->v[i].accepted);
		jw_obj_end(k->w);
	}
	jw_arr_end(k->w);
}

static const struct jr_value *first_of(const struct jr_value **vs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (vs[i])
			return vs[i];
	return NULL;
}

static void node(struct walk *k, const char *path, const char *key, const struct jr_value **vs, enum rule leaf)
{
	size_t n = k->s->n;
	enum rule r = rule_of(path, leaf == R_FIRST_IN ? R_FIRST : R_DEFAULT);
	const struct jr_value *f = first_of(vs, n);
	char when[40];
	struct tm tm;
	switch (r) {
	case R_DROP:
		return;
	case R_STARTED:
		gmtime_r(&k->s->t0, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		jw_str(k->w, key, when);
		return;
	case R_SPAN:
		jw_double(k->w, key, k->s->span_s);
		return;
	case R_SERIES_T:
		jw_u64(k->w, key, (uint64_t)(k->ts - (int64_t)k->s->t0));
		return;
	case R_SERIES_TS:
		jw_u64(k->w, key, (uint64_t)k->ts);
		return;
	case R_HIST:
		hist_block(k, path, key, vs, n);
		return;
	case R_PEERS:
		peers(k, key);
		return;
	case R_TAGGED:
		tagged(k, key, vs);
		return;
	case R_SERIES:
		series(k, key, vs);
		return;
	default:
		break;
	}
	if (f->type == JR_OBJECT && r != R_FIRST) {
		object(k, path, key, vs, r == R_FIRST_IN ? R_FIRST_IN : leaf);
	} else if (f->type == JR_NUMBER && r != R_FIRST) {
		numbers(k->w, key, vs, n, r);
	} else if (f->type == JR_BOOL && r != R_FIRST) {
		bool any = false;
		for (size_t i = 0; i < n; i++)
			any |= vs[i] && vs[i]->type == JR_BOOL && vs[i]->boolean;
		jw_bool(k->w, key, any);
	} else {
		copy(k->w, key, f, NULL);
	}
}

/* One entry per report: what that machine saw, for finding the odd one. */
static void nodes(struct walk *k)
{
	static const char *const keep[] = {"started_at", "duration_s", "interrupted", "failure", "processes",
					   "limits", "connections", "listener", "requests", "latency_us", "memory",
					   "peers_other", "left_on_host", "diagnosis"};
	jw_arr_begin(k->w, "nodes");
	for (size_t i = 0; i < k->s->n; i++) {
		const struct merge_input *m = &k->s->in[i];
		jw_obj_begin(k->w, NULL);
		jw_str(k->w, "file", m->name);
		if (m->shard_n) {
			jw_u64(k->w, "shard", m->shard_i);
			jw_u64(k->w, "shards", m->shard_n);
		}
		for (size_t j = 0; j < sizeof(keep) / sizeof(keep[0]); j++) {
			const struct jr_value *v = jr_get(&m->root, keep[j]);
			if (v)
				copy(k->w, keep[j], v, "histogram");
		}
		jw_obj_end(k->w);
	}
	jw_arr_end(k->w);
}

int merge_write_json(const struct merge_set *s, FILE *out)
{
	struct jw w;
	struct walk k = {.s = s, .w = &w};
	const struct jr_value **roots = calloc(s->n, sizeof(*roots));
	if (!roots)
		return ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		roots[i] = &s->in[i].root;
	jw_init(&w, out, true);
	jw_obj_begin(&w, NULL);
	members(&k, "", roots, R_DEFAULT);
	jw_arr_begin(&w, "merged_from");
	for (size_t i = 0; i < s->n; i++)
		jw_str(&w, NULL, s->in[i].name);
	jw_arr_end(&w);
	nodes(&k);
	jw_obj_end(&w);
	free(roots);
	return jw_finish(&w);
}
