/* URL targets for --proto http: "http://HOST[:PORT]/PATH?QUERY".
 * Pure: no resolving, no allocation (fixed-size fields, limits below).
 *
 * Accepted:
 *   scheme  "http" (port 80) or "https" (port 443, tls = 1: parsed now, TLS
 *           comes later), case-insensitive
 *   HOST    a name (letters, digits, '-', '.', '_'), an IPv4 address, or an
 *           IPv6 address in brackets ("[::1]"; zone ids are not accepted)
 *   PORT    1..65535, digits only; "host:" with an empty port is refused
 *   PATH    "/" when absent; PATH and QUERY are visible ASCII, sent as given
 *           (percent-encode anything else yourself)
 * Refused, each with its own message: another scheme or none, userinfo
 * ("user@host"), an empty host, a bad port, a fragment ("#..."): a fragment is
 * never sent to a server, so it is refused rather than silently dropped.
 *
 * url_parse returns 0, or -1 with a message in err (what was wrong and the
 * accepted form; the caller prefixes the option). */
#ifndef TCPSWARM_URL_H
#define TCPSWARM_URL_H

#include <stddef.h>
#include <stdint.h>

#define URL_MAX_NAME 253   /* a DNS name, or an address */
#define URL_MAX_TARGET 4096 /* request-target, NUL excluded */

struct url {
	char name[URL_MAX_NAME + 1];       /* to resolve: name, IPv4, or IPv6 without brackets */
	char host[URL_MAX_NAME + 3 + 6 + 1]; /* Host header: name or [v6], ":port" if not the default */
	char target[URL_MAX_TARGET + 1];   /* request-target: "/PATH?QUERY" */
	uint16_t port;
	uint8_t tls;                       /* https */
	uint8_t ipv6;                      /* the host was a bracketed IPv6 address */
};

int url_parse(const char *s, struct url *u, char *err, size_t errcap);

/* 1 when s starts with a scheme and "://" (so a HOST:PORT parser can point
 * the user to URL targets instead of guessing), else 0. */
int url_looks_like(const char *s);

#endif
