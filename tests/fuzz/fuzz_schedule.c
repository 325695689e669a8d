/* libFuzzer target: the three schedule parsers (--rate-schedule and both
 * classic --schedule-file formats) on a NUL-terminated copy of the input; a
 * schedule they accept must keep the promises run pacing relies on: times
 * never decrease, values in [0, SCHED_MAX_RATE], the integral monotone and
 * its inverse landing where the integral says (traps on violation). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/schedule.h"

#define CHECK(c)                                                                                 \
	do {                                                                                     \
		if (!(c))                                                                        \
			__builtin_trap();                                                        \
	} while (0)

static void check_schedule(const struct schedule *s)
{
	CHECK(s->n >= 1 && s->n <= SCHED_MAX_POINTS);
	for (size_t i = 0; i < s->n; i++) {
		CHECK(s->p[i].v >= 0 && s->p[i].v <= SCHED_MAX_RATE);
		CHECK(i == 0 || s->p[i].t >= s->p[i - 1].t);
		CHECK(i == 0 || s->p[i].cum >= s->p[i - 1].cum);
	}
	double len = schedule_length(s), prev = 0;
	CHECK(len >= 0 && isfinite(len));
	for (int k = 0; k <= 8; k++) {
		double t = len * k / 8;
		double a = schedule_integral(s, t);
		CHECK(a >= prev && isfinite(a));
		prev = a;
		CHECK(schedule_value(s, t) <= schedule_peak(s));
		double back = schedule_time_of(s, a);
		CHECK(!isnan(back) && back <= t + 1e-6 * (1 + t));
	}
}

static struct schedule sched; /* 96 KiB: not on the stack */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	char err[200];
	if (schedule_parse_spec(s, &sched, err, sizeof(err)) == 0)
		check_schedule(&sched);
	else
		CHECK(memchr(err, '\0', sizeof(err)) && err[0]);
	if (schedule_parse_steps(s, &sched, err, sizeof(err)) == 0)
		check_schedule(&sched);
	if (schedule_parse_slope(s, 1000, &sched, err, sizeof(err)) == 0)
		check_schedule(&sched);
	free(s);
	return 0;
}
