/* Target names: "NAME:PORT", "[v6]:PORT", "v4:PORT" resolved once at start
 * with getaddrinfo (the one function here that may do I/O: /etc/hosts, DNS).
 *
 * Every address is returned, deduplicated, in getaddrinfo order (the caller
 * round-robins over them). AI_ADDRCONFIG is off, so loopback-only hosts
 * still get ::1. family is AF_UNSPEC, AF_INET (-4) or AF_INET6 (-6).
 *
 * Returns the number of addresses written to out (1..cap; more are
 * dropped), or -1 with a message in err: "cannot resolve 'foo': Name or
 * service not known", "'NAME' has no IPv6 address", a bad port, a URL given
 * where HOST:PORT is expected ("use --proto http with a URL target"), an IPv6
 * address without brackets. The caller prefixes the option. */
#ifndef TCPSWARM_RESOLVE_H
#define TCPSWARM_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "tcpswarm/srcaddr.h"

int resolve_target(const char *s, int family, struct sockaddr_any *out, size_t cap, char *err, size_t errcap);

/* The same for a host already split from its port (e.g. url.name): a name,
 * an IPv4 or an IPv6 address without brackets. */
int resolve_host(const char *host, uint16_t port, int family, struct sockaddr_any *out, size_t cap, char *err,
		 size_t errcap);

#endif
