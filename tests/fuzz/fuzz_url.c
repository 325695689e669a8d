/* libFuzzer target for url: any text either parses into fields that hold
 * their invariants (NUL-terminated, target starting with '/', Host header
 * made of the name and the port) and re-parse from their parts to the same
 * result, or is refused with a message. Any broken invariant aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/url.h"

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static char text[8192], again[8192];
static struct url u, v;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	char err[256] = "";
	if (url_parse(text, &u, err, sizeof(err)) < 0) {
		CHECK(err[0] != 0);
		return 0;
	}
	CHECK(url_looks_like(text));
	CHECK(u.port >= 1 && u.name[0] && u.target[0] == '/');
	CHECK(strlen(u.name) <= URL_MAX_NAME && strlen(u.target) <= URL_MAX_TARGET);
	CHECK(!strchr(u.target, '#') && !strchr(u.target, ' '));
	/* rebuilt with an explicit port, it parses to the same fields */
	snprintf(again, sizeof(again), "%s://%s%s%s:%u%s", u.tls ? "https" : "http", u.ipv6 ? "[" : "",
		 u.name, u.ipv6 ? "]" : "", (unsigned)u.port, u.target);
	CHECK(url_parse(again, &v, err, sizeof(err)) == 0);
	CHECK(strcmp(u.name, v.name) == 0 && strcmp(u.host, v.host) == 0 &&
	      strcmp(u.target, v.target) == 0 && u.port == v.port && u.tls == v.tls && u.ipv6 == v.ipv6);
	return 0;
}
