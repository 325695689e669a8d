/* counters: the one counter list, how workers' counters combine, and the
 * names of errno slots and close reasons. Pure: no shared mapping. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcpswarm/counters.h"

static void test_sums_and_max_peaks(void **state)
{
	(void)state;
	struct wcounters a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ctr_add(&a.accepted, 10);
	ctr_add(&b.accepted, 20);
	ctr_add(&b.errs[errslot_of(EMFILE)], 2);
	ctr_add(&a.status[2], 4);
	ctr_add(&b.status[2], 1);
	ctr_set(&a.listen_queue, 1);
	ctr_set(&b.listen_queue, 2);
	ctr_set(&a.listen_queue_peak, 5);
	ctr_set(&b.listen_queue_peak, 7);
	ctr_set(&a.last_established_ns, 900);
	ctr_set(&b.last_established_ns, 400);
	struct totals t;
	memset(&t, 0, sizeof(t));
	totals_add(&t, &a);
	totals_add(&t, &b);
	assert_int_equal(t.accepted, 30);
	assert_int_equal(t.errs[ES_EMFILE], 2);
	assert_int_equal(t.status[2], 5);
	assert_int_equal(t.listen_queue, 3);      /* queued now: a sum */
	assert_int_equal(t.listen_queue_peak, 7); /* fullest listener, not 12 */
	assert_int_equal(t.last_established_ns, 900);
}

/* Every line of the list, through the list itself: a field the generated
 * structs or totals_add left out, or combined the wrong way, shows here. */
#define EXPECT_ONE(name, how)                                                                \
	assert_int_equal(t.name, strcmp(#how, "max") == 0 ? 5 : 8);                          \
	checked++;
#define EXPECT_EACH(name, n)                                                                 \
	for (size_t k = 0; k < (size_t)(n); k++)                                             \
		assert_int_equal(t.name[k], 8);                                              \
	checked++;
#define SET_ONE(name, how) ctr_set(&w->name, v);
#define SET_EACH(name, n)                  \
	for (size_t k = 0; k < (size_t)(n); k++) \
		ctr_set(&w->name[k], v);

static void set_all(struct wcounters *w, uint64_t v) { TCPSWARM_COUNTERS(SET_ONE, SET_EACH) }

static void test_every_counter_combines_as_listed(void **state)
{
	(void)state;
	struct wcounters a, b;
	set_all(&a, 3);
	set_all(&b, 5);
	struct totals t;
	memset(&t, 0, sizeof(t));
	t.rtt_written = 11; /* not a worker counter: left alone */
	totals_add(&t, &a);
	totals_add(&t, &b);
	int checked = 0;
	TCPSWARM_COUNTERS(EXPECT_ONE, EXPECT_EACH)
	assert_int_equal(checked, 33); /* 26 + the six TLS counters + accept_batched */
	assert_int_equal(t.rtt_written, 11);
	assert_int_equal(t.rtt_dropped, 0);
	/* the structs hold the list and nothing else */
	assert_int_equal(sizeof(struct wcounters) / sizeof(ctr_t),
			 sizeof(struct totals) / sizeof(uint64_t) - 2);
}

static void test_errslot_names(void **state)
{
	(void)state;
	assert_string_equal(errslot_name(errslot_of(ECONNREFUSED)), "ECONNREFUSED");
	assert_string_equal(errslot_name(errslot_of(EADDRNOTAVAIL)), "EADDRNOTAVAIL");
	assert_int_equal(errslot_of(EDOM), ES_OTHER); /* not a network errno */
	assert_string_equal(errslot_name(ES_OTHER), "other");
	assert_string_equal(errslot_name(ES__COUNT), "?");
	assert_string_equal(close_reason_name(CR_CONNECT_TIMEOUT), "connect_timeout");
	assert_string_equal(close_reason_name(CR_NO_CARRY), "no_carry_buffer");
	assert_string_equal(close_reason_name(CR__COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sums_and_max_peaks),
		cmocka_unit_test(test_every_counter_combines_as_listed),
		cmocka_unit_test(test_errslot_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
