/* Command-line parsing from option tables; the same tables print --help.
 * Exit statuses (run.h): EXIT_USAGE for usage errors (cli_parse_* returns
 * -1 and has printed the message), EXIT_GATE for a missed --expect-* gate. */
#ifndef TCPSWARM_CLI_H
#define TCPSWARM_CLI_H

#include <stdio.h>

#include "tcpswarm/config.h"
#include "tcpswarm/run.h" /* exit statuses */

/* 0 = run, 1 = help was printed (exit 0), -1 = usage error printed to err. */
int cli_parse_client(int argc, char **argv, struct client_config *cfg, FILE *err);
int cli_parse_server(int argc, char **argv, struct server_config *cfg, FILE *err);
/* probe's flags and targets; --source is parsed into cfg->sources (the
 * caller frees it with srcset_free, also after an error). */
struct probe_config;
int cli_parse_probe(int argc, char **argv, struct probe_config *cfg, FILE *err);
void cli_help_client(FILE *out);
void cli_help_server(FILE *out);
void cli_help_probe(FILE *out);

#endif
