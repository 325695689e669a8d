#include "tcpswarm/names.h"

#include <stddef.h>

const char *const server_mode_names[] = {
	[MODE_ECHO] = "echo", [MODE_SINK] = "sink", [MODE_HTTP] = "http", [MODE_DNS] = "dns", NULL,
};
const char *const client_proto_names[] = {
	[PROTO_ECHO] = "echo", [PROTO_DNS] = "dns", [PROTO_HTTP] = "http", [PROTO_RAW] = "raw", NULL,
};
const char *const arrivals_names[] = {
	[ARRIVALS_UNIFORM] = "uniform", [ARRIVALS_POISSON] = "poisson", NULL,
};

/* entries before the NULL at the end */
#define NAMED(table) (sizeof(table) / sizeof(table[0]) - 1)

static const char *name_in(const char *const *table, size_t n, int v)
{
	return v >= 0 && (size_t)v < n && table[v] ? table[v] : "?";
}

const char *server_mode_name(enum server_mode m)
{
	return name_in(server_mode_names, NAMED(server_mode_names), (int)m);
}

const char *client_proto_name(enum client_proto p)
{
	return name_in(client_proto_names, NAMED(client_proto_names), (int)p);
}

const char *arrivals_name(enum arrivals a) { return name_in(arrivals_names, NAMED(arrivals_names), (int)a); }
