/* Unit tests for find_search.c: the --find max-rate search against fake
 * servers (a knee at X, a generator that gives out at Y, a server that
 * holds everything up to the cap), the SLO parser and the step length. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tcpswarm/find.h"

/* A fake server: rates up to knee answer in 1 ms, above it in 1 s; at gen
 * and above the generator is bound, and from step gen_step on (0: never). */
struct fake {
	double knee, gen;
	unsigned gen_step;
	double tried[FIND_MAX_STEPS + 1];
};

static const struct find_slo SLO = {.pct = 99, .lat_us = 5000, .max_errors = 0.01};

static struct find_search search(struct fake *f, double start, double cap)
{
	struct find_search s;
	find_search_init(&s, start, cap);
	while (s.next > 0) {
		assert_true(s.steps < FIND_MAX_STEPS);
		struct find_step st = {.rate = s.next, .answered = 5000, .achieved = s.next};
		st.lat_us = s.next <= f->knee ? 1000 : 1000000;
		st.generator_bound = (f->gen > 0 && s.next >= f->gen) || (f->gen_step && s.steps + 1 >= f->gen_step);
		f->tried[s.steps] = s.next;
		find_search_record(&s, &st, &SLO);
		assert_int_equal(st.ok, st.lat_us <= 5000);
	}
	return s;
}

static void knee(void **state)
{
	(void)state;
	struct fake f = {.knee = 3000};
	struct find_search s = search(&f, 1000, FIND_RATE_CAP);
	assert_int_equal(s.verdict, FV_KNEE);
	assert_true(s.lo <= 3000 && s.hi > 3000);
	assert_true(s.hi - s.lo <= FIND_TOLERANCE * s.lo);
	assert_true(s.lo >= 3000 * 0.95);
	/* doubling first: 1k, 2k, 4k, then bisecting 3k .. */
	assert_true(f.tried[0] == 1000 && f.tried[1] == 2000 && f.tried[2] == 4000 && f.tried[3] == 3000);
	assert_true(s.steps <= 12);
}

static void knee_below_start(void **state)
{
	(void)state;
	struct fake f = {.knee = 300};
	struct find_search s = search(&f, 1000, FIND_RATE_CAP);
	assert_int_equal(s.verdict, FV_KNEE);
	assert_true(f.tried[1] == 500 && f.tried[2] == 250); /* halving while nothing held */
	assert_true(s.lo <= 300 && s.hi > 300 && s.lo >= 300 * 0.95);
}

static void generator_bound_stops(void **state)
{
	(void)state;
	struct fake f = {.knee = 100000, .gen = 7000};
	struct find_search s = search(&f, 1000, FIND_RATE_CAP);
	assert_int_equal(s.verdict, FV_GENERATOR_BOUND);
	assert_true(s.lo == 4000);   /* the last good step before it */
	assert_true(s.hi == 0);      /* never a false knee */
	assert_int_equal(s.steps, 4); /* 1k 2k 4k 8k */
	assert_true(s.next == 0);
}

static void generator_bound_while_bisecting(void **state)
{
	(void)state;
	struct fake f = {.knee = 3000, .gen_step = 5}; /* 1k 2k 4k 3k, then 3.5k bound */
	struct find_search s = search(&f, 1000, FIND_RATE_CAP);
	assert_int_equal(s.verdict, FV_GENERATOR_BOUND);
	assert_true(s.lo == 3000 && s.hi == 4000); /* the bound step moves neither end */
	assert_int_equal(s.steps, 5);
}

static void holds_to_cap(void **state)
{
	(void)state;
	struct fake f = {.knee = 1e12};
	struct find_search s = search(&f, 1000, 50000);
	assert_int_equal(s.verdict, FV_CAP);
	assert_true(s.lo == 50000 && s.hi == 0);
	assert_true(f.tried[s.steps - 1] == 50000 && f.tried[s.steps - 2] == 32000);
}

static void nothing_holds(void **state)
{
	(void)state;
	struct fake f = {.knee = 0.1};
	struct find_search s = search(&f, 1000, FIND_RATE_CAP);
	assert_int_equal(s.verdict, FV_NONE_HELD);
	assert_true(s.lo == 0);
}

static void stopped_and_errors(void **state)
{
	(void)state;
	struct find_search s;
	find_search_init(&s, 1000, FIND_RATE_CAP);
	struct find_step st = {.rate = 1000, .answered = 5000, .lat_us = 10, .errors = 0.02};
	find_search_record(&s, &st, &SLO);
	assert_false(st.ok); /* 2% errors over 1% */
	assert_true(s.hi == 1000 && s.next == 500);
	st = (struct find_step){.rate = 500, .stopped = true};
	find_search_record(&s, &st, &SLO);
	assert_int_equal(s.verdict, FV_STOPPED);
	assert_true(s.next == 0);
	st = (struct find_step){.rate = 1, .answered = 0, .lat_us = 0};
	assert_false(find_slo_held(&SLO, &st)); /* no answer holds nothing */
}

static void slo_parse(void **state)
{
	(void)state;
	struct find_slo slo;
	char err[256];
	assert_int_equal(find_slo_parse("p99=5ms", &slo, err, sizeof(err)), 0);
	assert_true(slo.pct == 99 && slo.lat_us == 5000 && fabs(slo.max_errors - 0.01) < 1e-12);
	assert_int_equal(find_slo_parse("p99.9=20ms,errors=0.1%", &slo, err, sizeof(err)), 0);
	assert_true(fabs(slo.pct - 99.9) < 1e-9 && slo.lat_us == 20000 && fabs(slo.max_errors - 0.001) < 1e-12);
	const char *bad[] = {"", "p99", "errors=1%", "p99=5ms,errors=2", "p100=1ms", "q99=1ms", "p99=fast", "p99=5ms,x=1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(find_slo_parse(bad[i], &slo, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "pNN=TIME"));
	}
}

/* --find max-conns against a fake server that holds `limit` connections:
 * a step above it peaks at the limit and loses the rest (shed); with gen
 * set, a step from that count on is generator-bound. */
struct fake_conns {
	uint64_t limit, gen;
	double errors_ok; /* the SLO's errors= */
	unsigned tried;
};

static struct find_search search_conns(struct fake_conns *f, double start, uint64_t *values)
{
	struct find_search s;
	struct find_slo slo = {.max_errors = f->errors_ok};
	find_search_init_conns(&s, start, FIND_CONNS_CAP);
	while (s.next > 0) {
		assert_true(s.steps < FIND_MAX_STEPS);
		assert_true(s.next == floor(s.next)); /* whole connections */
		uint64_t want = (uint64_t)s.next, open = want < f->limit ? want : f->limit;
		struct find_step st = {.wanted = want, .peak_open = open, .held_open = open, .conn_attempts = want};
		st.conn_lost = want - open;
		st.conn_errors = (double)st.conn_lost / (double)want;
		st.generator_bound = f->gen && want >= f->gen;
		values[s.steps] = want;
		find_search_record(&s, &st, &slo);
		if (!st.generator_bound)
			assert_int_equal(st.ok, want <= f->limit);
	}
	f->tried = s.steps;
	return s;
}

static void max_conns_knee(void **state)
{
	(void)state;
	uint64_t v[FIND_MAX_STEPS];
	struct fake_conns f = {.limit = 192};
	struct find_search s = search_conns(&f, 50, v);
	assert_int_equal(s.verdict, FV_KNEE);
	assert_true(s.lo <= 192 && s.hi > 192);
	assert_true(s.lo >= 192 * 0.95 && s.hi - s.lo <= 0.05 * s.lo + 1);
	assert_int_equal(v[0], 50); /* doubling: 50, 100, 200 broke, then bisecting */
	assert_int_equal(v[1], 100);
	assert_int_equal(v[2], 200);
	assert_int_equal(v[3], 150);
	/* a small limit bisects down to adjacent whole counts */
	f = (struct fake_conns){.limit = 3};
	s = search_conns(&f, 1, v);
	assert_int_equal(s.verdict, FV_KNEE);
	assert_true(s.lo == 3 && s.hi == 4);
	/* no count holds: halving to 1 */
	f = (struct fake_conns){.limit = 0};
	s = search_conns(&f, 100, v);
	assert_int_equal(s.verdict, FV_NONE_HELD);
	assert_true(s.lo == 0);
	/* errors= lets a step that lost a few hold only when every wanted one
	 * was still open: a shed step never holds */
	f = (struct fake_conns){.limit = 1000, .errors_ok = 0.5};
	s = search_conns(&f, 100, v);
	assert_true(s.lo <= 1000 && s.hi > 1000);
	/* a generator-bound step stops the search: no false limit */
	f = (struct fake_conns){.limit = 100000, .gen = 400};
	s = search_conns(&f, 100, v);
	assert_int_equal(s.verdict, FV_GENERATOR_BOUND);
	assert_true(s.lo == 200 && s.hi == 0);
}

static void conns_held_rules(void **state)
{
	(void)state;
	struct find_slo slo = {.pct = 99, .lat_us = 5000, .max_errors = 0};
	struct find_step st = {.wanted = 100, .peak_open = 100, .held_open = 100, .conn_attempts = 100};
	assert_true(find_conns_held(&slo, &st)); /* idle (-r 0): latency is not judged */
	st.held_open = 99;
	assert_false(find_conns_held(&slo, &st)); /* one lost before the end */
	st.held_open = 100;
	st.conn_lost = 1, st.conn_attempts = 101, st.conn_errors = 1.0 / 101;
	assert_false(find_conns_held(&slo, &st)); /* errors= default 0: one failed connect breaks it */
	slo.max_errors = 0.01;
	assert_true(find_conns_held(&slo, &st));
	st.rate = 1000, st.answered = 5000, st.lat_us = 6000;
	assert_false(find_conns_held(&slo, &st)); /* with -r the latency SLO counts */
	st.lat_us = 4000;
	assert_true(find_conns_held(&slo, &st));
	st.answered = 0;
	assert_false(find_conns_held(&slo, &st));
	slo.pct = 0; /* --slo errors= only: no latency */
	assert_true(find_conns_held(&slo, &st));
	st.wanted = 0;
	assert_false(find_conns_held(&slo, &st));
}

static void step_length(void **state)
{
	(void)state;
	assert_int_equal(find_step_us(0, 100000), FIND_MIN_STEP_US);     /* 2 s at least */
	assert_int_equal(find_step_us(5000000, 100000), 5000000);        /* --step longer: kept */
	assert_int_equal(find_step_us(2000000, 500), 4000000);           /* 2000 answers at 500/s: 4 s */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(knee),          cmocka_unit_test(knee_below_start), cmocka_unit_test(generator_bound_stops),
		cmocka_unit_test(generator_bound_while_bisecting), cmocka_unit_test(holds_to_cap),
		cmocka_unit_test(nothing_holds), cmocka_unit_test(stopped_and_errors), cmocka_unit_test(slo_parse),
		cmocka_unit_test(step_length),   cmocka_unit_test(max_conns_knee), cmocka_unit_test(conns_held_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
