/* cli.c's value parsers (cli_values.c). Not a public header. */
#ifndef TCPSWARM_CLI_VALUES_H
#define TCPSWARM_CLI_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpswarm/config.h"

int cli_value_string(const char *v, const char **out, char *err, size_t cap);
int cli_value_flag(const char *v, bool *out, char *err, size_t cap);
int cli_value_port(const char *v, uint64_t *out, char *err, size_t cap);
/* "P" or "A-B" (A <= B, at most max_ports ports): lo and hi. */
int cli_value_port_range(const char *v, uint16_t *lo, uint16_t *hi, unsigned max_ports, char *err, size_t cap);
int cli_value_workers(const char *v, unsigned *out, char *err, size_t cap);
int cli_value_processes(const char *v, unsigned *out, char *err, size_t cap);
int cli_value_qtype(const char *v, int *out, char *err, size_t cap);
int cli_value_arrivals(const char *v, enum arrivals *out, char *err, size_t cap);
int cli_value_mode(const char *v, enum server_mode *out, char *err, size_t cap);
int cli_value_proto(const char *v, enum client_proto *out, char *err, size_t cap);
int cli_value_role(const char *v, int *out, char *err, size_t cap);
/* --connect-lanes: cpus (CONNECT_LANES_CPUS) or a count up to 1000000 */
int cli_value_lanes(const char *v, uint64_t *out, char *err, size_t cap);
/* --accept-batch: auto (ACCEPT_BATCH_AUTO) or a time in microseconds */
int cli_value_accept_batch(const char *v, uint64_t *out, char *err, size_t cap);
/* Setters of cli.c's option tables that live here (cli.c is long). */
int cli_set_hdr_log(void *cfg, const char *v, char *err, size_t cap);
/* server -p PORT or -p A-B: port and port_count */
int cli_set_server_ports(void *cfg, const char *v, char *err, size_t cap);

#endif
