#include "tcpswarm/cli.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "tcpswarm/proto_dns.h"
#include "tcpswarm/proto_http.h"
#include "tcpswarm/units.h"

enum kind { K_QTYPE, K_COUNT_RANGE, K_DURATION_RANGE, K_HEADER, K_ANSWER, K_PROCESSES, K_COUNT, K_RATE, K_DURATION, K_BYTES, K_STRING, K_FLAG, K_FRACTION, K_CHOICE, K_PORT, K_WORKERS, K_SOURCE };

struct opt {
	const char *lng;
	char shrt;
	enum kind kind;
	size_t off;           /* field in the config struct */
	size_t set_off;       /* bool field set when given, or SIZE_MAX */
	const char *metavar;
	const char *help;
	const char *const *choices; /* K_CHOICE: NULL-terminated, index stored as int */
};

#define NOSET SIZE_MAX

static const char *const arrivals_names[] = {"uniform", "poisson", NULL};
static const char *const mode_names[] = {"echo", "sink", "http", "dns", NULL};
static const char *const proto_names[] = {"echo", "dns", "http", NULL};

#define C(f) offsetof(struct client_config, f)
#define S(f) offsetof(struct server_config, f)

static const struct opt client_opts[] = {
	{"connections", 'c', K_COUNT, C(conns), NOSET, "N", "connections to open and hold (default 10)", NULL},
	{"connect-rate", 0, K_RATE, C(connect_rate), NOSET, "RATE", "new connections per second, all workers (default unlimited)", NULL},
	{"connect-inflight", 0, K_COUNT, C(connect_inflight), NOSET, "N", "most connects in progress at once (default 1000)", NULL},
	{"connect-timeout", 0, K_DURATION, C(connect_timeout_us), NOSET, "TIME", "give up on a connect after this long (default 3s)", NULL},
	{"source", 0, K_SOURCE, C(source_spec), NOSET, "RANGE", "source IPs: 127.0.0.2-127.0.0.20, 10.0.1.0/24 or a comma list; sharded over workers (default: kernel's choice)", NULL},
	{"source-iface", 0, K_STRING, C(source_iface), NOSET, "IFACE", "use every address of this interface (aliases included) as source IPs, in the targets' family", NULL},
	{"proto", 0, K_CHOICE, C(proto), NOSET, "PROTO", "echo (framed, pipelined), dns (DNS over TCP) or http (HTTP/1.1 keep-alive GET) (default echo)", proto_names},
	{"qname", 0, K_STRING, C(qname), NOSET, "NAME", "dns: name to query (default example.com)", NULL},
	{"qtype", 0, K_QTYPE, C(qtype), NOSET, "TYPE", "dns: A, AAAA, MX, TXT, NS, CNAME, SOA, PTR, ANY or a number (default A)", NULL},
	{"length", 0, K_COUNT_RANGE, C(len_lo), NOSET, "A-B", "http: body length to ask for (?length=N), random in A-B per request (default 1024)", NULL},
	{"think", 0, K_DURATION_RANGE, C(think_lo_us), C(has_think), "A-B", "http/dns: after each answer wait a random time in A-B, then ask again (instead of -r)", NULL},
	{"path", 0, K_STRING, C(path), NOSET, "PATH", "http: request path (default /)", NULL},
	{"header", 'H', K_HEADER, C(headers), NOSET, "'N: V'", "http: extra request header, repeatable (at most 16)", NULL},
	{"rtt-log", 0, K_STRING, C(rtt_log), NOSET, "FILE", "one CSV line per answer (time_us,conn,req,latency_us); written in the background, lines dropped (and counted) rather than slow the load", NULL},
	{"rate", 'r', K_RATE, C(rate), NOSET, "RATE", "requests per second across all connections, open loop (default 0: hold connections idle)", NULL},
	{"arrivals", 0, K_CHOICE, C(arrivals), NOSET, "KIND", "request spacing: uniform or poisson (default uniform)", arrivals_names},
	{"payload", 0, K_BYTES, C(payload), NOSET, "BYTES", "request size, 24 to 65535 bytes (default 32)", NULL},
	{"duration", 'T', K_DURATION, C(com.duration_us), NOSET, "TIME", "run length, connecting included (default 10s)", NULL},
	{"drain", 0, K_DURATION, C(drain_us), NOSET, "TIME", "after the run, wait this long for replies in flight (default 1s)", NULL},
	{"workers", 'w', K_WORKERS, C(com.workers), NOSET, "N", "reactor threads per process, each pinned to a CPU (default: one per CPU)", NULL},
	{"processes", 0, K_PROCESSES, C(com.processes), NOSET, "N|auto", "worker processes; auto adds them when -c needs more descriptors than RLIMIT_NOFILE allows one process (default auto)", NULL},
	{"seed", 0, K_COUNT, C(seed), NOSET, "N", "random seed for poisson arrivals and send phases (default 1)", NULL},
	{"ignore-plan", 0, K_FLAG, C(ignore_plan), NOSET, NULL, "run even when the port plan cannot fit (to measure what fails: EADDRNOTAVAIL)", NULL},
	{"json", 0, K_STRING, C(com.json_path), NOSET, "FILE", "write the whole run as JSON", NULL},
	{"csv", 0, K_STRING, C(com.csv_path), NOSET, "FILE", "write the per-second series as CSV", NULL},
	{"quiet", 'q', K_FLAG, C(com.quiet), NOSET, NULL, "no live line, summary only", NULL},
	{"expect-connections", 0, K_COUNT, C(expect_conns), C(has_expect_conns), "N", "exit 1 unless at least N connections were established", NULL},
	{"max-error-rate", 0, K_FRACTION, C(max_error_rate), C(has_max_error_rate), "X", "exit 1 if (failed connects + request errors + lost) / attempts exceeds X (0.01 or 1%)", NULL},
	{"max-p99", 0, K_DURATION, C(max_p99_us), C(has_max_p99), "TIME", "exit 1 if request latency p99 exceeds TIME", NULL},
	{0},
};

static const struct opt server_opts[] = {
	{"bind", 'b', K_STRING, S(bind), NOSET, "ADDR", "address to listen on (default :: dual-stack, else 0.0.0.0)", NULL},
	{"port", 'p', K_PORT, S(port), NOSET, "PORT", "port to listen on (default 7000)", NULL},
	{"backlog", 0, K_COUNT, S(backlog), NOSET, "N", "listen backlog; the kernel caps it at net.core.somaxconn (default 65535)", NULL},
	{"mode", 'm', K_CHOICE, S(mode), NOSET, "MODE", "echo (send back what arrives), sink (discard), http (GET /?length=N: N bytes) or dns (DNS over TCP) (default echo)", mode_names},
	{"max-length", 0, K_BYTES, S(max_length), NOSET, "BYTES", "http: largest body served; longer asks are capped (default 10240)", NULL},
	{"answer", 0, K_ANSWER, S(answer4), NOSET, "ADDR", "dns: address answered: an IPv4 one for A, an IPv6 one for AAAA; repeat for both (default 127.0.0.1 and ::1)", NULL},
	{"name", 0, K_STRING, S(name), NOSET, "NAME", "dns: answer only this name, NXDOMAIN for others (default: answer every name)", NULL},
	{"workers", 'w', K_WORKERS, S(com.workers), NOSET, "N", "reactor threads per process, each with its own SO_REUSEPORT listener (default: one per CPU)", NULL},
	{"processes", 0, K_PROCESSES, S(com.processes), NOSET, "N|auto", "worker processes; auto: enough for --max-conns under RLIMIT_NOFILE (default auto)", NULL},
	{"max-conns", 0, K_COUNT, S(max_conns), NOSET, "N", "connections the server should be able to hold; sizes auto processes (default 250k)", NULL},
	{"duration", 'T', K_DURATION, S(com.duration_us), NOSET, "TIME", "stop after this long (default: until SIGINT or SIGTERM)", NULL},
	{"accept-pause", 0, K_DURATION, S(accept_pause_us), NOSET, "TIME", "test knob: listen but do not accept for this long after start (default 0)", NULL},
	{"json", 0, K_STRING, S(com.json_path), NOSET, "FILE", "write the whole run as JSON", NULL},
	{"csv", 0, K_STRING, S(com.csv_path), NOSET, "FILE", "write the per-second series as CSV", NULL},
	{"quiet", 'q', K_FLAG, S(com.quiet), NOSET, NULL, "no live line, summary only", NULL},
	{0},
};

static void print_help(FILE *out, const struct opt *opts)
{
	for (const struct opt *o = opts; o->lng; o++) {
		char left[64];
		char sh[5] = "    ";
		if (o->shrt)
			snprintf(sh, sizeof(sh), "-%c, ", o->shrt);
		snprintf(left, sizeof(left), "%s--%s%s%s", sh, o->lng, o->metavar ? " " : "", o->metavar ? o->metavar : "");
		fprintf(out, "  %-28s %s\n", left, o->help);
	}
	fprintf(out, "  %-28s %s\n", "-h, --help", "this help");
	fprintf(out, "\nUnits: counts and rates take k, m (20k = 20000); times take us, ms, s, m, h (a bare number is seconds);\n"
		     "sizes take k (1024), m (1048576).\n");
}

void cli_help_client(FILE *out)
{
	fprintf(out, "usage: tcpswarm client [options] HOST:PORT [HOST:PORT ...]\n\n"
		     "Opens connections at a set rate and holds them; sends requests (echo, dns or http) at a set\n"
		     "aggregate rate (open loop: latency counts from each request's intended send time) or after a\n"
		     "think time per connection.\n\n");
	print_help(out, client_opts);
}

void cli_help_server(FILE *out)
{
	fprintf(out, "usage: tcpswarm server [options]\n\n"
		     "Accepts on every worker (own SO_REUSEPORT listener, pinned thread) and answers.\n\n");
	print_help(out, server_opts);
}

static int set_value(const struct opt *o, void *cfg, const char *v, char *err, size_t cap)
{
	void *field = (char *)cfg + o->off;
	uint64_t u;
	switch (o->kind) {
	case K_COUNT:
		return units_parse_count(v, (uint64_t *)field, err, cap);
	case K_RATE:
		return units_parse_rate(v, (double *)field, err, cap);
	case K_DURATION:
		return units_parse_duration(v, (uint64_t *)field, err, cap);
	case K_BYTES:
		return units_parse_bytes(v, (uint64_t *)field, err, cap);
	case K_STRING:
	case K_SOURCE:
		if (!*v) {
			snprintf(err, cap, "empty value");
			return -1;
		}
		*(const char **)field = v;
		return 0;
	case K_FLAG:
		*(bool *)field = true;
		return 0;
	case K_FRACTION: {
		char *end;
		double x = strtod(v, &end);
		if (end != v && *end == '%' && end[1] == 0) {
			x /= 100;
			end++;
		}
		if (end == v || *end || !(x >= 0 && x <= 1)) {
			snprintf(err, cap, "'%s': expected a fraction from 0 to 1 (0.01) or a percentage (1%%)", v);
			return -1;
		}
		*(double *)field = x;
		return 0;
	}
	case K_CHOICE:
		for (int i = 0; o->choices[i]; i++)
			if (!strcmp(v, o->choices[i])) {
				*(int *)field = i;
				return 0;
			}
		{
			int n = snprintf(err, cap, "'%s': expected one of", v);
			for (int i = 0; o->choices[i] && n > 0 && (size_t)n < cap; i++)
				n += snprintf(err + n, cap - (size_t)n, "%s %s", i ? "," : "", o->choices[i]);
		}
		return -1;
	case K_PORT:
		if (units_parse_count(v, &u, err, cap) < 0 || u < 1 || u > 65535) {
			snprintf(err, cap, "'%s': expected a port number from 1 to 65535", v);
			return -1;
		}
		*(uint64_t *)field = u;
		return 0;
	case K_QTYPE: {
		int t = proto_dns_qtype_from_str(v);
		if (t < 0) {
			snprintf(err, cap, "'%s': expected A, AAAA, MX, TXT, NS, CNAME, SOA, PTR, ANY or a number 0-65535", v);
			return -1;
		}
		*(int *)field = t;
		return 0;
	}
	case K_COUNT_RANGE: /* field is lo; hi follows it */
		return units_parse_count_range(v, (uint64_t *)field, (uint64_t *)field + 1, err, cap);
	case K_DURATION_RANGE:
		return units_parse_duration_range(v, (uint64_t *)field, (uint64_t *)field + 1, err, cap);
	case K_HEADER: {
		struct client_config *c = cfg; /* only in the client's table */
		const char *colon = strchr(v, ':');
		if (!colon || colon == v || strpbrk(v, "\r\n")) {
			snprintf(err, cap, "'%s': expected 'Name: value' (one line)", v);
			return -1;
		}
		if (c->nheaders == MAX_HEADERS) {
			snprintf(err, cap, "at most %d headers", MAX_HEADERS);
			return -1;
		}
		c->headers[c->nheaders++] = v;
		return 0;
	}
	case K_ANSWER: {
		struct server_config *c = cfg; /* only in the server's table */
		if (inet_pton(AF_INET, v, c->answer4) == 1 || inet_pton(AF_INET6, v, c->answer6) == 1)
			return 0;
		snprintf(err, cap, "'%s': expected an IPv4 or IPv6 address", v);
		return -1;
	}
	case K_PROCESSES:
		if (!strcmp(v, "auto")) {
			*(unsigned *)field = 0;
			return 0;
		}
		if (units_parse_count(v, &u, err, cap) < 0 || u < 1 || u > 1024) {
			snprintf(err, cap, "'%s': expected auto or a number of processes from 1 to 1024", v);
			return -1;
		}
		*(unsigned *)field = (unsigned)u;
		return 0;
	case K_WORKERS:
		if (units_parse_count(v, &u, err, cap) < 0 || u < 1 || u > 1024) {
			snprintf(err, cap, "'%s': expected a number of workers from 1 to 1024", v);
			return -1;
		}
		*(unsigned *)field = (unsigned)u;
		return 0;
	}
	return -1;
}

static const struct opt *find_long(const struct opt *opts, const char *name, size_t len)
{
	for (const struct opt *o = opts; o->lng; o++)
		if (strlen(o->lng) == len && !strncmp(o->lng, name, len))
			return o;
	return NULL;
}

static const struct opt *find_short(const struct opt *opts, char c)
{
	for (const struct opt *o = opts; o->lng; o++)
		if (o->shrt == c)
			return o;
	return NULL;
}

typedef int (*positional_fn)(void *cfg, const char *arg, char *err, size_t cap);

/* argv[0] is the subcommand. Returns 0, 1 (help) or -1 (error printed). */
static int parse(int argc, char **argv, const struct opt *opts, void *cfg, positional_fn pos, const char *cmd,
		 FILE *errf)
{
	char err[512];
	bool only_positional = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct opt *o = NULL;
		const char *val = NULL;
		char shown[80];
		if (!only_positional && !strcmp(a, "--")) {
			only_positional = true;
			continue;
		}
		if (!only_positional && (!strcmp(a, "-h") || !strcmp(a, "--help")))
			return 1;
		if (!only_positional && a[0] == '-' && a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			o = find_long(opts, name, len);
			snprintf(shown, sizeof(shown), "--%.*s", (int)len, name);
			if (eq)
				val = eq + 1;
		} else if (!only_positional && a[0] == '-' && a[1]) {
			o = find_short(opts, a[1]);
			snprintf(shown, sizeof(shown), "-%c", a[1]);
			if (a[2])
				val = a + 2;
		} else {
			if (!pos) {
				fprintf(errf, "tcpswarm %s: unexpected argument '%s' (see tcpswarm %s --help)\n", cmd, a, cmd);
				return -1;
			}
			if (pos(cfg, a, err, sizeof(err)) < 0) {
				fprintf(errf, "tcpswarm %s: %s\n", cmd, err);
				return -1;
			}
			continue;
		}
		if (!o) {
			fprintf(errf, "tcpswarm %s: unknown option '%s' (see tcpswarm %s --help)\n", cmd, shown, cmd);
			return -1;
		}
		if (o->kind == K_FLAG) {
			if (val) {
				fprintf(errf, "tcpswarm %s: option %s takes no value\n", cmd, shown);
				return -1;
			}
		} else if (!val) {
			if (i + 1 >= argc) {
				fprintf(errf, "tcpswarm %s: option %s needs a value (%s)\n", cmd, shown, o->metavar);
				return -1;
			}
			val = argv[++i];
		}
		if (set_value(o, cfg, val ? val : "", err, sizeof(err)) < 0) {
			fprintf(errf, "tcpswarm %s: option %s: %s\n", cmd, shown, err);
			return -1;
		}
		if (o->set_off != NOSET)
			*(bool *)((char *)cfg + o->set_off) = true;
	}
	return 0;
}

static int client_target(void *cfgp, const char *arg, char *err, size_t cap)
{
	struct client_config *cfg = cfgp;
	if (cfg->ntargets == MAX_TARGETS) {
		snprintf(err, cap, "at most %d targets", MAX_TARGETS);
		return -1;
	}
	char e[256];
	if (addr_parse_target(arg, &cfg->targets[cfg->ntargets], e, sizeof(e)) < 0) {
		snprintf(err, cap, "target %s", e);
		return -1;
	}
	cfg->ntargets++;
	return 0;
}

int cli_parse_client(int argc, char **argv, struct client_config *cfg, FILE *err)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->conns = 10;
	cfg->connect_inflight = 1000;
	cfg->connect_timeout_us = 3000000;
	cfg->arrivals = ARRIVALS_UNIFORM;
	cfg->payload = 32;
	cfg->com.duration_us = 10000000;
	cfg->drain_us = 1000000;
	cfg->seed = 1;
	cfg->qname = "example.com";
	cfg->qtype = 1; /* A */
	cfg->len_lo = cfg->len_hi = 1024;
	cfg->path = "/";
	int rc = parse(argc, argv, client_opts, cfg, client_target, "client", err);
	if (rc)
		return rc;
	char e[512];
	if (cfg->ntargets == 0) {
		fprintf(err, "tcpswarm client: no target given: add HOST:PORT, e.g. 127.0.0.1:7000\n");
		return -1;
	}
	if (cfg->conns == 0 || cfg->conns > 100000000) {
		fprintf(err, "tcpswarm client: option -c: expected 1 to 100m connections\n");
		return -1;
	}
	if (cfg->payload < 24 || cfg->payload > 65535) {
		fprintf(err, "tcpswarm client: option --payload: %llu bytes is out of range (accepted: 24 to 65535)\n",
			(unsigned long long)cfg->payload);
		return -1;
	}
	if (cfg->connect_inflight == 0) {
		fprintf(err, "tcpswarm client: option --connect-inflight: must be at least 1\n");
		return -1;
	}
	if (cfg->com.duration_us == 0) {
		fprintf(err, "tcpswarm client: option -T: the run needs a duration above 0 (e.g. 10s)\n");
		return -1;
	}
	if (cfg->has_think && cfg->rate > 0) {
		fprintf(err, "tcpswarm client: --think and -r exclude each other: -r paces requests open loop, --think waits after each answer\n");
		return -1;
	}
	if (cfg->has_think && cfg->proto == PROTO_ECHO) {
		fprintf(err, "tcpswarm client: option --think: needs --proto http or dns (echo is pipelined and paced by -r)\n");
		return -1;
	}
	if (cfg->path[0] != '/') {
		fprintf(err, "tcpswarm client: option --path: '%s' must start with '/'\n", cfg->path);
		return -1;
	}
	uint8_t probe[2048];
	if (proto_dns_build_query(probe, sizeof(probe), 0, cfg->qname, (uint16_t)cfg->qtype) < 0) {
		fprintf(err, "tcpswarm client: option --qname: '%s' is not a DNS name (labels of 1-63 bytes, 253 in all)\n",
			cfg->qname);
		return -1;
	}
	if (proto_http_build_request((char *)probe, sizeof(probe), cfg->path, cfg->len_hi, 1, "h", cfg->headers,
				     cfg->nheaders) < 0) {
		fprintf(err, "tcpswarm client: option --path or --header: not valid in an HTTP request "
			     "(path: visible ASCII from '/', no '#'; header: 'Name: value')\n");
		return -1;
	}
	if (cfg->connect_timeout_us == 0) {
		fprintf(err, "tcpswarm client: option --connect-timeout: must be above 0 (e.g. 3s)\n");
		return -1;
	}
	int fam = cfg->targets[0].sa.sa_family;
	for (unsigned i = 1; i < cfg->ntargets; i++)
		if (cfg->targets[i].sa.sa_family != fam && cfg->source_spec) {
			fprintf(err, "tcpswarm client: --source needs every target in one address family\n");
			return -1;
		}
	if (cfg->source_spec && cfg->source_iface) {
		fprintf(err, "tcpswarm client: --source and --source-iface exclude each other: give one\n");
		return -1;
	}
	if (cfg->source_iface && srcset_from_iface(&cfg->sources, cfg->source_iface, fam, e, sizeof(e)) < 0) {
		fprintf(err, "tcpswarm client: option --source-iface: %s\n", e);
		return -1;
	}
	if (cfg->source_spec) {
		if (srcset_parse(&cfg->sources, cfg->source_spec, e, sizeof(e)) < 0) {
			fprintf(err, "tcpswarm client: option --source: %s\n", e);
			return -1;
		}
		if (cfg->sources.n && cfg->sources.addrs[0].sa.sa_family != fam) {
			fprintf(err, "tcpswarm client: option --source: addresses are %s but the target is %s\n",
				cfg->sources.addrs[0].sa.sa_family == AF_INET ? "IPv4" : "IPv6", fam == AF_INET ? "IPv4" : "IPv6");
			return -1;
		}
	}
	return 0;
}

int cli_parse_server(int argc, char **argv, struct server_config *cfg, FILE *err)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = 7000;
	cfg->backlog = 65535;
	cfg->max_conns = 250000;
	cfg->max_length = 10240;
	inet_pton(AF_INET, "127.0.0.1", cfg->answer4);
	inet_pton(AF_INET6, "::1", cfg->answer6);
	cfg->mode = MODE_ECHO;
	int rc = parse(argc, argv, server_opts, cfg, NULL, "server", err);
	if (rc)
		return rc;
	if (cfg->backlog == 0 || cfg->backlog > 0x7fffffff) {
		fprintf(err, "tcpswarm server: option --backlog: expected 1 to 2147483647\n");
		return -1;
	}
	return 0;
}
