/* The server's peers table: counts per (address, port), IPv4 and mapped
 * IPv6 as one key, the run's end keeping "open", the full table counting
 * "other", and the merge of several workers' tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "tcpswarm/server_peers.h"

static struct peer_table *table_new(void) { return calloc(1, sizeof(struct peer_table)); }

static struct sockaddr_any v4(uint32_t host_order)
{
	struct sockaddr_any a;
	memset(&a, 0, sizeof(a));
	a.in4.sin_family = AF_INET;
	a.in4.sin_addr.s_addr = htonl(host_order);
	a.len = sizeof(a.in4);
	return a;
}

static struct sockaddr_any mapped(const char *text)
{
	struct sockaddr_any a;
	memset(&a, 0, sizeof(a));
	a.in6.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, text, &a.in6.sin6_addr), 1);
	a.len = sizeof(a.in6);
	return a;
}

static void test_counts_open_peak_accepted(void **st)
{
	(void)st;
	struct peer_table *t = table_new();
	struct sockaddr_any a = v4(0x0ac80001), b = v4(0x0ac80002);
	uint16_t i1 = peers_open(t, &a, 7000), i2 = peers_open(t, &a, 7000), j = peers_open(t, &b, 7000);
	uint16_t k = peers_open(t, &a, 7001); /* another port: another row */
	assert_int_equal(i1, i2);
	assert_int_not_equal(i1, j);
	assert_int_not_equal(i1, k);
	/* the same client through a dual-stack listener is the same key */
	struct sockaddr_any am = mapped("::ffff:10.200.0.1");
	assert_int_equal(peers_open(t, &am, 7000), i1);
	assert_int_equal(t->e[i1].open, 3);
	peers_close(t, i1, false);
	peers_close(t, i1, true); /* the run ended with it open: still counted */
	assert_int_equal(t->e[i1].open, 2);
	assert_int_equal(t->e[i1].peak, 3);
	assert_int_equal(t->e[i1].accepted, 3);

	struct peer_summary s;
	const struct peer_table *tabs[] = {t, NULL};
	assert_int_equal(peers_merge(tabs, 2, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.addresses, 2);
	assert_string_equal(s.v[0].addr, "10.200.0.1");
	assert_int_equal(s.v[0].port, 7000);
	assert_int_equal(s.v[0].peak, 3);
	assert_int_equal(s.v[0].open, 2);
	assert_ptr_equal(peers_busiest(&s), &s.v[0]);
	assert_false(s.overflow);
	peers_summary_free(&s);
	free(t);
}

static void test_full_table_counts_other(void **st)
{
	(void)st;
	struct peer_table *t = table_new();
	for (uint32_t i = 0; i < PEERS_MAX; i++) {
		struct sockaddr_any a = v4(0x0b000000 + i);
		assert_int_not_equal(peers_open(t, &a, 80), 0);
	}
	struct sockaddr_any extra = v4(0x0c000001);
	assert_int_equal(peers_open(t, &extra, 80), 0);
	assert_int_equal(peers_open(t, &extra, 80), 0);
	assert_int_equal(t->other_open, 2);
	peers_close(t, 0, false);
	assert_int_equal(t->other_open, 1);
	assert_int_equal(t->other_peak, 2);
	/* a known address still finds its entry when the table is full */
	struct sockaddr_any first = v4(0x0b000000);
	assert_int_equal(peers_open(t, &first, 80), 1);
	assert_int_equal(t->e[1].open, 2);

	struct peer_summary s;
	const struct peer_table *tabs[] = {t};
	assert_int_equal(peers_merge(tabs, 1, &s), 0);
	assert_true(s.overflow);
	assert_int_equal(s.n, PEERS_MAX);
	assert_int_equal(s.other_accepted, 2);
	assert_int_equal(s.other_open, 1);
	assert_string_equal(s.v[0].addr, "11.0.0.0");
	peers_summary_free(&s);
	free(t);
}

static void test_merge_sums_workers(void **st)
{
	(void)st;
	struct peer_table *t1 = table_new(), *t2 = table_new();
	struct sockaddr_any nat = v4(0x0ac800fe), lone = v4(0x0ac80005);
	for (int i = 0; i < 30; i++)
		peers_open(t1, &nat, 7000);
	for (int i = 0; i < 12; i++)
		peers_open(t2, &nat, 7000);
	uint16_t l = peers_open(t2, &lone, 7000);
	peers_close(t2, l, false);
	struct peer_summary s;
	const struct peer_table *tabs[] = {t2, t1};
	assert_int_equal(peers_merge(tabs, 2, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.addresses, 2);
	assert_string_equal(s.v[0].addr, "10.200.0.254");
	assert_int_equal(s.v[0].open, 42);
	assert_int_equal(s.v[0].peak, 42);
	assert_int_equal(s.v[0].accepted, 42);
	assert_string_equal(s.v[1].addr, "10.200.0.5");
	assert_int_equal(s.v[1].open, 0);
	assert_int_equal(s.v[1].accepted, 1);
	peers_summary_free(&s);
	/* a server nobody connected to: tables there but empty (UBSan: no
	 * copy into a NULL buffer) */
	struct peer_table *t0 = table_new();
	struct peer_summary empty;
	const struct peer_table *none[] = {NULL, t0};
	assert_int_equal(peers_merge(none, 2, &empty), 0);
	assert_int_equal(empty.n, 0);
	assert_int_equal(empty.addresses, 0);
	assert_null(peers_busiest(&empty));
	peers_summary_free(&empty);
	free(t0);
	free(t1);
	free(t2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_open_peak_accepted),
		cmocka_unit_test(test_full_table_counts_other),
		cmocka_unit_test(test_merge_sums_workers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
