/* stats: the per-worker slots in the shared mapping and how the reporter
 * adds them up (the names and the combining rules: test_counters.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tcpswarm/prefault.h"
#include "tcpswarm/stats.h"

/* Pages of [p, p + n) that are resident, by mincore (p page-aligned). */
static size_t resident_pages(void *p, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), np = (n + page - 1) / page, in = 0;
	unsigned char *v = test_malloc(np);
	assert_int_equal(mincore(p, n, v), 0);
	for (size_t i = 0; i < np; i++)
		in += v[i] & 1;
	test_free(v);
	return in;
}

/* Fixed memory is resident before the RSS baseline (else the memory per
 * connection would count it), and the histograms start empty without a
 * memset of each: a slot reads as hist_reset would leave it. */
static void test_slots_resident_and_empty(void **state)
{
	(void)state;
	size_t n = 2, bytes = n * sizeof(struct wshared), page = (size_t)sysconf(_SC_PAGESIZE);
	struct wshared *w = wshared_alloc(n);
	assert_non_null(w);
	assert_int_equal(resident_pages(w, bytes), (bytes + page - 1) / page);
	struct hist *empty = test_malloc(sizeof(*empty));
	hist_reset(empty);
	const struct hist *h[] = {&w[0].lat_pending, &w[1].lat_total, &w[0].conn_lat_total, &w[1].hs_lat_total,
				  &w[0].svc_pending, &w[1].svc_total, &w[0].lag_pending, &w[1].lag_total,
				  &w[0].own_pending, &w[1].own_total};
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		assert_memory_equal(h[i], empty, sizeof(*empty));
	struct hist *fresh = hist_new_resident();
	assert_non_null(fresh);
	assert_memory_equal(fresh, empty, sizeof(*empty));
	free(fresh);
	test_free(empty);
	wshared_free(w, n);
}

static void test_prefault_keeps_contents(void **state)
{
	(void)state;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = 64 * page;
	unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(resident_pages(p, n), 0);
	prefault_zeroed(p, n);
	assert_int_equal(resident_pages(p, n), 64);
	for (size_t i = 0; i < n; i += 997)
		assert_int_equal(p[i], 0);
	munmap(p, n);
	/* a shared mapping keeps what another process wrote */
	unsigned char *s = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(s != MAP_FAILED);
	for (size_t i = 0; i < n; i += page)
		s[i] = (unsigned char)(i / page + 1);
	prefault_shared(s, n);
	assert_int_equal(resident_pages(s, n), 64);
	for (size_t i = 0; i < n; i += page)
		assert_int_equal(s[i], (unsigned char)(i / page + 1));
	munmap(s, n);
}

static void test_totals_sum_counters_and_max_peaks(void **state)
{
	(void)state;
	struct wshared *w = wshared_alloc(3);
	assert_non_null(w);
	ctr_add(&w[0].c.accepted, 10);
	ctr_add(&w[1].c.accepted, 20);
	ctr_add(&w[2].c.accepted, 5);
	ctr_add(&w[1].c.errs[errslot_of(EMFILE)], 2);
	/* three listeners, each with its own queue: peaks 5, 7 and 3 */
	ctr_set(&w[0].c.listen_queue_peak, 5);
	ctr_set(&w[1].c.listen_queue_peak, 7);
	ctr_set(&w[2].c.listen_queue_peak, 3);
	ctr_set(&w[0].c.listen_queue, 1);
	ctr_set(&w[1].c.listen_queue, 2);
	ctr_set(&w[1].c.last_established_ns, 900);
	ctr_set(&w[2].c.last_established_ns, 400);
	struct totals t;
	totals_collect(w, 3, &t);
	assert_int_equal(t.accepted, 35);
	assert_int_equal(t.errs[ES_EMFILE], 2);
	assert_int_equal(t.listen_queue, 3);      /* queued now: a sum */
	assert_int_equal(t.listen_queue_peak, 7); /* fullest listener, not 15 */
	assert_int_equal(t.last_established_ns, 900);
	wshared_free(w, 3);
}

static void test_take_latency_moves_and_resets(void **state)
{
	(void)state;
	struct wshared *w = wshared_alloc(2);
	assert_non_null(w);
	hist_record(&w[0].lat_pending, 100);
	hist_record(&w[1].lat_pending, 300);
	hist_record(&w[1].lat_pending, 300);
	struct hist *h = test_malloc(sizeof(*h));
	hist_reset(h);
	wshared_take_latency(w, 2, h);
	assert_int_equal(h->count, 3);
	assert_int_equal(h->max, 300);
	assert_int_equal(w[0].lat_pending.count, 0);
	assert_int_equal(w[1].lat_pending.count, 0);
	test_free(h);
	wshared_free(w, 2);
}

/* A worker process killed while it holds its slot's lock (inside a
 * publish) must not hang the reporter: the lock is robust. */
static void test_lock_of_a_dead_owner_is_taken(void **state)
{
	(void)state;
	struct wshared *w = wshared_alloc(1);
	assert_non_null(w);
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		wshared_lock(&w[0]);
		_exit(0); /* dies holding it */
	}
	int st;
	assert_int_equal(waitpid(p, &st, 0), p);
	alarm(10); /* a hang fails the test instead of holding it */
	wshared_lock(&w[0]);
	wshared_unlock(&w[0]);
	wshared_lock(&w[0]); /* consistent again: an ordinary lock from here */
	wshared_unlock(&w[0]);
	alarm(0);
	wshared_free(w, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totals_sum_counters_and_max_peaks),
		cmocka_unit_test(test_take_latency_moves_and_resets),
		cmocka_unit_test(test_slots_resident_and_empty),
		cmocka_unit_test(test_prefault_keeps_contents),
		cmocka_unit_test(test_lock_of_a_dead_owner_is_taken),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
