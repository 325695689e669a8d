/* server_accept_batch_us: --accept-batch auto scales with the workers
 * sharing a CPU, within 5-50 ms; a given time is kept as is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcpswarm/config.h"
#include "tcpswarm/server.h"

static void test_auto_scales_with_workers_per_cpu(void **state)
{
	(void)state;
	assert_int_equal(server_accept_batch_us(ACCEPT_BATCH_AUTO, 1, 2), 5000);
	assert_int_equal(server_accept_batch_us(ACCEPT_BATCH_AUTO, 2, 2), 5000);
	assert_int_equal(server_accept_batch_us(ACCEPT_BATCH_AUTO, 3, 2), 10000);
	assert_int_equal(server_accept_batch_us(ACCEPT_BATCH_AUTO, 14, 2), 35000); /* the default 250k plan */
	assert_int_equal(server_accept_batch_us(ACCEPT_BATCH_AUTO, 16, 16), 5000);
}

static void test_auto_is_capped(void **state)
{
	(void)state;
	assert_int_equal(server_accept_batch_us(ACCEPT_BATCH_AUTO, 56, 2), 50000); /* 1M */
	assert_int_equal(server_accept_batch_us(ACCEPT_BATCH_AUTO, 1024, 1), 50000);
	assert_int_equal(server_accept_batch_us(ACCEPT_BATCH_AUTO, 0, 0), 5000);
}

static void test_given_time_is_kept(void **state)
{
	(void)state;
	assert_int_equal(server_accept_batch_us(0, 56, 2), 0); /* off */
	assert_int_equal(server_accept_batch_us(5000, 56, 2), 5000);
	assert_int_equal(server_accept_batch_us(1000000, 1, 2), 1000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_scales_with_workers_per_cpu),
		cmocka_unit_test(test_auto_is_capped),
		cmocka_unit_test(test_given_time_is_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
