/* names: one table per config enum, for the option parser and the reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcpswarm/names.h"

static void test_server_modes(void **state)
{
	(void)state;
	assert_string_equal(server_mode_name(MODE_ECHO), "echo");
	assert_string_equal(server_mode_name(MODE_SINK), "sink");
	assert_string_equal(server_mode_name(MODE_HTTP), "http");
	assert_string_equal(server_mode_name(MODE_DNS), "dns");
	assert_string_equal(server_mode_name((enum server_mode)(MODE_DNS + 1)), "?");
	assert_null(server_mode_names[MODE_DNS + 1]); /* a K_CHOICE list ends in NULL */
}

static void test_client_protos(void **state)
{
	(void)state;
	assert_string_equal(client_proto_name(PROTO_ECHO), "echo");
	assert_string_equal(client_proto_name(PROTO_DNS), "dns");
	assert_string_equal(client_proto_name(PROTO_HTTP), "http");
	assert_string_equal(client_proto_name(PROTO_RAW), "raw");
	assert_string_equal(client_proto_name((enum client_proto)-1), "?");
	assert_null(client_proto_names[PROTO_RAW + 1]);
}

static void test_arrivals(void **state)
{
	(void)state;
	assert_string_equal(arrivals_name(ARRIVALS_UNIFORM), "uniform");
	assert_string_equal(arrivals_name(ARRIVALS_POISSON), "poisson");
	assert_string_equal(arrivals_name((enum arrivals)(ARRIVALS_POISSON + 1)), "?");
	assert_null(arrivals_names[ARRIVALS_POISSON + 1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_modes),
		cmocka_unit_test(test_client_protos),
		cmocka_unit_test(test_arrivals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
