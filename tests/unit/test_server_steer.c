/* server_steer: the reuseport program, against real loopback listeners
 * (the kernel numbers a group in listen() order): a window's SYNs go to
 * its listeners only, over IPv4 and IPv6 alike, and past the last listener
 * the kernel's hash takes over. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/server_steer.h"

#define NL 4

/* NL dual-stack listeners on one [::] port, listened in order; the port. */
static uint16_t listeners(int *fds)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
	for (int i = 0; i < NL; i++) {
		fds[i] = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fds[i] < 0)
			return 0; /* no IPv6 here */
		int one = 1, zero = 0;
		setsockopt(fds[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		setsockopt(fds[i], IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		assert_int_equal(bind(fds[i], (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(listen(fds[i], 128), 0);
		if (i == 0) {
			socklen_t len = sizeof(a);
			getsockname(fds[0], (struct sockaddr *)&a, &len);
		}
	}
	return ntohs(a.sin6_port);
}

/* n connects to the port, over IPv4 (odd ones over IPv6 when v6); the
 * client fds go to cl. */
static void connect_n(uint16_t port, int n, bool v6, int *cl)
{
	for (int i = 0; i < n; i++) {
		struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(port)};
		struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
		inet_pton(AF_INET, "127.0.0.1", &a4.sin_addr);
		bool six = v6 && (i & 1);
		cl[i] = socket(six ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(cl[i] >= 0);
		int rc = six ? connect(cl[i], (struct sockaddr *)&a6, sizeof(a6)) : connect(cl[i], (struct sockaddr *)&a4, sizeof(a4));
		assert_int_equal(rc, 0);
	}
}

/* Connections queued on each listener (accepted and closed). */
static void drain(const int *fds, int *got)
{
	for (int i = 0; i < NL; i++) {
		got[i] = 0;
		for (int c; (c = accept4(fds[i], NULL, NULL, SOCK_CLOEXEC)) >= 0; got[i]++)
			close(c);
	}
}

static void close_all(int *fds, int nf, int *cl, int nc)
{
	for (int i = 0; i < nf; i++)
		close(fds[i]);
	for (int i = 0; i < nc; i++)
		close(cl[i]);
}

static void test_one_listener_window_takes_every_syn(void **state)
{
	(void)state;
	int fds[NL], cl[40], got[NL];
	uint16_t port = listeners(fds);
	if (!port)
		skip();
	assert_int_equal(server_steer_attach(fds[0], 2, 1, NL), 0);
	connect_n(port, 40, true, cl);
	drain(fds, got);
	assert_int_equal(got[0], 0);
	assert_int_equal(got[1], 0);
	assert_int_equal(got[2], 40); /* the third listen(): index 2, IPv4 and IPv6 */
	assert_int_equal(got[3], 0);
	close_all(fds, NL, cl, 40);
}

static void test_two_listener_window_shares_and_others_idle(void **state)
{
	(void)state;
	int fds[NL], cl[64], got[NL];
	uint16_t port = listeners(fds);
	if (!port)
		skip();
	assert_int_equal(server_steer_attach(fds[3], 1, 2, NL), 0); /* any member sets the group's program */
	connect_n(port, 64, false, cl);
	drain(fds, got);
	assert_int_equal(got[0] + got[3], 0);
	assert_int_equal(got[1] + got[2], 64);
	/* ports two apart still split (an unmixed port % 2 sends all to one) */
	assert_true(got[1] >= 8 && got[2] >= 8);
	close_all(fds, NL, cl, 64);
}

static void test_past_the_group_the_kernel_hash_spreads(void **state)
{
	(void)state;
	int fds[NL], cl[64], got[NL];
	uint16_t port = listeners(fds);
	if (!port)
		skip();
	assert_int_equal(server_steer_attach(fds[0], NL, 2, NL), 0);
	connect_n(port, 64, false, cl);
	drain(fds, got);
	int busy = 0;
	for (int i = 0; i < NL; i++)
		busy += got[i] > 0;
	assert_int_equal(got[0] + got[1] + got[2] + got[3], 64);
	assert_true(busy >= 3);
	close_all(fds, NL, cl, 64);
}

static void test_window_is_clamped_to_the_group(void **state)
{
	(void)state;
	struct sock_filter p[STEER_PROG_MAX];
	assert_int_equal(server_steer_program(p, 5, 2, 5), 1); /* past the end: one return */
	assert_int_equal(p[0].code, BPF_RET | BPF_K);
	assert_true(p[0].k >= 5);
	unsigned n = server_steer_program(p, 3, 4, 5);
	assert_true(n > 1 && n <= STEER_PROG_MAX);
	for (unsigned i = 0; i < n; i++)
		if (p[i].code == (BPF_ALU | BPF_MOD | BPF_K))
			assert_int_equal(p[i].k, 2); /* listeners 3 and 4 only */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_listener_window_takes_every_syn),
		cmocka_unit_test(test_two_listener_window_shares_and_others_idle),
		cmocka_unit_test(test_past_the_group_the_kernel_hash_spreads),
		cmocka_unit_test(test_window_is_clamped_to_the_group),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
