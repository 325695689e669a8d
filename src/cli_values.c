/* The command line's value parsers, one per field type: each writes
 * through a pointer of its field's own type (cli.c's setters). 0, or -1
 * with a message in err (without the option name). */
#include "cli_values.h"

#include <stdio.h>
#include <string.h>

#include "tcpswarm/names.h"
#include "tcpswarm/proto_dns.h"
#include "tcpswarm/units.h"

int cli_value_string(const char *v, const char **out, char *err, size_t cap)
{
	if (!*v) {
		snprintf(err, cap, "empty value");
		return -1;
	}
	*out = v;
	return 0;
}

int cli_value_flag(const char *v, bool *out, char *err, size_t cap)
{
	(void)v, (void)err, (void)cap;
	*out = true;
	return 0;
}

static int parse_bounded(const char *v, uint64_t lo, uint64_t hi, uint64_t *u, const char *what, char *err,
			 size_t cap)
{
	if (units_parse_count(v, u, err, cap) < 0 || *u < lo || *u > hi) {
		snprintf(err, cap, "'%s': expected %s", v, what);
		return -1;
	}
	return 0;
}

int cli_value_port(const char *v, uint64_t *out, char *err, size_t cap)
{
	return parse_bounded(v, 1, 65535, out, "a port number from 1 to 65535", err, cap);
}

int cli_value_port_range(const char *v, uint16_t *lo, uint16_t *hi, unsigned max_ports, char *err, size_t cap)
{
	const char *dash = strchr(v, '-');
	char first[16];
	uint64_t a, b;
	const char *what = "a port number from 1 to 65535, or a range A-B (e.g. 7000-7003)";
	if (!dash) {
		if (parse_bounded(v, 1, 65535, &a, what, err, cap) < 0)
			return -1;
		*lo = *hi = (uint16_t)a;
		return 0;
	}
	size_t n = (size_t)(dash - v);
	if (n == 0 || n >= sizeof(first)) {
		snprintf(err, cap, "'%s': expected %s", v, what);
		return -1;
	}
	memcpy(first, v, n);
	first[n] = 0;
	if (parse_bounded(first, 1, 65535, &a, what, err, cap) < 0 || parse_bounded(dash + 1, 1, 65535, &b, what, err, cap) < 0)
		return -1;
	if (b < a || b - a + 1 > max_ports) {
		snprintf(err, cap, "'%s': expected a range A-B with A <= B, at most %u ports", v, max_ports);
		return -1;
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int cli_set_server_ports(void *cfgp, const char *v, char *err, size_t cap)
{
	struct server_config *c = cfgp;
	uint16_t lo, hi;
	if (cli_value_port_range(v, &lo, &hi, SERVER_MAX_PORTS, err, cap) < 0)
		return -1;
	c->port = lo;
	c->port_count = (uint64_t)(hi - lo) + 1;
	return 0;
}

int cli_value_workers(const char *v, unsigned *out, char *err, size_t cap)
{
	uint64_t u;
	if (parse_bounded(v, 1, 1024, &u, "a number of workers from 1 to 1024", err, cap) < 0)
		return -1;
	*out = (unsigned)u;
	return 0;
}

int cli_value_processes(const char *v, unsigned *out, char *err, size_t cap)
{
	uint64_t u = 0;
	if (strcmp(v, "auto") && parse_bounded(v, 1, 1024, &u, "auto or a number of processes from 1 to 1024", err, cap) < 0)
		return -1;
	*out = (unsigned)u; /* auto: 0 */
	return 0;
}

int cli_value_qtype(const char *v, int *out, char *err, size_t cap)
{
	/* a number goes through units.c like every other (type 0 is reserved) */
	int t = v[0] >= '0' && v[0] <= '9' ? -1 : proto_dns_qtype_from_str(v);
	uint64_t u;
	if (t < 0 && parse_bounded(v, 1, 65535, &u, "A, AAAA, MX, TXT, NS, CNAME, SOA, PTR, ANY or a type number 1-65535",
				   err, cap) < 0)
		return -1;
	*out = t < 0 ? (int)u : t;
	return 0;
}

/* Index of v in the NULL-terminated names, or -1 with the accepted names. */
static int choose(const char *v, const char *const *names, char *err, size_t cap)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(v, names[i]))
			return i;
	int n = snprintf(err, cap, "'%s': expected one of", v);
	for (int i = 0; names[i] && n > 0 && (size_t)n < cap; i++)
		n += snprintf(err + n, cap - (size_t)n, "%s %s", i ? "," : "", names[i]);
	return -1;
}

static const char *const role_names[] = {"client", "server", "both", NULL};

#define CHOICE_PARSER(fn, type, names)                                           \
	int fn(const char *v, type *out, char *err, size_t cap)                  \
	{                                                                        \
		int i = choose(v, names, err, cap);                              \
		if (i >= 0)                                                      \
			*out = (type)i;                                          \
		return i < 0 ? -1 : 0;                                           \
	}
CHOICE_PARSER(cli_value_arrivals, enum arrivals, arrivals_names)
CHOICE_PARSER(cli_value_mode, enum server_mode, server_mode_names)
CHOICE_PARSER(cli_value_proto, enum client_proto, client_proto_names)
CHOICE_PARSER(cli_value_role, int, role_names)


int cli_set_hdr_log(void *cfg, const char *v, char *err, size_t cap)
{
	return cli_value_string(v, &((struct client_config *)cfg)->com.hdr_log_path, err, cap);
}

int cli_value_lanes(const char *v, uint64_t *out, char *err, size_t cap)
{
	if (!strcmp(v, "cpus")) {
		*out = CONNECT_LANES_CPUS;
		return 0;
	}
	char e[160];
	if (units_parse_count(v, out, e, sizeof(e)) < 0 || *out > 1000000) {
		snprintf(err, cap, "'%s': expected cpus (one per CPU) or a count of workers up to 1000000, 0 for all at once", v);
		return -1;
	}
	return 0;
}

int cli_value_accept_batch(const char *v, uint64_t *out, char *err, size_t cap)
{
	if (!strcmp(v, "auto")) {
		*out = ACCEPT_BATCH_AUTO;
		return 0;
	}
	char e[200];
	if (units_parse_duration(v, out, e, sizeof(e)) < 0) {
		snprintf(err, cap, "%s; or auto", e);
		return -1;
	}
	return 0;
}
