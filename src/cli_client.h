/* The client's checks across options, after parsing (cli_client.c). Not a
 * public header. */
#ifndef TCPSWARM_CLI_CLIENT_H
#define TCPSWARM_CLI_CLIENT_H

#include <stdio.h>

#include "tcpswarm/config.h"

/* The checks across options, the ones each value needs beyond its form, and
 * the request a run would send, built once: 0, or -1 with one message on err. */
int cli_client_check(const struct client_config *cfg, FILE *err);

#endif
