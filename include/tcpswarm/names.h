/* The words for config.h's enums, in one table each: what --mode, --proto
 * and --arrivals accept, and what the reports print. Adding a mode or a
 * protocol is its enum entry plus one entry here. Pure. */
#ifndef TCPSWARM_NAMES_H
#define TCPSWARM_NAMES_H

#include "tcpswarm/config.h"

/* Indexed by the enum and NULL-terminated (a K_CHOICE option's list). */
extern const char *const server_mode_names[];
extern const char *const client_proto_names[];
extern const char *const arrivals_names[];

/* The name, or "?" for a value outside the enum. */
const char *server_mode_name(enum server_mode m);
const char *client_proto_name(enum client_proto p);
const char *arrivals_name(enum arrivals a);

#endif
