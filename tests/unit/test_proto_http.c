/* Unit tests for proto_http: requests at every split, pipelining, limits;
 * response heads and requests built; the incremental response reader fed
 * whole, split at every byte and byte by byte; inputs ending at a guard page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcpswarm/proto_http.h"

#define MAXH 8192

/* ---- helpers ---- */

struct guard {
	uint8_t *base;
	size_t page;
};

static void guard_init(struct guard *g)
{
	g->page = (size_t)sysconf(_SC_PAGESIZE);
	g->base = mmap(NULL, 2 * g->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g->base != MAP_FAILED);
	assert_int_equal(mprotect(g->base + g->page, g->page, PROT_NONE), 0);
}

/* The data's last byte becomes the last byte before the PROT_NONE page. */
static const uint8_t *guard_place(struct guard *g, const void *data, size_t n)
{
	assert_true(n <= g->page);
	uint8_t *p = g->base + g->page - n;
	memcpy(p, data, n);
	return p;
}

static void guard_free(struct guard *g)
{
	munmap(g->base, 2 * g->page);
}

static ssize_t parse_req(const char *s, struct proto_http_req *r)
{
	return proto_http_parse_request((const uint8_t *)s, strlen(s), MAXH, r);
}

/* A valid request: every strict prefix needs more, the whole is consumed. */
static void req_every_split(const char *s, size_t max_header, struct proto_http_req *r)
{
	size_t n = strlen(s);
	for (size_t cut = 0; cut < n; cut++)
		assert_int_equal(proto_http_parse_request((const uint8_t *)s, cut, max_header, r), -2);
	assert_int_equal(proto_http_parse_request((const uint8_t *)s, n, max_header, r), n);
}

static int span_is(const uint8_t *p, size_t n, const char *want)
{
	return p && n == strlen(want) && memcmp(p, want, n) == 0;
}

/* ---- requests ---- */

static void test_request_length_values(void **state)
{
	(void)state;
	struct proto_http_req r;
	req_every_split("GET /?length=0 HTTP/1.1\r\nHost: a\r\n\r\n", MAXH, &r);
	assert_int_equal(r.method, PROTO_HTTP_GET);
	assert_true(span_is(r.path, r.path_len, "/"));
	assert_true(span_is(r.query, r.query_len, "length=0"));
	assert_int_equal(r.has_length, 1);
	assert_int_equal(r.bad_length, 0);
	assert_int_equal(r.length, 0);
	assert_int_equal(r.minor_version, 1);
	assert_int_equal(r.keep_alive, 1);
	assert_int_equal(r.body_len, 0);

	req_every_split("GET /data?x=1&length=1024&y=2 HTTP/1.1\r\nHost: a\r\n\r\n", MAXH, &r);
	assert_true(span_is(r.path, r.path_len, "/data"));
	assert_int_equal(r.has_length, 1);
	assert_int_equal(r.length, 1024);

	req_every_split("GET /plain HTTP/1.1\r\nHost: a\r\n\r\n", MAXH, &r);
	assert_true(span_is(r.path, r.path_len, "/plain"));
	assert_null(r.query);
	assert_int_equal(r.has_length, 0);
	assert_int_equal(r.bad_length, 0);

	const char *bad[] = {
		"GET /?length=abc HTTP/1.1\r\n\r\n",
		"GET /?length= HTTP/1.1\r\n\r\n",
		"GET /?length HTTP/1.1\r\n\r\n",
		"GET /?length=-1 HTTP/1.1\r\n\r\n",
		"GET /?length=12x HTTP/1.1\r\n\r\n",
		"GET /?length=18446744073709551616 HTTP/1.1\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_req(bad[i], &r), strlen(bad[i]));
		assert_int_equal(r.has_length, 0);
		assert_int_equal(r.bad_length, 1);
	}
	assert_true(parse_req("GET /?length=18446744073709551615 HTTP/1.1\r\n\r\n", &r) > 0);
	assert_int_equal(r.has_length, 1);
	assert_true(r.length == UINT64_MAX);
	/* similar names are not "length"; the first "length" counts */
	assert_true(parse_req("GET /?lengthy=5&xlength=6 HTTP/1.1\r\n\r\n", &r) > 0);
	assert_int_equal(r.has_length, 0);
	assert_int_equal(r.bad_length, 0);
	assert_true(parse_req("GET /?length=7&length=x HTTP/1.1\r\n\r\n", &r) > 0);
	assert_int_equal(r.length, 7);
	assert_int_equal(r.bad_length, 0);
}

static void test_request_methods_and_versions(void **state)
{
	(void)state;
	struct proto_http_req r;
	assert_true(parse_req("HEAD / HTTP/1.1\r\n\r\n", &r) > 0);
	assert_int_equal(r.method, PROTO_HTTP_HEAD);
	assert_true(parse_req("POST / HTTP/1.1\r\n\r\n", &r) > 0);
	assert_int_equal(r.method, PROTO_HTTP_POST);
	assert_true(parse_req("PUT / HTTP/1.1\r\n\r\n", &r) > 0);
	assert_int_equal(r.method, PROTO_HTTP_OTHER);
	assert_true(parse_req("get / HTTP/1.1\r\n\r\n", &r) > 0); /* methods are case-sensitive */
	assert_int_equal(r.method, PROTO_HTTP_OTHER);
	/* keep-alive defaults and overrides */
	assert_true(parse_req("GET / HTTP/1.0\r\n\r\n", &r) > 0);
	assert_int_equal(r.minor_version, 0);
	assert_int_equal(r.keep_alive, 0);
	assert_true(parse_req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r) > 0);
	assert_int_equal(r.keep_alive, 1);
	assert_true(parse_req("GET / HTTP/1.1\r\ncOnNeCtIoN:   close  \r\n\r\n", &r) > 0);
	assert_int_equal(r.keep_alive, 0);
	assert_true(parse_req("GET / HTTP/1.1\r\nConnection: keep-alive, close\r\n\r\n", &r) > 0);
	assert_int_equal(r.keep_alive, 0);
	assert_true(parse_req("GET / HTTP/1.1\r\nConnection: upgrade\r\n\r\n", &r) > 0);
	assert_int_equal(r.keep_alive, 1);
	/* bare LF line endings, and empty lines before the request line */
	req_every_split("GET /?length=3 HTTP/1.1\nHost: a\n\n", MAXH, &r);
	assert_int_equal(r.length, 3);
	req_every_split("\r\n\nGET / HTTP/1.1\r\n\r\n", MAXH, &r);
	assert_true(span_is(r.path, r.path_len, "/"));
}

static void test_request_malformed(void **state)
{
	(void)state;
	struct proto_http_req r;
	const char *bad[] = {
		"GET  / HTTP/1.1\r\n\r\n",
		"GET /\r\n\r\n",
		"GET / \r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"GET / HTTP/1.10\r\n\r\n",
		"GET / http/1.1\r\n\r\n",
		"G@T / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1 extra\r\n\r\n",
		"GET\t/ HTTP/1.1\r\n\r\n",
		" GET / HTTP/1.1\r\n\r\n",
		"GET /a\x01 HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\rX\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\r\n: a\r\n\r\n",
		"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"\x16\x03\x01\x02\x10\x01\xfc\x03\x03\r\n", /* a TLS hello */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_req(bad[i], &r), -1);
	/* a NUL inside a header value */
	static const char nul[] = "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n";
	assert_int_equal(proto_http_parse_request((const uint8_t *)nul, sizeof(nul) - 1, MAXH, &r), -1);
	/* the error shows as soon as the bad line is complete */
	assert_int_equal(parse_req("BAD REQUEST LINE\r\n", &r), -1);
	/* repeated equal Content-Length values are accepted */
	assert_int_equal(parse_req("POST / HTTP/1.1\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nab", &r),
			 strlen("POST / HTTP/1.1\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nab"));
}

static void test_request_header_limit(void **state)
{
	(void)state;
	struct proto_http_req r;
	char big[256];
	int n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX-Long: %0100d\r\n\r\n", 0);
	assert_true(n > 100);
	/* waits while below the limit, fails once the limit is reached */
	for (size_t cut = 0; cut <= (size_t)n; cut++)
		assert_int_equal(proto_http_parse_request((const uint8_t *)big, cut, 64, &r),
				 cut >= 64 ? -1 : -2);
	/* a head of exactly max_header bytes is fine, one byte less is not */
	assert_int_equal(proto_http_parse_request((const uint8_t *)big, (size_t)n, (size_t)n, &r), n);
	assert_int_equal(proto_http_parse_request((const uint8_t *)big, (size_t)n, (size_t)n - 1, &r), -1);
	req_every_split(big, (size_t)n, &r);
}

static void test_request_body(void **state)
{
	(void)state;
	struct proto_http_req r;
	const char *s = "POST /up?length=2 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
	size_t n = strlen(s), head = n - 5;
	req_every_split(s, MAXH, &r);
	assert_int_equal(r.head_len, head);
	assert_int_equal(r.body_len, 5);
	/* body incomplete: -2, with the sizes known */
	assert_int_equal(proto_http_parse_request((const uint8_t *)s, head + 2, MAXH, &r), -2);
	assert_int_equal(r.head_len, head);
	assert_int_equal(r.body_len, 5);
	/* the body does not count against max_header */
	assert_int_equal(proto_http_parse_request((const uint8_t *)s, n, head, &r), n);
}

static void test_request_pipelined(void **state)
{
	(void)state;
	struct proto_http_req r;
	const char *reqs[] = {
		"GET /?length=1 HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST /?length=2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
		"GET /?length=3 HTTP/1.0\nConnection: close\n\n",
	};
	char buf[512] = "";
	size_t ends[3], total = 0;
	for (int i = 0; i < 3; i++) {
		strcat(buf, reqs[i]);
		total += strlen(reqs[i]);
		ends[i] = total;
	}
	/* at every cut, the complete requests come out in order, then -2 */
	for (size_t cut = 0; cut <= total; cut++) {
		size_t off = 0;
		int i = 0;
		ssize_t c;
		while ((c = proto_http_parse_request((const uint8_t *)buf + off, cut - off, MAXH, &r)) > 0) {
			off += (size_t)c;
			assert_int_equal(off, ends[i]);
			assert_int_equal(r.length, (uint64_t)i + 1);
			i++;
		}
		assert_int_equal(c, -2);
		int want = 0;
		while (want < 3 && ends[want] <= cut)
			want++;
		assert_int_equal(i, want);
	}
}

static void test_request_guard_page(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g);
	struct proto_http_req r;
	const char *s = "POST /x?length=10 HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n"
			"Content-Length: 4\r\n\r\nbody";
	size_t n = strlen(s);
	for (size_t cut = 0; cut <= n; cut++) {
		const uint8_t *p = guard_place(&g, s, cut);
		assert_int_equal(proto_http_parse_request(p, cut, MAXH, &r), cut == n ? (ssize_t)n : -2);
	}
	/* input ending in the middle of a line, a CR, a header name */
	const char *tails[] = {"GET / HTTP/1.1\r", "GET / HTTP/1.1\r\nHos", "GET /?length=12",
			       "GET / HTTP/1.1\r\nX: y\r\n\r"};
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		size_t k = strlen(tails[i]);
		const uint8_t *p = guard_place(&g, tails[i], k);
		assert_int_equal(proto_http_parse_request(p, k, MAXH, &r), -2);
		assert_int_equal(proto_http_parse_request(p, k, k, &r), -1);
	}
	guard_free(&g);
}

/* ---- building ---- */

static void test_build_response_head(void **state)
{
	(void)state;
	char out[256];
	const char *want = "HTTP/1.1 200 OK\r\nContent-Length: 1024\r\nConnection: keep-alive\r\n\r\n";
	size_t n = strlen(want);
	assert_int_equal(proto_http_build_response_head(out, sizeof(out), 200, 1024, 1), n);
	assert_memory_equal(out, want, n);
	for (size_t cap = 0; cap < n; cap++)
		assert_int_equal(proto_http_build_response_head(out, cap, 200, 1024, 1), -1);
	assert_int_equal(proto_http_build_response_head(out, n, 200, 1024, 1), n);
	want = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
	assert_int_equal(proto_http_build_response_head(out, sizeof(out), 204, 5, 0), strlen(want));
	assert_memory_equal(out, want, strlen(want));
	want = "HTTP/1.1 299 \r\nContent-Length: 18446744073709551615\r\nConnection: close\r\n\r\n";
	assert_int_equal(proto_http_build_response_head(out, sizeof(out), 299, UINT64_MAX, 0),
			 strlen(want));
	assert_memory_equal(out, want, strlen(want));
	assert_int_equal(proto_http_build_response_head(out, sizeof(out), 99, 0, 1), -1);
	assert_int_equal(proto_http_build_response_head(out, sizeof(out), 600, 0, 1), -1);
}

static void test_body_chunk(void **state)
{
	(void)state;
	size_t n = 0;
	const uint8_t *b = proto_http_body_chunk(&n);
	assert_int_equal(n, PROTO_HTTP_BODY_CHUNK);
	assert_true(n >= 16384);
	for (size_t i = 0; i < n; i++)
		if (b[i] != 'x')
			fail_msg("byte %zu is not 'x'", i);
	assert_ptr_equal(proto_http_body_chunk(NULL), b);
}

static void test_build_request(void **state)
{
	(void)state;
	char out[512];
	struct proto_http_req r;
	const char *want = "GET /?length=1024 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
	size_t n = strlen(want);
	assert_int_equal(proto_http_build_request(out, sizeof(out), "/", 1024, 1, "127.0.0.1:8080", NULL, 0), n);
	assert_memory_equal(out, want, n);
	for (size_t cap = 0; cap < n; cap++)
		assert_int_equal(proto_http_build_request(out, cap, "/", 1024, 1, "127.0.0.1:8080", NULL, 0), -1);
	/* the built request parses back */
	assert_int_equal(proto_http_parse_request((const uint8_t *)out, n, MAXH, &r), n);
	assert_int_equal(r.length, 1024);
	assert_int_equal(r.keep_alive, 1);

	const char *extra[] = {"User-Agent: tcpswarm", "Accept: */*"};
	want = "GET /a?b=1&length=0 HTTP/1.1\r\nHost: h\r\nUser-Agent: tcpswarm\r\nAccept: */*\r\n\r\n";
	assert_int_equal(proto_http_build_request(out, sizeof(out), "/a?b=1", 0, 1, "h", extra, 2),
			 strlen(want));
	assert_memory_equal(out, want, strlen(want));
	want = "GET /a?length=5 HTTP/1.1\r\nHost: h\r\n\r\n";
	assert_int_equal(proto_http_build_request(out, sizeof(out), "/a?", 5, 1, "h", NULL, 0), strlen(want));
	assert_memory_equal(out, want, strlen(want));
	want = "GET /a?b&length=5 HTTP/1.1\r\nHost: h\r\n\r\n";
	assert_int_equal(proto_http_build_request(out, sizeof(out), "/a?b&", 5, 1, "h", NULL, 0), strlen(want));
	assert_memory_equal(out, want, strlen(want));
	want = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
	assert_int_equal(proto_http_build_request(out, sizeof(out), "/a", 5, 0, "h", NULL, 0), strlen(want));
	assert_memory_equal(out, want, strlen(want));

	/* rejected: bad path, bad host, header injection */
	assert_int_equal(proto_http_build_request(out, sizeof(out), "a", 1, 1, "h", NULL, 0), -1);
	assert_int_equal(proto_http_build_request(out, sizeof(out), "/a b", 1, 1, "h", NULL, 0), -1);
	assert_int_equal(proto_http_build_request(out, sizeof(out), "/a#f", 1, 1, "h", NULL, 0), -1);
	assert_int_equal(proto_http_build_request(out, sizeof(out), "", 1, 1, "h", NULL, 0), -1);
	assert_int_equal(proto_http_build_request(out, sizeof(out), "/", 1, 1, "", NULL, 0), -1);
	assert_int_equal(proto_http_build_request(out, sizeof(out), "/", 1, 1, "h\r\nX: y", NULL, 0), -1);
	const char *inject[] = {"X: a\r\nY: b"};
	assert_int_equal(proto_http_build_request(out, sizeof(out), "/", 1, 1, "h", inject, 1), -1);
	const char *noname[] = {": a"};
	assert_int_equal(proto_http_build_request(out, sizeof(out), "/", 1, 1, "h", noname, 1), -1);
	const char *null[] = {NULL};
	assert_int_equal(proto_http_build_request(out, sizeof(out), "/", 1, 1, "h", null, 1), -1);
}

static ssize_t build(char *out, size_t cap, int method, const char *target, const void *body, size_t blen,
		     int has_body)
{
	struct proto_http_request rq = {.method = method, .target = target, .host = "h", .body = body,
					.body_len = blen, .has_body = has_body};
	return proto_http_build(out, cap, &rq);
}

static void expect_built(int method, const char *target, const char *body, int has_body, const char *want)
{
	char out[512];
	size_t n = strlen(want), blen = body ? strlen(body) : 0;
	ssize_t r = build(out, sizeof(out), method, target, body, blen, has_body);
	if (r != (ssize_t)n || memcmp(out, want, n) != 0)
		fail_msg("built %zd bytes '%.*s', want '%s'", r, (int)(r > 0 ? r : 0), out, want);
	for (size_t cap = 0; cap < n; cap++)
		assert_int_equal(build(out, cap, method, target, body, blen, has_body), -1);
	/* it parses back, body included */
	struct proto_http_req q;
	assert_int_equal(proto_http_parse_request((const uint8_t *)want, n, MAXH, &q), n);
	assert_int_equal(q.body_len, blen);
}

static void test_build_any_server(void **state)
{
	(void)state;
	expect_built(PROTO_HTTP_GET, "/index.html", NULL, 0, "GET /index.html HTTP/1.1\r\nHost: h\r\n\r\n");
	expect_built(PROTO_HTTP_HEAD, "/", NULL, 0, "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
	expect_built(PROTO_HTTP_DELETE, "/x?y", NULL, 0, "DELETE /x?y HTTP/1.1\r\nHost: h\r\n\r\n");
	expect_built(PROTO_HTTP_POST, "/p", NULL, 0, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
	expect_built(PROTO_HTTP_PUT, "/p", NULL, 0, "PUT /p HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
	expect_built(PROTO_HTTP_POST, "/p", "a=1", 1,
		     "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\na=1");
	expect_built(PROTO_HTTP_PUT, "/p", "", 1, "PUT /p HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
	expect_built(PROTO_HTTP_GET, "/", "q", 1, "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nq");

	/* a binary body, extra headers, the length parameter */
	char out[512];
	const char *extra[] = {"Content-Type: application/octet-stream", "X-A: 1"};
	struct proto_http_request rq = {.method = PROTO_HTTP_POST, .target = "/u?k=v", .host = "127.0.0.1:8080",
					.extra_headers = extra, .nextra = 2, .body = (const uint8_t *)"\0\r\n\xff",
					.body_len = 4, .has_body = 1, .length = 7, .has_length = 1};
	const char want[] = "POST /u?k=v&length=7 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
			    "Content-Type: application/octet-stream\r\nX-A: 1\r\nContent-Length: 4\r\n\r\n"
			    "\0\r\n\xff";
	assert_int_equal(proto_http_build(out, sizeof(out), &rq), sizeof(want) - 1);
	assert_memory_equal(out, want, sizeof(want) - 1);
	/* an extra Host field replaces the default one */
	const char *host[] = {"host: other.example"};
	rq = (struct proto_http_request){.method = PROTO_HTTP_GET, .target = "/", .host = "h",
					 .extra_headers = host, .nextra = 1};
	const char *w2 = "GET / HTTP/1.1\r\nhost: other.example\r\n\r\n";
	assert_int_equal(proto_http_build(out, sizeof(out), &rq), strlen(w2));
	assert_memory_equal(out, w2, strlen(w2));
	/* the old builder's output is unchanged by the new one */
	rq = (struct proto_http_request){.method = PROTO_HTTP_GET, .target = "/a?b=1", .host = "h",
					 .extra_headers = extra + 1, .nextra = 1, .length = 0, .has_length = 1};
	char old[512];
	ssize_t n = proto_http_build_request(old, sizeof(old), "/a?b=1", 0, 1, "h", extra + 1, 1);
	assert_true(n > 0);
	assert_int_equal(proto_http_build(out, sizeof(out), &rq), n);
	assert_memory_equal(out, old, (size_t)n);

	/* refused */
	const char *cl[] = {"Content-Length: 5"}, *te[] = {"transfer-encoding: chunked"}, *bad[] = {"X: a\r\nY: b"};
	const char *const *refused_headers[] = {cl, te, bad};
	for (size_t i = 0; i < 3; i++) {
		rq = (struct proto_http_request){.method = PROTO_HTTP_POST, .target = "/", .host = "h",
						 .extra_headers = refused_headers[i], .nextra = 1};
		assert_int_equal(proto_http_build(out, sizeof(out), &rq), -1);
	}
	assert_int_equal(build(out, sizeof(out), PROTO_HTTP_OTHER, "/", NULL, 0, 0), -1);
	assert_int_equal(build(out, sizeof(out), 99, "/", NULL, 0, 0), -1);
	assert_int_equal(build(out, sizeof(out), PROTO_HTTP_GET, "x", NULL, 0, 0), -1);
	assert_int_equal(build(out, sizeof(out), PROTO_HTTP_GET, "/#f", NULL, 0, 0), -1);
	assert_int_equal(build(out, sizeof(out), PROTO_HTTP_GET, "/ a", NULL, 0, 0), -1);
	assert_int_equal(build(out, sizeof(out), PROTO_HTTP_GET, NULL, NULL, 0, 0), -1);
	assert_int_equal(build(out, sizeof(out), PROTO_HTTP_POST, "/", NULL, 3, 1), -1);
	rq = (struct proto_http_request){.method = PROTO_HTTP_GET, .target = "/", .host = "a b"};
	assert_int_equal(proto_http_build(out, sizeof(out), &rq), -1);
	assert_int_equal(proto_http_build(out, sizeof(out), NULL), -1);
}

static void test_method_names(void **state)
{
	(void)state;
	const char *names[] = {"GET", "HEAD", "POST", "PUT", "DELETE"};
	for (size_t i = 0; i < 5; i++) {
		int m = proto_http_method_parse(names[i]);
		assert_true(m > PROTO_HTTP_OTHER);
		assert_string_equal(proto_http_method_name(m), names[i]);
	}
	assert_int_equal(proto_http_method_parse("HEAD"), PROTO_HTTP_HEAD);
	assert_int_equal(proto_http_method_parse("get"), -1); /* methods are case-sensitive */
	assert_int_equal(proto_http_method_parse("PATCH"), -1);
	assert_int_equal(proto_http_method_parse(""), -1);
	assert_int_equal(proto_http_method_parse(NULL), -1);
	assert_null(proto_http_method_name(PROTO_HTTP_OTHER));
	assert_null(proto_http_method_name(-1));
	assert_null(proto_http_method_name(PROTO_HTTP_DELETE + 1));
}

/* ---- incremental responses ---- */

#define MAXEV 8

struct ev {
	int status;
	uint64_t body;
	int close;
	int interim;
	size_t end; /* stream offset where the response ends */
};

/* A client as the reactor would run it: a carry buffer for partial heads and
 * chunk lines, everything else consumed straight from the read buffer. */
struct sim {
	struct proto_http_resp_state st;
	uint8_t carry[2 * MAXH];
	size_t clen;
	size_t seen; /* bytes delivered so far */
	struct ev ev[MAXEV];
	int nev;
	int err;
	size_t max_header;
	unsigned opts; /* for proto_http_resp_feed_opts */
};

static void sim_init(struct sim *s, size_t max_header, int no_body)
{
	memset(s, 0, sizeof(*s));
	s->max_header = max_header;
	proto_http_resp_init(&s->st, no_body);
}

static void sim_process(struct sim *s, const uint8_t *p, size_t len)
{
	while (len > 0) {
		struct proto_http_resp_done d;
		ssize_t r = proto_http_resp_feed_opts(&s->st, p, len, s->max_header, s->opts, &d);
		if (r == -2) {
			/* only heads and lines are ever carried, and they are bounded */
			assert_true(len < s->max_header);
			memmove(s->carry, p, len);
			s->clen = len;
			return;
		}
		if (r < 0) {
			s->err = (int)r;
			return;
		}
		assert_true(r > 0 && (size_t)r <= len);
		if (d.complete) {
			assert_true(s->nev < MAXEV);
			struct ev *e = &s->ev[s->nev++];
			e->status = d.status;
			e->body = d.body_len;
			e->close = d.close;
			e->interim = d.interim;
			e->end = s->seen - len + (size_t)r;
		}
		p += r;
		len -= (size_t)r;
	}
	s->clen = 0;
}

static void sim_feed(struct sim *s, const uint8_t *data, size_t n)
{
	if (s->err || n == 0)
		return;
	s->seen += n;
	if (s->clen) {
		assert_true(s->clen + n <= sizeof(s->carry));
		memcpy(s->carry + s->clen, data, n);
		sim_process(s, s->carry, s->clen + n);
	} else {
		sim_process(s, data, n);
	}
}

/* The peer closed: a body read until close ends here (-4 if EOF cut a
 * response short). */
static void sim_eof(struct sim *s)
{
	if (s->err)
		return;
	struct proto_http_resp_done d;
	int rc = proto_http_resp_eof(&s->st, &d);
	if (rc < 0) {
		s->err = -4;
	} else if (rc == 1) {
		assert_true(d.complete && d.close && s->nev < MAXEV);
		s->ev[s->nev++] = (struct ev){d.status, d.body_len, d.close, d.interim, s->seen};
	} else {
		assert_false(d.complete);
	}
}

struct resp_case {
	const char *text;
	size_t len;      /* 0: strlen(text) */
	size_t max_header;
	int no_body;     /* response to HEAD */
	int nev;
	struct ev ev[MAXEV];
	int err;         /* 0, -1 or -3 after the events (-4: EOF cut one short) */
	unsigned opts;   /* PROTO_HTTP_RESP_UNTIL_CLOSE */
	int eof;         /* the peer closes after the text */
};

static void check_sim(const struct sim *s, const struct resp_case *c, size_t delivered,
		      const char *how)
{
	size_t len = c->len ? c->len : strlen(c->text);
	int want = 0;
	while (want < c->nev && c->ev[want].end <= delivered)
		want++;
	if (delivered == len && s->err != c->err)
		fail_msg("%s: error %d, want %d", how, s->err, c->err);
	if (s->err == 0 && s->nev != want)
		fail_msg("%s at %zu: %d responses, want %d", how, delivered, s->nev, want);
	for (int i = 0; i < s->nev && i < c->nev; i++) {
		const struct ev *a = &s->ev[i], *b = &c->ev[i];
		if (a->status != b->status || a->body != b->body || a->close != b->close ||
		    a->interim != b->interim || a->end != b->end)
			fail_msg("%s: response %d is %d/%llu/close %d/interim %d/end %zu", how, i,
				 a->status, (unsigned long long)a->body, a->close, a->interim, a->end);
	}
	if (delivered == len && c->err == 0) {
		assert_int_equal(s->nev, c->nev);
		assert_int_equal(s->clen, 0);
		static const struct proto_http_resp_state zero;
		assert_memory_equal(&s->st, &zero, sizeof(zero));
	}
}

/* Whole, split at every byte (checking the state after the prefix), and
 * byte by byte. */
static void run_case(const struct resp_case *c)
{
	const uint8_t *t = (const uint8_t *)c->text;
	size_t len = c->len ? c->len : strlen(c->text);
	size_t mh = c->max_header ? c->max_header : MAXH;
	struct sim s;
	sim_init(&s, mh, c->no_body);
	s.opts = c->opts;
	sim_feed(&s, t, len);
	if (c->eof)
		sim_eof(&s);
	check_sim(&s, c, len, "whole");
	for (size_t cut = 0; cut <= len; cut++) {
		sim_init(&s, mh, c->no_body);
		s.opts = c->opts;
		sim_feed(&s, t, cut);
		if (s.err == 0 && !(c->eof && cut == len))
			check_sim(&s, c, cut, "prefix");
		sim_feed(&s, t + cut, len - cut);
		if (c->eof)
			sim_eof(&s);
		check_sim(&s, c, len, "split");
	}
	sim_init(&s, mh, c->no_body);
	s.opts = c->opts;
	for (size_t i = 0; i < len; i++) {
		sim_feed(&s, t + i, 1);
		if (s.err == 0 && !(c->eof && i + 1 == len))
			check_sim(&s, c, i + 1, "bytewise");
	}
	if (c->eof)
		sim_eof(&s);
	check_sim(&s, c, len, "bytewise");
}

#define R200_5 "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define CHUNKED                                                                     \
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nServer: t\r\n\r\n"       \
	"5;name=\"quoted; val\"\r\nhello\r\n"                                        \
	"1A ; x=y\r\nabcdefghijklmnopqrstuvwxyz\r\n"                                 \
	"0\r\nX-Trailer: yes\r\nX-Other: 1\r\n\r\n"
#define CLOSE3 "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"

static void test_resp_content_length(void **state)
{
	(void)state;
	struct resp_case c = {.text = R200_5, .nev = 1,
			      .ev = {{200, 5, 0, 0, sizeof(R200_5) - 1}}};
	run_case(&c);
	struct resp_case z = {.text = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .nev = 1,
			      .ev = {{200, 0, 0, 0, 38}}};
	run_case(&z);
	/* a big body: 100000 bytes counted, not buffered */
	static char big[100100];
	int h = snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
	memset(big + h, 'x', 100000);
	struct sim s;
	sim_init(&s, MAXH, 0);
	for (size_t off = 0; off < (size_t)h + 100000; off += 4096) {
		size_t k = (size_t)h + 100000 - off < 4096 ? (size_t)h + 100000 - off : 4096;
		sim_feed(&s, (const uint8_t *)big + off, k);
	}
	assert_int_equal(s.err, 0);
	assert_int_equal(s.nev, 1);
	assert_int_equal(s.ev[0].body, 100000);
}

static void test_resp_chunked(void **state)
{
	(void)state;
	struct resp_case c = {.text = CHUNKED, .nev = 1, .ev = {{200, 31, 0, 0, sizeof(CHUNKED) - 1}}};
	run_case(&c);
	const char *lf = "HTTP/1.1 200 OK\nTransfer-Encoding: gzip, chunked\n\n"
			 "3\nabc\n0\n\n";
	struct resp_case l = {.text = lf, .nev = 1, .ev = {{200, 3, 0, 0, strlen(lf)}}};
	run_case(&l);
	/* a hex size with upper and lower case digits */
	const char *hex = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			  "a\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n";
	struct resp_case x = {.text = hex, .nev = 1, .ev = {{200, 20, 0, 0, strlen(hex)}}};
	run_case(&x);
}

static void test_resp_no_body(void **state)
{
	(void)state;
	const char *t204 = "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n";
	struct resp_case a = {.text = t204, .nev = 1, .ev = {{204, 0, 0, 0, strlen(t204)}}};
	run_case(&a);
	const char *t304 = "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n";
	struct resp_case b = {.text = t304, .nev = 1, .ev = {{304, 0, 0, 0, strlen(t304)}}};
	run_case(&b);
	/* 100 Continue, then the final response */
	const char *t100 = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	struct resp_case d = {.text = t100, .nev = 2,
			      .ev = {{100, 0, 0, 1, 25}, {200, 2, 0, 0, strlen(t100)}}};
	run_case(&d);
	/* the answer to HEAD has no body whatever its Content-Length */
	const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
	struct resp_case e = {.text = head, .no_body = 1, .nev = 1, .ev = {{200, 0, 0, 0, strlen(head)}}};
	run_case(&e);
	/* ... also after an interim response */
#define EARLY "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
	const char *head2 = EARLY "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
	struct resp_case f = {.text = head2, .no_body = 1, .nev = 2,
			      .ev = {{103, 0, 0, 1, strlen(EARLY)}, {200, 0, 0, 0, strlen(head2)}}};
	run_case(&f);
}

static void test_resp_close(void **state)
{
	(void)state;
	struct resp_case a = {.text = CLOSE3, .nev = 1, .ev = {{200, 3, 1, 0, strlen(CLOSE3)}}};
	run_case(&a);
	const char *v10 = "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx";
	struct resp_case b = {.text = v10, .nev = 1, .ev = {{200, 1, 1, 0, strlen(v10)}}};
	run_case(&b);
	const char *v10ka = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx";
	struct resp_case c = {.text = v10ka, .nev = 1, .ev = {{200, 1, 0, 0, strlen(v10ka)}}};
	run_case(&c);
}

static void test_resp_coalesced(void **state)
{
	(void)state;
	const char *three = R200_5 CHUNKED CLOSE3;
	size_t e1 = strlen(R200_5), e2 = e1 + strlen(CHUNKED);
	struct resp_case c = {.text = three, .nev = 3,
			      .ev = {{200, 5, 0, 0, e1}, {200, 31, 0, 0, e2}, {200, 3, 1, 0, strlen(three)}}};
	run_case(&c);
	/* status line without a reason phrase, then a 204 */
	const char *two = "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nyHTTP/1.1 204 \r\n\r\n";
	struct resp_case d = {.text = two, .nev = 2, .ev = {{200, 1, 0, 0, 36}, {204, 0, 0, 0, strlen(two)}}};
	run_case(&d);
}

static void test_resp_errors(void **state)
{
	(void)state;
	static char longext[200];
	snprintf(longext, sizeof(longext),
		 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;%070d\r\nhello\r\n0\r\n\r\n", 0);
	static char longhead[300];
	snprintf(longhead, sizeof(longhead), "HTTP/1.1 200 OK\r\nX-Pad: %0100d\r\nContent-Length: 0\r\n\r\n", 0);
	static char longtrailer[300];
	snprintf(longtrailer, sizeof(longtrailer),
		 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Pad: %0100d\r\n\r\n", 0);
	const struct {
		const char *text;
		size_t max_header;
		int err;
	} cases[] = {
		{"HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody", 0, -3},                 /* read until close */
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 0, -3},
		{"HTTP/1.1 101 Switching Protocols\r\nUpgrade: ws\r\n\r\n", 0, -3},
		{"HTTP/1.1 200 OK\r\nContent-Length: 17592186044416\r\n\r\n", 0, -3}, /* 2^44 */
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, -1},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 0, -1},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n", 0, -1},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 0, -1},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX", 0, -1},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\rX", 0, -1},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n", 0, -1},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 0, -1},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 0, -1},
		{"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", 0, -1},
		{"HTTP/1.1 2OO OK\r\n\r\n", 0, -1},
		{"HTTP/1.1 099 Low\r\n\r\n", 0, -1},
		{"HTTP/2 200 OK\r\n\r\n", 0, -1},
		{"ICY 200 OK\r\n\r\n", 0, -1},
		{"HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n", 0, -1},
		{"HTTP/1.1 200OK\r\n\r\n", 0, -1},
		{longext, 0, -1},
		{longhead, 64, -1},
		{longtrailer, 64, -1}, /* a trailer line is held to max_header too */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct resp_case c = {.text = cases[i].text, .max_header = cases[i].max_header,
				      .err = cases[i].err};
		run_case(&c);
	}
	/* an over-long chunk-size line is refused before its LF arrives */
	struct proto_http_resp_state st = {0};
	struct proto_http_resp_done d;
	const char *h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	assert_int_equal(proto_http_resp_feed(&st, (const uint8_t *)h, strlen(h), MAXH, &d), strlen(h));
	char line[80];
	memset(line, '0', sizeof(line));
	assert_int_equal(proto_http_resp_feed(&st, (const uint8_t *)line, 63, MAXH, &d), -2);
	assert_int_equal(proto_http_resp_feed(&st, (const uint8_t *)line, 64, MAXH, &d), -1);
}

#define PY_HEAD "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.7\r\n" \
		"Date: Tue, 01 Dec 2026 19:52:43 GMT\r\nContent-type: text/plain\r\nContent-Length: 6\r\n" \
		"Last-Modified: Tue, 01 Dec 2026 19:52:35 GMT\r\n\r\n"
#define UC PROTO_HTTP_RESP_UNTIL_CLOSE

static void test_resp_python_http_server(void **state)
{
	(void)state;
	/* what python3 -m http.server really sends: HTTP/1.0 with Content-Length,
	 * then it closes; no read-until-close needed */
	const char *get = PY_HEAD "hello\n";
	struct resp_case a = {.text = get, .nev = 1, .ev = {{200, 6, 1, 0, strlen(get)}}, .eof = 1};
	run_case(&a);
	struct resp_case h = {.text = PY_HEAD, .no_body = 1, .nev = 1, .ev = {{200, 0, 1, 0, strlen(PY_HEAD)}},
			      .eof = 1};
	run_case(&h);
	const char *nf = "HTTP/1.0 404 File not found\r\nServer: SimpleHTTP/0.6 Python/3.11.7\r\n"
			 "Connection: close\r\nContent-Type: text/html;charset=utf-8\r\nContent-Length: 4\r\n\r\n"
			 "<p/>";
	struct resp_case b = {.text = nf, .nev = 1, .ev = {{404, 4, 1, 0, strlen(nf)}}, .opts = UC, .eof = 1};
	run_case(&b);
}

static void test_resp_until_close(void **state)
{
	(void)state;
	const char *v10 = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nhello world";
	struct resp_case a = {.text = v10, .nev = 1, .ev = {{200, 11, 1, 0, strlen(v10)}}, .opts = UC, .eof = 1};
	run_case(&a);
	const char *v11 = "HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
	struct resp_case b = {.text = v11, .nev = 1, .ev = {{200, strlen(v11) - 19, 1, 0, strlen(v11)}}, .opts = UC, .eof = 1};
	run_case(&b); /* everything after the head is body, even what looks like a response */
	const char *empty = "HTTP/1.0 200 OK\r\n\r\n";
	struct resp_case c = {.text = empty, .nev = 1, .ev = {{200, 0, 1, 0, strlen(empty)}}, .opts = UC, .eof = 1};
	run_case(&c);
	/* keep-alive responses first, then one until close */
	const char *two = R200_5 CHUNKED "HTTP/1.1 503 Busy\r\nConnection: close\r\n\r\nbye";
	size_t e1 = strlen(R200_5), e2 = e1 + strlen(CHUNKED);
	struct resp_case d = {.text = two, .nev = 3, .opts = UC, .eof = 1,
			      .ev = {{200, 5, 0, 0, e1}, {200, 31, 0, 0, e2}, {503, 3, 1, 0, strlen(two)}}};
	run_case(&d);
	/* without the option it is still unsupported */
	struct resp_case e = {.text = v10, .err = -3};
	run_case(&e);
	/* framed responses are not affected: no body for HEAD, 204, 304, 1xx */
	struct resp_case f = {.text = empty, .no_body = 1, .nev = 1, .ev = {{200, 0, 1, 0, strlen(empty)}},
			      .opts = UC, .eof = 1};
	run_case(&f);
	const char *t204 = "HTTP/1.1 204 No Content\r\n\r\n";
	struct resp_case g = {.text = t204, .nev = 1, .ev = {{204, 0, 0, 0, strlen(t204)}}, .opts = UC, .eof = 1};
	run_case(&g);
	/* EOF between responses is clean; inside a framed body it is not */
	struct resp_case h = {.text = R200_5, .nev = 1, .ev = {{200, 5, 0, 0, strlen(R200_5)}}, .eof = 1};
	run_case(&h);
	const char *cut = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
	struct resp_case i = {.text = cut, .opts = UC, .eof = 1, .err = -4};
	run_case(&i);
	const char *cutc = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel";
	struct resp_case j = {.text = cutc, .eof = 1, .err = -4};
	run_case(&j);
	/* EOF after the head of a Content-Length: 0 response: complete already */
	struct proto_http_resp_state st;
	struct proto_http_resp_done dn;
	proto_http_resp_init(&st, 0);
	assert_int_equal(proto_http_resp_eof(&st, &dn), 0);
	assert_int_equal(dn.complete, 0);
	assert_int_equal(proto_http_resp_eof(NULL, &dn), -1);
	/* the body counter's limit holds until close too */
	assert_int_equal(proto_http_resp_feed_opts(&st, (const uint8_t *)empty, strlen(empty), MAXH, UC, &dn),
			 strlen(empty));
	st.body = PROTO_HTTP_MAX_BODY - 2;
	assert_int_equal(proto_http_resp_feed_opts(&st, (const uint8_t *)"ab", 2, MAXH, UC, &dn), 2);
	assert_int_equal(proto_http_resp_feed_opts(&st, (const uint8_t *)"c", 1, MAXH, UC, &dn), -3);
}

static void test_resp_errors_after_good(void **state)
{
	(void)state;
	/* the good response is reported before the bad one fails */
	const char *t = R200_5 "HTTP/1.1 200 OK\r\n\r\n";
	struct resp_case c = {.text = t, .nev = 1, .ev = {{200, 5, 0, 0, strlen(R200_5)}}, .err = -3};
	run_case(&c);
	const char *u = CHUNKED "garbage\r\n\r\n";
	struct resp_case d = {.text = u, .nev = 1, .ev = {{200, 31, 0, 0, strlen(CHUNKED)}}, .err = -1};
	run_case(&d);
}

static void test_resp_guard_page(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g);
	const char *t = CHUNKED;
	size_t n = strlen(t);
	/* every prefix ends at the guard page: the feeder never reads past it */
	for (size_t cut = 0; cut <= n; cut++) {
		const uint8_t *p = guard_place(&g, t, cut);
		struct proto_http_resp_state st = {0};
		struct proto_http_resp_done d = {0};
		size_t off = 0;
		ssize_t r = 0;
		while (off < cut && (r = proto_http_resp_feed(&st, p + off, cut - off, MAXH, &d)) > 0)
			off += (size_t)r;
		assert_true(r >= 0 || r == -2);
		assert_int_equal(d.complete, cut == n);
	}
	/* and every suffix fed to a reader already in the body */
	size_t head = strstr(t, "\r\n\r\n") + 4 - t;
	for (size_t cut = head; cut <= n; cut++) {
		struct proto_http_resp_state st = {0};
		struct proto_http_resp_done d = {0};
		assert_int_equal(proto_http_resp_feed(&st, (const uint8_t *)t, head, MAXH, &d), head);
		const uint8_t *p = guard_place(&g, t + head, cut - head);
		size_t off = 0;
		ssize_t r = 0;
		while (off < cut - head && (r = proto_http_resp_feed(&st, p + off, cut - head - off, MAXH, &d)) > 0)
			off += (size_t)r;
		assert_true(r >= 0 || r == -2);
	}
	guard_free(&g);
}

static void test_resp_state_size(void **state)
{
	(void)state;
	assert_true(sizeof(struct proto_http_resp_state) <= 16);
	struct proto_http_resp_state st;
	memset(&st, 0xff, sizeof(st));
	proto_http_resp_init(&st, 0);
	static const struct proto_http_resp_state zero;
	assert_memory_equal(&st, &zero, sizeof(st));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_length_values),
		cmocka_unit_test(test_request_methods_and_versions),
		cmocka_unit_test(test_request_malformed),
		cmocka_unit_test(test_request_header_limit),
		cmocka_unit_test(test_request_body),
		cmocka_unit_test(test_request_pipelined),
		cmocka_unit_test(test_request_guard_page),
		cmocka_unit_test(test_build_response_head),
		cmocka_unit_test(test_body_chunk),
		cmocka_unit_test(test_build_request),
		cmocka_unit_test(test_build_any_server),
		cmocka_unit_test(test_method_names),
		cmocka_unit_test(test_resp_content_length),
		cmocka_unit_test(test_resp_chunked),
		cmocka_unit_test(test_resp_no_body),
		cmocka_unit_test(test_resp_close),
		cmocka_unit_test(test_resp_coalesced),
		cmocka_unit_test(test_resp_errors),
		cmocka_unit_test(test_resp_python_http_server),
		cmocka_unit_test(test_resp_until_close),
		cmocka_unit_test(test_resp_errors_after_good),
		cmocka_unit_test(test_resp_guard_page),
		cmocka_unit_test(test_resp_state_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
