/* Unit tests for portplan.c: per-tuple load after sharding, the verdicts
 * and their thresholds, the automatic loopback pick, the refusal figures
 * and the --source suggestion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcpswarm/portplan.h"

/* The default ip_local_port_range 32768-60999: 28232 ports. */
static struct portplan_input plan(uint64_t conns, unsigned targets, bool loop, uint64_t sources, unsigned workers)
{
	struct portplan_input in = { .conns = conns, .ntargets = targets, .loopback_v4 = loop, .nsources = sources,
				     .workers = workers, .port_lo = 32768, .port_hi = 60999 };
	return in;
}

static void test_max_tuple_load(void **state)
{
	(void)state;
	/* no sources: every worker lands on the kernel's one address */
	assert_int_equal(portplan_max_tuple_load(1000, 1, 0, 4), 1000);
	assert_int_equal(portplan_max_tuple_load(1000, 2, 0, 4), 500);
	/* each worker rounds up per target: 3 workers of 334/333/333 over 2 targets */
	assert_int_equal(portplan_max_tuple_load(1000, 2, 0, 3), 167 + 167 + 167);
	/* fewer sources than workers: workers 0 and 2 share address 0 */
	assert_int_equal(portplan_max_tuple_load(400, 1, 2, 4), 200);
	assert_int_equal(portplan_max_tuple_load(401, 1, 3, 4), 101 + 100); /* w0 (101) and w3 (100) on address 0 */
	/* disjoint shards: 10 sources over 4 workers, shards of 3,3,2,2 */
	assert_int_equal(portplan_max_tuple_load(1000, 1, 10, 4), 125); /* 250 conns over 2 addresses */
	/* 0 workers and 0 targets count as 1 */
	assert_int_equal(portplan_max_tuple_load(77, 0, 0, 0), 77);
	assert_int_equal(portplan_max_tuple_load(0, 1, 5, 2), 0);
}

static void test_fits_and_slow(void **state)
{
	(void)state;
	struct portplan pp;
	struct portplan_input in = plan(1000, 1, true, 0, 2);
	assert_int_equal(portplan_compute(&in, &pp), PORTPLAN_FITS);
	assert_int_equal(pp.ports, 28232);
	assert_int_equal(pp.load, 1000);
	assert_int_equal(pp.sources, 1);
	assert_string_equal(pp.spec, "");
	/* exactly half: still fits */
	in = plan(14116, 1, false, 0, 1);
	assert_int_equal(portplan_compute(&in, &pp), PORTPLAN_FITS);
	in.conns = 14117;
	assert_int_equal(portplan_compute(&in, &pp), PORTPLAN_SLOW);
	assert_true(pp.fill > 0.5 && pp.fill < 0.5001);
	assert_string_equal(pp.spec, ""); /* not loopback: nothing to suggest from 127/8 */
	/* given sources on loopback are used as given, no automatic pick */
	in = plan(100000, 1, true, 4, 1);
	assert_int_equal(portplan_compute(&in, &pp), PORTPLAN_SLOW);
	assert_int_equal(pp.load, 25000);
	assert_int_equal(pp.sources, 4);
	assert_string_equal(pp.spec, "127.0.0.2-127.0.0.5"); /* the 4 needed */
}

static void test_auto_pick(void **state)
{
	(void)state;
	struct portplan pp;
	/* 200k to one loopback port, 2 workers: floor(200000 / 7058) + 1 = 29, rounded up to 30 */
	struct portplan_input in = plan(200000, 1, true, 0, 2);
	assert_int_equal(portplan_compute(&in, &pp), PORTPLAN_AUTO);
	assert_int_equal(pp.sources, 30);
	assert_string_equal(pp.spec, "127.0.0.2-127.0.0.31");
	assert_int_equal(pp.given_load, 200000);
	assert_int_equal(pp.load, 6667); /* 100000 per worker over its 15 addresses */
	assert_true(pp.fill < PORTPLAN_FILL_PICK);
	/* 11 workers (11 processes of one): a multiple of 11 */
	in.workers = 11;
	portplan_compute(&in, &pp);
	assert_int_equal(pp.sources, 33);
	assert_string_equal(pp.spec, "127.0.0.2-127.0.0.34");
	/* just over half of one tuple, one worker: 3 sources */
	in = plan(20000, 1, true, 0, 1);
	assert_int_equal(portplan_compute(&in, &pp), PORTPLAN_AUTO);
	assert_int_equal(pp.sources, 3);
	/* more than 250 needed: no automatic pick; over the range: cannot fit */
	in = plan(2000000, 1, true, 0, 1);
	assert_int_equal(portplan_compute(&in, &pp), PORTPLAN_NO_FIT);
	assert_int_equal(pp.needed, 71); /* ceil(2000000 / 28232) */
	assert_string_equal(pp.spec, "127.0.0.2-127.0.0.72");
	/* IPv6 loopback (or remote) targets get no pick */
	in = plan(200000, 1, false, 0, 2);
	assert_int_equal(portplan_compute(&in, &pp), PORTPLAN_NO_FIT);
	assert_string_equal(pp.spec, "");
}

static void test_no_fit(void **state)
{
	(void)state;
	struct portplan pp;
	/* 50k from one given source: the numbers of the client's refusal */
	struct portplan_input in = plan(50000, 1, true, 1, 2);
	assert_int_equal(portplan_compute(&in, &pp), PORTPLAN_NO_FIT);
	assert_int_equal(pp.load, 50000); /* both workers on the one address */
	assert_int_equal(pp.sources, 1);
	assert_int_equal(pp.needed, 2);
	assert_true(pp.fill > 1.77 && pp.fill < 1.78);
	/* fewer needed than workers, fewer given: one each */
	in = plan(30000, 1, true, 1, 8);
	portplan_compute(&in, &pp);
	assert_int_equal(pp.verdict, PORTPLAN_NO_FIT);
	assert_int_equal(pp.needed, 8);
	/* an empty range fits nothing */
	in = plan(10, 1, true, 0, 1);
	in.port_lo = 40000;
	in.port_hi = 30000;
	assert_int_equal(portplan_compute(&in, &pp), PORTPLAN_NO_FIT);
	assert_int_equal(pp.ports, 0);
	assert_true(pp.needed == UINT64_MAX);
	assert_string_equal(pp.spec, "");
	/* two targets double the tuples */
	in = plan(50000, 2, false, 1, 1);
	assert_int_equal(portplan_compute(&in, &pp), PORTPLAN_SLOW);
	assert_int_equal(pp.load, 25000);
}

static void test_loopback_spec(void **state)
{
	(void)state;
	char s[40];
	portplan_loopback_spec(s, sizeof(s), 1);
	assert_string_equal(s, "127.0.0.2-127.0.0.2");
	portplan_loopback_spec(s, sizeof(s), 254);
	assert_string_equal(s, "127.0.0.2-127.0.0.255");
	portplan_loopback_spec(s, sizeof(s), 300);
	assert_string_equal(s, "127.0.0.2-127.0.1.45");
	portplan_loopback_spec(s, sizeof(s), 0);
	assert_string_equal(s, "");
	portplan_loopback_spec(s, sizeof(s), 0x00fffffe);
	assert_string_equal(s, "");
	assert_string_equal(portplan_verdict_name(PORTPLAN_AUTO), "auto");
	assert_string_equal(portplan_verdict_name(PORTPLAN_NO_FIT), "no-fit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_tuple_load),
		cmocka_unit_test(test_fits_and_slow),
		cmocka_unit_test(test_auto_pick),
		cmocka_unit_test(test_no_fit),
		cmocka_unit_test(test_loopback_spec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
