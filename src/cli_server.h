/* The server's checks across options, after parsing (cli_server.c). Not a
 * public header. */
#ifndef TCPSWARM_CLI_SERVER_H
#define TCPSWARM_CLI_SERVER_H

#include <stdio.h>

#include "tcpswarm/config.h"

/* 0, or -1 with one message naming the options on err. */
int cli_server_check(const struct server_config *cfg, FILE *err);

#endif
