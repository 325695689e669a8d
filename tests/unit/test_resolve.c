/* Unit tests for resolve: names from /etc/hosts only (localhost), numeric
 * addresses, the family filter, deduplication, an unknown name, and every
 * refusal of the HOST:PORT syntax. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "tcpswarm/resolve.h"

#define ACC "accepted: NAME:PORT, IPv4:PORT or [IPv6]:PORT, e.g. localhost:7000, [::1]:7000"

static int is_v4(const struct sockaddr_any *a, const char *ip, unsigned port)
{
	struct in_addr x;
	inet_pton(AF_INET, ip, &x);
	return a->sa.sa_family == AF_INET && a->len == sizeof(a->in4) && a->in4.sin_addr.s_addr == x.s_addr &&
	       ntohs(a->in4.sin_port) == port;
}

static int is_v6(const struct sockaddr_any *a, const char *ip, unsigned port)
{
	struct in6_addr x;
	inet_pton(AF_INET6, ip, &x);
	return a->sa.sa_family == AF_INET6 && a->len == sizeof(a->in6) &&
	       memcmp(&a->in6.sin6_addr, &x, sizeof(x)) == 0 && ntohs(a->in6.sin6_port) == port;
}

/* What this machine's resolver says about localhost, independently. */
static void system_localhost(int *has4, int *has6)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	*has4 = *has6 = 0;
	assert_int_equal(getaddrinfo("localhost", NULL, &hints, &res), 0);
	for (ai = res; ai; ai = ai->ai_next) {
		*has4 |= ai->ai_family == AF_INET;
		*has6 |= ai->ai_family == AF_INET6;
	}
	freeaddrinfo(res);
}

static void test_localhost(void **state)
{
	(void)state;
	int has4, has6;
	system_localhost(&has4, &has6);
	assert_true(has4); /* every test machine maps localhost to 127.0.0.1 */
	struct sockaddr_any a[16];
	char err[256] = "";
	int n = resolve_target("localhost:7000", AF_UNSPEC, a, 16, err, sizeof(err));
	assert_true(n >= has4 + has6);
	/* /etc/hosts may list 127.0.0.1 twice: no address comes out twice */
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			assert_false(a[i].len == a[j].len && memcmp(&a[i], &a[j], a[i].len) == 0);
	int seen4 = 0, seen6 = 0;
	for (int i = 0; i < n; i++) {
		assert_true(addr_is_loopback(&a[i]));
		seen4 += is_v4(&a[i], "127.0.0.1", 7000);
		seen6 += is_v6(&a[i], "::1", 7000);
	}
	assert_int_equal(seen4, 1);
	assert_int_equal(seen6, has6);

	/* -4 */
	assert_int_equal(resolve_target("LOCALHOST:1", AF_INET, a, 16, err, sizeof(err)), 1);
	assert_true(is_v4(&a[0], "127.0.0.1", 1));
	/* -6: ::1 when the system knows it, else a message naming the family */
	n = resolve_target("localhost:65535", AF_INET6, a, 16, err, sizeof(err));
	if (has6) {
		assert_int_equal(n, 1);
		assert_true(is_v6(&a[0], "::1", 65535));
	} else {
		assert_int_equal(n, -1);
		assert_string_equal(err, "'localhost' has no IPv6 address (-6 given)");
	}
	/* cap: the first address only */
	assert_int_equal(resolve_target("localhost:7000", AF_UNSPEC, a, 1, err, sizeof(err)), 1);
}

static void test_numeric(void **state)
{
	(void)state;
	struct sockaddr_any a[4];
	char err[256] = "";
	assert_int_equal(resolve_target("127.0.0.2:8080", AF_UNSPEC, a, 4, err, sizeof(err)), 1);
	assert_true(is_v4(&a[0], "127.0.0.2", 8080));
	assert_int_equal(resolve_target("[::1]:9", AF_UNSPEC, a, 4, err, sizeof(err)), 1);
	assert_true(is_v6(&a[0], "::1", 9));
	assert_int_equal(resolve_target("[::1]:9", AF_INET6, a, 4, err, sizeof(err)), 1);
	assert_int_equal(resolve_target("[::1]:9", AF_INET, a, 4, err, sizeof(err)), -1);
	assert_string_equal(err, "'::1' has no IPv4 address (-4 given)");
	assert_int_equal(resolve_target("127.0.0.1:9", AF_INET6, a, 4, err, sizeof(err)), -1);
	assert_string_equal(err, "'127.0.0.1' has no IPv6 address (-6 given)");
	assert_int_equal(resolve_host("::1", 80, AF_UNSPEC, a, 4, err, sizeof(err)), 1);
	assert_true(is_v6(&a[0], "::1", 80));
	assert_int_equal(resolve_host("127.0.0.1", 81, AF_INET, a, 4, err, sizeof(err)), 1);
	assert_true(is_v4(&a[0], "127.0.0.1", 81));
}

static void test_unknown_name(void **state)
{
	(void)state;
	struct sockaddr_any a[4];
	char err[256] = "";
	assert_int_equal(resolve_target("no-such-host.invalid:80", AF_UNSPEC, a, 4, err, sizeof(err)), -1);
	/* the reason is the resolver's ("Name or service not known" here; a
	 * sandbox without DNS may say "Temporary failure in name resolution") */
	const char *want = "cannot resolve 'no-such-host.invalid': ";
	assert_memory_equal(err, want, strlen(want));
	assert_true(strlen(err) > strlen(want));
	assert_int_equal(resolve_host("no-such-host.invalid", 80, AF_INET, a, 4, err, sizeof(err)), -1);
	assert_memory_equal(err, want, strlen(want));
}

static void bad(const char *s, const char *want)
{
	struct sockaddr_any a[2];
	char err[256] = "";
	assert_int_equal(resolve_target(s, AF_UNSPEC, a, 2, err, sizeof(err)), -1);
	if (strcmp(err, want) != 0)
		fail_msg("'%s': error\n  '%s'\nwant\n  '%s'", s, err, want);
}

static void test_bad_syntax(void **state)
{
	(void)state;
	bad("http://localhost:8080/", "'http://localhost:8080/' is a URL: use --proto http with a URL target, or "
				      "give HOST:PORT");
	bad("http://[::1]:8080/x", "'http://[::1]:8080/x' is a URL: use --proto http with a URL target, or give "
				   "HOST:PORT");
	bad("", "empty target; " ACC);
	bad("localhost", "'localhost': missing port; " ACC);
	bad("localhost:", "'localhost:': missing port; " ACC);
	bad(":80", "':80': missing host; " ACC);
	bad("localhost:0", "'localhost:0': port must be a number from 1 to 65535; " ACC);
	bad("localhost:65536", "'localhost:65536': port must be a number from 1 to 65535; " ACC);
	bad("localhost:http", "'localhost:http': port must be a number from 1 to 65535; " ACC);
	bad("::1:80", "'::1:80' looks like an IPv6 address without brackets; write [ADDR]:PORT, e.g. [::1]:7000");
	bad("[::1", "'[::1': missing ']'; " ACC);
	bad("[::1]", "'[::1]': missing port; " ACC);
	bad("[::1]x80", "'[::1]x80': expected ':' after ']'; " ACC);
	bad("[]:80", "'[]:80': not an IPv6 address inside brackets; " ACC);
	bad("[localhost]:80", "'[localhost]:80': not an IPv6 address inside brackets; " ACC);
	bad("[127.0.0.1]:80", "'[127.0.0.1]:80': not an IPv6 address inside brackets; " ACC);
	struct sockaddr_any a[1];
	char err[64];
	assert_int_equal(resolve_host("", 80, AF_UNSPEC, a, 1, err, sizeof(err)), -1);
	assert_int_equal(resolve_host("localhost", 80, AF_UNIX, a, 1, err, sizeof(err)), -1);
	assert_int_equal(resolve_host("localhost", 80, AF_UNSPEC, a, 0, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_localhost),
		cmocka_unit_test(test_numeric),
		cmocka_unit_test(test_unknown_name),
		cmocka_unit_test(test_bad_syntax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
