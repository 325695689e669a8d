/* Entry points of the subcommands: each returns the process exit status
 * (0 ok, 1 a CI gate such as --expect-connections missed, 2 usage error
 * or plan refused). */
#ifndef TCPSWARM_RUN_H
#define TCPSWARM_RUN_H

#include "tcpswarm/config.h"

int client_run(struct client_config *cfg);
int server_run(const struct server_config *cfg);

#endif
