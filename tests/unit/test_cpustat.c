/* Unit tests for cpustat: the /proc/stat parser on a capture and on broken
 * text (every prefix of the capture, under ASan), the busy share, and the
 * CPU-time clocks against a spin of known length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tcpswarm/cpustat.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures"
#endif

static char *load(const char *rel, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", FIXTURE_DIR, rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s", path);
	char tmp[8192];
	size_t n = fread(tmp, 1, sizeof(tmp), f);
	fclose(f);
	char *b = malloc(n ? n : 1);
	memcpy(b, tmp, n);
	*len = n;
	return b;
}

static void capture_parses(void **state)
{
	(void)state;
	size_t len;
	char *b = load("proc-stat/stat", &len);
	struct cpu_times t;
	assert_int_equal(cpustat_parse(b, len, &t), 0);
	/* user 8032 nice 12 system 11878 idle 32580 iowait 315 irq 0 softirq 2671 steal 5 */
	assert_int_equal(t.busy, 8032 + 12 + 11878 + 0 + 2671 + 5);
	assert_int_equal(t.idle, 32580 + 315);
	assert_int_equal(t.total, t.busy + t.idle);
	assert_int_equal(t.ncpu, 2);
	free(b);
}

/* Every prefix of the capture: no read past the end (ASan), and a prefix
 * that cuts the "cpu " line before its idle field is refused. */
static void every_prefix_is_safe(void **state)
{
	(void)state;
	size_t len;
	char *b = load("proc-stat/stat", &len);
	const char *idle = strstr(b, "32580");
	size_t need = (size_t)(idle - b) + 1;
	for (size_t n = 0; n <= len; n++) {
		char *p = malloc(n ? n : 1);
		memcpy(p, b, n);
		struct cpu_times t;
		int rc = cpustat_parse(p, n, &t);
		if (n < need)
			assert_int_equal(rc, -1);
		free(p);
	}
	free(b);
}

static void broken_lines_are_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "cpu\n", "cpu 1 2 3\n", "cpu 1 2 x 4\n", "cpu 1 2 3 4x\n", "cpu0 1 2 3 4\n",
		"cpu 99999999999999999999 0 0 0\n", "intr 1 2 3 4\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cpu_times t;
		if (cpustat_parse(bad[i], strlen(bad[i]), &t) != -1)
			fail_msg("accepted: '%s'", bad[i]);
	}
	struct cpu_times t;
	const char *old = "cpu 10 0 5 100\n"; /* 4 fields, as old kernels print */
	assert_int_equal(cpustat_parse(old, strlen(old), &t), 0);
	assert_int_equal(t.busy, 15);
	assert_int_equal(t.idle, 100);
}

static void busy_share_between_samples(void **state)
{
	(void)state;
	struct cpu_times a = {.busy = 100, .idle = 300, .total = 400};
	struct cpu_times b = {.busy = 175, .idle = 325, .total = 500};
	assert_true(cpustat_busy_share(&a, &b) > 0.749 && cpustat_busy_share(&a, &b) < 0.751);
	assert_true(cpustat_busy_share(&a, &a) < 0); /* no time passed */
	assert_true(cpustat_busy_share(&b, &a) < 0); /* counters went back */
}

/* The thread clock counts CPU spent, not time slept: a 50 ms spin moves it
 * by about 50 ms (wide bounds: the machine is shared), a 50 ms sleep barely. */
static void thread_clock_counts_cpu_not_sleep(void **state)
{
	(void)state;
	uint64_t t0 = cpustat_thread_ns();
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	volatile uint64_t x = 0;
	do {
		for (int i = 0; i < 10000; i++)
			x += (uint64_t)i;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 50000000L);
	uint64_t spun = cpustat_thread_ns() - t0;
	assert_true(spun > 5000000ULL);   /* at least 5 ms of the 50 ms on a CPU */
	assert_true(spun <= 60000000ULL); /* never more CPU than wall time (+ slack) */
	uint64_t t1 = cpustat_thread_ns();
	struct timespec nap = {0, 50000000L};
	nanosleep(&nap, NULL);
	assert_true(cpustat_thread_ns() - t1 < 5000000ULL);
	uint64_t th = cpustat_thread_ns(); /* read first: the process clock includes it */
	assert_true(cpustat_process_ns() >= th);
}

static void live_proc_stat_reads(void **state)
{
	(void)state;
	struct cpu_times t;
	assert_int_equal(cpustat_read(&t), 0);
	assert_true(t.total > 0 && t.ncpu >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(capture_parses),
		cmocka_unit_test(every_prefix_is_safe),
		cmocka_unit_test(broken_lines_are_refused),
		cmocka_unit_test(busy_share_between_samples),
		cmocka_unit_test(thread_clock_counts_cpu_not_sleep),
		cmocka_unit_test(live_proc_stat_reads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
