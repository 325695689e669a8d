/* stats: the per-worker slots in the shared mapping and how the reporter
 * adds them up (the names and the combining rules: test_counters.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcpswarm/stats.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totals_sum_counters_and_max_peaks),
		cmocka_unit_test(test_take_latency_moves_and_resets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
