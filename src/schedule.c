/* Load schedules: parsing (the --rate-schedule spec, the two classic
 * tcpclient stdin formats) and evaluation (value, integral, the inverse of
 * the integral). Pure: text in, numbers out. */
#include "tcpswarm/schedule.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tcpswarm/units.h"

#define SPEC_FORMS                                                                      \
	"accepted: TIME:VALUE[,TIME:VALUE...], TIME with a unit (30s, 1500ms, 2m), VALUE a " \
	"count (50k), +VALUE a step, e.g. 0s:1k,30s:50k,60s:+10k"
#define STEPS_FORMS "accepted: a first line with the count of steps, then one '<duration_ms> <rate>' line per step"
#define SLOPE_FORMS                                                                         \
	"accepted: '<duration_ms> <slope_qps_per_s>' lines (slope may be negative), optionally " \
	"after a first line with their count"
#define MAX_TOKEN 64
#define MAX_LENGTH_S (100.0 * 365 * 86400) /* the duration parser's own bound */

/* ---- building ------------------------------------------------------------ */

static int add_point(struct schedule *s, double t, double v, char *err, size_t cap, const char *where)
{
	if (s->n == SCHED_MAX_POINTS) {
		snprintf(err, cap, "%sthe schedule has more than %d points", where, SCHED_MAX_POINTS);
		return -1;
	}
	s->p[s->n++] = (struct sched_point){.t = t, .v = v};
	return 0;
}

/* Starts the schedule at 0 (the first value holds before the first point)
 * and fills in the integral at every point. */
static int finish(struct schedule *s, char *err, size_t cap)
{
	if (s->p[0].t > 0) {
		if (s->n == SCHED_MAX_POINTS) {
			snprintf(err, cap, "the schedule has more than %d points", SCHED_MAX_POINTS);
			s->n = 0;
			return -1;
		}
		memmove(&s->p[1], &s->p[0], s->n * sizeof(s->p[0]));
		s->n++;
		s->p[0].t = 0;
	}
	s->p[0].cum = 0;
	for (size_t i = 1; i < s->n; i++) {
		const struct sched_point *a = &s->p[i - 1], *b = &s->p[i];
		s->p[i].cum = a->cum + (b->t - a->t) * (a->v + b->v) / 2;
	}
	return 0;
}

/* ---- the --rate-schedule spec ---------------------------------------------- */

/* One "TIME:[+]VALUE" of len bytes at column col into s. */
static int spec_point(const char *item, size_t len, size_t col, struct schedule *s, char *err, size_t cap)
{
	char buf[MAX_TOKEN], e[200], where[32];
	snprintf(where, sizeof(where), "column %zu: ", col);
	const char *colon = memchr(item, ':', len);
	if (len == 0 || len >= MAX_TOKEN || !colon) {
		snprintf(err, cap, "%s'%.*s': expected TIME:VALUE (%s)", where, (int)(len < 40 ? len : 40), item,
			 len ? SPEC_FORMS : "an empty point; " SPEC_FORMS);
		return -1;
	}
	size_t tlen = (size_t)(colon - item);
	memcpy(buf, item, tlen);
	buf[tlen] = 0;
	uint64_t us;
	if (tlen == 0 || !((buf[tlen - 1] >= 'a' && buf[tlen - 1] <= 'z') || (unsigned char)buf[tlen - 1] >= 0x80)) {
		snprintf(err, cap, "%stime '%s' needs a unit (%s)", where, buf, SPEC_FORMS);
		return -1;
	}
	if (units_parse_duration(buf, &us, e, sizeof(e)) < 0) {
		snprintf(err, cap, "%stime %s", where, e);
		return -1;
	}
	const char *val = colon + 1;
	size_t vlen = len - tlen - 1;
	bool step = vlen && *val == '+';
	val += step, vlen -= step;
	memcpy(buf, val, vlen);
	buf[vlen] = 0;
	uint64_t v;
	snprintf(where, sizeof(where), "column %zu: ", col + (size_t)(val - item));
	if (units_parse_count(buf, &v, e, sizeof(e)) < 0) {
		snprintf(err, cap, "%svalue %s", where, e);
		return -1;
	}
	if ((double)v > SCHED_MAX_RATE) {
		snprintf(err, cap, "%svalue %s is above 1g (requests a second)", where, buf);
		return -1;
	}
	double t = (double)us / 1e6;
	if (s->n && (t < s->p[s->n - 1].t || (t == s->p[s->n - 1].t && !step))) {
		snprintf(err, cap, "column %zu: time %.*s is not after the point before (times must increase; +VALUE for a step)",
			 col, (int)tlen, item);
		return -1;
	}
	if (step && s->n && add_point(s, t, s->p[s->n - 1].v, err, cap, where) < 0)
		return -1; /* the value before holds up to the step */
	return add_point(s, t, (double)v, err, cap, where);
}

int schedule_parse_spec(const char *spec, struct schedule *s, char *err, size_t cap)
{
	s->n = 0;
	if (!spec || !*spec) {
		snprintf(err, cap, "column 1: the schedule is empty (%s)", SPEC_FORMS);
		return -1;
	}
	for (const char *p = spec;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (spec_point(p, len, (size_t)(p - spec) + 1, s, err, cap) < 0) {
			s->n = 0;
			return -1;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return finish(s, err, cap);
}

/* ---- the classic formats --------------------------------------------------- */

struct field {
	const char *p;
	size_t len, col;
};

/* Splits one line (up to '\n' or the end) into at most max fields; returns
 * how many there were (counting any beyond max), *next the next line. */
static size_t split_line(const char *line, const char **next, struct field *f, size_t max)
{
	size_t n = 0;
	const char *p = line;
	while (*p && *p != '\n') {
		if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
			continue;
		}
		const char *start = p;
		while (*p && *p != '\n' && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (n < max)
			f[n] = (struct field){.p = start, .len = (size_t)(p - start), .col = (size_t)(start - line) + 1};
		n++;
	}
	*next = *p ? p + 1 : NULL;
	return n;
}

/* A whole number field (count suffixes allowed); signed: a leading '-' or
 * '+' is allowed and *neg says which. */
static int field_number(const struct field *f, size_t line, const char *what, bool is_signed, bool *neg,
			uint64_t *out, char *err, size_t cap)
{
	char buf[MAX_TOKEN], e[200];
	const char *p = f->p;
	size_t len = f->len;
	bool minus = false;
	if (is_signed && len > 1 && (*p == '-' || *p == '+'))
		minus = *p == '-', p++, len--;
	if (len >= MAX_TOKEN) {
		snprintf(err, cap, "line %zu, column %zu: %s of %zu characters (at most %d)", line, f->col, what, len,
			 MAX_TOKEN - 1);
		return -1;
	}
	memcpy(buf, p, len);
	buf[len] = 0;
	if (units_parse_count(buf, out, e, sizeof(e)) < 0) {
		snprintf(err, cap, "line %zu, column %zu: %s %s", line, f->col, what, e);
		return -1;
	}
	if (neg)
		*neg = minus;
	return 0;
}

/* The reader both formats share: calls step() for every data line. */
struct text_reader {
	enum sched_format fmt;
	const char *forms;
	double t, rate;
	struct schedule *s;
};

static int read_step(struct text_reader *rd, const struct field *f, size_t line, char *err, size_t cap)
{
	uint64_t ms, v;
	bool neg = false;
	char where[48];
	snprintf(where, sizeof(where), "line %zu, column %zu: ", line, f[0].col);
	if (field_number(&f[0], line, "duration_ms", false, NULL, &ms, err, cap) < 0)
		return -1;
	if (ms == 0) {
		snprintf(err, cap, "%sa duration_ms of 0 (%s)", where, rd->forms);
		return -1;
	}
	const char *what = rd->fmt == SCHED_STEPS ? "rate" : "slope";
	if (field_number(&f[1], line, what, rd->fmt == SCHED_SLOPE, &neg, &v, err, cap) < 0)
		return -1;
	if ((double)v > SCHED_MAX_RATE) {
		snprintf(err, cap, "%s%s %" PRIu64 " is above 1g (requests a second)", where, what, v);
		return -1;
	}
	double t1 = rd->t + (double)ms / 1000;
	if (t1 > MAX_LENGTH_S) {
		snprintf(err, cap, "%sthe schedule runs past 100 years (%s)", where, rd->forms);
		return -1;
	}
	if (rd->fmt == SCHED_STEPS) {
		if (add_point(rd->s, rd->t, (double)v, err, cap, where) < 0 || add_point(rd->s, t1, (double)v, err, cap, where) < 0)
			return -1;
	} else {
		double r1 = rd->rate + (neg ? -1.0 : 1.0) * (double)v * (double)ms / 1000;
		if (r1 < -1e-9 * (double)v) {
			snprintf(err, cap, "line %zu, column %zu: the rate falls below 0 (to %.6g) by the end of this line (%s)",
				 line, f[1].col, r1, rd->forms);
			return -1;
		}
		if (r1 > SCHED_MAX_RATE) { /* found by the fuzzer: a steep slope passed 1g unchecked */
			snprintf(err, cap, "line %zu, column %zu: the rate rises above 1g (to %.6g) by the end of this line (%s)",
				 line, f[1].col, r1, rd->forms);
			return -1;
		}
		r1 = r1 < 0 ? 0 : r1;
		if ((!rd->s->n && add_point(rd->s, 0, rd->rate, err, cap, where) < 0) ||
		    add_point(rd->s, t1, r1, err, cap, where) < 0)
			return -1;
		rd->rate = r1;
	}
	rd->t = t1;
	return 0;
}

/* Reads every line; the count line first (required for steps, optional for
 * slope); then data lines of two fields. */
static int read_text(struct text_reader *rd, const char *text, char *err, size_t cap)
{
	uint64_t count = 0, steps = 0;
	bool have_count = false;
	size_t line = 0;
	for (const char *p = text; p && *p;) {
		struct field f[3];
		line++;
		size_t n = split_line(p, &p, f, 3);
		if (n == 0)
			continue; /* blank lines are skipped */
		if (!have_count && !steps && (n == 1 || rd->fmt == SCHED_STEPS)) {
			if (n != 1) {
				snprintf(err, cap, "line %zu, column %zu: expected the count of steps alone on the first line (%s)",
					 line, f[1].col, rd->forms);
				return -1;
			}
			if (field_number(&f[0], line, "count", false, NULL, &count, err, cap) < 0)
				return -1;
			have_count = true;
			continue;
		}
		if (n != 2) {
			size_t col = n < 2 ? f[0].col + f[0].len : f[2].col;
			snprintf(err, cap, "line %zu, column %zu: %s (%s)", line, col,
				 n < 2 ? "expected two fields" : "unexpected text after the second field", rd->forms);
			return -1;
		}
		if (have_count && steps == count) {
			snprintf(err, cap, "line %zu, column 1: more lines than the count (%llu) says (%s)", line,
				 (unsigned long long)count, rd->forms);
			return -1;
		}
		if (read_step(rd, f, line, err, cap) < 0)
			return -1;
		steps++;
	}
	if (!steps || (have_count && steps != count)) {
		snprintf(err, cap, "line %zu, column 1: %s (%s)", line ? line : 1,
			 !steps ? "no steps in the schedule" : "fewer lines than the count says", rd->forms);
		return -1;
	}
	return 0;
}

int schedule_parse_text(const char *text, enum sched_format fmt, double start_rate, struct schedule *s, char *err,
			size_t cap)
{
	s->n = 0;
	struct text_reader rd = {
		.fmt = fmt, .forms = fmt == SCHED_STEPS ? STEPS_FORMS : SLOPE_FORMS, .rate = start_rate, .s = s};
	if (read_text(&rd, text ? text : "", err, cap) < 0) {
		s->n = 0;
		return -1;
	}
	return finish(s, err, cap);
}

int schedule_parse_steps(const char *text, struct schedule *s, char *err, size_t cap)
{
	return schedule_parse_text(text, SCHED_STEPS, 0, s, err, cap);
}

int schedule_parse_slope(const char *text, double start_rate, struct schedule *s, char *err, size_t cap)
{
	return schedule_parse_text(text, SCHED_SLOPE, start_rate, s, err, cap);
}

/* ---- evaluation ------------------------------------------------------------ */

/* The last point at or before t (points with one time: the last of them). */
static size_t point_at(const struct schedule *s, double t)
{
	size_t lo = 0, hi = s->n; /* p[lo].t <= t (or lo == 0), p[hi].t > t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->p[mid].t <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The slope of the segment after point i (0 after the last). */
static double slope_after(const struct schedule *s, size_t i)
{
	if (i + 1 >= s->n || s->p[i + 1].t <= s->p[i].t)
		return 0;
	return (s->p[i + 1].v - s->p[i].v) / (s->p[i + 1].t - s->p[i].t);
}

double schedule_value(const struct schedule *s, double t)
{
	if (!s->n)
		return 0;
	size_t i = point_at(s, t);
	double dt = t > s->p[i].t ? t - s->p[i].t : 0;
	return s->p[i].v + slope_after(s, i) * dt;
}

double schedule_integral(const struct schedule *s, double t)
{
	if (!s->n || t <= 0)
		return 0;
	size_t i = point_at(s, t);
	double dt = t - s->p[i].t;
	return s->p[i].cum + s->p[i].v * dt + slope_after(s, i) * dt * dt / 2;
}

double schedule_time_of(const struct schedule *s, double area)
{
	if (!s->n)
		return INFINITY;
	if (area <= 0)
		return 0;
	/* the first point whose integral reaches area: where a stretch of rate 0
	 * keeps the integral flat, the area is reached at its start, not its end
	 * (found by the fuzzer: a request due at a step down to 0 was put off) */
	size_t lo = 0, hi = s->n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->p[mid].cum >= area)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (s->p[lo].cum == area)
		return s->p[lo].t;
	if (s->p[lo].cum > area)
		lo--; /* inside the segment before it (p[0].cum is 0 < area) */
	const struct sched_point *a = &s->p[lo];
	double need = area - a->cum, b = slope_after(s, lo);
	if (lo + 1 >= s->n && a->v <= 0)
		return INFINITY; /* 0 from here on: never */
	/* a->v*dt + b*dt^2/2 = need; this form keeps its precision as b -> 0 */
	double disc = a->v * a->v + 2 * b * need;
	double dt = 2 * need / (a->v + sqrt(disc > 0 ? disc : 0));
	double t = a->t + dt;
	if (lo + 1 < s->n && t > s->p[lo + 1].t)
		t = s->p[lo + 1].t; /* rounding: never past the segment's end */
	return t;
}

double schedule_length(const struct schedule *s) { return s->n ? s->p[s->n - 1].t : 0; }

double schedule_peak(const struct schedule *s)
{
	double m = 0;
	for (size_t i = 0; i < s->n; i++)
		m = s->p[i].v > m ? s->p[i].v : m;
	return m;
}

uint64_t schedule_count_at(const struct schedule *s, double t)
{
	double v = schedule_value(s, t);
	return v > 0 ? (uint64_t)(v + 0.5) : 0;
}

uint64_t schedule_share(uint64_t total, uint64_t id, uint64_t parts)
{
	if (!parts)
		return 0;
	return total / parts + (id < total % parts);
}

void schedule_scale(struct schedule *s, double factor)
{
	for (size_t i = 0; i < s->n; i++) {
		s->p[i].v *= factor;
		s->p[i].cum *= factor;
	}
}

uint64_t schedule_conns_of(const struct schedule *s, double t, uint64_t shard_i, uint64_t shard_n, unsigned worker,
			   unsigned nworkers)
{
	uint64_t total = schedule_count_at(s, t);
	if (shard_n)
		total = schedule_share(total, shard_i - 1, shard_n);
	return schedule_share(total, worker, nworkers);
}

uint64_t sched_part_count(const struct sched_part *p, double t)
{
	return p->s ? schedule_conns_of(p->s, t, p->shard_i, p->shard_n, 0, 1) : 0;
}
