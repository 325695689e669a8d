/* worker: threads pinned one per CPU only while the run's workers fit the
 * CPUs; past that (a fan-out of many processes) the scheduler balances. */
#define _GNU_SOURCE
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcpswarm/worker.h"

struct seen {
	int cpus_allowed; /* CPUs in the thread's own affinity mask */
};

static void *record_mask(void *arg)
{
	struct seen *s = arg;
	cpu_set_t set;
	s->cpus_allowed = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : -1;
	return NULL;
}

static int run_pool(size_t n, size_t total, struct seen *seen)
{
	struct worker_pool p;
	void *args[8];
	for (size_t i = 0; i < n; i++)
		args[i] = &seen[i];
	int rc = worker_pool_start(&p, n, 0, total, record_mask, args);
	worker_pool_join(&p);
	return rc;
}

static void test_pinned_while_workers_fit_the_cpus(void **state)
{
	(void)state;
	unsigned cpus = worker_cpu_count();
	struct seen seen[8] = {{0}};
	size_t n = cpus < 8 ? cpus : 8;
	assert_true(worker_pins(n));
	assert_int_equal(run_pool(n, n, seen), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seen[i].cpus_allowed, 1);
}

static void test_unpinned_past_the_cpus(void **state)
{
	(void)state;
	unsigned cpus = worker_cpu_count();
	struct seen seen[8] = {{0}};
	/* this process runs 2 of a run's cpus + 1 workers (another process has the rest) */
	assert_false(worker_pins(cpus + 1));
	assert_int_equal(run_pool(2, cpus + 1, seen), 0);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(seen[i].cpus_allowed, (int)cpus);
}

struct pin_seen {
	size_t k;
	int rc, cpus_allowed, cpu;
	int unpin_rc, cpus_after_unpin;
};

static void *pin_and_record(void *arg)
{
	struct pin_seen *s = arg;
	s->rc = worker_pin_self(s->k);
	cpu_set_t set;
	CPU_ZERO(&set);
	s->cpus_allowed = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : -1;
	s->cpu = -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			s->cpu = c;
			break;
		}
	s->unpin_rc = worker_unpin_self();
	s->cpus_after_unpin = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : -1;
	return NULL;
}

/* A worker taking its turn of first opens pins itself: lane k to allowed
 * CPU k, wrapping past the last; after its turn it has its mask back. */
static void test_pin_self_to_lane_cpu(void **state)
{
	(void)state;
	cpu_set_t mine;
	assert_int_equal(sched_getaffinity(0, sizeof(mine), &mine), 0);
	int first = -1, n = 0;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &mine)) {
			if (first < 0)
				first = c;
			n++;
		}
	struct pin_seen s[2] = {{.k = 0}, {.k = (size_t)n}}; /* n wraps to the first CPU */
	for (int i = 0; i < 2; i++) {
		pthread_t t;
		assert_int_equal(pthread_create(&t, NULL, pin_and_record, &s[i]), 0);
		pthread_join(t, NULL);
		assert_int_equal(s[i].rc, 0);
		assert_int_equal(s[i].cpus_allowed, 1);
		assert_int_equal(s[i].cpu, first);
		assert_int_equal(s[i].unpin_rc, 0);
		assert_int_equal(s[i].cpus_after_unpin, n);
	}
	/* the caller's own mask is untouched */
	cpu_set_t after;
	assert_int_equal(sched_getaffinity(0, sizeof(after), &after), 0);
	assert_int_equal(CPU_COUNT(&after), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pinned_while_workers_fit_the_cpus),
		cmocka_unit_test(test_unpinned_past_the_cpus),
		cmocka_unit_test(test_pin_self_to_lane_cpu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
