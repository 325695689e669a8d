/* The client options for servers tcpswarm did not write (issue 9): raw
 * bytes (--proto raw and its framing), any HTTP server (--method, --body,
 * optional --length, URL targets), names (-4/-6) and the closed loop
 * (-r max, --inflight). The setters are in cli.c's client table; the checks
 * across them and the resolving of targets run once argv is parsed. */
#include "cli_any.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpswarm/client.h"
#include "tcpswarm/proto_http.h"
#include "tcpswarm/proto_raw.h"
#include "tcpswarm/resolve.h"
#include "tcpswarm/schedule.h"
#include "tcpswarm/units.h"
#include "tcpswarm/url.h"

/* Reads the whole file into out (at most cap bytes): its size, or -1. */
static ssize_t read_file(const char *path, uint8_t *out, size_t cap, char *err, size_t errcap)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errcap, "cannot read '%s': %m", path);
		return -1;
	}
	size_t n = fread(out, 1, cap, f);
	int more = fgetc(f) != EOF, bad = ferror(f);
	fclose(f);
	if (bad) {
		snprintf(err, errcap, "cannot read '%s'", path);
		return -1;
	}
	if (more) {
		snprintf(err, errcap, "'%s' is longer than %zu bytes", path, cap);
		return -1;
	}
	return (ssize_t)n;
}

static int unescape_nonempty(const char *v, uint8_t *out, size_t cap, uint32_t *len, char *err, size_t errcap)
{
	char e[200];
	ssize_t n = proto_raw_unescape(v, out, cap, e, sizeof(e));
	if (n < 0) {
		snprintf(err, errcap, "'%s': %s", v, e);
		return -1;
	}
	if (n == 0) {
		snprintf(err, errcap, "empty message");
		return -1;
	}
	*len = (uint32_t)n;
	return 0;
}

int cli_any_message(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	c->raw_msg_text = v;
	return unescape_nonempty(v, c->raw_msg, sizeof(c->raw_msg), &c->raw_msg_len, err, cap);
}

int cli_any_message_file(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	ssize_t n = read_file(v, c->raw_msg, sizeof(c->raw_msg), err, cap);
	if (n < 0)
		return -1;
	if (n == 0) {
		snprintf(err, cap, "'%s' is empty", v);
		return -1;
	}
	c->raw_msg_file = v;
	c->raw_msg_len = (uint32_t)n;
	return 0;
}

int cli_any_first_message(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	c->raw_first_text = v;
	c->has_raw_first = true;
	return unescape_nonempty(v, c->raw_first, sizeof(c->raw_first), &c->raw_first_len, err, cap);
}

int cli_any_reply_delim(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	uint8_t d[PROTO_RAW_MAX_DELIM];
	char e[200];
	ssize_t n = proto_raw_unescape(v, d, sizeof(d), e, sizeof(e));
	if (n < 0 || proto_raw_framing_delim(&c->raw_framing, d, (size_t)n, e, sizeof(e)) < 0) {
		snprintf(err, cap, "'%s': %s", v, e);
		return -1;
	}
	c->reply_delim_text = v;
	return 0;
}

int cli_any_reply_bytes(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	char e[200];
	if (units_parse_bytes(v, &c->reply_bytes, e, sizeof(e)) < 0 ||
	    proto_raw_framing_bytes(&c->raw_framing, c->reply_bytes, e, sizeof(e)) < 0) {
		snprintf(err, cap, "'%s': expected a size from 1 to %u bytes (k and m accepted)", v,
			 (unsigned)PROTO_RAW_MAX_REPLY_BYTES);
		c->reply_bytes = 0;
		return -1;
	}
	return 0;
}

int cli_any_reply(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	if (strcmp(v, "none")) {
		snprintf(err, cap, "'%s': expected none (frame replies with --reply-delim or --reply-bytes)", v);
		return -1;
	}
	c->reply_none = true;
	proto_raw_framing_none(&c->raw_framing);
	return 0;
}

int cli_any_inflight(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	if (units_parse_count(v, &c->inflight, err, cap) < 0 || c->inflight < 1 || c->inflight > CFG_MAX_INFLIGHT) {
		snprintf(err, cap, "'%s': expected 1 to %d requests outstanding per connection", v, CFG_MAX_INFLIGHT);
		return -1;
	}
	return 0;
}

int cli_any_rate(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	c->closed_loop = !strcmp(v, "max") || !strcmp(v, "unlimited");
	if (c->closed_loop) {
		c->rate = 0;
		return 0;
	}
	char e[200];
	if ((v[0] >= 'a' && v[0] <= 'z') || units_parse_rate(v, &c->rate, e, sizeof(e)) < 0) {
		snprintf(err, cap, "'%s': expected requests per second (e.g. 5k, 200/s) or max (closed loop)", v);
		return -1;
	}
	if (c->rate > SCHED_MAX_RATE) {
		snprintf(err, cap, "'%s': at most 1g requests per second (or max: closed loop)", v);
		return -1;
	}
	return 0;
}

int cli_any_ipv4(void *cfgp, const char *v, char *err, size_t cap)
{
	(void)v, (void)err, (void)cap;
	((struct client_config *)cfgp)->family = AF_INET;
	return 0;
}

int cli_any_ipv6(void *cfgp, const char *v, char *err, size_t cap)
{
	(void)v, (void)err, (void)cap;
	((struct client_config *)cfgp)->family = AF_INET6;
	return 0;
}

int cli_any_method(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	c->method = proto_http_method_parse(v);
	if (c->method <= 0) {
		snprintf(err, cap, "'%s': expected GET, HEAD, POST, PUT or DELETE", v);
		return -1;
	}
	return 0;
}

int cli_any_body(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	c->body_spec = v;
	c->has_body = true;
	if (v[0] != '@') {
		size_t n = strlen(v);
		if (n > sizeof(c->body)) {
			snprintf(err, cap, "longer than %zu bytes", sizeof(c->body));
			return -1;
		}
		memcpy(c->body, v, n);
		c->body_len = (uint32_t)n;
		return 0;
	}
	ssize_t n = read_file(v + 1, c->body, sizeof(c->body), err, cap);
	if (n < 0)
		return -1;
	c->body_len = (uint32_t)n;
	return 0;
}

int cli_any_length(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	if (units_parse_count_range(v, &c->len_lo, &c->len_hi, err, cap) < 0)
		return -1;
	c->has_length = true;
	return 0;
}

int cli_any_target(void *cfgp, const char *arg, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	if (c->ntarget_specs == MAX_TARGETS) {
		snprintf(err, cap, "at most %d targets ('%s' is one too many)", MAX_TARGETS, arg);
		return -1;
	}
	c->target_specs[c->ntarget_specs++] = arg;
	return 0;
}

/* ---- after argv --------------------------------------------------------- */

/* A URL target: its addresses, and the path and Host header it gives. */
static int url_target(struct client_config *c, const char *spec, FILE *errf)
{
	struct url u;
	char e[300];
	if (url_parse(spec, &u, e, sizeof(e)) < 0) {
		fprintf(errf, "tcpswarm client: target '%s': %s\n", spec, e);
		return -1;
	}
	c->tls |= u.tls; /* https: HTTP over TLS */
	if (c->has_url) {
		fprintf(errf, "tcpswarm client: target '%s': one URL target per run (its name may resolve to several addresses)\n",
			spec);
		return -1;
	}
	if (c->proto != PROTO_ECHO && c->proto != PROTO_HTTP) {
		fprintf(errf, "tcpswarm client: target '%s': a URL target is for --proto http\n", spec);
		return -1;
	}
	const char *after = strstr(spec, "://") + 3;
	bool url_path = strpbrk(after, "/?") != NULL;
	if (url_path && c->path) {
		fprintf(errf, "tcpswarm client: option --path: conflicts with the path of the URL target '%s' (give one)\n",
			spec);
		return -1;
	}
	int n = resolve_host(u.name, u.port, c->family, c->targets + c->ntargets, MAX_TARGETS - c->ntargets, e,
			     sizeof(e));
	if (n < 0) {
		fprintf(errf, "tcpswarm client: target '%s': %s\n", spec, e);
		return -1;
	}
	c->ntargets += (unsigned)n;
	c->has_url = true;
	c->proto = PROTO_HTTP;
	snprintf(c->url_host, sizeof(c->url_host), "%s", u.host);
	snprintf(c->url_target, sizeof(c->url_target), "%s", u.target);
	if (url_path)
		c->path = c->url_target;
	return 0;
}

/* HOST:A-B: one target per port (client_ports.c spreads over them as over
 * any targets). Targets added, 0 for no range, -1 with e set. */
static int resolve_port_range(struct client_config *c, const char *spec, char *e, size_t ecap)
{
	size_t hl;
	uint16_t lo, hi;
	int r = client_target_ports(spec, &hl, &lo, &hi);
	if (r <= 0) {
		if (r < 0)
			snprintf(e, ecap, "'%s': a port range A-B needs 1 <= A <= B <= 65535", spec);
		return r;
	}
	int added = 0;
	for (unsigned p = lo; p <= hi; p++) {
		char one[300];
		snprintf(one, sizeof(one), "%.*s:%u", (int)hl, spec, p);
		int n = resolve_target(one, c->family, c->targets + c->ntargets + added,
				       MAX_TARGETS - c->ntargets - (unsigned)added, e, ecap);
		if (n < 0)
			return -1;
		added += n;
	}
	return added;
}

int cli_any_resolve(struct client_config *c, FILE *errf)
{
	for (unsigned i = 0; i < c->ntarget_specs; i++) {
		const char *spec = c->target_specs[i];
		if (url_looks_like(spec)) {
			if (url_target(c, spec, errf) < 0)
				return -1;
			continue;
		}
		char e[300];
		int n = resolve_port_range(c, spec, e, sizeof(e));
		if (n == 0)
			n = resolve_target(spec, c->family, c->targets + c->ntargets, MAX_TARGETS - c->ntargets, e,
					   sizeof(e));
		if (n < 0) {
			if (strstr(e, spec))
				fprintf(errf, "tcpswarm client: target %s\n", e);
			else
				fprintf(errf, "tcpswarm client: target '%s': %s (accepted: NAME:PORT, IPv4:PORT, [IPv6]:PORT or "
					      "http://HOST[:PORT]/PATH)\n", spec, e);
			return -1;
		}
		c->ntargets += (unsigned)n;
	}
	if (!c->path)
		c->path = "/";
	return 0;
}

/* One option that only a protocol takes, given with another: its name. */
static const char *misplaced(const struct client_config *c)
{
	if (c->proto != PROTO_RAW) {
		if (c->raw_msg_len)
			return c->raw_msg_file ? "--message-file" : "--message";
		if (c->has_raw_first)
			return "--first-message";
		if (c->reply_delim_text || c->reply_bytes || c->reply_none)
			return c->reply_none ? "--reply" : c->reply_delim_text ? "--reply-delim" : "--reply-bytes";
	}
	if (c->proto != PROTO_HTTP) {
		if (c->has_body)
			return "--body";
		if (c->method != PROTO_HTTP_GET)
			return "--method";
	}
	return NULL;
}

static int check_raw(const struct client_config *c, FILE *errf)
{
	if (c->proto != PROTO_RAW)
		return 0;
	if (c->raw_msg_text && c->raw_msg_file) {
		fprintf(errf, "tcpswarm client: -m and -f exclude each other: give the message once\n");
		return -1;
	}
	if (!c->raw_msg_len) {
		fprintf(errf, "tcpswarm client: option --proto raw: needs the bytes to send: -m TEXT or -f FILE\n");
		return -1;
	}
	if (!!c->reply_delim_text + !!c->reply_bytes + c->reply_none != 1) {
		fprintf(errf, "tcpswarm client: option --proto raw: give exactly one of --reply-delim STR, --reply-bytes N "
			      "or --reply none\n");
		return -1;
	}
	return 0;
}

int cli_any_check(const struct client_config *c, FILE *errf)
{
	const char *opt = misplaced(c);
	if (opt) {
		fprintf(errf, "tcpswarm client: option %s: not for --proto %s\n", opt,
			c->proto == PROTO_ECHO ? "echo" : c->proto == PROTO_DNS ? "dns" : c->proto == PROTO_HTTP ? "http" : "raw");
		return -1;
	}
	if (check_raw(c, errf) < 0)
		return -1;
	if (c->inflight > 1 && (c->proto == PROTO_HTTP || c->proto == PROTO_DNS)) {
		fprintf(errf, "tcpswarm client: option --inflight: http and dns send one request at a time per connection "
			      "(no pipelining); raise -c instead\n");
		return -1;
	}
	if (c->inflight > 1 && c->proto == PROTO_ECHO && !c->closed_loop) {
		fprintf(errf, "tcpswarm client: option --inflight: echo with a rate sends as the schedule comes due; "
			      "--inflight applies with -r max\n");
		return -1;
	}
	if (c->closed_loop && c->has_think) {
		fprintf(errf, "tcpswarm client: --think and -r max exclude each other: -r max asks again at once\n");
		return -1;
	}
	return 0;
}
