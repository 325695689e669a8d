/* Target names resolved with getaddrinfo: every address, deduplicated. */
#include "tcpswarm/resolve.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpswarm/url.h"

#define ACCEPT_TARGET "accepted: NAME:PORT, IPv4:PORT or [IPv6]:PORT, e.g. localhost:7000, [::1]:7000"
#define RESOLVE_MAX_NAME 253

static int fail(char *err, size_t errcap, const char *fmt, ...)
{
	if (err && errcap) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errcap, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static int same_addr(const struct sockaddr_any *a, const struct sockaddr_any *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return 0;
	if (a->sa.sa_family == AF_INET)
		return a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
	return memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(a->in6.sin6_addr)) == 0 &&
	       a->in6.sin6_scope_id == b->in6.sin6_scope_id;
}

/* Appends ai's address unless already there; returns the new count. */
static size_t add_unique(struct sockaddr_any *out, size_t n, size_t cap, const struct addrinfo *ai,
			 uint16_t port)
{
	struct sockaddr_any a;
	memset(&a, 0, sizeof(a));
	if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(a.in4)) {
		memcpy(&a.in4, ai->ai_addr, sizeof(a.in4));
		a.in4.sin_port = htons(port);
		a.len = sizeof(a.in4);
	} else if (ai->ai_family == AF_INET6 && ai->ai_addrlen >= sizeof(a.in6)) {
		memcpy(&a.in6, ai->ai_addr, sizeof(a.in6));
		a.in6.sin6_port = htons(port);
		a.len = sizeof(a.in6);
	} else {
		return n;
	}
	for (size_t i = 0; i < n; i++)
		if (same_addr(&out[i], &a))
			return n;
	if (n < cap)
		out[n++] = a;
	return n;
}

int resolve_host(const char *host, uint16_t port, int family, struct sockaddr_any *out, size_t cap, char *err,
		 size_t errcap)
{
	if (!host || !*host)
		return fail(err, errcap, "empty host; " ACCEPT_TARGET);
	if (!out || cap == 0 || (family != AF_UNSPEC && family != AF_INET && family != AF_INET6))
		return fail(err, errcap, "internal: bad arguments");
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	/* Any family, filtered below so a missing family can be named. No
	 * socktype: each address comes once per socktype (and /etc/hosts may
	 * list one twice), which the deduplication folds. */
	hints.ai_family = AF_UNSPEC;
	int rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0)
		return fail(err, errcap, "cannot resolve '%s': %s", host, gai_strerror(rc));
	size_t n = 0;
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
		if (family == AF_UNSPEC || ai->ai_family == family)
			n = add_unique(out, n, cap, ai, port);
	freeaddrinfo(res);
	if (n == 0)
		return family == AF_UNSPEC ? fail(err, errcap, "'%s' has no IPv4 or IPv6 address", host)
					   : fail(err, errcap, "'%s' has no %s address (%s given)", host,
						  family_name(family), family == AF_INET ? "-4" : "-6");
	return (int)n;
}

static int is_ipv6(const char *h, size_t n)
{
	char v6[INET6_ADDRSTRLEN + 1];
	struct in6_addr tmp;
	if (n == 0 || n >= sizeof(v6))
		return 0;
	memcpy(v6, h, n);
	v6[n] = 0;
	return inet_pton(AF_INET6, v6, &tmp) == 1;
}

/* Splits s into host (brackets removed) and the text after the port colon. */
static int split_target(const char *s, char *host, const char **port_text, char *err, size_t errcap)
{
	const char *h = s, *colon;
	size_t hl;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb)
			return fail(err, errcap, "'%s': missing ']'; " ACCEPT_TARGET, s);
		if (rb[1] != ':')
			return fail(err, errcap, "'%s': %s; " ACCEPT_TARGET, s,
				    rb[1] ? "expected ':' after ']'" : "missing port");
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
		if (!is_ipv6(h, hl))
			return fail(err, errcap, "'%s': not an IPv6 address inside brackets; " ACCEPT_TARGET, s);
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return fail(err, errcap, "'%s': missing port; " ACCEPT_TARGET, s);
		if (memchr(s, ':', (size_t)(colon - s)))
			return fail(err, errcap,
				    "'%s' looks like an IPv6 address without brackets; write [ADDR]:PORT, e.g. "
				    "[::1]:7000", s);
		hl = (size_t)(colon - s);
		if (hl == 0)
			return fail(err, errcap, "'%s': missing host; " ACCEPT_TARGET, s);
	}
	if (hl > RESOLVE_MAX_NAME)
		return fail(err, errcap, "'%.40s...': host longer than %d characters", s, RESOLVE_MAX_NAME);
	memcpy(host, h, hl);
	host[hl] = 0;
	*port_text = colon + 1;
	return 0;
}

int resolve_target(const char *s, int family, struct sockaddr_any *out, size_t cap, char *err, size_t errcap)
{
	if (!s || !*s)
		return fail(err, errcap, "empty target; " ACCEPT_TARGET);
	if (url_looks_like(s))
		return fail(err, errcap, "'%s' is a URL: use --proto http with a URL target, or give HOST:PORT", s);
	char host[RESOLVE_MAX_NAME + 1];
	const char *pt = "";
	uint16_t port;
	if (split_target(s, host, &pt, err, errcap) < 0)
		return -1;
	if (addr_parse_port(pt, &port) < 0)
		return fail(err, errcap, "'%s': %s; " ACCEPT_TARGET, s,
			    *pt ? "port must be a number from 1 to 65535" : "missing port");
	return resolve_host(host, port, family, out, cap, err, errcap);
}
