/* cli_schedule.c: the client's load-schedule options (issue 16). Not a
 * public header. Setters have cli.c's setter signature. */
#ifndef TCPSWARM_CLI_SCHEDULE_H
#define TCPSWARM_CLI_SCHEDULE_H

#include <stddef.h>
#include <stdio.h>

#include "tcpswarm/config.h"

int cli_sched_rate(void *cfg, const char *v, char *err, size_t cap);
int cli_sched_conns(void *cfg, const char *v, char *err, size_t cap);
int cli_sched_file(void *cfg, const char *v, char *err, size_t cap);
int cli_sched_format(void *cfg, const char *v, char *err, size_t cap);
/* After argv: reads and parses --schedule-file, checks the schedule against
 * -r, --think, sets -T from its length when -T was not given and -r to its
 * mean rate; --conn-schedule: checks it against -c (which defaults to its
 * peak) and --reconnect. 0, or -1 with the message printed. */
int cli_sched_finish(struct client_config *cfg, FILE *err);

#endif
