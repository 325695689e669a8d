/* Target and bind addresses: "HOST:PORT" parsing, formatting, loopback test
 * (see srcaddr.h). */
#include "tcpswarm/srcaddr.h"
#include "tcpswarm/url.h"
#include "addr_key.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ACCEPT_TARGET "IPv4:PORT, [IPv6]:PORT or localhost:PORT; e.g. 127.0.0.1:7000, [::1]:7000"
#define ACCEPT_IP     "a numeric IPv4 or IPv6 address, e.g. 127.0.0.1 or ::1"

int addr_parse_port(const char *p, uint16_t *port)
{
	size_t n = strlen(p);
	if (n == 0 || n > 5)
		return -1;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int addr_parse_target(const char *s, struct sockaddr_any *out, char *err, size_t errcap)
{
	if (!s || !*s) {
		addr_fail(err, errcap, "", 0, "empty target", ACCEPT_TARGET);
		return -1;
	}
	size_t len = strlen(s);
	if (url_looks_like(s)) {
		addr_fail(err, errcap, s, len, "a URL (tcpswarm client takes URL targets for --proto http); give HOST:PORT",
		     ACCEPT_TARGET);
		return -1;
	}
	const char *host, *colon;
	size_t hlen;
	int family;
	struct u128 k;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb) {
			addr_fail(err, errcap, s, len, "missing ']'", ACCEPT_TARGET);
			return -1;
		}
		host = s + 1;
		hlen = (size_t)(rb - host);
		if (rb[1] != ':') {
			addr_fail(err, errcap, s, len, rb[1] ? "expected ':' after ']'" : "missing port",
			     ACCEPT_TARGET);
			return -1;
		}
		colon = rb + 1;
		if (addr_parse_ip(host, hlen, &family, &k) < 0 || family != AF_INET6) {
			addr_fail(err, errcap, s, len, "not an IPv6 address inside brackets", ACCEPT_TARGET);
			return -1;
		}
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			addr_fail(err, errcap, s, len, "missing port", ACCEPT_TARGET);
			return -1;
		}
		if (memchr(s, ':', (size_t)(colon - s))) {
			addr_fail(err, errcap, s, len,
			     "looks like an IPv6 address without brackets; write [ADDR]:PORT, e.g. [::1]:7000",
			     ACCEPT_TARGET);
			return -1;
		}
		host = s;
		hlen = (size_t)(colon - s);
		if (hlen == 0) {
			addr_fail(err, errcap, s, len, "missing host", ACCEPT_TARGET);
			return -1;
		}
		if (hlen == 9 && strncasecmp(host, "localhost", 9) == 0) {
			family = AF_INET;
			k = (struct u128){ 0, 0x7f000001 };
		} else if (addr_parse_ip(host, hlen, &family, &k) < 0 || family != AF_INET) {
			int alpha = 0;
			for (size_t i = 0; i < hlen; i++)
				alpha |= (host[i] >= 'a' && host[i] <= 'z') ||
					 (host[i] >= 'A' && host[i] <= 'Z');
			addr_fail(err, errcap, s, len,
			     alpha ? "host names are not resolved (only localhost)"
				   : "not an IPv4 address",
			     ACCEPT_TARGET);
			return -1;
		}
	}
	uint16_t port;
	if (addr_parse_port(colon + 1, &port) < 0) {
		addr_fail(err, errcap, s, len, colon[1] ? "port must be a number from 1 to 65535" : "missing port",
		     ACCEPT_TARGET);
		return -1;
	}
	addr_from_key(out, family, k, port);
	return 0;
}

int addr_from_ip_port(const char *ip, uint16_t port, struct sockaddr_any *out, char *err,
		      size_t errcap)
{
	if (!ip || !*ip) {
		addr_fail(err, errcap, "", 0, "empty address", ACCEPT_IP);
		return -1;
	}
	size_t len = strlen(ip);
	const char *p = ip;
	size_t plen = len;
	if (len >= 2 && ip[0] == '[' && ip[len - 1] == ']') { /* tolerate "[::1]" */
		p++;
		plen -= 2;
	}
	int family;
	struct u128 k;
	if (addr_parse_ip(p, plen, &family, &k) < 0) {
		addr_fail(err, errcap, ip, len, "not an IPv4 or IPv6 address", ACCEPT_IP);
		return -1;
	}
	addr_from_key(out, family, k, port);
	return 0;
}

void addr_format(const struct sockaddr_any *a, char *out, size_t cap)
{
	if (!out || cap == 0)
		return;
	char ip[INET6_ADDRSTRLEN];
	if (a && a->sa.sa_family == AF_INET &&
	    inet_ntop(AF_INET, &a->in4.sin_addr, ip, sizeof(ip)))
		snprintf(out, cap, "%s:%u", ip, (unsigned)ntohs(a->in4.sin_port));
	else if (a && a->sa.sa_family == AF_INET6 &&
		 inet_ntop(AF_INET6, &a->in6.sin6_addr, ip, sizeof(ip)))
		snprintf(out, cap, "[%s]:%u", ip, (unsigned)ntohs(a->in6.sin6_port));
	else
		snprintf(out, cap, "?");
}

int addr_is_loopback(const struct sockaddr_any *a)
{
	if (!a)
		return 0;
	if (a->sa.sa_family == AF_INET)
		return (ntohl(a->in4.sin_addr.s_addr) >> 24) == 127;
	if (a->sa.sa_family == AF_INET6) {
		const struct in6_addr *x = &a->in6.sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(x) || (IN6_IS_ADDR_V4MAPPED(x) && x->s6_addr[12] == 127);
	}
	return 0;
}
