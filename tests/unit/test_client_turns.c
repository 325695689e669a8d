/* client_turns: which runs take turns at their first opens, in how many
 * lanes (--connect-lanes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcpswarm/client.h"

static void test_one_lane_per_cpu_past_the_cpus(void **state)
{
	(void)state;
	/* 51 worker processes on 2 CPUs (1M at ulimit -n 20000) */
	assert_int_equal(client_turns_lanes(CONNECT_LANES_CPUS, 2, 51, false), 2);
	assert_int_equal(client_turns_lanes(CONNECT_LANES_CPUS, 2, 3, false), 2);
	assert_int_equal(client_turns_lanes(CONNECT_LANES_CPUS, 16, 17, false), 16);
}

static void test_no_turns_while_workers_fit(void **state)
{
	(void)state;
	/* one worker per CPU (the 15k hold): all connect at once */
	assert_int_equal(client_turns_lanes(CONNECT_LANES_CPUS, 2, 2, false), 0);
	assert_int_equal(client_turns_lanes(CONNECT_LANES_CPUS, 2, 1, false), 0);
	assert_int_equal(client_turns_lanes(5, 2, 5, false), 0);
	assert_int_equal(client_turns_lanes(5, 2, 4, false), 0);
}

static void test_paced_opens_never_take_turns(void **state)
{
	(void)state;
	/* --connect-rate and --conn-schedule pace the opens themselves */
	assert_int_equal(client_turns_lanes(CONNECT_LANES_CPUS, 2, 51, true), 0);
	assert_int_equal(client_turns_lanes(1, 2, 51, true), 0);
}

static void test_given_lanes(void **state)
{
	(void)state;
	assert_int_equal(client_turns_lanes(0, 2, 51, false), 0); /* all at once */
	assert_int_equal(client_turns_lanes(1, 2, 51, false), 1);
	assert_int_equal(client_turns_lanes(4, 2, 51, false), 4); /* more lanes than CPUs: unpinned */
	assert_int_equal(client_turns_lanes(50, 2, 51, false), 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_lane_per_cpu_past_the_cpus),
		cmocka_unit_test(test_no_turns_while_workers_fit),
		cmocka_unit_test(test_paced_opens_never_take_turns),
		cmocka_unit_test(test_given_lanes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
