/* Command-line parsing from option tables; the same tables print --help.
 * Each option has a typed setter (the compiler checks the field's type
 * against the parser's) and states its default once: the default string is
 * applied through the setter before argv is parsed and shown in --help. */
#include "tcpswarm/cli.h"

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "tcpswarm/metrics.h"
#include "tcpswarm/probe.h"
#include "tcpswarm/shard.h"
#include "tcpswarm/units.h"

#include "cli_any.h"
#include "cli_client.h"
#include "cli_find.h"
#include "cli_schedule.h"
#include "cli_server.h"
#include "cli_tls.h"
#include "cli_values.h"

/* Parses v into the option's field of cfg (a client_config, server_config
 * or probe_config, as the table says). 0, or -1 with a message in err. */
typedef int (*setter_fn)(void *cfg, const char *v, char *err, size_t cap);

struct opt {
	const char *lng;
	char shrt;
	setter_fn set;
	const char *metavar; /* NULL: a flag, takes no value */
	const char *help;
	const char *dflt;    /* the default, as given on the command line; "A and B" for a repeatable option */
	const char *hint;    /* what to give when the value is missing; NULL: the metavar */
};

/* ---- setters: one per option ------------------------------------------------ */

/* setter `name` for config type T: parse(v, &cfg->field, ...), type-checked. */
#define SETTER(name, T, parse, field)                                            \
	static int name(void *cfg, const char *v, char *err, size_t cap)         \
	{                                                                        \
		return parse(v, &((T *)cfg)->field, err, cap);                   \
	}
/* the same, and cfg->given set when the value parsed (the CI gates) */
#define GATE_SETTER(name, T, parse, field, given)                                \
	static int name(void *cfg, const char *v, char *err, size_t cap)         \
	{                                                                        \
		if (parse(v, &((T *)cfg)->field, err, cap) < 0)                  \
			return -1;                                               \
		((T *)cfg)->given = true;                                        \
		return 0;                                                        \
	}
#define C_SET(name, parse, field) SETTER(c_##name, struct client_config, parse, field)
#define S_SET(name, parse, field) SETTER(s_##name, struct server_config, parse, field)
#define P_SET(name, parse, field) SETTER(p_##name, struct probe_config, parse, field)

GATE_SETTER(c_conns, struct client_config, units_parse_count, conns, has_conns)
C_SET(connect_rate, units_parse_rate, connect_rate)
C_SET(connect_inflight, units_parse_count, connect_inflight)
C_SET(connect_timeout, units_parse_duration, connect_timeout_us)

C_SET(connect_lanes, cli_value_lanes, connect_lanes)

/* on|off, fin|rst: a word of two */
static int two_words(const char *v, const char *no, const char *yes, bool *out, char *err, size_t cap)
{
	if (strcmp(v, no) && strcmp(v, yes)) {
		snprintf(err, cap, "'%s': expected %s or %s", v, no, yes);
		return -1;
	}
	*out = !strcmp(v, yes);
	return 0;
}

static int c_reconnect(void *cfg, const char *v, char *err, size_t cap)
{
	((struct client_config *)cfg)->has_reconnect = true;
	return two_words(v, "off", "on", &((struct client_config *)cfg)->reconnect, err, cap);
}

static int c_close(void *cfg, const char *v, char *err, size_t cap)
{
	return two_words(v, "fin", "rst", &((struct client_config *)cfg)->close_rst, err, cap);
}

static int c_conn_lifetime(void *cfg, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfg;
	if (units_parse_duration_range(v, &c->life_lo_us, &c->life_hi_us, err, cap) < 0)
		return -1;
	if (c->life_lo_us < 1000) {
		snprintf(err, cap, "'%s': a lifetime of at least 1ms is needed (e.g. 1s-2s)", v);
		return -1;
	}
	return 0;
}

static int c_conn_requests(void *cfg, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfg;
	if (units_parse_count(v, &c->conn_requests, err, cap) < 0)
		return -1;
	if (c->conn_requests == 0 || c->conn_requests > UINT32_MAX) {
		snprintf(err, cap, "'%s': expected 1 to 4294967295 requests per connection", v);
		return -1;
	}
	return 0;
}
C_SET(source, cli_value_string, source_spec)
C_SET(source_iface, cli_value_string, source_iface)
C_SET(proto, cli_value_proto, proto)
C_SET(qname, cli_value_string, qname)
C_SET(qtype, cli_value_qtype, qtype)
C_SET(path, cli_value_string, path)
C_SET(rtt_log, cli_value_string, rtt_log)
C_SET(arrivals, cli_value_arrivals, arrivals)
C_SET(payload, units_parse_bytes, payload)
GATE_SETTER(c_duration, struct client_config, units_parse_duration, com.duration_us, has_duration)
C_SET(drain, units_parse_duration, drain_us)
C_SET(send_window, units_parse_duration, send_window_us)
C_SET(workers, cli_value_workers, com.workers)
C_SET(processes, cli_value_processes, com.processes)
C_SET(seed, units_parse_count, seed)
C_SET(shard, shard_parse, shard)
static int c_start_at(void *cfg, const char *v, char *err, size_t cap)
{
	int64_t *at = &((struct client_config *)cfg)->start_at;
	return start_at_parse(v, at, err, cap) < 0 ? -1 : start_at_check(*at, (int64_t)time(NULL), err, cap);
}
C_SET(ignore_plan, cli_value_flag, ignore_plan)
C_SET(json, cli_value_string, com.json_path)
C_SET(csv, cli_value_string, com.csv_path)
C_SET(quiet, cli_value_flag, com.quiet)
GATE_SETTER(c_expect_conns, struct client_config, units_parse_count, expect_conns, has_expect_conns)
GATE_SETTER(c_max_error_rate, struct client_config, units_parse_fraction, max_error_rate, has_max_error_rate)
GATE_SETTER(c_max_p99, struct client_config, units_parse_duration, max_p99_us, has_max_p99)
C_SET(max_send_lag, units_parse_duration, max_send_lag_us)
C_SET(metrics, metrics_parse_addr, com.metrics)

static int c_think(void *cfg, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfg;
	if (units_parse_duration_range(v, &c->think_lo_us, &c->think_hi_us, err, cap) < 0)
		return -1;
	c->has_think = true;
	return 0;
}

static int c_header(void *cfg, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfg;
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

S_SET(bind, cli_value_string, bind)
S_SET(backlog, units_parse_count, backlog)
S_SET(mode, cli_value_mode, mode)
S_SET(max_length, units_parse_bytes, max_length)
S_SET(name, cli_value_string, name)
S_SET(workers, cli_value_workers, com.workers)
S_SET(processes, cli_value_processes, com.processes)
S_SET(max_conns, units_parse_count, max_conns)
S_SET(duration, units_parse_duration, com.duration_us)
S_SET(accept_pause, units_parse_duration, accept_pause_us)
S_SET(accept_batch, cli_value_accept_batch, accept_batch_us)
S_SET(json, cli_value_string, com.json_path)
S_SET(csv, cli_value_string, com.csv_path)
S_SET(quiet, cli_value_flag, com.quiet)
S_SET(stall_every, units_parse_duration, stall_every_us)
S_SET(stall_for, units_parse_duration, stall_for_us)
S_SET(request_timeout, units_parse_duration, request_timeout_us)
S_SET(idle_timeout, units_parse_duration, idle_timeout_us)
S_SET(metrics, metrics_parse_addr, com.metrics)
S_SET(max_rate, units_parse_rate, max_rate)
S_SET(max_rate_frame, units_parse_bytes, max_rate_frame)

static int s_answer(void *cfg, const char *v, char *err, size_t cap)
{
	struct server_config *c = cfg;
	if (inet_pton(AF_INET, v, c->answer4) == 1 || inet_pton(AF_INET6, v, c->answer6) == 1)
		return 0;
	snprintf(err, cap, "'%s': expected an IPv4 or IPv6 address", v);
	return -1;
}

P_SET(source, cli_value_string, source)
P_SET(role, cli_value_role, role)
P_SET(workers, cli_value_workers, workers)
P_SET(processes, cli_value_processes, processes)

static int p_conns(void *cfg, const char *v, char *err, size_t cap)
{
	struct probe_config *c = cfg;
	if (units_parse_count(v, &c->conns, err, cap) < 0)
		return -1;
	if (c->conns == 0 || c->conns > 100000000) {
		snprintf(err, cap, "'%s': expected 1 to 100m connections", v);
		return -1;
	}
	return 0;
}

/* ---- the tables --------------------------------------------------------------- */

static const struct opt client_opts[] = {
	{"connections", 'c', c_conns, "N", "connections to open and hold", "10", NULL},
	{"connect-rate", 0, c_connect_rate, "RATE", "new connections per second, all workers (default unlimited)", NULL, NULL},
	{"connect-inflight", 0, c_connect_inflight, "N", "most connects in progress at once", "1000", NULL},
	{"connect-lanes", 0, c_connect_lanes, "N|cpus", "with more workers than N (a fan-out past the descriptor limit), first connects take turns: N workers at a time (pinned to their lanes' CPUs for their turns when N is at most the CPUs), the next in a lane starting when the one before has started all of its own, so the connect time is the server's and the kernel's, not the generator's wait for a CPU (0: all at once)", "cpus", NULL},
	{"connect-timeout", 0, c_connect_timeout, "TIME", "give up on a connect (and its TLS handshake) after this long", "3s", NULL},
	{"reconnect", 0, c_reconnect, "on|off", "reopen connections that close or fail to connect (failed connects after a per-connection backoff of 50ms doubling to 1s), to hold -c for the whole run; off: let them drop", "on", NULL},
	{"conn-lifetime", 0, c_conn_lifetime, "A-B", "close each connection after a random lifetime in A-B (once nothing is in flight) and open a new one", NULL, "A-B, e.g. 100ms-200ms"},
	{"conn-requests", 0, c_conn_requests, "N", "close each connection after N answered requests (once nothing is in flight) and open a new one", NULL, NULL},
	{"close", 0, c_close, "fin|rst", "how the client closes: fin (orderly, leaves TIME-WAIT here) or rst (SO_LINGER 0: no TIME-WAIT)", "fin", NULL},
	{"source", 0, c_source, "RANGE", "source IPs: 127.0.0.2-127.0.0.20, 10.0.1.0/24 or a comma list; sharded over workers (default: kernel's choice)", NULL, NULL},
	{"source-iface", 0, c_source_iface, "IFACE", "use every address of this interface (aliases included) as source IPs, in the targets' family", NULL, NULL},
	{"proto", 0, c_proto, "PROTO", "echo (framed, pipelined), dns (DNS over TCP), http (HTTP/1.1 keep-alive; implied by a URL target) or raw (your bytes)", "echo", NULL},
	{"message", 'm', cli_any_message, "TEXT", "raw: the bytes of each request; escapes \\r \\n \\t \\\\ \\xHH \\0", NULL, NULL},
	{"message-file", 'f', cli_any_message_file, "FILE", "raw: the bytes of each request, from a file as is (at most 65535)", NULL, NULL},
	{"first-message", 0, cli_any_first_message, "TEXT", "raw: sent once after each connect (AUTH, a handshake); its reply, if framed, is awaited and not counted", NULL, NULL},
	{"reply-delim", 0, cli_any_reply_delim, "STR", "raw: a reply ends with STR (escapes as -m; 1-64 bytes)", NULL, NULL},
	{"reply-bytes", 0, cli_any_reply_bytes, "N", "raw: every reply is exactly N bytes", NULL, NULL},
	{"reply", 0, cli_any_reply, "none", "raw: replies are not framed: bytes are only counted (a sink)", NULL, NULL},
	{"inflight", 0, cli_any_inflight, "K", "requests outstanding per connection, 1 to 1024 (raw; echo with -r max)", "1", NULL},
	{"method", 0, cli_any_method, "METHOD", "http: GET, HEAD, POST, PUT or DELETE", "GET", NULL},
	{"body", 0, cli_any_body, "TEXT|@FILE", "http: request body (Content-Length set), at most 32768 bytes", NULL, NULL},
	{"tls", 0, cli_tls_on, NULL, "TLS under the protocol (echo, raw, dns as DNS over TLS, http as HTTPS; implied by an https:// target); the server's certificate is verified against the system's CA store unless --ca or --insecure", NULL, NULL},
	{"sni", 0, cli_tls_sni, "NAME", "--tls: server name sent (SNI) and the certificate checked against (default: an https:// target's host name; none for an address: the chain only)", NULL, NULL},
	{"ca", 0, cli_tls_ca, "FILE", "--tls: verify the server's certificate against the CAs in FILE (PEM) instead of the system store", NULL, NULL},
	{"insecure", 0, cli_tls_insecure, NULL, "--tls: do not verify the server's certificate", NULL, NULL},
	{"alpn", 0, cli_tls_alpn, "LIST", "--tls: ALPN protocols offered, a comma list (e.g. http/1.1 or dot); handshakes agreeing none are counted", NULL, NULL},
	{"tls-resume", 0, cli_tls_resume, NULL, "--tls: resume a session (the worker's newest ticket) on every reconnect, so resumed handshakes are measured", NULL, NULL},
	{"ipv4", '4', cli_any_ipv4, NULL, "resolve target names to IPv4 addresses only", NULL, NULL},
	{"ipv6", '6', cli_any_ipv6, NULL, "resolve target names to IPv6 addresses only", NULL, NULL},
	{"qname", 0, c_qname, "NAME", "dns: name to query", "example.com", NULL},
	{"qtype", 0, c_qtype, "TYPE", "dns: A, AAAA, MX, TXT, NS, CNAME, SOA, PTR, ANY or a number", "A", NULL},
	{"length", 0, cli_any_length, "A-B", "http: ask tcpswarm's server for a body of N bytes (?length=N), random in A-B per request, and check it (default: none asked, any body accepted)", NULL, NULL},
	{"think", 0, c_think, "A-B", "http/dns: after each answer wait a random time in A-B, then ask again (instead of -r)", NULL, NULL},
	{"path", 0, c_path, "PATH", "http: request path (default / or the URL's)", NULL, NULL},
	{"header", 'H', c_header, "'N: V'", "http: extra request header, repeatable (at most 16)", NULL, NULL},
	{"rtt-log", 0, c_rtt_log, "FILE", "one CSV line per answer (time_us,conn,req,latency_us); written in the background, lines dropped (and counted) rather than slow the load", NULL, NULL},
	{"rate", 'r', cli_any_rate, "RATE|max", "requests per second across all connections, open loop; max: closed loop, each connection keeps --inflight requests outstanding (default 0: hold connections idle)", NULL, NULL},
	{"rate-schedule", 0, cli_sched_rate, "SCHED", "the rate over time instead of a flat -r: TIME:RATE points, linear in between, TIME:+RATE a step (0s:1k,30s:50k,60s:+10k); the last rate holds", NULL, "TIME:RATE,..., e.g. 0s:1k,30s:50k"},
	{"conn-schedule", 0, cli_sched_conns, "SCHED", "the open connections over time instead of a flat -c: TIME:COUNT points as --rate-schedule; rises at --connect-rate, falls by closing connections once nothing is in flight (closed_by schedule); -c defaults to its peak; -r stays the rate with all -c open (each connection sends -r/-c)", NULL, "TIME:COUNT,..., e.g. 0s:0,30s:10k,60s:1k"},
	{"schedule-file", 0, cli_sched_file, "FILE|-", "the rate over time from a file (- for stdin) in tcpclient's formats, see --schedule-format", NULL, NULL},
	{"schedule-format", 0, cli_sched_format, "steps|slope", "--schedule-file format: steps (tcpclient --stdin: the count, then '<duration_ms> <rate>' lines) or slope (--stdin-rateslope: '<duration_ms> <slope_qps_per_s>' lines from -r)", "steps", NULL},
	{"arrivals", 0, c_arrivals, "KIND", "request spacing: uniform or poisson", "uniform", NULL},
	{"payload", 0, c_payload, "BYTES", "request size, 24 to 65535 bytes", "32", NULL},
	{"duration", 'T', c_duration, "TIME", "run length, connecting included (with a schedule: its length unless given)", "10s", NULL},
	{"drain", 0, c_drain, "TIME", "after the run, wait this long for replies in flight", "1s", NULL},
	{"send-window", 0, c_send_window, "TIME", "open loop: wake at most once per window and send everything that fell due in it (never early; late by at most the window, seen in send lag and latency); 0: per 100 us tick (the default: latency stays exact; 500us saves CPU at high rates)", "0", NULL},
	{"workers", 'w', c_workers, "N", "reactor threads per process, each pinned to a CPU (default: one per CPU)", NULL, NULL},
	{"processes", 0, c_processes, "N|auto", "worker processes; auto adds them when -c needs more descriptors than RLIMIT_NOFILE allows one process", "auto", NULL},
	{"seed", 0, c_seed, "N", "random seed for poisson arrivals and send phases", "1", NULL},
	{"shard", 0, c_shard, "I/N", "run part I of N of this plan: -c, -r, --connect-rate and --source split, seed + I - 1; merge the N reports with tcpswarm merge", NULL, NULL},
	{"start-at", 0, c_start_at, "TIME", "wait until TIME (epoch seconds or RFC 3339, 2026-12-01T20:30:00Z; at most 24 h ahead) to start", NULL, NULL},
	{"ignore-plan", 0, c_ignore_plan, NULL, "run even when the port plan cannot fit (to measure what fails: EADDRNOTAVAIL)", NULL, NULL},
	{"json", 0, c_json, "FILE", "write the whole run as JSON", NULL, NULL},
	{"csv", 0, c_csv, "FILE", "write the per-second series as CSV, a row a second (FILE.partial until the end)", NULL, NULL},
	{"hdr-log", 0, cli_set_hdr_log, "FILE", "write the latency histograms (us) a second at a time as an HdrHistogram interval log (FILE.partial until the end)", NULL, NULL},
	{"quiet", 'q', c_quiet, NULL, "no live line, summary only", NULL, NULL},
	{"expect-connections", 0, c_expect_conns, "N", "exit 1 unless at least N connections were established", NULL, NULL},
	{"max-error-rate", 0, c_max_error_rate, "X", "exit 1 if (failed connects + request errors + lost) / attempts exceeds X (0.01 or 1%)", NULL, NULL},
	{"max-p99", 0, c_max_p99, "TIME", "exit 1 if request latency p99 exceeds TIME", NULL, NULL},
	{"max-send-lag", 0, c_max_send_lag, "TIME", "send lag p99 above this marks the run generator-bound (the client, not the server, set the pace)", "1ms", NULL},
	{"metrics", 0, c_metrics, "ADDR:PORT", "serve live counters, gauges and the latency histogram for Prometheus (GET /metrics) while the run goes on", NULL, NULL},
	{"find", 0, cli_find_kind, "max-rate|max-conns", "max-rate: search the highest rate that holds --slo at -c connections: steps at a flat rate from -r (default 1k), doubling until one breaks, then bisecting to within 5% (at most 10 bisections); max-conns: the most connections held, opened at --connect-rate, from -c (default 100) the same way, each step judged on all established and held, connect errors (--slo errors=, default 0) and, with -r (in all, as ever), the latency; a generator-bound step stops the search", NULL, NULL},
	{"slo", 0, cli_find_slo, "pNN=TIME[,errors=X]", "--find: what a step must hold: latency from intended send times at a percentile, and errors (failed connects, request errors, lost, not sent) over attempts (default errors=1%)", NULL, "e.g. p99=5ms,errors=0.1%"},
	{"step", 0, cli_find_step, "TIME", "--find: each step's run length, connecting included; connections are reopened per step; lengthened to give at least 2000 answers (100 / (1 - 0.99) x 20, for a p99 that means something) (default 2s)", NULL, NULL},
	{0},
};

static const struct opt server_opts[] = {
	{"bind", 'b', s_bind, "ADDR", "address to listen on (default :: dual-stack, else 0.0.0.0)", NULL, NULL},
	{"port", 'p', cli_set_server_ports, "PORT", "port to listen on, or a range A-B (one listener per port, at most 64)", "7000", NULL},
	{"backlog", 0, s_backlog, "N", "listen backlog; the kernel caps it at net.core.somaxconn", "65535", NULL},
	{"mode", 'm', s_mode, "MODE", "echo (send back what arrives), sink (discard), http (GET /?length=N: N bytes) or dns (DNS over TCP)", "echo", NULL},
	{"tls-cert", 0, cli_tls_cert, "FILE", "TLS in every mode with this certificate chain (PEM); needs --tls-key", NULL, NULL},
	{"tls-key", 0, cli_tls_key, "FILE", "the private key of --tls-cert (PEM)", NULL, NULL},
	{"max-length", 0, s_max_length, "BYTES", "http: largest body served; longer asks are capped", "10240", NULL},
	{"answer", 0, s_answer, "ADDR", "dns: address answered: an IPv4 one for A, an IPv6 one for AAAA; repeat for both", "127.0.0.1 and ::1", NULL},
	{"name", 0, s_name, "NAME", "dns: answer only this name, NXDOMAIN for others (default: answer every name)", NULL, NULL},
	{"workers", 'w', s_workers, "N", "reactor threads per process, each with its own SO_REUSEPORT listener (default: one per CPU)", NULL, NULL},
	{"processes", 0, s_processes, "N|auto", "worker processes; auto: enough for --max-conns under RLIMIT_NOFILE", "auto", NULL},
	{"max-conns", 0, s_max_conns, "N", "connections the server should be able to hold; sizes auto processes", "250k", NULL},
	{"duration", 'T', s_duration, "TIME", "stop after this long (default: until SIGINT or SIGTERM)", NULL, NULL},
	{"request-timeout", 0, s_request_timeout, "TIME", "http/dns: close a connection whose request stays unfinished this long (slow or stalled peers); 0: never", "30s", NULL},
	{"idle-timeout", 0, s_idle_timeout, "TIME", "close a connection that reads and writes nothing this long; 0: never (holding idle connections is what a hold test does)", "0", NULL},
	{"accept-batch", 0, s_accept_batch, "TIME|auto", "while connections arrive faster than one per TIME and none sends a byte (a hold, a connect ramp), take them from the accept queue once per TIME instead of waking at each (a context switch per 1-3 connections otherwise); the handshake is done before accept, so connect times are unchanged; the first readable connection ends it; auto: 5ms per worker sharing a CPU (5ms with one per CPU, 35ms for 14 processes on 2 CPUs), at most 50ms; 0: wake at each, up to 1s", "auto", NULL},
	{"accept-pause", 0, s_accept_pause, "TIME", "test knob: listen but do not accept for this long after start", "0", NULL},
	{"json", 0, s_json, "FILE", "write the whole run as JSON", NULL, NULL},
	{"csv", 0, s_csv, "FILE", "write the per-second series as CSV", NULL, NULL},
	{"quiet", 'q', s_quiet, NULL, "no live line, summary only", NULL, NULL},
	{"stall-every", 0, s_stall_every, "TIME", "test knob: every TIME each worker stops serving (reads, writes, accepts) for --stall-for", "0", NULL},
	{"stall-for", 0, s_stall_for, "TIME", "test knob: how long each --stall-every stall lasts", "0", NULL},
	{"metrics", 0, s_metrics, "ADDR:PORT", "serve live counters and gauges for Prometheus (GET /metrics) while the server runs", NULL, NULL},
	{"max-rate", 0, s_max_rate, "RATE", "answer at most RATE requests a second in all (echo/sink: in --max-rate-frame bytes each; http/dns: whole requests), split evenly over the workers (-w 1 --processes 1 for an exact total; the excess waits in the socket buffers: reads stop until the next 10 ms refill) (default unthrottled)", NULL, NULL},
	{"max-rate-frame", 0, s_max_rate_frame, "BYTES", "--max-rate: bytes one request counts for (the client's --payload)", "32", NULL},
	{0},
};

static const struct opt probe_opts[] = {
	{"connections", 'c', p_conns, "N", "connections the plan holds, 1 to 100m (default: no plan: list the limits and the most connections each allows)", NULL, "N, e.g. 100k"},
	{"source", 0, p_source, "RANGE", "client source IPs: 127.0.0.2-127.0.0.20, 10.0.1.0/24 or a comma list (default: none, the kernel picks one per target; on loopback the client picks 127.0.0.x itself when one would fill)", NULL, "RANGE, e.g. 127.0.0.2-127.0.0.20"},
	{"role", 0, p_role, "ROLE", "sockets on this host: client, server or both (default: both when every target is loopback, else client)", NULL, "client, server or both"},
	{"workers", 'w', p_workers, "N", "the client's -w: its port plan gives each worker its own source IPs (default: one per CPU)", NULL, NULL},
	{"processes", 0, p_processes, "N|auto", "the client's --processes, for the same reason", "auto", NULL},
	{0},
};

/* ---- help ------------------------------------------------------------------- */

/* The options, then the positional argument (pos, may be NULL), then -h. */
static void print_help(FILE *out, const struct opt *opts, const char *pos, const char *pos_help)
{
	for (const struct opt *o = opts; o->lng; o++) {
		char left[64];
		char sh[5] = "    ";
		if (o->shrt)
			snprintf(sh, sizeof(sh), "-%c, ", o->shrt);
		snprintf(left, sizeof(left), "%s--%s%s%s", sh, o->lng, o->metavar ? " " : "", o->metavar ? o->metavar : "");
		fprintf(out, "  %-28s %s%s%s%s\n", left, o->help, o->dflt ? " (default " : "", o->dflt ? o->dflt : "",
			o->dflt ? ")" : "");
	}
	if (pos)
		fprintf(out, "  %-28s %s\n", pos, pos_help);
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
	print_help(out, client_opts, NULL, NULL);
}

void cli_help_server(FILE *out)
{
	fprintf(out, "usage: tcpswarm server [options]\n\n"
		     "Accepts on every worker (own SO_REUSEPORT listener, pinned thread) and answers.\n\n");
	print_help(out, server_opts, NULL, NULL);
}

void cli_help_probe(FILE *out)
{
	fprintf(out, "usage: tcpswarm probe [options] [HOST:PORT ...]\n\n"
		     "Reads this host's kernel limits (rlimits, sysctls, memory) and says what each one caps and which\n"
		     "binds first. With -c, checks whether a plan of N connections fits; its port plan is the one\n"
		     "tcpswarm client makes for the same arguments.\n\n");
	print_help(out, probe_opts, "HOST:PORT", "target(s), 0 to 64 (default: one target on another host)");
	fprintf(out, "\nexit status: 0 the plan fits (or no plan), 1 a limit binds, 2 usage error\n"
		     "examples:\n"
		     "  tcpswarm probe\n"
		     "  tcpswarm probe -c 200k 127.0.0.1:7000\n"
		     "  tcpswarm probe -c 1m 10.0.0.1:53 --source 10.0.1.1-10.0.1.20\n");
}

/* ---- parsing ------------------------------------------------------------------ */

static void apply_default(const struct opt *o, void *cfg, const char *v)
{
	char err[256];
	if (o->set(cfg, v, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpswarm: bad default for --%s: %s\n", o->lng, err);
		abort(); /* a table error, caught by the first test run */
	}
}

/* Each option's default through its own setter. String setters keep the
 * pointer, so a single default is passed as the table's own string; "A and
 * B" (a repeatable option) sets A, then B, from a copy: only for setters
 * that copy the value (--answer). */
static void apply_defaults(const struct opt *opts, void *cfg)
{
	for (const struct opt *o = opts; o->lng; o++) {
		const char *d = o->dflt, *and;
		if (!d)
			continue;
		for (; (and = strstr(d, " and ")) != NULL; d = and + 5) {
			char one[64];
			snprintf(one, sizeof(one), "%.*s", (int)(and - d), d);
			apply_default(o, cfg, one);
		}
		apply_default(o, cfg, d);
	}
}

static const struct opt *find_opt(const struct opt *opts, const char *name, size_t len, char shrt)
{
	for (const struct opt *o = opts; o->lng; o++)
		if (shrt ? o->shrt == shrt : strlen(o->lng) == len && !strncmp(o->lng, name, len))
			return o;
	return NULL;
}

typedef int (*positional_fn)(void *cfg, const char *arg, char *err, size_t cap);

/* One option argument at argv[*i]: finds it, takes its value, sets it. */
static int parse_option(int argc, char **argv, int *i, const struct opt *opts, void *cfg, const char *cmd, FILE *errf)
{
	const char *a = argv[*i], *val = NULL;
	const struct opt *o;
	char shown[80], err[512];
	if (a[1] == '-') {
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		o = find_opt(opts, name, len, 0);
		snprintf(shown, sizeof(shown), "--%.*s", (int)len, name);
		if (eq)
			val = eq + 1;
	} else {
		o = find_opt(opts, NULL, 0, a[1]);
		snprintf(shown, sizeof(shown), "-%c", a[1]);
		if (a[2])
			val = a + 2;
	}
	if (!o) {
		fprintf(errf, "tcpswarm %s: unknown option '%s' (see tcpswarm %s --help)\n", cmd, shown, cmd);
		return -1;
	}
	if (!o->metavar && val) {
		fprintf(errf, "tcpswarm %s: option %s takes no value\n", cmd, shown);
		return -1;
	}
	if (o->metavar && !val) {
		if (*i + 1 >= argc) {
			fprintf(errf, "tcpswarm %s: option %s needs a value (%s)\n", cmd, shown, o->hint ? o->hint : o->metavar);
			return -1;
		}
		val = argv[++*i];
	}
	if (o->set(cfg, val ? val : "", err, sizeof(err)) < 0) {
		fprintf(errf, "tcpswarm %s: option %s: %s\n", cmd, shown, err);
		return -1;
	}
	return 0;
}

/* argv[0] is the subcommand. Returns 0, 1 (help) or -1 (error printed). */
static int parse(int argc, char **argv, const struct opt *opts, void *cfg, positional_fn pos, const char *cmd,
		 FILE *errf)
{
	char err[512];
	bool only_positional = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!only_positional && !strcmp(a, "--")) {
			only_positional = true;
			continue;
		}
		if (!only_positional && (!strcmp(a, "-h") || !strcmp(a, "--help")))
			return 1;
		if (!only_positional && a[0] == '-' && a[1]) {
			if (parse_option(argc, argv, &i, opts, cfg, cmd, errf) < 0)
				return -1;
			continue;
		}
		if (!pos) {
			fprintf(errf, "tcpswarm %s: unexpected argument '%s' (see tcpswarm %s --help)\n", cmd, a, cmd);
			return -1;
		}
		if (pos(cfg, a, err, sizeof(err)) < 0) {
			fprintf(errf, "tcpswarm %s: %s\n", cmd, err);
			return -1;
		}
	}
	return 0;
}

/* A target into targets[*n] (at most MAX_TARGETS). */
static int add_target(struct sockaddr_any *targets, unsigned *n, const char *arg, char *err, size_t cap)
{
	if (*n == MAX_TARGETS) {
		snprintf(err, cap, "at most %d targets ('%s' is one too many)", MAX_TARGETS, arg);
		return -1;
	}
	char e[256];
	if (addr_parse_target(arg, &targets[*n], e, sizeof(e)) < 0) {
		snprintf(err, cap, "target %s", e);
		return -1;
	}
	(*n)++;
	return 0;
}

static int probe_target(void *cfgp, const char *arg, char *err, size_t cap)
{
	struct probe_config *cfg = cfgp;
	return add_target(cfg->targets, &cfg->ntargets, arg, err, cap);
}

/* --source against the targets: one family, parsed into set. cmd names the
 * subcommand in messages, targets_are the targets ("the target is"). 0, or
 * -1 with the message printed. */
static int parse_sources(const char *spec, const struct sockaddr_any *targets, unsigned n, struct srcset *set,
			 const char *cmd, const char *targets_are, FILE *err)
{
	int fam = n ? targets[0].sa.sa_family : 0;
	for (unsigned i = 1; i < n; i++)
		if (targets[i].sa.sa_family != fam) {
			fprintf(err, "tcpswarm %s: --source needs every target in one address family\n", cmd);
			return -1;
		}
	char e[512];
	if (srcset_parse(set, spec, e, sizeof(e)) < 0) {
		fprintf(err, "tcpswarm %s: option --source: %s\n", cmd, e);
		return -1;
	}
	if (n && set->n && set->addrs[0].sa.sa_family != fam) {
		bool v6 = set->addrs[0].sa.sa_family == AF_INET6;
		fprintf(err, "tcpswarm %s: option --source: addresses are %s but %s %s\n", cmd, v6 ? "IPv6" : "IPv4",
			targets_are, v6 ? "IPv4" : "IPv6");
		srcset_free(set);
		return -1;
	}
	return 0;
}

static int client_sources(struct client_config *cfg, FILE *err)
{
	if (cfg->source_spec && cfg->source_iface) {
		fprintf(err, "tcpswarm client: --source and --source-iface exclude each other: give one\n");
		return -1;
	}
	char e[512];
	int fam = cfg->targets[0].sa.sa_family;
	if (cfg->source_iface && srcset_from_iface(&cfg->sources, cfg->source_iface, fam, e, sizeof(e)) < 0) {
		fprintf(err, "tcpswarm client: option --source-iface: %s\n", e);
		return -1;
	}
	if (cfg->source_spec)
		return parse_sources(cfg->source_spec, cfg->targets, cfg->ntargets, &cfg->sources, "client", "the target is", err);
	return 0;
}

int cli_parse_client(int argc, char **argv, struct client_config *cfg, FILE *err)
{
	memset(cfg, 0, sizeof(*cfg));
	apply_defaults(client_opts, cfg);
	cfg->has_duration = false; /* the default is not given */
	cfg->has_conns = cfg->has_reconnect = false;
	int rc = parse(argc, argv, client_opts, cfg, cli_any_target, "client", err);
	if (rc)
		return rc;
	if (cli_sched_finish(cfg, err) < 0 || cli_find_finish(cfg, err) < 0)
		return -1;
	if (cli_any_resolve(cfg, err) < 0 || cli_any_check(cfg, err) < 0 || cli_client_check(cfg, err) < 0 || client_sources(cfg, err) < 0 ||
	    cli_tls_client(cfg, err) < 0)
		return -1;
	return 0;
}

int cli_parse_server(int argc, char **argv, struct server_config *cfg, FILE *err)
{
	memset(cfg, 0, sizeof(*cfg));
	apply_defaults(server_opts, cfg);
	int rc = parse(argc, argv, server_opts, cfg, NULL, "server", err);
	if (rc)
		return rc;
	return cli_server_check(cfg, err) < 0 || cli_tls_server(cfg, err) < 0 ? -1 : 0;
}

int cli_parse_probe(int argc, char **argv, struct probe_config *cfg, FILE *err)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->role = -1; /* not given: from the targets */
	apply_defaults(probe_opts, cfg);
	int rc = parse(argc, argv, probe_opts, cfg, probe_target, "probe", err);
	if (rc)
		return rc;
	if (cfg->source)
		return parse_sources(cfg->source, cfg->targets, cfg->ntargets, &cfg->sources, "probe", "the targets are", err);
	return 0;
}
