/* Unit tests for url: good URLs with every part, and each refusal with its
 * message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tcpswarm/url.h"

#define ACC "accepted: http://HOST[:PORT]/PATH?QUERY or https://..., HOST a name, IPv4 or [IPv6]"

static void good(const char *s, const char *name, const char *host, unsigned port, const char *target, int tls)
{
	struct url u;
	char err[256] = "";
	if (url_parse(s, &u, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", s, err);
	assert_string_equal(u.name, name);
	assert_string_equal(u.host, host);
	assert_int_equal(u.port, port);
	assert_string_equal(u.target, target);
	assert_int_equal(u.tls, tls);
	assert_true(url_looks_like(s));
}

static void bad(const char *s, const char *what)
{
	struct url u;
	char err[256] = "", want[256];
	snprintf(want, sizeof(want), "%s; %s", what, ACC);
	assert_int_equal(url_parse(s, &u, err, sizeof(err)), -1);
	if (strcmp(err, want) != 0)
		fail_msg("'%s': error\n  '%s'\nwant\n  '%s'", s, err, want);
}

static void test_url_good(void **state)
{
	(void)state;
	good("http://127.0.0.1:8080/index.html", "127.0.0.1", "127.0.0.1:8080", 8080, "/index.html", 0);
	good("http://localhost", "localhost", "localhost", 80, "/", 0);
	good("http://localhost/", "localhost", "localhost", 80, "/", 0);
	good("http://localhost:80/", "localhost", "localhost", 80, "/", 0); /* default port left out */
	good("HTTP://Example.COM/A?b=1&c", "Example.COM", "Example.COM", 80, "/A?b=1&c", 0);
	good("http://h?x=1", "h", "h", 80, "/?x=1", 0);
	good("http://h:1?x", "h", "h:1", 1, "/?x", 0);
	good("http://[::1]:8080/p", "::1", "[::1]:8080", 8080, "/p", 0);
	good("http://[::1]/", "::1", "[::1]", 80, "/", 0);
	good("http://[fd00::1:2]:65535", "fd00::1:2", "[fd00::1:2]:65535", 65535, "/", 0);
	good("https://my-host_1.local/x/y%20z", "my-host_1.local", "my-host_1.local", 443, "/x/y%20z", 1);
	good("https://h:443/", "h", "h", 443, "/", 1);
	good("https://h:80/", "h", "h:80", 80, "/", 1);
	good("http://h/a/../b;c=d?e=%2F", "h", "h", 80, "/a/../b;c=d?e=%2F", 0);
}

static void test_url_bad(void **state)
{
	(void)state;
	bad("127.0.0.1:8080/", "missing 'http://'");
	bad("http:/h/", "missing 'http://'");
	bad("", "missing 'http://'");
	bad("ftp://h/", "scheme 'ftp' is not supported");
	bad("httpx://h/", "scheme 'httpx' is not supported");
	bad("http://", "empty host");
	bad("http:///path", "empty host");
	bad("http://:80/", "empty host");
	bad("http://user:pw@h/", "userinfo ('user@') is not supported");
	bad("http://user@h/", "userinfo ('user@') is not supported");
	bad("http://h:/", "empty port after ':'");
	bad("http://h:0/", "port '0' is not a number from 1 to 65535");
	bad("http://h:65536/", "port '65536' is not a number from 1 to 65535");
	bad("http://h:99999999999/", "port '99999999999' is not a number from 1 to 65535");
	bad("http://h:8a/", "port '8a' is not a number from 1 to 65535");
	bad("http://h:-1/", "port '-1' is not a number from 1 to 65535");
	bad("http://h/#frag", "a fragment ('#...') is never sent to a server; remove it");
	bad("http://h#frag", "a fragment ('#...') is never sent to a server; remove it");
	bad("http://h/a b", "byte 0x20 at path position 3: percent-encode it");
	bad("http://h/\xc3\xa9", "byte 0xc3 at path position 2: percent-encode it");
	bad("http://::1/", "an IPv6 address needs brackets: http://[ADDR]:PORT/");
	bad("http://fd00::1:80/", "an IPv6 address needs brackets: http://[ADDR]:PORT/");
	bad("http://[::1/", "missing ']' after the IPv6 address");
	bad("http://[]/", "empty or over-long IPv6 address in brackets");
	bad("http://[::g]/", "'::g' is not an IPv6 address");
	bad("http://[127.0.0.1]/", "'127.0.0.1' is not an IPv6 address");
	bad("http://[::1]x/", "expected ':' or '/' after ']'");
	bad("http://[::1]:/", "empty port after ':'");
	bad("http://h%41/", "character '%' not allowed in host 'h%41'");
	bad("http://h*/", "character '*' not allowed in host 'h*'");
	/* limits */
	char big[5000];
	memset(big, 'a', sizeof(big));
	memcpy(big, "http://", 7);
	big[7 + 254] = 0;
	bad(big, "host longer than 253 characters");
	big[7 + 253] = 0;
	struct url u;
	assert_int_equal(url_parse(big, &u, NULL, 0), 0);
	snprintf(big, sizeof(big), "http://h/");
	memset(big + 9, 'p', 4095 - 1);
	big[9 + 4094] = 0; /* target of 4095 bytes */
	assert_int_equal(url_parse(big, &u, NULL, 0), 0);
	assert_int_equal(strlen(u.target), 4095);
	big[9 + 4094] = 'p';
	big[9 + 4095] = 0;
	assert_int_equal(url_parse(big, &u, NULL, 0), 0); /* 4096: the limit */
	big[9 + 4095] = 'p';
	big[9 + 4096] = 0;
	bad(big, "path and query longer than 4096 bytes");
	assert_int_equal(url_parse(NULL, &u, NULL, 0), -1);
}

static void test_url_looks_like(void **state)
{
	(void)state;
	assert_true(url_looks_like("http://h/"));
	assert_true(url_looks_like("ftp://h/"));
	assert_true(url_looks_like("git+ssh://h"));
	assert_false(url_looks_like("127.0.0.1:80"));
	assert_false(url_looks_like("[::1]:80"));
	assert_false(url_looks_like("localhost:80"));
	assert_false(url_looks_like("http:/x"));
	assert_false(url_looks_like("1http://x"));
	assert_false(url_looks_like(""));
	assert_false(url_looks_like(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_good),
		cmocka_unit_test(test_url_bad),
		cmocka_unit_test(test_url_looks_like),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
