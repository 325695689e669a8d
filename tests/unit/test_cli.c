/* Unit tests for cli.c: client and server argv parsing (defaults, unit
 * forms, --opt=value, short options with attached values, "--"), and the
 * usage errors: return -1 and a message, written to a memory FILE, that
 * names the option (or the argument) and the accepted form. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpswarm/cli.h"

/* The text the last parse wrote to its error stream. */
static char errtext[2048];

static int argc_of(const char *const *argv)
{
	int n = 0;
	while (argv[n])
		n++;
	return n;
}

/* argv arrays are string literals in static storage: cli_parse_client may
 * keep pointers into them. */
static int client_argv(struct client_config *cfg, const char *const *argv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	int rc = cli_parse_client(argc_of(argv), (char **)argv, cfg, f);
	assert_int_equal(fclose(f), 0);
	snprintf(errtext, sizeof(errtext), "%s", buf ? buf : "");
	free(buf);
	return rc;
}

static int server_argv(struct server_config *cfg, const char *const *argv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	int rc = cli_parse_server(argc_of(argv), (char **)argv, cfg, f);
	assert_int_equal(fclose(f), 0);
	snprintf(errtext, sizeof(errtext), "%s", buf ? buf : "");
	free(buf);
	return rc;
}

#define CLIENT(cfg, ...) client_argv((cfg), (const char *const[]){"client", __VA_ARGS__, NULL})
#define SERVER(cfg, ...) server_argv((cfg), (const char *const[]){"server", __VA_ARGS__, NULL})

static void err_has(const char *want)
{
	if (!strstr(errtext, want)) {
		print_error("error message '%s' lacks '%s'\n", errtext, want);
		fail();
	}
}

/* A client parse that succeeds, with nothing on the error stream. */
static void client_ok(struct client_config *cfg, int rc)
{
	if (rc != 0)
		print_error("parse failed: %s\n", errtext);
	assert_int_equal(rc, 0);
	assert_string_equal(errtext, "");
	(void)cfg;
}

/* A usage error: -1, one message line naming want1 and want2. */
static void client_bad(struct client_config *cfg, int rc, const char *want1, const char *want2)
{
	if (rc != -1)
		print_error("want -1, got %d\n", rc);
	assert_int_equal(rc, -1);
	srcset_free(&cfg->sources);
	assert_true(strncmp(errtext, "tcpswarm client: ", 17) == 0);
	assert_non_null(strchr(errtext, '\n'));
	if (want1)
		err_has(want1);
	if (want2)
		err_has(want2);
}

static void server_bad(int rc, const char *want1, const char *want2)
{
	assert_int_equal(rc, -1);
	assert_true(strncmp(errtext, "tcpswarm server: ", 17) == 0);
	if (want1)
		err_has(want1);
	if (want2)
		err_has(want2);
}

static void assert_v4(const struct sockaddr_any *a, const char *ip, unsigned port)
{
	char buf[INET_ADDRSTRLEN];
	assert_int_equal(a->sa.sa_family, AF_INET);
	assert_non_null(inet_ntop(AF_INET, &a->in4.sin_addr, buf, sizeof(buf)));
	assert_string_equal(buf, ip);
	assert_int_equal(ntohs(a->in4.sin_port), port);
}

/* ---- client ------------------------------------------------------------------ */

static void test_client_defaults(void **state)
{
	(void)state;
	struct client_config cfg;
	memset(&cfg, 0x5a, sizeof(cfg)); /* the parser sets every field */
	client_ok(&cfg, CLIENT(&cfg, "127.0.0.1:7000"));
	assert_int_equal(cfg.conns, 10);
	assert_int_equal(cfg.connect_inflight, 1000);
	assert_true(cfg.connect_lanes == CONNECT_LANES_CPUS);
	assert_int_equal(cfg.connect_timeout_us, 3000000);
	assert_int_equal(cfg.payload, 32);
	assert_int_equal(cfg.com.duration_us, 10000000);
	assert_int_equal(cfg.drain_us, 1000000);
	assert_int_equal(cfg.arrivals, ARRIVALS_UNIFORM);
	assert_true(cfg.rate == 0);
	assert_true(cfg.connect_rate == 0);
	assert_int_equal(cfg.seed, 1);
	assert_int_equal(cfg.com.workers, 0);
	assert_false(cfg.com.quiet);
	assert_null(cfg.com.json_path);
	assert_null(cfg.com.csv_path);
	assert_null(cfg.source_spec);
	assert_int_equal(cfg.sources.n, 0);
	assert_false(cfg.has_expect_conns);
	assert_false(cfg.has_max_error_rate);
	assert_false(cfg.has_max_p99);
	assert_int_equal(cfg.ntargets, 1);
	assert_v4(&cfg.targets[0], "127.0.0.1", 7000);
	srcset_free(&cfg.sources);
}

static void test_client_values(void **state)
{
	(void)state;
	struct client_config cfg;
	client_ok(&cfg, CLIENT(&cfg, "-c", "20k", "127.0.0.1:7000"));
	assert_int_equal(cfg.conns, 20000);
	srcset_free(&cfg.sources);
	client_ok(&cfg, CLIENT(&cfg, "-c20k", "127.0.0.1:7000")); /* attached short value */
	assert_int_equal(cfg.conns, 20000);
	srcset_free(&cfg.sources);
	client_ok(&cfg, CLIENT(&cfg, "--connections=1.5m", "127.0.0.1:7000"));
	assert_int_equal(cfg.conns, 1500000);
	srcset_free(&cfg.sources);

	client_ok(&cfg, CLIENT(&cfg, "--connect-rate=5k", "127.0.0.1:7000"));
	assert_true(cfg.connect_rate == 5000.0);
	srcset_free(&cfg.sources);
	client_ok(&cfg, CLIENT(&cfg, "--connect-rate", "250", "127.0.0.1:7000"));
	assert_true(cfg.connect_rate == 250.0);
	srcset_free(&cfg.sources);

	client_ok(&cfg, CLIENT(&cfg, "--connect-lanes", "0", "127.0.0.1:7000"));
	assert_int_equal(cfg.connect_lanes, 0);
	srcset_free(&cfg.sources);
	client_ok(&cfg, CLIENT(&cfg, "--connect-lanes=3", "127.0.0.1:7000"));
	assert_int_equal(cfg.connect_lanes, 3);
	srcset_free(&cfg.sources);
	client_ok(&cfg, CLIENT(&cfg, "--connect-lanes", "3", "--connect-lanes", "cpus", "127.0.0.1:7000"));
	assert_true(cfg.connect_lanes == CONNECT_LANES_CPUS);
	srcset_free(&cfg.sources);

	client_ok(&cfg, CLIENT(&cfg, "-r", "100k", "127.0.0.1:7000"));
	assert_true(cfg.rate == 100000.0);
	srcset_free(&cfg.sources);

	client_ok(&cfg, CLIENT(&cfg, "-T", "250ms", "127.0.0.1:7000"));
	assert_int_equal(cfg.com.duration_us, 250000);
	srcset_free(&cfg.sources);

	client_ok(&cfg, CLIENT(&cfg, "--connect-timeout", "1.5s", "--drain=0", "--connect-inflight", "64", "--seed",
			       "99", "-w", "3", "-q", "127.0.0.1:7000"));
	assert_int_equal(cfg.connect_timeout_us, 1500000);
	assert_int_equal(cfg.drain_us, 0);
	assert_int_equal(cfg.connect_inflight, 64);
	assert_int_equal(cfg.seed, 99);
	assert_int_equal(cfg.com.workers, 3);
	assert_true(cfg.com.quiet);
	srcset_free(&cfg.sources);

	client_ok(&cfg, CLIENT(&cfg, "--arrivals", "poisson", "127.0.0.1:7000"));
	assert_int_equal(cfg.arrivals, ARRIVALS_POISSON);
	srcset_free(&cfg.sources);
	client_ok(&cfg, CLIENT(&cfg, "--arrivals=uniform", "127.0.0.1:7000"));
	assert_int_equal(cfg.arrivals, ARRIVALS_UNIFORM);
	srcset_free(&cfg.sources);

	/* strings point into argv; a later option overrides an earlier one */
	static const char *const argv[] = {"client", "--json", "out.json", "--csv=s.csv", "-c", "5", "-c", "6",
					   "127.0.0.1:7000", NULL};
	client_ok(&cfg, client_argv(&cfg, argv));
	assert_ptr_equal(cfg.com.json_path, argv[2]);
	assert_ptr_equal(cfg.com.csv_path, argv[3] + 6);
	assert_string_equal(cfg.com.csv_path, "s.csv");
	assert_int_equal(cfg.conns, 6);
	srcset_free(&cfg.sources);
}

static void test_client_option_errors(void **state)
{
	(void)state;
	struct client_config cfg;
	client_bad(&cfg, CLIENT(&cfg, "--arrivals", "bursty", "127.0.0.1:7000"), "--arrivals", "uniform, poisson");
	err_has("bursty");
	client_bad(&cfg, CLIENT(&cfg, "--nope", "127.0.0.1:7000"), "--nope", "--help");
	err_has("unknown option");
	client_bad(&cfg, CLIENT(&cfg, "--nope=3", "127.0.0.1:7000"), "'--nope'", NULL);
	client_bad(&cfg, CLIENT(&cfg, "-x", "127.0.0.1:7000"), "'-x'", "unknown option");
	client_bad(&cfg, CLIENT(&cfg, "127.0.0.1:7000", "-c"), "-c", "needs a value (N)");
	client_bad(&cfg, CLIENT(&cfg, "127.0.0.1:7000", "-T"), "-T", "needs a value (TIME)");
	client_bad(&cfg, CLIENT(&cfg, "-c", "lots", "127.0.0.1:7000"), "option -c: 'lots'", "20k");
	client_bad(&cfg, CLIENT(&cfg, "-c", "0", "127.0.0.1:7000"), "-c", "1 to 100m");
	client_bad(&cfg, CLIENT(&cfg, "-T", "soon", "127.0.0.1:7000"), "option -T: 'soon'", "250ms");
	client_bad(&cfg, CLIENT(&cfg, "-T", "0", "127.0.0.1:7000"), "-T", "above 0");
	client_bad(&cfg, CLIENT(&cfg, "--connect-timeout=0", "127.0.0.1:7000"), "--connect-timeout", "above 0");
	client_bad(&cfg, CLIENT(&cfg, "--connect-inflight=0", "127.0.0.1:7000"), "--connect-inflight", "at least 1");
	client_bad(&cfg, CLIENT(&cfg, "--connect-lanes=all", "127.0.0.1:7000"), "--connect-lanes", "cpus (one per CPU) or a count");
	client_bad(&cfg, CLIENT(&cfg, "--connect-lanes=2000000", "127.0.0.1:7000"), "--connect-lanes", "0 for all at once");
	client_bad(&cfg, CLIENT(&cfg, "--quiet=1", "127.0.0.1:7000"), "--quiet", "takes no value");
	client_bad(&cfg, CLIENT(&cfg, "--json=", "127.0.0.1:7000"), "--json", "empty value");
	client_bad(&cfg, CLIENT(&cfg, "-w", "0", "127.0.0.1:7000"), "option -w", "1 to 1024");
	client_bad(&cfg, CLIENT(&cfg, "-w", "1025", "127.0.0.1:7000"), "option -w", "1 to 1024");
}

static void test_client_help(void **state)
{
	(void)state;
	struct client_config cfg;
	assert_int_equal(CLIENT(&cfg, "-h"), 1); /* no target needed */
	srcset_free(&cfg.sources);
	assert_int_equal(CLIENT(&cfg, "-c", "5", "--help", "127.0.0.1:7000"), 1);
	srcset_free(&cfg.sources);
	/* an earlier error wins over a later -h */
	client_bad(&cfg, CLIENT(&cfg, "--nope", "-h"), "--nope", NULL);
	/* the help text lists the options with their forms */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	cli_help_client(f);
	fclose(f);
	assert_non_null(strstr(buf, "--connections N"));
	assert_non_null(strstr(buf, "-c, "));
	assert_non_null(strstr(buf, "--max-error-rate X"));
	assert_non_null(strstr(buf, "HOST:PORT"));
	free(buf);
}

static void test_client_targets(void **state)
{
	(void)state;
	struct client_config cfg;
	client_bad(&cfg, CLIENT(&cfg, "-c", "5"), "no target", "HOST:PORT");
	client_bad(&cfg, client_argv(&cfg, (const char *const[]){"client", NULL}), "no target", "127.0.0.1:7000");
	client_bad(&cfg, CLIENT(&cfg, "127.0.0.1"), "'127.0.0.1'", "missing port");
	err_has("[IPv6]:PORT");
	client_bad(&cfg, CLIENT(&cfg, "300.1.1.1:80"), "'300.1.1.1:80'", "IPv4:PORT");
	client_bad(&cfg, CLIENT(&cfg, "[::1]:0"), "'[::1]:0'", "1 to 65535");
	client_bad(&cfg, CLIENT(&cfg, "::1:7000"), "'::1:7000'", "brackets");
	/* names resolve now (issue 9): one that does not is refused, named */
	client_bad(&cfg, CLIENT(&cfg, "127.0.0.1:7000", "no-such-host.invalid:80"), "no-such-host.invalid", "resolve");
	client_bad(&cfg, CLIENT(&cfg, "-6", "localhost:80"), "localhost", "no IPv6 address");
	client_bad(&cfg, CLIENT(&cfg, "--path", "/a", "http://127.0.0.1:80/b"), "--path", "conflicts");

	/* a URL target: --proto http, its path and Host header */
	client_ok(&cfg, CLIENT(&cfg, "http://localhost:8080/x?y=1"));
	assert_int_equal(cfg.proto, PROTO_HTTP);
	assert_string_equal(cfg.path, "/x?y=1");
	assert_string_equal(cfg.url_host, "localhost:8080");
	assert_v4(&cfg.targets[0], "127.0.0.1", 8080);
	assert_false(cfg.has_length);
	srcset_free(&cfg.sources);
	client_ok(&cfg, CLIENT(&cfg, "--path", "/p", "http://127.0.0.1"));
	assert_string_equal(cfg.path, "/p");
	assert_v4(&cfg.targets[0], "127.0.0.1", 80);
	srcset_free(&cfg.sources);

	/* raw: the message unescaped, the framing built; -r max is closed loop */
	client_ok(&cfg, CLIENT(&cfg, "--proto", "raw", "-m", "PING\\r\\n", "--reply-delim", "\\r\\n", "-r", "max",
			       "--inflight", "4", "127.0.0.1:6379"));
	assert_int_equal(cfg.raw_msg_len, 6);
	assert_memory_equal(cfg.raw_msg, "PING\r\n", 6);
	assert_int_equal(cfg.raw_framing.kind, PROTO_RAW_REPLY_DELIM);
	assert_int_equal(cfg.raw_framing.delim_len, 2);
	assert_true(cfg.closed_loop);
	assert_true(cfg.rate == 0);
	assert_int_equal(cfg.inflight, 4);
	srcset_free(&cfg.sources);
	client_bad(&cfg, CLIENT(&cfg, "-r", "lots", "127.0.0.1:7000"), "-r", "max");

	client_ok(&cfg, CLIENT(&cfg, "[::1]:7000"));
	assert_int_equal(cfg.ntargets, 1);
	assert_int_equal(cfg.targets[0].sa.sa_family, AF_INET6);
	assert_int_equal(ntohs(cfg.targets[0].in6.sin6_port), 7000);
	assert_true(memcmp(&cfg.targets[0].in6.sin6_addr, &in6addr_loopback, sizeof(struct in6_addr)) == 0);
	srcset_free(&cfg.sources);

	client_ok(&cfg, CLIENT(&cfg, "127.0.0.1:7000", "-c", "4", "127.0.0.2:7001", "localhost:7002"));
	assert_int_equal(cfg.ntargets, 3);
	assert_v4(&cfg.targets[0], "127.0.0.1", 7000);
	assert_v4(&cfg.targets[1], "127.0.0.2", 7001);
	assert_v4(&cfg.targets[2], "127.0.0.1", 7002);
	assert_int_equal(cfg.conns, 4);
	srcset_free(&cfg.sources);

	/* "--" ends the options: what follows is a target even with a dash */
	client_ok(&cfg, CLIENT(&cfg, "-c", "3", "--", "127.0.0.1:7000"));
	assert_int_equal(cfg.ntargets, 1);
	assert_int_equal(cfg.conns, 3);
	srcset_free(&cfg.sources);
	client_bad(&cfg, CLIENT(&cfg, "--", "-c"), "'-c'", "IPv4:PORT");
	client_bad(&cfg, CLIENT(&cfg, "--", "127.0.0.1:7000", "-h"), "'-h'", NULL);
}

static void test_client_too_many_targets(void **state)
{
	(void)state;
	struct client_config cfg;
	const char *argv[MAX_TARGETS + 3];
	argv[0] = "client";
	for (int i = 0; i < MAX_TARGETS + 1; i++)
		argv[1 + i] = "127.0.0.1:7000";
	argv[MAX_TARGETS + 1] = NULL;
	client_ok(&cfg, client_argv(&cfg, argv)); /* MAX_TARGETS exactly */
	assert_int_equal(cfg.ntargets, MAX_TARGETS);
	srcset_free(&cfg.sources);
	argv[MAX_TARGETS + 1] = "127.0.0.1:7000";
	argv[MAX_TARGETS + 2] = NULL;
	client_bad(&cfg, client_argv(&cfg, argv), "at most 64 targets", NULL);
}

static void test_client_payload(void **state)
{
	(void)state;
	struct client_config cfg;
	client_bad(&cfg, CLIENT(&cfg, "--payload", "23", "127.0.0.1:7000"), "--payload", "24 to 65535");
	client_bad(&cfg, CLIENT(&cfg, "--payload", "65536", "127.0.0.1:7000"), "--payload", "24 to 65535");
	client_bad(&cfg, CLIENT(&cfg, "--payload=64k", "127.0.0.1:7000"), "--payload", "24 to 65535");
	client_ok(&cfg, CLIENT(&cfg, "--payload", "24", "127.0.0.1:7000"));
	assert_int_equal(cfg.payload, 24);
	srcset_free(&cfg.sources);
	client_ok(&cfg, CLIENT(&cfg, "--payload=65535", "127.0.0.1:7000"));
	assert_int_equal(cfg.payload, 65535);
	srcset_free(&cfg.sources);
	client_ok(&cfg, CLIENT(&cfg, "--payload=1k", "127.0.0.1:7000"));
	assert_int_equal(cfg.payload, 1024);
	srcset_free(&cfg.sources);
}

static void test_client_gates(void **state)
{
	(void)state;
	struct client_config cfg;
	client_ok(&cfg, CLIENT(&cfg, "--max-error-rate", "1%", "127.0.0.1:7000"));
	assert_true(cfg.has_max_error_rate);
	assert_float_equal(cfg.max_error_rate, 0.01, 1e-12);
	assert_false(cfg.has_max_p99);
	assert_false(cfg.has_expect_conns);
	srcset_free(&cfg.sources);
	client_ok(&cfg, CLIENT(&cfg, "--max-error-rate=0.25", "127.0.0.1:7000"));
	assert_float_equal(cfg.max_error_rate, 0.25, 1e-12);
	srcset_free(&cfg.sources);
	client_ok(&cfg, CLIENT(&cfg, "--max-error-rate=0", "127.0.0.1:7000"));
	assert_true(cfg.has_max_error_rate); /* given as 0: still a gate */
	assert_true(cfg.max_error_rate == 0);
	srcset_free(&cfg.sources);
	client_bad(&cfg, CLIENT(&cfg, "--max-error-rate", "2", "127.0.0.1:7000"), "--max-error-rate", "0 to 1");
	err_has("1%");
	client_bad(&cfg, CLIENT(&cfg, "--max-error-rate", "101%", "127.0.0.1:7000"), "--max-error-rate", NULL);
	client_bad(&cfg, CLIENT(&cfg, "--max-error-rate", "-0.1", "127.0.0.1:7000"), "--max-error-rate", NULL);
	client_bad(&cfg, CLIENT(&cfg, "--max-error-rate", "5%x", "127.0.0.1:7000"), "--max-error-rate", NULL);
	client_bad(&cfg, CLIENT(&cfg, "--max-error-rate", "nan", "127.0.0.1:7000"), "--max-error-rate", NULL);

	client_ok(&cfg, CLIENT(&cfg, "--max-p99", "5ms", "127.0.0.1:7000"));
	assert_true(cfg.has_max_p99);
	assert_int_equal(cfg.max_p99_us, 5000);
	assert_false(cfg.has_max_error_rate);
	srcset_free(&cfg.sources);

	client_ok(&cfg, CLIENT(&cfg, "--expect-connections", "10k", "127.0.0.1:7000"));
	assert_true(cfg.has_expect_conns);
	assert_int_equal(cfg.expect_conns, 10000);
	srcset_free(&cfg.sources);
	/* a rejected value does not mark the gate as set */
	client_bad(&cfg, CLIENT(&cfg, "--max-p99", "fast", "127.0.0.1:7000"), "option --max-p99: 'fast'", "250ms");
	assert_false(cfg.has_max_p99);
}

static void test_client_source(void **state)
{
	(void)state;
	struct client_config cfg;
	static const char *const argv[] = {"client", "--source", "127.0.0.2-127.0.0.5", "127.0.0.1:7000", NULL};
	client_ok(&cfg, client_argv(&cfg, argv));
	assert_ptr_equal(cfg.source_spec, argv[2]);
	assert_int_equal(cfg.sources.n, 4);
	for (size_t i = 0; i < 4; i++) {
		char want[16];
		snprintf(want, sizeof(want), "127.0.0.%zu", i + 2);
		assert_v4(&cfg.sources.addrs[i], want, 0);
	}
	srcset_free(&cfg.sources);

	client_ok(&cfg, CLIENT(&cfg, "--source=fd00::1-fd00::3", "[::1]:7000"));
	assert_int_equal(cfg.sources.n, 3);
	assert_int_equal(cfg.sources.addrs[0].sa.sa_family, AF_INET6);
	srcset_free(&cfg.sources);

	client_bad(&cfg, CLIENT(&cfg, "--source", "fd00::1-fd00::3", "127.0.0.1:7000"), "--source", "IPv6");
	err_has("target is IPv4");
	client_bad(&cfg, CLIENT(&cfg, "--source", "127.0.0.2", "[::1]:7000"), "--source", "target is IPv6");
	client_bad(&cfg, CLIENT(&cfg, "--source", "127.0.0.2", "127.0.0.1:7000", "[::1]:7000"), "--source",
		   "one address family");
	client_bad(&cfg, CLIENT(&cfg, "--source", "127.0.0.5-127.0.0.x", "127.0.0.1:7000"), "--source",
		   "a range (127.0.0.2-127.0.0.20)");
	client_bad(&cfg, CLIENT(&cfg, "--source=", "127.0.0.1:7000"), "--source", "empty value");
	/* mixed target families are fine without --source */
	client_ok(&cfg, CLIENT(&cfg, "127.0.0.1:7000", "[::1]:7000"));
	assert_int_equal(cfg.ntargets, 2);
	srcset_free(&cfg.sources);
}

/* ---- server ------------------------------------------------------------------ */

static void test_server(void **state)
{
	(void)state;
	struct server_config cfg;
	memset(&cfg, 0x5a, sizeof(cfg));
	assert_int_equal(server_argv(&cfg, (const char *const[]){"server", NULL}), 0);
	assert_string_equal(errtext, "");
	assert_int_equal(cfg.port, 7000);
	assert_int_equal(cfg.backlog, 65535);
	assert_int_equal(cfg.mode, MODE_ECHO);
	assert_null(cfg.bind);
	assert_int_equal(cfg.com.workers, 0);
	assert_int_equal(cfg.com.duration_us, 0);
	assert_int_equal(cfg.accept_pause_us, 0);
	assert_true(cfg.accept_batch_us == ACCEPT_BATCH_AUTO);

	assert_int_equal(SERVER(&cfg, "-p", "8080", "--backlog", "8", "-m", "sink", "-w", "2", "-b", "::1",
				"--accept-pause=2s", "-T", "1m"),
			 0);
	assert_int_equal(cfg.port, 8080);
	assert_int_equal(cfg.backlog, 8);
	assert_int_equal(cfg.mode, MODE_SINK);
	assert_int_equal(cfg.com.workers, 2);
	assert_string_equal(cfg.bind, "::1");
	assert_int_equal(cfg.accept_pause_us, 2000000);
	assert_int_equal(cfg.com.duration_us, 60000000);
	assert_int_equal(SERVER(&cfg, "--port=65535", "--mode=echo"), 0);
	assert_int_equal(cfg.port, 65535);
	assert_int_equal(cfg.mode, MODE_ECHO);
	assert_int_equal(SERVER(&cfg, "-p1"), 0);
	assert_int_equal(cfg.port, 1);

	assert_int_equal(SERVER(&cfg, "--accept-batch", "0"), 0);
	assert_int_equal(cfg.accept_batch_us, 0);
	assert_int_equal(SERVER(&cfg, "--accept-batch", "1s"), 0);
	assert_int_equal(cfg.accept_batch_us, 1000000);
	assert_int_equal(SERVER(&cfg, "--accept-batch", "5ms", "--accept-batch", "auto"), 0);
	assert_true(cfg.accept_batch_us == ACCEPT_BATCH_AUTO);
	server_bad(SERVER(&cfg, "--accept-batch", "2s"), "option --accept-batch", "at most 1s");
	server_bad(SERVER(&cfg, "--accept-batch", "often"), "option --accept-batch: 'often'", "or auto");
	server_bad(SERVER(&cfg, "-p", "0"), "option -p", "1 to 65535");
	server_bad(SERVER(&cfg, "-p", "70000"), "option -p", "1 to 65535");
	server_bad(SERVER(&cfg, "--port=http"), "option --port", "1 to 65535");
	server_bad(SERVER(&cfg, "-m", "bogus"), "option -m", "echo, sink");
	server_bad(SERVER(&cfg, "-w", "0"), "option -w", "1 to 1024");
	server_bad(SERVER(&cfg, "--backlog", "0"), "--backlog", "1 to 2147483647");
	server_bad(SERVER(&cfg, "--backlog", "3g"), "--backlog", "1 to 2147483647");
	server_bad(SERVER(&cfg, "-p"), "-p", "needs a value (PORT)");
	server_bad(SERVER(&cfg, "--connections", "5"), "--connections", "unknown option"); /* client only */
	server_bad(SERVER(&cfg, "127.0.0.1:7000"), "unexpected argument", "'127.0.0.1:7000'");
	assert_int_equal(SERVER(&cfg, "-h"), 1);
	assert_int_equal(SERVER(&cfg, "--help", "--nope"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_defaults),
		cmocka_unit_test(test_client_values),
		cmocka_unit_test(test_client_option_errors),
		cmocka_unit_test(test_client_help),
		cmocka_unit_test(test_client_targets),
		cmocka_unit_test(test_client_too_many_targets),
		cmocka_unit_test(test_client_payload),
		cmocka_unit_test(test_client_gates),
		cmocka_unit_test(test_client_source),
		cmocka_unit_test(test_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
