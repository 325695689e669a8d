/* --shard and --start-at: the N parts make the whole plan, and times parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "tcpswarm/shard.h"

static void test_parts_make_the_whole(void **state)
{
	(void)state;
	uint64_t ns[] = {3, 7, 10, 1000, 1001};
	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		for (uint64_t count = 1; count <= 3; count++) {
			uint64_t sum = 0, next = 0;
			double rate = 0;
			for (uint64_t i = 1; i <= count; i++) {
				struct shard_spec sh = {.index = i, .count = count};
				struct shard_slice sl;
				char err[200];
				assert_int_equal(shard_split(&sh, ns[k], 900, 0, 7, 7, &sl, err, sizeof(err)), 0);
				sum += sl.conns;
				rate += sl.rate;
				assert_int_equal(sl.seed, 7 + i - 1);
				assert_int_equal(sl.src_first, next); /* source slices are disjoint and in order */
				next += sl.src_n;
				assert_true(sl.conns >= ns[k] / count && sl.conns <= ns[k] / count + 1);
			}
			assert_int_equal(sum, ns[k]);
			assert_int_equal(next, 7);
			assert_true(rate > 899.999 && rate < 900.001);
		}
	}
	uint64_t first;
	assert_int_equal(shard_part(10, 1, 3, &first), 4); /* the remainder to the first shards */
	assert_int_equal(first, 0);
	assert_int_equal(shard_part(10, 3, 3, &first), 3);
	assert_int_equal(first, 7);
	struct shard_spec sh = {.index = 1, .count = 5};
	struct shard_slice sl;
	char err[200];
	assert_int_equal(shard_split(&sh, 4, 0, 0, 1, 0, &sl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot be split into 5"));
}

static struct schedule rate_sched; /* 96 KiB: not on the stack */

/* --shard I/N with schedules: each shard's rate schedule is its part of the
 * whole (as -r: the integrals add up to the plan's), and a conn schedule's
 * count splits over shards and then workers exactly as -c does. */
static void test_schedules_split(void **state)
{
	(void)state;
	char err[256];
	for (uint64_t count = 1; count <= 3; count++) {
		double sum = 0, peak = 0;
		for (uint64_t i = 1; i <= count; i++) {
			assert_int_equal(schedule_parse_spec("0s:300,10s:3k,20s:+0", &rate_sched, err, sizeof(err)), 0);
			struct shard_spec sh = {.index = i, .count = count};
			struct shard_slice sl;
			assert_int_equal(shard_split(&sh, 10, 2325, 0, 1, 0, &sl, err, sizeof(err)), 0);
			shard_split_schedule(&sl, 10, &rate_sched);
			sum += schedule_integral(&rate_sched, 20);
			peak += schedule_peak(&rate_sched);
			/* the shard's mean rate is its -r part */
			assert_true(fabs(schedule_integral(&rate_sched, 20) / 20 - sl.rate) < 1e-6);
		}
		assert_true(fabs(sum - 46500) < 1e-6);
		assert_true(fabs(peak - 3000) < 1e-6);
	}
	/* 0s:0,2s:200 at t=1.5 intends 150: shards 1..3 of it, each over 2 workers */
	assert_int_equal(schedule_parse_spec("0s:0,2s:200", &rate_sched, err, sizeof(err)), 0);
	uint64_t total = 0;
	for (uint64_t i = 1; i <= 3; i++) {
		uint64_t first, part = shard_part(150, i, 3, &first), workers = 0;
		for (unsigned w = 0; w < 2; w++)
			workers += schedule_conns_of(&rate_sched, 1.5, i, 3, w, 2);
		assert_int_equal(workers, part); /* the workers make the shard's part */
		total += workers;
	}
	assert_int_equal(total, 150);
	assert_int_equal(schedule_conns_of(&rate_sched, 1.5, 0, 0, 0, 1), 150); /* unsharded */
}

static void test_parse(void **state)
{
	(void)state;
	struct shard_spec sh;
	char err[200];
	assert_int_equal(shard_parse("2/3", &sh, err, sizeof(err)), 0);
	assert_int_equal(sh.index, 2);
	assert_int_equal(sh.count, 3);
	const char *bad[] = {"0/3", "4/3", "3", "1/0", "a/b", "1/3x", "", "-1/3"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(shard_parse(bad[i], &sh, err, sizeof(err)), -1);
	int64_t at;
	assert_int_equal(start_at_parse("2026-12-01T20:30:00Z", &at, err, sizeof(err)), 0);
	assert_int_equal(at, 1796157000);
	assert_int_equal(start_at_parse("2026-12-01T21:30:00+01:00", &at, err, sizeof(err)), 0);
	assert_int_equal(at, 1796157000);
	assert_int_equal(start_at_parse("1796157000", &at, err, sizeof(err)), 0);
	assert_int_equal(at, 1796157000);
	assert_int_equal(start_at_parse("2000-02-29T00:00:00Z", &at, err, sizeof(err)), 0);
	assert_int_equal(at, 951782400);
	assert_int_equal(start_at_parse("2026-12-01 20:30", &at, err, sizeof(err)), -1);
	/* days that do not exist are refused, not rolled into the next month */
	assert_int_equal(start_at_parse("2026-11-31T23:59:00Z", &at, err, sizeof(err)), -1);
	assert_int_equal(start_at_parse("2026-02-29T00:00:00Z", &at, err, sizeof(err)), -1);
	assert_int_equal(start_at_parse("1900-02-29T00:00:00Z", &at, err, sizeof(err)), -1);
	assert_int_equal(start_at_parse("2024-02-29T00:00:00Z", &at, err, sizeof(err)), 0);
	assert_int_equal(start_at_parse("tomorrow", &at, err, sizeof(err)), -1);
	assert_int_equal(start_at_check(1000, 1000, err, sizeof(err)), 0);
	assert_int_equal(start_at_check(1000 + 86400, 1000, err, sizeof(err)), 0);
	assert_int_equal(start_at_check(1000 + 86401, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "24 h"));
	assert_int_equal(start_at_check(1000 - 60, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "in the past"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parts_make_the_whole),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_schedules_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
