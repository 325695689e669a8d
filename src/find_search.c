/* The --find max-rate and max-conns search: pure, driven one step at a
 * time. */
#include "tcpswarm/find.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/hist.h"
#include "tcpswarm/report.h"
#include "tcpswarm/units.h"

void find_search_init(struct find_search *s, double start, double cap)
{
	memset(s, 0, sizeof(*s));
	s->cap = cap;
	s->next = start < cap ? start : cap;
	s->verdict = FV_RUNNING;
	s->kind = FIND_MAX_RATE;
}

void find_search_init_conns(struct find_search *s, double start, double cap)
{
	find_search_init(s, floor(start) >= 1 ? floor(start) : 1, floor(cap));
	s->kind = FIND_MAX_CONNS;
}

/* max-conns counts whole connections */
static double value(const struct find_search *s, double v) { return s->kind == FIND_MAX_CONNS ? floor(v) : v; }

bool find_slo_held(const struct find_slo *slo, const struct find_step *st)
{
	return st->answered > 0 && st->lat_us <= slo->lat_us && st->errors <= slo->max_errors;
}

bool find_conns_held(const struct find_slo *slo, const struct find_step *st)
{
	if (!st->wanted || st->peak_open < st->wanted || st->held_open < st->wanted || st->conn_errors > slo->max_errors)
		return false;
	if (st->rate > 0 && slo->pct > 0) /* -r given: the latency SLO too */
		return st->answered > 0 && st->lat_us <= slo->lat_us;
	return true;
}

static void over(struct find_search *s, enum find_verdict v)
{
	s->verdict = v;
	s->next = 0;
}

/* Both ends known: halve the gap until it is within the tolerance. */
static void bisect(struct find_search *s)
{
	if (s->hi - s->lo <= FIND_TOLERANCE * s->lo || s->bisections >= FIND_MAX_BISECTIONS ||
	    value(s, (s->lo + s->hi) / 2) <= s->lo) { /* whole counts: adjacent */
		over(s, FV_KNEE);
		return;
	}
	s->bisections++;
	s->next = value(s, (s->lo + s->hi) / 2);
}

void find_search_record(struct find_search *s, struct find_step *st, const struct find_slo *slo)
{
	s->steps++;
	st->ok = s->kind == FIND_MAX_CONNS ? find_conns_held(slo, st) : find_slo_held(slo, st);
	if (st->stopped)
		return over(s, FV_STOPPED);
	if (st->generator_bound) /* the step measured the client: not a knee */
		return over(s, FV_GENERATOR_BOUND);
	double v = s->kind == FIND_MAX_CONNS ? (double)st->wanted : st->rate; /* the step's value */
	if (st->ok && v > s->lo)
		s->lo = v;
	if (!st->ok && (s->hi == 0 || v < s->hi))
		s->hi = v;
	if (s->steps >= FIND_MAX_STEPS)
		return over(s, FV_OUT_OF_STEPS);
	if (s->hi == 0) { /* nothing broke yet: double, up to the cap */
		if (v >= s->cap)
			return over(s, FV_CAP);
		s->next = v * 2 < s->cap ? v * 2 : s->cap;
	} else if (s->lo == 0) { /* nothing held yet: halve */
		if (s->hi / 2 < 1)
			return over(s, FV_NONE_HELD);
		s->next = value(s, s->hi / 2);
	} else {
		bisect(s);
	}
}

int find_slo_parse(const char *v, struct find_slo *slo, char *err, size_t cap)
{
	memset(slo, 0, sizeof(*slo));
	slo->max_errors = 0.01;
	bool has_lat = false;
	char buf[256];
	if (strlen(v) >= sizeof(buf)) {
		snprintf(err, cap, "'%s': too long", v);
		return -1;
	}
	strcpy(buf, v);
	char e[200], *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			goto bad;
		*eq = 0;
		if (!strcmp(tok, "errors")) {
			if (units_parse_fraction(eq + 1, &slo->max_errors, e, sizeof(e)) < 0)
				goto bad;
		} else if (tok[0] == 'p' && tok[1]) {
			char *end;
			slo->pct = strtod(tok + 1, &end);
			if (*end || !(slo->pct > 0 && slo->pct < 100) || units_parse_duration(eq + 1, &slo->lat_us, e, sizeof(e)) < 0)
				goto bad;
			has_lat = true;
		} else {
			goto bad;
		}
	}
	if (has_lat)
		return 0;
bad:
	snprintf(err, cap, "'%s': expected pNN=TIME[,errors=X], e.g. p99=5ms or p99=5ms,errors=0.1%%", v);
	return -1;
}

uint64_t find_step_us(uint64_t step_us, double rate)
{
	uint64_t need = rate > 0 ? (uint64_t)ceil(FIND_MIN_ANSWERS / rate * 1e6) : 0;
	if (need < FIND_MIN_STEP_US)
		need = FIND_MIN_STEP_US;
	return step_us > need ? step_us : need;
}

const char *find_verdict_name(enum find_verdict v)
{
	static const char *const names[] = {"running", "knee", "cap", "none_held", "generator_bound", "stopped",
					    "out_of_steps"};
	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

void find_step_measure(struct find_step *st, const struct run_report *r, const struct find_slo *slo, double rate)
{
	const struct totals *t = &r->tot;
	memset(st, 0, sizeof(*st));
	st->rate = rate;
	st->duration_s = r->duration_s;
	st->achieved = r->duration_s > 0 ? (double)t->req_answered / r->duration_s : 0;
	st->answered = r->lat ? r->lat->count : 0;
	st->lat_us = st->answered ? hist_percentile(r->lat, slo->pct) : 0;
	/* as --max-error-rate counts them */
	uint64_t bad = t->conn_failed + t->req_errors + t->req_lost + t->req_not_sent;
	uint64_t all = t->conn_attempts + t->req_sent + t->req_not_sent;
	st->errors = all ? (double)bad / (double)all : 0;
	st->generator_bound = r->generator_bound;
	st->stopped = r->interrupted || r->failure[0];
	st->peak_open = r->peak_open;
	st->held_open = r->series.n ? r->series.v[r->series.n - 1].open : 0;
	st->conn_attempts = t->conn_attempts;
	st->conn_lost = t->conn_failed + t->close[CR_PEER_CLOSED] + t->close[CR_RESET] + t->close[CR_IO_ERROR];
	st->conn_errors = t->conn_attempts ? (double)st->conn_lost / (double)t->conn_attempts : 0;
	if (r->diag.n)
		snprintf(st->limit, sizeof(st->limit), "%s", r->diag.f[0].limit);
	else if (t->close[CR_PEER_CLOSED] + t->close[CR_RESET] > 0)
		/* the kernel here saw nothing wrong: the server ended connections
		 * (its own limit: descriptors, a connection cap) */
		snprintf(st->limit, sizeof(st->limit), "server_closed");
}
