/* Unit tests for the process plan: one process when the descriptors fit,
 * enough processes (CPUs spread over them) when they do not, the refusals,
 * and the soft limit probe predicts the client will raise to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcpswarm/procplan.h"

static struct procplan_input client(uint64_t conns)
{
	return (struct procplan_input){.conns = conns, .exact = true, .fd_per_worker = PROCPLAN_CLIENT_FD_PER_WORKER,
				       .cpus = 2};
}

static void fits_in_one_process(void **state)
{
	(void)state;
	struct procplan_input in = client(10000);
	assert_int_equal(procplan_want(&in), 10000 + 2 * 3 + PROCPLAN_FD_OVERHEAD);
	struct procplan p;
	assert_int_equal(procplan_compute(&in, 20000, &p), PROCPLAN_OK);
	assert_int_equal(p.procs, 1);
	assert_int_equal(p.per_proc, 2);
	assert_int_equal(p.per, 20000 - 2 * 3 - PROCPLAN_FD_OVERHEAD);
}

/* 70k sockets at 20,000 descriptors per process: 4 processes (19,962 each),
 * one worker each on 2 CPUs instead of 8 threads. */
static void spreads_over_processes(void **state)
{
	(void)state;
	struct procplan_input in = client(70000);
	struct procplan p;
	assert_int_equal(procplan_compute(&in, 20000, &p), PROCPLAN_OK);
	assert_int_equal(p.procs, 4);
	assert_int_equal(p.per_proc, 1);
	in.workers = 2; /* -w 2 is kept as given */
	assert_int_equal(procplan_compute(&in, 20000, &p), PROCPLAN_OK);
	assert_int_equal(p.per_proc, 2);
}

static void server_headroom_adds_a_process(void **state)
{
	(void)state;
	struct procplan_input in = {.conns = 39000, .headroom = 3900, .fd_per_worker = PROCPLAN_SERVER_FD_PER_WORKER,
				    .cpus = 2};
	struct procplan p;
	assert_int_equal(procplan_compute(&in, 20000, &p), PROCPLAN_OK);
	assert_int_equal(p.procs, 3); /* 42,900 over 19,960 per process */
	in.headroom = 0;
	assert_int_equal(procplan_compute(&in, 20000, &p), PROCPLAN_OK);
	assert_int_equal(p.procs, 2);
}

static void refusals(void **state)
{
	(void)state;
	struct procplan_input in = client(1000);
	struct procplan p;
	assert_int_equal(procplan_compute(&in, 30, &p), PROCPLAN_NOFILE_TOO_LOW);
	in.conns = 50000;
	in.processes = 2;
	assert_int_equal(procplan_compute(&in, 20000, &p), PROCPLAN_TOO_FEW);
	assert_int_equal(p.need, 3);
	in.processes = 3;
	assert_int_equal(procplan_compute(&in, 20000, &p), PROCPLAN_OK);
}

/* Never more workers than connections: -c 1 on 2 CPUs runs one worker. */
static void tiny_runs(void **state)
{
	(void)state;
	struct procplan_input in = client(1);
	struct procplan p;
	assert_int_equal(procplan_compute(&in, 20000, &p), PROCPLAN_OK);
	assert_int_equal(p.procs * p.per_proc, 1);
}

static void avail_after_raise(void **state)
{
	(void)state;
	assert_int_equal(procplan_avail_after_raise(5000, 1024, 20000), 5000);   /* raised to what it asks */
	assert_int_equal(procplan_avail_after_raise(50000, 1024, 20000), 20000); /* capped by the hard limit */
	assert_int_equal(procplan_avail_after_raise(500, 1024, 20000), 1024);    /* already enough */
	assert_int_equal(procplan_avail_after_raise(500, -1, -1), 1024);         /* unknown */
	assert_true(procplan_avail_after_raise(500, INT64_MAX, INT64_MAX) > 1000000);
}

/* -c 100m at 20,000 descriptors would need 5,010 processes: auto refuses
 * past PROCPLAN_AUTO_MAX (need says how many), an explicit count is the
 * user's call; exactly the cap is still planned. */
static void auto_is_capped(void **state)
{
	(void)state;
	struct procplan_input in = client(100000000);
	struct procplan p;
	assert_int_equal(procplan_compute(&in, 20000, &p), PROCPLAN_AUTO_TOO_MANY);
	assert_int_equal(p.need, 5010);
	in.processes = 600;
	assert_int_equal(procplan_compute(&in, 1000000, &p), PROCPLAN_OK);
	assert_int_equal(p.procs, 600);
	in = client((uint64_t)PROCPLAN_AUTO_MAX * (20000 - 2 * 3 - PROCPLAN_FD_OVERHEAD));
	assert_int_equal(procplan_compute(&in, 20000, &p), PROCPLAN_OK);
	assert_int_equal(p.procs, PROCPLAN_AUTO_MAX);
	in.conns++;
	assert_int_equal(procplan_compute(&in, 20000, &p), PROCPLAN_AUTO_TOO_MANY);
	/* a huge plan under a tiny limit: need saturates instead of wrapping */
	in = client(100000000);
	assert_int_equal(procplan_compute(&in, 40, &p), PROCPLAN_AUTO_TOO_MANY);
	assert_true(p.need > PROCPLAN_AUTO_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fits_in_one_process), cmocka_unit_test(spreads_over_processes),
		cmocka_unit_test(server_headroom_adds_a_process), cmocka_unit_test(refusals),
		cmocka_unit_test(tiny_runs), cmocka_unit_test(avail_after_raise), cmocka_unit_test(auto_is_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
