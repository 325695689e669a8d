/* Addresses as 128-bit integers in host order (IPv4 in the low 32 bits), so
 * ranges and prefixes iterate with one code path for both families; and the
 * one error message format of the address parsers (see addr_key.h). */
#include "addr_key.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int addr_u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

struct u128 addr_u128_sub(struct u128 a, struct u128 b)
{
	struct u128 r = { a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo };
	return r;
}

void addr_u128_inc(struct u128 *a)
{
	if (++a->lo == 0)
		a->hi++;
}

struct u128 addr_key_of(const struct sockaddr_any *a)
{
	struct u128 k = { 0, 0 };
	if (a->sa.sa_family == AF_INET) {
		k.lo = ntohl(a->in4.sin_addr.s_addr);
	} else if (a->sa.sa_family == AF_INET6) {
		const uint8_t *b = a->in6.sin6_addr.s6_addr;
		for (int i = 0; i < 8; i++) {
			k.hi = k.hi << 8 | b[i];
			k.lo = k.lo << 8 | b[8 + i];
		}
	}
	return k;
}

void addr_from_key(struct sockaddr_any *a, int family, struct u128 k, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->in4.sin_family = AF_INET;
		a->in4.sin_port = htons(port);
		a->in4.sin_addr.s_addr = htonl((uint32_t)k.lo);
		a->len = sizeof(a->in4);
	} else {
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_port = htons(port);
		uint8_t *b = a->in6.sin6_addr.s6_addr;
		for (int i = 7; i >= 0; i--) {
			b[i] = (uint8_t)k.hi;
			b[8 + i] = (uint8_t)k.lo;
			k.hi >>= 8;
			k.lo >>= 8;
		}
		a->len = sizeof(a->in6);
	}
}

/* Numeric IPv4 or IPv6 from s[0..len), no port, no brackets. */
int addr_parse_ip(const char *s, size_t len, int *family, struct u128 *k)
{
	char buf[INET6_ADDRSTRLEN + 1];
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	struct in_addr a4;
	struct in6_addr a6;
	struct sockaddr_any tmp;
	memset(&tmp, 0, sizeof(tmp));
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		tmp.in4.sin_family = AF_INET;
		tmp.in4.sin_addr = a4;
		*family = AF_INET;
	} else if (inet_pton(AF_INET6, buf, &a6) == 1) {
		tmp.in6.sin6_family = AF_INET6;
		tmp.in6.sin6_addr = a6;
		*family = AF_INET6;
	} else {
		return -1;
	}
	*k = addr_key_of(&tmp);
	return 0;
}

void addr_fail(char *err, size_t errcap, const char *s, size_t len, const char *what,
	      const char *accepted)
{
	if (!err || errcap == 0)
		return;
	int q = len > 64 ? 64 : (int)len;
	if (accepted)
		snprintf(err, errcap, "'%.*s%s': %s (accepted: %s)", q, s, len > 64 ? "..." : "",
			 what, accepted);
	else
		snprintf(err, errcap, "'%.*s%s': %s", q, s, len > 64 ? "..." : "", what);
}
