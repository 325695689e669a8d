/* Unit tests for schedule.c: the --rate-schedule spec, the two classic
 * tcpclient formats, every malformed form, and the evaluator (value,
 * integral, its inverse). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tcpswarm/schedule.h"

static struct schedule S; /* 96 KiB: not on the stack */

#define NEAR(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-6 * (1 + fabs((double)(b))))

static void spec_ok(const char *spec)
{
	char err[512] = "";
	int rc = schedule_parse_spec(spec, &S, err, sizeof(err));
	if (rc)
		print_error("'%s': %s\n", spec, err);
	assert_int_equal(rc, 0);
}

/* Fails, with a message that names where and contains want. */
static void spec_bad(const char *spec, const char *where, const char *want)
{
	char err[512] = "";
	assert_int_equal(schedule_parse_spec(spec, &S, err, sizeof(err)), -1);
	if (!strstr(err, where) || !strstr(err, want))
		print_error("'%s': got '%s', wanted '%s' and '%s'\n", spec, err, where, want);
	assert_non_null(strstr(err, where));
	assert_non_null(strstr(err, want));
	assert_int_equal(S.n, 0);
}

static void text_bad(const char *text, enum sched_format fmt, const char *where, const char *want)
{
	char err[512] = "";
	assert_int_equal(schedule_parse_text(text, fmt, 100, &S, err, sizeof(err)), -1);
	if (!strstr(err, where) || !strstr(err, want))
		print_error("got '%s', wanted '%s' and '%s'\n", err, where, want);
	assert_non_null(strstr(err, where));
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "accepted:"));
}

static void ramp(void **st)
{
	(void)st;
	spec_ok("0s:1k,30s:50k,60s:50k,90s:0");
	assert_int_equal(S.n, 4);
	NEAR(schedule_value(&S, 0), 1000);
	NEAR(schedule_value(&S, 15), 25500);     /* halfway up the ramp */
	NEAR(schedule_value(&S, 45), 50000);
	NEAR(schedule_value(&S, 75), 25000);
	NEAR(schedule_value(&S, 200), 0);        /* the last value holds */
	NEAR(schedule_length(&S), 90);
	NEAR(schedule_peak(&S), 50000);
	NEAR(schedule_integral(&S, 30), 30 * 25500.0);
	NEAR(schedule_integral(&S, 90), 30 * 25500.0 + 30 * 50000.0 + 30 * 25000.0);
	NEAR(schedule_integral(&S, 10), 1000 * 10 + (49000.0 / 30) * 100 / 2);
	/* the inverse of the integral, inside the ramps and the flat part */
	for (double t = 0.5; t < 90; t += 7.25)
		NEAR(schedule_time_of(&S, schedule_integral(&S, t)), t);
	assert_true(isinf(schedule_time_of(&S, schedule_integral(&S, 90) + 1))); /* 0 from 90 s on */
}

static void steps_and_units(void **st)
{
	(void)st;
	spec_ok("0s:200,2s:+2k,3500ms:+0,1m:1k");
	/* 200 up to 2 s, then 2000 up to 3.5 s, then 0, then a ramp to 1k at 60 s */
	NEAR(schedule_value(&S, 1.999), 200);
	NEAR(schedule_value(&S, 2), 2000);
	NEAR(schedule_value(&S, 3), 2000);
	NEAR(schedule_value(&S, 3.5), 0);
	NEAR(schedule_value(&S, 31.75), 500);
	NEAR(schedule_integral(&S, 3.5), 400 + 3000);
	NEAR(schedule_time_of(&S, 400), 2);
	NEAR(schedule_time_of(&S, 401), 2.0005);
	NEAR(schedule_time_of(&S, 3400.5), 3.5 + sqrt(2 * 0.5 / (1000 / 56.5))); /* the ramp from 0 */
	NEAR(schedule_length(&S), 60);
	/* a first point after 0: its value holds from 0 */
	spec_ok("10s:5k");
	NEAR(schedule_value(&S, 0), 5000);
	NEAR(schedule_integral(&S, 12), 60000);
	NEAR(schedule_time_of(&S, 60000), 12);
	NEAR(schedule_length(&S), 10);
}

static void classic_steps(void **st)
{
	(void)st;
	char err[512] = "";
	assert_int_equal(schedule_parse_steps("2\n1000 300\n\n2500 1k\n", &S, err, sizeof(err)), 0);
	NEAR(schedule_value(&S, 0.5), 300);
	NEAR(schedule_value(&S, 1.0), 1000);
	NEAR(schedule_value(&S, 3.4), 1000);
	NEAR(schedule_integral(&S, 3.5), 300 + 2500);
	NEAR(schedule_length(&S), 3.5);
	/* CRLF and tabs are whitespace; no final newline */
	assert_int_equal(schedule_parse_steps("1\r\n\t500\t40\r", &S, err, sizeof(err)), 0);
	NEAR(schedule_integral(&S, 0.5), 20);
}

static void classic_slope(void **st)
{
	(void)st;
	char err[512] = "";
	/* from 100/s: +50/s per second for 2 s, then -100/s per second for 1 s */
	assert_int_equal(schedule_parse_slope("2000 50\n1000 -100\n", 100, &S, err, sizeof(err)), 0);
	NEAR(schedule_value(&S, 0), 100);
	NEAR(schedule_value(&S, 2), 200);
	NEAR(schedule_value(&S, 3), 100);
	NEAR(schedule_integral(&S, 3), 300 + 150);
	NEAR(schedule_length(&S), 3);
	/* the optional count line */
	assert_int_equal(schedule_parse_slope("1\n1000 +10\n", 5, &S, err, sizeof(err)), 0);
	NEAR(schedule_value(&S, 1), 15);
	text_bad("1000 -200\n", SCHED_SLOPE, "line 1, column 6", "falls below 0");
	text_bad("2\n1000 1\n", SCHED_SLOPE, "line 2", "fewer lines than the count");
}

static void spec_malformed(void **st)
{
	(void)st;
	spec_bad("", "column 1", "empty");
	spec_bad(NULL, "column 1", "empty");
	spec_bad("0s:1k,,3s:2k", "column 7", "empty point");
	spec_bad("0s:1k,", "column 7", "empty point");
	spec_bad("0s:1k,30:5k", "column 7", "needs a unit");
	spec_bad("0s:1k,:5k", "column 7", "needs a unit");
	spec_bad("0s:1k,3s", "column 7", "expected TIME:VALUE");
	spec_bad("0s:1k,3s:", "column 10", "value");
	spec_bad("5s:1k,3s:2k", "column 7", "not after");
	spec_bad("5s:1k,5s:2k", "column 7", "+VALUE for a step");
	spec_bad("0s:-1k", "column 4", "value");
	spec_bad("-1s:1k", "column 1", "time");
	spec_bad("0s:99999999999999999999k", "column 4", "value");
	spec_bad("0s:1k,999999999h:1", "column 7", "time");
	spec_bad("0s:1kx", "column 4", "value");
	spec_bad("0s:1k 3", "column 4", "value");
	spec_bad("0sx:1k", "column 1", "time");
	spec_bad("0s:1k,1s:2k,2s:3k;", "column 16", "value");
	/* a step may share the time of the point before */
	spec_ok("0s:1k,5s:+2k");
	NEAR(schedule_value(&S, 5), 2000);
	NEAR(schedule_value(&S, 4.9), 1000);
}

/* --conn-schedule: the count at t (rounded), split over workers as -c is:
 * the parts add up to the count, the first ones take the remainder */
static void conn_targets(void **st)
{
	(void)st;
	spec_ok("0s:0,2s:200,3s:200,4s:50");
	assert_int_equal(schedule_count_at(&S, 0), 0);
	assert_int_equal(schedule_count_at(&S, 1), 100);
	assert_int_equal(schedule_count_at(&S, 0.0126), 1); /* 1.26 rounds to 1 */
	assert_int_equal(schedule_count_at(&S, 0.015), 2);  /* 1.5 rounds up */
	assert_int_equal(schedule_count_at(&S, 3.5), 125);
	assert_int_equal(schedule_count_at(&S, 9), 50); /* the last holds */
	for (double t = 0; t <= 4; t += 0.1) {
		uint64_t want = schedule_count_at(&S, t);
		for (unsigned n = 1; n <= 7; n++) {
			uint64_t sum = 0;
			for (unsigned w = 0; w < n; w++) {
				uint64_t part = schedule_conns_of(&S, t, 0, 0, w, n);
				assert_true(part == want / n || part == want / n + 1);
				assert_true(w == 0 || part <= schedule_conns_of(&S, t, 0, 0, w - 1, n));
				sum += part;
			}
			assert_int_equal(sum, want);
		}
	}
	assert_int_equal(schedule_share(10, 0, 3), 4);
	assert_int_equal(schedule_share(10, 2, 3), 3);
	assert_int_equal(schedule_share(2, 2, 3), 0);
	assert_int_equal(schedule_share(5, 0, 0), 0);
	struct sched_part p = {&S, 2, 2};
	assert_int_equal(sched_part_count(&p, 1), 50); /* shard 2 of 2 of 100 */
	p.s = NULL;
	assert_int_equal(sched_part_count(&p, 1), 0);
}

static void text_malformed(void **st)
{
	(void)st;
	text_bad("", SCHED_STEPS, "line 1", "no steps");
	text_bad("\n\n", SCHED_STEPS, "line 2", "no steps");
	text_bad("1000 300\n", SCHED_STEPS, "line 1, column 6", "count of steps alone");
	text_bad("x\n", SCHED_STEPS, "line 1, column 1", "count");
	text_bad("2\n1000 300\n", SCHED_STEPS, "line 2", "fewer lines than the count");
	text_bad("1\n1000 300\n1000 5\n", SCHED_STEPS, "line 3, column 1", "more lines than the count");
	text_bad("1\n1000\n", SCHED_STEPS, "line 2, column 5", "expected two fields");
	text_bad("1\n1000 300 x\n", SCHED_STEPS, "line 2, column 10", "unexpected text");
	text_bad("1\n1000 30x\n", SCHED_STEPS, "line 2, column 6", "rate");
	text_bad("1\n-1000 30\n", SCHED_STEPS, "line 2, column 1", "duration_ms");
	text_bad("1\n1000 -30\n", SCHED_STEPS, "line 2, column 6", "rate");
	text_bad("1\n0 30\n", SCHED_STEPS, "line 2, column 1", "duration_ms of 0");
	text_bad("1\n99999999999999999999 30\n", SCHED_STEPS, "line 2, column 1", "duration_ms");
	text_bad("2\n3000000000000 1\n3000000000000 1\n", SCHED_STEPS, "line 3", "100 years");
	text_bad("1000 5x\n", SCHED_SLOPE, "line 1, column 6", "slope");
	text_bad("1000\n1000\n", SCHED_SLOPE, "line 2, column 5", "expected two fields");
}

/* Fuzzer regression (tests/fuzz/fuzz_schedule.c): 100/s for 1 s, 500/s for
 * 2 s, then 0 for 0.5 s. The 1100th request is due when the integral reaches
 * 1100, at 3 s where the rate steps to 0, not at 3.5 s where the flat
 * stretch ends; inside a flat middle stretch likewise at its start. */
static void time_of_flat_stretch(void **state)
{
	(void)state;
	char err[200];
	assert_int_equal(schedule_parse_steps("3\n1000 100\n2000 500\n500 0\n", &S, err, sizeof(err)), 0);
	assert_true(fabs(schedule_time_of(&S, 1100) - 3.0) < 1e-9);
	assert_true(fabs(schedule_time_of(&S, 100) - 1.0) < 1e-9);
	assert_true(fabs(schedule_time_of(&S, 50) - 0.5) < 1e-9);
	assert_true(isinf(schedule_time_of(&S, 1100.5)));
	assert_int_equal(schedule_parse_spec("0s:10,1s:+0,2s:+10", &S, err, sizeof(err)), 0);
	assert_true(fabs(schedule_time_of(&S, 10) - 1.0) < 1e-9);
	assert_true(fabs(schedule_time_of(&S, 15) - 2.5) < 1e-9);
}

/* Fuzzer regression: a slope of 333333333/s for 333333333333 ms climbs past
 * the 1g cap every rate keeps (an intended count past 2^64); refused. */
static void slope_above_cap(void **state)
{
	(void)state;
	text_bad("\n333333333333\t333333333", SCHED_SLOPE, "line 2, column 14", "the rate rises above 1g");
	text_bad("1000 999999000\n1000 2000", SCHED_SLOPE, "line 2", "above 1g");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(time_of_flat_stretch), cmocka_unit_test(slope_above_cap), cmocka_unit_test(ramp),           cmocka_unit_test(steps_and_units), cmocka_unit_test(classic_steps),
		cmocka_unit_test(classic_slope),  cmocka_unit_test(spec_malformed),  cmocka_unit_test(text_malformed),
		cmocka_unit_test(conn_targets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
