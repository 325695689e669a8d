/* URL targets: "http[s]://HOST[:PORT]/PATH?QUERY" (RFC 3986 syntax, the
 * subset a load generator needs). */
#include "tcpswarm/url.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ACCEPT_URL "accepted: http://HOST[:PORT]/PATH?QUERY or https://..., HOST a name, IPv4 or [IPv6]"

static int fail(char *err, size_t errcap, const char *fmt, ...)
{
	if (err && errcap) {
		char what[160];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		snprintf(err, errcap, "%s; %s", what, ACCEPT_URL);
	}
	return -1;
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 3.1); the
 * length of "scheme://" or 0. */
static size_t scheme_len(const char *s)
{
	if (!is_alpha(s[0]))
		return 0;
	size_t i = 1;
	while (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
		i++;
	return strncmp(s + i, "://", 3) == 0 ? i + 3 : 0;
}

int url_looks_like(const char *s)
{
	return s && scheme_len(s) > 0;
}

static int parse_port(const char *p, size_t n, uint16_t *port, char *err, size_t errcap)
{
	if (n == 0)
		return fail(err, errcap, "empty port after ':'");
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(p[i]) || v > 65535)
			return fail(err, errcap, "port '%.*s' is not a number from 1 to 65535", (int)n, p);
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v < 1 || v > 65535)
		return fail(err, errcap, "port '%.*s' is not a number from 1 to 65535", (int)n, p);
	*port = (uint16_t)v;
	return 0;
}

static int is_name_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_';
}

/* HOST from authority a[0, n) up to the port colon; sets *rest to the ':'
 * or the end. */
static int parse_host(const char *a, size_t n, struct url *u, size_t *rest, char *err, size_t errcap)
{
	if (n > 0 && a[0] == '[') {
		const char *rb = memchr(a, ']', n);
		if (!rb)
			return fail(err, errcap, "missing ']' after the IPv6 address");
		size_t hl = (size_t)(rb - a - 1);
		struct in6_addr tmp;
		if (hl == 0 || hl > URL_MAX_NAME)
			return fail(err, errcap, "empty or over-long IPv6 address in brackets");
		memcpy(u->name, a + 1, hl);
		u->name[hl] = 0;
		if (inet_pton(AF_INET6, u->name, &tmp) != 1)
			return fail(err, errcap, "'%s' is not an IPv6 address", u->name);
		*rest = hl + 2;
		if (*rest < n && a[*rest] != ':')
			return fail(err, errcap, "expected ':' or '/' after ']'");
		u->ipv6 = 1;
		return 0;
	}
	size_t hl = 0;
	while (hl < n && a[hl] != ':')
		hl++;
	if (hl < n && memchr(a + hl + 1, ':', n - hl - 1))
		return fail(err, errcap, "an IPv6 address needs brackets: http://[ADDR]:PORT/");
	if (hl == 0)
		return fail(err, errcap, "empty host");
	if (hl > URL_MAX_NAME)
		return fail(err, errcap, "host longer than %d characters", URL_MAX_NAME);
	for (size_t i = 0; i < hl; i++)
		if (!is_name_char(a[i]))
			return fail(err, errcap, "character '%c' not allowed in host '%.*s'", a[i], (int)hl, a);
	memcpy(u->name, a, hl);
	u->name[hl] = 0;
	*rest = hl;
	return 0;
}

/* Request-target: '/' then visible ASCII, no '#'. */
static int parse_target(const char *p, struct url *u, char *err, size_t errcap)
{
	size_t n = strlen(p), off = 0;
	if (n == 0 || p[0] == '?') /* no path: "/" (RFC 9112 3.2.1) */
		u->target[off++] = '/';
	if (n + off > URL_MAX_TARGET)
		return fail(err, errcap, "path and query longer than %d bytes", URL_MAX_TARGET);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '#')
			return fail(err, errcap, "a fragment ('#...') is never sent to a server; remove it");
		if (c <= 0x20 || c >= 0x7f)
			return fail(err, errcap, "byte 0x%02x at path position %zu: percent-encode it", c, i + 1);
	}
	memcpy(u->target + off, p, n);
	u->target[off + n] = 0;
	return 0;
}

static int parse_scheme(const char *s, struct url *u, size_t *len, char *err, size_t errcap)
{
	*len = scheme_len(s);
	if (*len == 0)
		return fail(err, errcap, "missing 'http://'");
	size_t n = *len - 3;
	if (n == 4 && strncasecmp(s, "http", 4) == 0) {
		u->port = 80;
	} else if (n == 5 && strncasecmp(s, "https", 5) == 0) {
		u->port = 443;
		u->tls = 1;
	} else {
		return fail(err, errcap, "scheme '%.*s' is not supported", (int)n, s);
	}
	return 0;
}

int url_parse(const char *s, struct url *u, char *err, size_t errcap)
{
	if (!s || !u)
		return fail(err, errcap, "empty URL");
	memset(u, 0, sizeof(*u));
	size_t sl;
	if (parse_scheme(s, u, &sl, err, errcap) < 0)
		return -1;
	const char *a = s + sl;
	size_t n = strcspn(a, "/?#"); /* authority */
	if (memchr(a, '@', n))
		return fail(err, errcap, "userinfo ('user@') is not supported");
	size_t rest = 0;
	if (parse_host(a, n, u, &rest, err, errcap) < 0)
		return -1;
	uint16_t deflt = u->port;
	if (rest < n && parse_port(a + rest + 1, n - rest - 1, &u->port, err, errcap) < 0)
		return -1;
	if (parse_target(a + n, u, err, errcap) < 0)
		return -1;
	int hl = u->ipv6 ? snprintf(u->host, sizeof(u->host), "[%s]", u->name)
			 : snprintf(u->host, sizeof(u->host), "%s", u->name);
	if (u->port != deflt)
		snprintf(u->host + hl, sizeof(u->host) - (size_t)hl, ":%u", (unsigned)u->port);
	return 0;
}
