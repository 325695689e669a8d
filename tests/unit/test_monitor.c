/* monitor: the per-connection memory figure's first sample. A fast host
 * opens tens of thousands of connections before the first 1 s tick; the
 * monitor watches for the first one between ticks so the figure is the
 * slope over connections, not the total since the baseline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tcpswarm/monitor.h"
#include "tcpswarm/reactor.h"
#include "tcpswarm/stats.h"

struct fixture {
	struct wshared *sh;
	struct run_report rep;
	struct monitor m;
};

static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	f.sh = wshared_alloc(1);
	if (!f.sh || monitor_init(&f.m, &f.rep, f.sh, 1, 0, true) < 0)
		return -1;
	monitor_group_baseline(f.sh, 0, 1);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	monitor_destroy(&f->m);
	series_free(&f->rep.series);
	wshared_free(f->sh, 1);
	return 0;
}

static void test_a_connection_opened_between_ticks_is_the_memory_slope_start(void **state)
{
	struct fixture *f = *state;
	ctr_set(&f->sh[0].c.conn_open, 7);
	assert_false(monitor_wait(&f->m, mono_ns() + 50000000ULL));
	assert_int_equal(f->rep.open_first, 7);
	assert_true(f->rep.rss_first > 0);
	/* at the first tick every connection is up: the slope still applies */
	ctr_set(&f->sh[0].c.conn_open, 70000);
	monitor_tick(&f->m, 1);
	assert_int_equal(f->rep.peak_open, 70000);
	assert_int_equal(f->rep.open_first, 7);
	monitor_finish(&f->m);
	assert_true(f->rep.memory_by_slope);
}

/* Opens 7 connections 20 ms into the wait, then 70,000 at 200 ms. */
static void *open_later(void *arg)
{
	struct wshared *sh = arg;
	struct timespec d = {.tv_nsec = 20000000};
	nanosleep(&d, NULL);
	ctr_set(&sh[0].c.conn_open, 7);
	d.tv_nsec = 180000000;
	nanosleep(&d, NULL);
	ctr_set(&sh[0].c.conn_open, 70000);
	return NULL;
}

static void test_the_first_connection_is_seen_within_the_wait_not_at_its_end(void **state)
{
	struct fixture *f = *state;
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, open_later, f->sh), 0);
	assert_false(monitor_wait(&f->m, mono_ns() + 400000000ULL));
	pthread_join(t, NULL);
	assert_int_equal(f->rep.open_first, 7); /* 70,000 if it looked only once the wait was over */
}

static void test_no_connection_between_ticks_leaves_the_start_to_the_tick(void **state)
{
	struct fixture *f = *state;
	uint64_t until = mono_ns() + 50000000ULL;
	assert_false(monitor_wait(&f->m, until));
	assert_true(mono_ns() >= until); /* the watch slices the wait, it does not shorten it */
	assert_int_equal(f->rep.open_first, 0);
	ctr_set(&f->sh[0].c.conn_open, 70000);
	monitor_tick(&f->m, 1);
	assert_int_equal(f->rep.open_first, 70000);
	monitor_finish(&f->m);
	assert_false(f->rep.memory_by_slope); /* one sample: the total since the baseline */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_connection_opened_between_ticks_is_the_memory_slope_start, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_the_first_connection_is_seen_within_the_wait_not_at_its_end, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_connection_between_ticks_leaves_the_start_to_the_tick, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
