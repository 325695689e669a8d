/* tcpswarm merge, reading and checking: each report alone (a tcpswarm
 * client or server report with the keys merge needs), then the set (one
 * plan, or one server mode). */
#define _GNU_SOURCE /* strptime, timegm */
#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/merge.h"

/* Keys every client report has and merge reads. */
static const char *const required[] = {
	"version", "started_at", "duration_s", "config", "config.proto", "config.targets", "config.connections",
	"config.rate", "connections", "connections.established", "requests", "requests.sent",
	"latency_us", "latency_us.count", "latency_us.max", "latency_us.histogram", "series",
};

/* Keys every server report has and merge reads. */
static const char *const required_server[] = {
	"version", "started_at", "duration_s", "config", "config.mode", "connections", "connections.accepted",
	"requests", "series", "peers", "peers_other",
};

/* Keys of config that must be equal in every report of one plan. */
static const char *const same_plan[] = {
	"proto", "targets", "payload", "arrivals", "duration_us", "qname", "qtype", "path", "length_min",
	"length_max", "think_min_us", "think_max_us", "start_at", NULL,
};
/* ...and in every server report merged together: what it serves. */
static const char *const same_server[] = {"mode", NULL};

static int refuse(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return -1;
}

static bool parse_utc(const char *s, time_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	if (!end || *end)
		return false;
	*out = timegm(&tm);
	return true;
}

/* config.shard = {"index": I, "count": N, ...}; absent: not a shard. */
static int read_shard(struct merge_input *m, char *err, size_t cap)
{
	const struct jr_value *sh = jr_path(&m->root, "config.shard");
	if (!sh || sh->type == JR_NULL)
		return 0;
	if (!jr_as_u64(jr_get(sh, "index"), &m->shard_i) || !jr_as_u64(jr_get(sh, "count"), &m->shard_n) ||
	    m->shard_i < 1 || m->shard_i > m->shard_n)
		return refuse(err, cap, "%s: config.shard is not {\"index\": I, \"count\": N} with 1 <= I <= N",
			      m->name);
	return 0;
}

/* A server report: its keys and start (no latency histogram to check). */
static int check_server(struct merge_input *m, char *err, size_t cap)
{
	for (size_t i = 0; i < sizeof(required_server) / sizeof(required_server[0]); i++)
		if (!jr_path(&m->root, required_server[i]))
			return refuse(err, cap, "%s: a server report without key %s (truncated, or from a tcpswarm "
					   "without the server's peers?); merge takes client reports or server reports",
				      m->name, required_server[i]);
	if (!parse_utc(jr_as_str(jr_get(&m->root, "started_at")), &m->started))
		return refuse(err, cap, "%s: started_at is not YYYY-MM-DDTHH:MM:SSZ", m->name);
	return 0;
}

static int check_one(struct merge_input *m, struct hist *scratch, char *err, size_t cap)
{
	const char *tool = jr_as_str(jr_get(&m->root, "tool"));
	const char *role = jr_as_str(jr_get(&m->root, "role"));
	if (m->root.type != JR_OBJECT || !tool || strcmp(tool, "tcpswarm"))
		return refuse(err, cap, "%s: not a tcpswarm report (no \"tool\": \"tcpswarm\")", m->name);
	if (role && !strcmp(role, "server"))
		return check_server(m, err, cap);
	if (!role || strcmp(role, "client"))
		return refuse(err, cap, "%s: a %s report; merge takes client reports (tcpswarm client --json) or server ones",
			      m->name, role ? role : "role-less");
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!jr_path(&m->root, required[i]))
			return refuse(err, cap, "%s: key %s is missing (truncated or not a client report?)", m->name,
				      required[i]);
	if (!parse_utc(jr_as_str(jr_get(&m->root, "started_at")), &m->started))
		return refuse(err, cap, "%s: started_at is not YYYY-MM-DDTHH:MM:SSZ", m->name);
	const struct jr_value *h = jr_path(&m->root, "latency_us.histogram");
	uint64_t count;
	if (hist_parse_sparse(scratch, h->raw, h->raw_len) < 0)
		return refuse(err, cap, "%s: latency_us.histogram is not this version's bucket list", m->name);
	if (!jr_as_u64(jr_path(&m->root, "latency_us.count"), &count) || count != scratch->count)
		return refuse(err, cap, "%s: latency_us.count disagrees with its histogram", m->name);
	return read_shard(m, err, cap);
}

int merge_add_text(struct merge_set *s, const char *name, char *text, size_t len, char *err, size_t errcap)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		struct merge_input *in = realloc(s->in, nc * sizeof(*in));
		if (!in) {
			free(text);
			return refuse(err, errcap, "%s: out of memory", name);
		}
		s->in = in;
		s->cap = nc;
	}
	if (!s->lat && !(s->lat = malloc(sizeof(*s->lat)))) {
		free(text);
		return refuse(err, errcap, "%s: out of memory", name);
	}
	struct merge_input *m = &s->in[s->n++];
	memset(m, 0, sizeof(*m));
	m->name = name;
	m->text = text;
	m->len = len;
	char why[200];
	if (jr_parse(text, len, &m->root, why, sizeof(why)) < 0)
		return refuse(err, errcap, "%s: not JSON: %s", name, why);
	return check_one(m, s->lat, err, errcap);
}

/* The same JSON value, whatever the spacing: reports re-serialised by jq
 * and the like still belong together. Objects compare key by key in order
 * (tcpswarm writes its keys in one order). */
static bool same_value(const struct jr_value *a, const struct jr_value *b)
{
	if (!a || !b)
		return a == b;
	if (a->type != b->type || a->n != b->n)
		return false;
	switch (a->type) {
	case JR_STRING:
		return a->str_len == b->str_len && !memcmp(a->str, b->str, a->str_len);
	case JR_NUMBER:
		return a->is_u64 == b->is_u64 && (a->is_u64 ? a->u64 == b->u64 : a->number == b->number);
	case JR_BOOL:
		return a->boolean == b->boolean;
	case JR_ARRAY:
	case JR_OBJECT:
		for (size_t i = 0; i < a->n; i++)
			if ((a->type == JR_OBJECT && strcmp(a->keys[i], b->keys[i])) || !same_value(&a->kids[i], &b->kids[i]))
				return false;
		return true;
	default:
		return true; /* null */
	}
}

static int by_shard(const void *a, const void *b)
{
	const struct merge_input *x = a, *y = b;
	return x->shard_i < y->shard_i ? -1 : x->shard_i > y->shard_i;
}

static int check_shards(struct merge_set *s, char *err, size_t cap)
{
	char a[64], b[64];
	uint64_t n = s->in[0].shard_n;
	for (size_t i = 0; i < s->n; i++)
		if ((s->in[i].shard_n != 0) != (n != 0) || s->in[i].shard_n != n)
			return refuse(err, cap, "%s and %s: not shards of one plan (different --shard counts, or one is not a shard)",
				      s->in[0].name, s->in[i].name);
	if (!n)
		return 0;
	qsort(s->in, s->n, sizeof(s->in[0]), by_shard);
	for (size_t i = 1; i < s->n; i++)
		if (s->in[i].shard_i == s->in[i - 1].shard_i) {
			snprintf(a, sizeof(a), "%" PRIu64 "/%" PRIu64, s->in[i].shard_i, n);
			return refuse(err, cap, "shard %s appears twice (%s)", a, s->in[i].name);
		}
	for (uint64_t want = 1, i = 0; want <= n; want++, i++)
		if (i >= s->n || s->in[i].shard_i != want) {
			snprintf(a, sizeof(a), "%" PRIu64 "/%" PRIu64, want, n);
			snprintf(b, sizeof(b), "%zu of %" PRIu64, s->n, n);
			return refuse(err, cap, "shard %s is missing (%s shards given)", a, b);
		}
	const struct jr_value *plan = jr_path(&s->in[0].root, "config.shard");
	for (size_t i = 1; i < s->n; i++) {
		const struct jr_value *p = jr_path(&s->in[i].root, "config.shard");
		if (!same_value(jr_get(plan, "total_connections"), jr_get(p, "total_connections")) ||
		    !same_value(jr_get(plan, "total_rate"), jr_get(p, "total_rate")))
			return refuse(err, cap, "%s and %s: shards of different global plans (-c or -r differ)",
				      s->in[0].name, s->in[i].name);
	}
	return 0;
}

/* Requests per second per connection: the same plan spread over more
 * machines keeps it; a different -r on one machine does not. */
static int check_rates(struct merge_set *s, char *err, size_t cap)
{
	double r0 = 0, c0 = 0, r, c;
	for (size_t i = 0; i < s->n; i++) {
		jr_as_double(jr_path(&s->in[i].root, "config.rate"), &r);
		jr_as_double(jr_path(&s->in[i].root, "config.connections"), &c);
		if (i == 0) {
			r0 = r;
			c0 = c;
			continue;
		}
		double a = c0 > 0 ? r0 / c0 : r0, b = c > 0 ? r / c : r;
		if (fabs(a - b) > 1e-6 * fmax(fabs(a), fabs(b)))
			return refuse(err, cap, "%s and %s: different request rate per connection (-r over -c differs)",
				      s->in[0].name, s->in[i].name);
	}
	return 0;
}

static bool is_server(const struct merge_input *m)
{
	const char *role = jr_as_str(jr_get(&m->root, "role"));
	return role && !strcmp(role, "server");
}

static int check_plan(struct merge_set *s, char *err, size_t cap)
{
	const struct merge_input *a = &s->in[0];
	s->server = is_server(a);
	const char *const *keys = s->server ? same_server : same_plan;
	for (size_t i = 1; i < s->n; i++) {
		const struct merge_input *b = &s->in[i];
		if (is_server(b) != s->server)
			return refuse(err, cap, "%s and %s: a %s and a %s report; merge takes reports of one role", a->name,
				      b->name, s->server ? "server" : "client", s->server ? "client" : "server");
		if (!same_value(jr_get(&a->root, "version"), jr_get(&b->root, "version")))
			return refuse(err, cap, "%s and %s: written by different tcpswarm versions", a->name, b->name);
		for (size_t k = 0; keys[k]; k++) {
			const struct jr_value *ca = jr_path(&a->root, "config"), *cb = jr_path(&b->root, "config");
			if (!same_value(jr_get(ca, keys[k]), jr_get(cb, keys[k]))) {
				char what[300];
				snprintf(what, sizeof(what), "%s and %s: config.%s differs", a->name, b->name, keys[k]);
				return refuse(err, cap, "%s (not one plan)", what);
			}
		}
	}
	return 0;
}

/* Every input's latency histograms added, each exact max restored (the
 * bucket list alone gives only the bucket's bound). A connect latency
 * without buckets makes its merge inexact; so does a handshake_us without
 * them (a report with no handshake_us had no TLS: nothing to add). */
static int merge_histograms(struct merge_set *s, char *err, size_t cap)
{
	struct hist *one = malloc(sizeof(*one));
	s->conn = malloc(sizeof(*s->conn));
	s->hs = malloc(sizeof(*s->hs));
	if (!one || !s->conn || !s->hs) {
		free(one);
		return refuse(err, cap, "out of memory");
	}
	static const char *const blocks[] = {"latency_us", "connections.connect_latency_us", "connections.handshake_us"};
	struct hist *into[] = {s->lat, s->conn, s->hs};
	bool *exact[] = {NULL, &s->conn_exact, &s->hs_exact};
	for (int which = 0; which < 3; which++)
		hist_reset(into[which]);
	s->conn_exact = s->hs_exact = true;
	for (size_t i = 0; i < s->n; i++) {
		const struct jr_value *root = &s->in[i].root;
		for (int which = 0; which < 3; which++) {
			const struct jr_value *blk = jr_path(root, blocks[which]);
			const struct jr_value *h = jr_get(blk, "histogram");
			uint64_t max;
			double mean;
			if (!h || hist_parse_sparse(one, h->raw, h->raw_len) < 0) {
				if (exact[which] && (blk || which == 1))
					*exact[which] = false;
				continue;
			}
			if (jr_as_u64(jr_get(blk, "max"), &max) && one->count)
				one->max = max;
			if (jr_as_double(jr_get(blk, "mean"), &mean))
				one->sum = (uint64_t)llround(mean * (double)one->count);
			hist_merge(into[which], one);
		}
	}
	free(one);
	return 0;
}

static void span(struct merge_set *s)
{
	double end = 0;
	s->t0 = s->in[0].started;
	for (size_t i = 0; i < s->n; i++)
		if (s->in[i].started < s->t0)
			s->t0 = s->in[i].started;
	for (size_t i = 0; i < s->n; i++) {
		double d = 0;
		jr_as_double(jr_get(&s->in[i].root, "duration_s"), &d);
		if ((double)(s->in[i].started - s->t0) + d > end)
			end = (double)(s->in[i].started - s->t0) + d;
	}
	s->span_s = end;
}

int merge_check(struct merge_set *s, char *err, size_t cap)
{
	if (s->n == 0)
		return refuse(err, cap, "no reports given");
	if (check_plan(s, err, cap) < 0 || check_shards(s, err, cap) < 0 ||
	    (!s->server && check_rates(s, err, cap) < 0) || merge_histograms(s, err, cap) < 0)
		return -1;
	if (s->server && merge_peers_collect(s, &s->peers) < 0)
		return refuse(err, cap, "out of memory");
	span(s);
	return 0;
}

void merge_set_free(struct merge_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		jr_free(&s->in[i].root);
		free(s->in[i].text);
	}
	free(s->in);
	free(s->lat);
	free(s->conn);
	free(s->hs);
	merge_peers_free(&s->peers);
	memset(s, 0, sizeof(*s));
}
