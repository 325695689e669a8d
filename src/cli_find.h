/* cli_find.c: the client's --find options (issue 16). Not a public
 * header. Setters have cli.c's setter signature. */
#ifndef TCPSWARM_CLI_FIND_H
#define TCPSWARM_CLI_FIND_H

#include <stddef.h>
#include <stdio.h>

#include "tcpswarm/config.h"

int cli_find_kind(void *cfg, const char *v, char *err, size_t cap);
int cli_find_slo(void *cfg, const char *v, char *err, size_t cap);
int cli_find_step(void *cfg, const char *v, char *err, size_t cap);
/* After argv: --slo and --step need --find, --find max-rate needs --slo
 * with a latency (max-conns: --slo is optional, its errors default to 0),
 * and the options a search cannot go with. 0, or -1 with the message
 * printed. */
int cli_find_finish(struct client_config *cfg, FILE *err);

#endif
