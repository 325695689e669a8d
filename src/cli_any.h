/* cli_any.c: the client options for any server (issue 9). Not a public
 * header. Setters have cli.c's setter signature; 0, or -1 with a message in
 * err (without the option name). */
#ifndef TCPSWARM_CLI_ANY_H
#define TCPSWARM_CLI_ANY_H

#include <stddef.h>
#include <stdio.h>

#include "tcpswarm/config.h"

int cli_any_message(void *cfg, const char *v, char *err, size_t cap);
int cli_any_message_file(void *cfg, const char *v, char *err, size_t cap);
int cli_any_first_message(void *cfg, const char *v, char *err, size_t cap);
int cli_any_reply_delim(void *cfg, const char *v, char *err, size_t cap);
int cli_any_reply_bytes(void *cfg, const char *v, char *err, size_t cap);
int cli_any_reply(void *cfg, const char *v, char *err, size_t cap);
int cli_any_inflight(void *cfg, const char *v, char *err, size_t cap);
int cli_any_rate(void *cfg, const char *v, char *err, size_t cap);
int cli_any_ipv4(void *cfg, const char *v, char *err, size_t cap);
int cli_any_ipv6(void *cfg, const char *v, char *err, size_t cap);
int cli_any_method(void *cfg, const char *v, char *err, size_t cap);
int cli_any_body(void *cfg, const char *v, char *err, size_t cap);
int cli_any_length(void *cfg, const char *v, char *err, size_t cap);
/* A positional target, kept as given: resolved by cli_any_resolve once -4/-6
 * are known. */
int cli_any_target(void *cfg, const char *arg, char *err, size_t cap);

/* Resolves every target (names with getaddrinfo, in cfg->family; a URL
 * target gives --proto http, the path and the Host header). 0, or -1 with
 * the message printed. */
int cli_any_resolve(struct client_config *cfg, FILE *err);
/* The checks across these options. 0, or -1 with the message printed. */
int cli_any_check(const struct client_config *cfg, FILE *err);

#endif
