/* The client's checks across options, once every option is parsed. */
#include "cli_client.h"

#include <stdint.h>

#include "tcpswarm/proto_dns.h"
#include "tcpswarm/proto_http.h"

/* The checks across options, and the ones each value needs beyond its form.
 * 0, or -1 with the message printed. */
static int check_options(const struct client_config *cfg, FILE *err)
{
	if (cfg->ntargets == 0) {
		fprintf(err, "tcpswarm client: no target given: add HOST:PORT, e.g. 127.0.0.1:7000\n");
		return -1;
	}
	/* a window coalesces timer wake-ups (microseconds); one as long as the run
	 * would hold every request back to its end and send none */
	if (cfg->send_window_us > 100000) {
		fprintf(err, "tcpswarm client: option --send-window: at most 100ms (it coalesces wake-ups; 250us-1ms is typical)\n");
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
	if (cfg->has_think && (cfg->proto == PROTO_ECHO || cfg->proto == PROTO_RAW)) {
		fprintf(err, "tcpswarm client: option --think: needs --proto http or dns (echo and raw are paced by -r)\n");
		return -1;
	}
	if (cfg->path[0] != '/') {
		fprintf(err, "tcpswarm client: option --path: '%s' must start with '/'\n", cfg->path);
		return -1;
	}
	if (cfg->connect_timeout_us == 0) {
		fprintf(err, "tcpswarm client: option --connect-timeout: must be above 0 (e.g. 3s)\n");
		return -1;
	}
	/* a gate no run can pass, a lag every run has: typos for a real bound */
	if (cfg->has_max_p99 && cfg->max_p99_us == 0) {
		fprintf(err, "tcpswarm client: option --max-p99: must be above 0 (e.g. 50ms)\n");
		return -1;
	}
	if (cfg->max_send_lag_us == 0) {
		fprintf(err, "tcpswarm client: option --max-send-lag: must be above 0 (e.g. 1ms)\n");
		return -1;
	}
	return 0;
}

/* The request a run would send, built once: a name or path it cannot carry
 * is a usage error now rather than a failed run. */
static int check_request(const struct client_config *cfg, FILE *err)
{
	uint8_t probe[2048];
	if (proto_dns_build_query(probe, sizeof(probe), 0, cfg->qname, (uint16_t)cfg->qtype) < 0) {
		fprintf(err, "tcpswarm client: option --qname: '%s' is not a DNS name (labels of 1-63 bytes, 253 in all)\n",
			cfg->qname);
		return -1;
	}
	static uint8_t req[CFG_MAX_BODY + 8192]; /* the largest request: head and body */
	struct proto_http_request rq = {.method = cfg->method, .target = cfg->path, .host = "h",
					.extra_headers = cfg->headers, .nextra = cfg->nheaders, .body = cfg->body,
					.body_len = cfg->body_len, .has_body = cfg->has_body, .length = cfg->len_hi,
					.has_length = cfg->has_length};
	if (proto_http_build((char *)req, sizeof(req), &rq) < 0) {
		fprintf(err, "tcpswarm client: option --path or --header: not valid in an HTTP request "
			     "(path: visible ASCII from '/', no '#'; header: 'Name: value', no Content-Length or "
			     "Transfer-Encoding)\n");
		return -1;
	}
	return 0;
}

int cli_client_check(const struct client_config *cfg, FILE *err)
{
	return check_options(cfg, err) < 0 || check_request(cfg, err) < 0 ? -1 : 0;
}
