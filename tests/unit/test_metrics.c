/* metrics_format: the Prometheus text of known figures, line by line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpswarm/metrics.h"

static struct hist lat;

/* The whole line `want` (not a prefix of a longer one) is in text. */
static void assert_line(const char *text, const char *want)
{
	size_t n = strlen(want);
	for (const char *p = text; (p = strstr(p, want)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
	print_error("no line '%s' in:\n%s\n", want, text);
	fail();
}

static void test_counters_and_labels(void **state)
{
	(void)state;
	struct totals t;
	memset(&t, 0, sizeof(t));
	t.conn_established = 300;
	t.conn_open = 299;
	t.accepted = 7;
	t.accept_batched = 4;
	t.bytes_in = 123456789012ULL;
	t.errs[ES_ECONNREFUSED] = 5;
	t.close[CR_RESET] = 2;
	t.cpu_ns = 1500000000ULL;
	hist_reset(&lat);
	char buf[16384];
	size_t n = metrics_format(buf, sizeof(buf), "client", "1.2.3", &t, &lat);
	assert_true(n > 0 && n < sizeof(buf));
	assert_int_equal(strlen(buf), n);
	assert_line(buf, "tcpswarm_info{role=\"client\",version=\"1.2.3\"} 1");
	assert_line(buf, "# TYPE tcpswarm_connections_established_total counter");
	assert_line(buf, "tcpswarm_connections_established_total 300");
	assert_line(buf, "# TYPE tcpswarm_connections_open gauge");
	assert_line(buf, "tcpswarm_connections_open 299");
	assert_line(buf, "tcpswarm_connections_accepted_total 7");
	assert_line(buf, "# TYPE tcpswarm_connections_accept_batched_total counter");
	assert_line(buf, "tcpswarm_connections_accept_batched_total 4");
	assert_line(buf, "tcpswarm_received_bytes_total 123456789012");
	assert_line(buf, "tcpswarm_errors_total{errno=\"ECONNREFUSED\"} 5");
	assert_line(buf, "tcpswarm_connections_ended_total{reason=\"reset\"} 2");
	assert_line(buf, "tcpswarm_worker_cpu_seconds_total 1.500000");
	/* an empty histogram is still a whole one */
	assert_line(buf, "tcpswarm_request_latency_seconds_bucket{le=\"+Inf\"} 0");
	assert_line(buf, "tcpswarm_request_latency_seconds_count 0");
	/* every family has HELP then TYPE, and the text ends with a newline */
	assert_true(buf[n - 1] == '\n');
	size_t helps = 0, types = 0;
	for (const char *p = buf; (p = strstr(p, "\n# ")); p++)
		helps += !strncmp(p, "\n# HELP ", 8), types += !strncmp(p, "\n# TYPE ", 8);
	assert_int_equal(helps + 1, types); /* the first HELP starts the text */
	assert_true(!strncmp(buf, "# HELP tcpswarm_info ", 21));
}

/* The TLS counters: handshakes by kind, failures by reason, always present. */
static void test_tls_counters(void **state)
{
	(void)state;
	struct totals t;
	memset(&t, 0, sizeof(t));
	t.tls_full = 11;
	t.tls_resumed = 22;
	t.tls_fail_cert = 3;
	t.tls_fail_protocol = 4;
	t.tls_fail_timeout = 5;
	t.tls_alpn_missed = 6;
	hist_reset(&lat);
	char buf[16384];
	metrics_format(buf, sizeof(buf), "client", "v", &t, &lat);
	assert_line(buf, "# TYPE tcpswarm_tls_handshakes_total counter");
	assert_line(buf, "tcpswarm_tls_handshakes_total{kind=\"full\"} 11");
	assert_line(buf, "tcpswarm_tls_handshakes_total{kind=\"resumed\"} 22");
	assert_line(buf, "# TYPE tcpswarm_tls_handshake_failures_total counter");
	assert_line(buf, "tcpswarm_tls_handshake_failures_total{reason=\"certificate\"} 3");
	assert_line(buf, "tcpswarm_tls_handshake_failures_total{reason=\"protocol\"} 4");
	assert_line(buf, "tcpswarm_tls_handshake_failures_total{reason=\"timeout\"} 5");
	assert_line(buf, "tcpswarm_tls_alpn_missed_total 6");
	memset(&t, 0, sizeof(t)); /* a run without TLS: the same series, at zero */
	metrics_format(buf, sizeof(buf), "server", "v", &t, &lat);
	assert_line(buf, "tcpswarm_tls_handshakes_total{kind=\"full\"} 0");
	assert_line(buf, "tcpswarm_tls_handshake_failures_total{reason=\"timeout\"} 0");
}

static void test_histogram_cumulative(void **state)
{
	(void)state;
	struct totals t;
	memset(&t, 0, sizeof(t));
	hist_reset(&lat);
	hist_record_n(&lat, 50, 3);   /* 50 us: below every bound */
	hist_record(&lat, 3000);      /* 3 ms: above 2.5 ms, within 5 ms */
	hist_record(&lat, 200000000); /* 200 s: past every bound, in +Inf only */
	char buf[16384];
	metrics_format(buf, sizeof(buf), "client", "v", &t, &lat);
	assert_line(buf, "tcpswarm_request_latency_seconds_bucket{le=\"0.0001\"} 3");
	assert_line(buf, "tcpswarm_request_latency_seconds_bucket{le=\"0.0025\"} 3");
	assert_line(buf, "tcpswarm_request_latency_seconds_bucket{le=\"0.005\"} 4");
	assert_line(buf, "tcpswarm_request_latency_seconds_bucket{le=\"30\"} 4");
	assert_line(buf, "tcpswarm_request_latency_seconds_bucket{le=\"100\"} 4");
	assert_line(buf, "tcpswarm_request_latency_seconds_bucket{le=\"+Inf\"} 5");
	assert_line(buf, "tcpswarm_request_latency_seconds_count 5");
	char sum[96];
	snprintf(sum, sizeof(sum), "tcpswarm_request_latency_seconds_sum %.6f", (double)lat.sum / 1e6);
	assert_line(buf, sum);
}

static void test_too_small_says_how_much(void **state)
{
	(void)state;
	struct totals t;
	memset(&t, 0, sizeof(t));
	hist_reset(&lat);
	char big[16384], small[100];
	size_t need = metrics_format(big, sizeof(big), "server", "v", &t, &lat);
	size_t got = metrics_format(small, sizeof(small), "server", "v", &t, &lat);
	assert_int_equal(got, need);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, big, sizeof(small) - 1);
	assert_int_equal(metrics_format(NULL, 0, "server", "v", &t, &lat), need);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_and_labels),
		cmocka_unit_test(test_tls_counters),
		cmocka_unit_test(test_histogram_cumulative),
		cmocka_unit_test(test_too_small_says_how_much),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
