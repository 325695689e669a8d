/* Source and target addresses: parsing, sharding, port budget (see srcaddr.h).
 *
 * Addresses are handled as 128-bit integers in host order (IPv4 in the low
 * 32 bits) so ranges and prefixes iterate with one code path for both
 * families. */
#define _GNU_SOURCE
#include "tcpswarm/srcaddr.h"
#include "tcpswarm/url.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ACCEPT_SET                                                                               \
	"an IP (127.0.0.2, ::1), a range (127.0.0.2-127.0.0.20), a CIDR (127.0.1.0/24), "        \
	"or a comma list of those, all of one family"
#define ACCEPT_TARGET "IPv4:PORT, [IPv6]:PORT or localhost:PORT; e.g. 127.0.0.1:7000, [::1]:7000"
#define ACCEPT_IP     "a numeric IPv4 or IPv6 address, e.g. 127.0.0.1 or ::1"

struct u128 {
	uint64_t hi, lo;
};

static int u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static struct u128 u128_sub(struct u128 a, struct u128 b)
{
	struct u128 r = { a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo };
	return r;
}

static void u128_inc(struct u128 *a)
{
	if (++a->lo == 0)
		a->hi++;
}

static struct u128 key_of(const struct sockaddr_any *a)
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

static void addr_from_key(struct sockaddr_any *a, int family, struct u128 k, uint16_t port)
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
static int parse_ip(const char *s, size_t len, int *family, struct u128 *k)
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
	*k = key_of(&tmp);
	return 0;
}

static void fail(char *err, size_t errcap, const char *s, size_t len, const char *what,
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

/* ---- set building: append with dedup, roll back on error ---------------- */

/* Open-addressing hash of indexes into set->addrs (index + 1; 0 = empty),
 * rebuilt per call so struct srcset stays a plain array. Expected O(1) per
 * address, so 65536-address sets build in linear time. */
struct builder {
	struct srcset *set;
	size_t n0;   /* set->n on entry, restored on error */
	int family;  /* AF_INET, AF_INET6, or 0 while unknown */
	uint32_t *tab;
	size_t tabcap; /* power of two */
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static size_t slot_of(struct u128 k, size_t cap)
{
	return (size_t)(mix64(k.hi ^ mix64(k.lo)) & (cap - 1));
}

static int b_rehash(struct builder *b, size_t cap)
{
	uint32_t *t = calloc(cap, sizeof(*t));
	if (!t)
		return -1;
	free(b->tab);
	b->tab = t;
	b->tabcap = cap;
	for (size_t i = 0; i < b->set->n; i++) {
		size_t j = slot_of(key_of(&b->set->addrs[i]), cap);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = (uint32_t)(i + 1);
	}
	return 0;
}

static int b_init(struct builder *b, struct srcset *set)
{
	memset(b, 0, sizeof(*b));
	b->set = set;
	b->n0 = set->n;
	if (set->n)
		b->family = set->addrs[0].sa.sa_family;
	size_t cap = 64;
	while (cap < set->n * 2)
		cap *= 2;
	return b_rehash(b, cap);
}

enum { B_OK = 0, B_NOMEM = -1, B_FULL = -2 };

/* Appends k unless already present. The caller has checked the family. */
static int b_add(struct builder *b, struct u128 k)
{
	struct srcset *set = b->set;
	size_t j = slot_of(k, b->tabcap);
	for (; b->tab[j]; j = (j + 1) & (b->tabcap - 1))
		if (u128_cmp(key_of(&set->addrs[b->tab[j] - 1]), k) == 0)
			return B_OK; /* duplicate: the first occurrence stays */
	if (set->n >= SRCSET_MAX)
		return B_FULL;
	if (set->n == set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 16;
		struct sockaddr_any *na = realloc(set->addrs, nc * sizeof(*na));
		if (!na)
			return B_NOMEM;
		set->addrs = na;
		set->cap = nc;
	}
	addr_from_key(&set->addrs[set->n], b->family, k, 0);
	b->tab[j] = (uint32_t)(set->n + 1);
	set->n++;
	if (set->n * 2 > b->tabcap && b_rehash(b, b->tabcap * 2) < 0)
		return B_NOMEM;
	return B_OK;
}

static void b_finish(struct builder *b, int ok)
{
	if (!ok)
		b->set->n = b->n0;
	free(b->tab);
	b->tab = NULL;
}

static int b_family(struct builder *b, int family, const char *tok, size_t len, char *err,
		    size_t errcap)
{
	if (b->family == 0) {
		b->family = family;
		return 0;
	}
	if (b->family != family) {
		fail(err, errcap, tok, len,
		     b->family == AF_INET ? "is IPv6, but the set already holds IPv4 addresses"
					  : "is IPv4, but the set already holds IPv6 addresses",
		     "one family per set");
		return -1;
	}
	return 0;
}

static int b_add_report(struct builder *b, struct u128 k, const char *tok, size_t len, char *err,
			size_t errcap)
{
	int r = b_add(b, k);
	if (r == B_FULL) {
		char what[64];
		snprintf(what, sizeof(what), "more than %d source addresses", SRCSET_MAX);
		fail(err, errcap, tok, len, what, "at most 65536 addresses in all");
	} else if (r == B_NOMEM) {
		fail(err, errcap, tok, len, "out of memory", NULL);
	}
	return r;
}

static void too_many(char *err, size_t errcap, const char *tok, size_t len, struct u128 count_m1)
{
	char what[96];
	if (count_m1.hi == 0 && count_m1.lo != UINT64_MAX)
		snprintf(what, sizeof(what), "has %llu addresses, more than %d",
			 (unsigned long long)count_m1.lo + 1, SRCSET_MAX);
	else
		snprintf(what, sizeof(what), "has more than 2^64 addresses, more than %d",
			 SRCSET_MAX);
	fail(err, errcap, tok, len, what, "at most 65536 addresses; use a smaller range or a longer prefix");
}

static int parse_cidr(struct builder *b, const char *tok, size_t len, const char *slash,
		      char *err, size_t errcap)
{
	int family;
	struct u128 k;
	size_t iplen = (size_t)(slash - tok);
	if (parse_ip(tok, iplen, &family, &k) < 0) {
		fail(err, errcap, tok, iplen, "not an IPv4 or IPv6 address", ACCEPT_SET);
		return -1;
	}
	const char *p = slash + 1;
	size_t plen = len - iplen - 1;
	unsigned bits = family == AF_INET ? 32 : 128;
	unsigned prefix = 0;
	if (plen == 0 || plen > 3) {
		fail(err, errcap, tok, len, "bad prefix length", family == AF_INET ? "/0 to /32" : "/0 to /128");
		return -1;
	}
	for (size_t i = 0; i < plen; i++) {
		if (p[i] < '0' || p[i] > '9') {
			fail(err, errcap, tok, len, "bad prefix length",
			     family == AF_INET ? "/0 to /32" : "/0 to /128");
			return -1;
		}
		prefix = prefix * 10 + (unsigned)(p[i] - '0');
	}
	if (prefix > bits) {
		fail(err, errcap, tok, len, "prefix length too long",
		     family == AF_INET ? "/0 to /32" : "/0 to /128");
		return -1;
	}
	if (b_family(b, family, tok, len, err, errcap) < 0)
		return -1;
	unsigned host = bits - prefix;
	if (host >= 63 || (1ULL << host) > SRCSET_MAX) {
		struct u128 m1 = { 0, 0 };
		if (host >= 128)
			m1.hi = m1.lo = UINT64_MAX;
		else if (host >= 64)
			m1 = (struct u128){ (1ULL << (host - 64)) - 1, UINT64_MAX };
		else
			m1.lo = (1ULL << host) - 1;
		too_many(err, errcap, tok, len, m1);
		return -1;
	}
	/* host <= 16 here, so the host part lies in the low word. */
	uint64_t hostmask = (1ULL << host) - 1;
	if (k.lo & hostmask) {
		char what[128], net[INET6_ADDRSTRLEN];
		struct sockaddr_any a;
		addr_from_key(&a, family, (struct u128){ k.hi, k.lo & ~hostmask }, 0);
		inet_ntop(family, family == AF_INET ? (const void *)&a.in4.sin_addr
						    : (const void *)&a.in6.sin6_addr,
			  net, sizeof(net));
		snprintf(what, sizeof(what), "host bits are set; did you mean %s/%u?", net, prefix);
		fail(err, errcap, tok, len, what, ACCEPT_SET);
		return -1;
	}
	uint64_t count = 1ULL << host;
	/* IPv4 network and broadcast addresses cannot be bound as sources, except
	 * in 127.0.0.0/8 where every address is local. */
	int skip_ends = family == AF_INET && prefix < 31 && (k.lo >> 24) != 127;
	for (uint64_t i = (uint64_t)skip_ends; i < count - (uint64_t)skip_ends; i++) {
		struct u128 a = { k.hi, k.lo | i };
		if (b_add_report(b, a, tok, len, err, errcap) < 0)
			return -1;
	}
	return 0;
}

static int parse_range(struct builder *b, const char *tok, size_t len, const char *dash,
		       char *err, size_t errcap)
{
	int fa, fb;
	struct u128 ka, kb;
	size_t alen = (size_t)(dash - tok);
	if (parse_ip(tok, alen, &fa, &ka) < 0) {
		fail(err, errcap, tok, alen, "not an IPv4 or IPv6 address", ACCEPT_SET);
		return -1;
	}
	if (parse_ip(dash + 1, len - alen - 1, &fb, &kb) < 0) {
		fail(err, errcap, dash + 1, len - alen - 1, "not an IPv4 or IPv6 address", ACCEPT_SET);
		return -1;
	}
	if (fa != fb) {
		fail(err, errcap, tok, len, "range mixes IPv4 and IPv6", "both ends of one family");
		return -1;
	}
	if (u128_cmp(ka, kb) > 0) {
		fail(err, errcap, tok, len, "range start is above its end", "A-B with A <= B");
		return -1;
	}
	if (b_family(b, fa, tok, len, err, errcap) < 0)
		return -1;
	struct u128 d = u128_sub(kb, ka);
	if (d.hi != 0 || d.lo >= SRCSET_MAX) {
		too_many(err, errcap, tok, len, d);
		return -1;
	}
	for (uint64_t i = 0; i <= d.lo; i++, u128_inc(&ka))
		if (b_add_report(b, ka, tok, len, err, errcap) < 0)
			return -1;
	return 0;
}

static int parse_item(struct builder *b, const char *tok, size_t len, char *err, size_t errcap)
{
	const char *slash = memchr(tok, '/', len);
	const char *dash = memchr(tok, '-', len);
	if (slash && dash) {
		fail(err, errcap, tok, len, "cannot be both a range and a CIDR", ACCEPT_SET);
		return -1;
	}
	if (slash)
		return parse_cidr(b, tok, len, slash, err, errcap);
	if (dash)
		return parse_range(b, tok, len, dash, err, errcap);
	int family;
	struct u128 k;
	if (parse_ip(tok, len, &family, &k) < 0) {
		fail(err, errcap, tok, len, "not an IPv4 or IPv6 address", ACCEPT_SET);
		return -1;
	}
	if (b_family(b, family, tok, len, err, errcap) < 0)
		return -1;
	return b_add_report(b, k, tok, len, err, errcap) < 0 ? -1 : 0;
}

int srcset_parse(struct srcset *set, const char *s, char *err, size_t errcap)
{
	if (!s || !*s) {
		fail(err, errcap, "", 0, "empty source address list", ACCEPT_SET);
		return -1;
	}
	struct builder b;
	if (b_init(&b, set) < 0) {
		fail(err, errcap, s, strlen(s), "out of memory", NULL);
		return -1;
	}
	const char *p = s;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0) {
			fail(err, errcap, s, strlen(s), "empty item in the list", ACCEPT_SET);
			b_finish(&b, 0);
			return -1;
		}
		if (parse_item(&b, p, len, err, errcap) < 0) {
			b_finish(&b, 0);
			return -1;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	b_finish(&b, 1);
	return 0;
}

static int is_link_local6(const struct sockaddr_in6 *a)
{
	return a->sin6_addr.s6_addr[0] == 0xfe && (a->sin6_addr.s6_addr[1] & 0xc0) == 0x80;
}

/* "eth0" also matches its labelled IPv4 aliases "eth0:1", "eth0:web". */
static int iface_matches(const char *name, const char *iface)
{
	size_t l = strlen(iface);
	return strncmp(name, iface, l) == 0 && (name[l] == '\0' || name[l] == ':');
}

static int usable(const struct ifaddrs *ifa, const char *iface, int family)
{
	if (!ifa->ifa_addr || !ifa->ifa_name || !iface_matches(ifa->ifa_name, iface))
		return 0;
	if (ifa->ifa_addr->sa_family != family)
		return 0;
	return family == AF_INET ||
	       !is_link_local6((const struct sockaddr_in6 *)(const void *)ifa->ifa_addr);
}

int srcset_from_iface(struct srcset *set, const char *iface, int family, char *err, size_t errcap)
{
	if (!iface || !*iface) {
		fail(err, errcap, "", 0, "empty interface name", "an interface name such as lo or eth0");
		return -1;
	}
	size_t ilen = strlen(iface);
	if (family != AF_INET && family != AF_INET6 && family != AF_UNSPEC) {
		fail(err, errcap, iface, ilen, "unsupported address family", "AF_INET, AF_INET6, AF_UNSPEC");
		return -1;
	}
	struct ifaddrs *ifs;
	if (getifaddrs(&ifs) < 0) {
		char what[96];
		snprintf(what, sizeof(what), "cannot list interfaces: %s", strerror(errno));
		fail(err, errcap, iface, ilen, what, NULL);
		return -1;
	}
	int exists = if_nametoindex(iface) != 0;
	int has4 = 0;
	for (struct ifaddrs *ifa = ifs; ifa; ifa = ifa->ifa_next) {
		if (ifa->ifa_name && iface_matches(ifa->ifa_name, iface))
			exists = 1;
		has4 |= usable(ifa, iface, AF_INET);
	}
	if (!exists) {
		freeifaddrs(ifs);
		fail(err, errcap, iface, ilen, "no such network interface",
		     "an interface listed by 'ip addr', such as lo");
		return -1;
	}
	/* One family per set: AF_UNSPEC follows the set, else prefers IPv4. */
	if (family == AF_UNSPEC)
		family = set->n ? set->addrs[0].sa.sa_family : has4 ? AF_INET : AF_INET6;

	struct builder b;
	if (b_init(&b, set) < 0) {
		freeifaddrs(ifs);
		fail(err, errcap, iface, ilen, "out of memory", NULL);
		return -1;
	}
	int ok = 1;
	size_t found = 0;
	if (b.family && b.family != family) {
		fail(err, errcap, iface, ilen,
		     family == AF_INET ? "IPv4 requested, but the set already holds IPv6 addresses"
				       : "IPv6 requested, but the set already holds IPv4 addresses",
		     "one family per set");
		ok = 0;
	}
	b.family = family;
	for (struct ifaddrs *ifa = ifs; ok && ifa; ifa = ifa->ifa_next) {
		if (!usable(ifa, iface, family))
			continue;
		struct sockaddr_any a;
		memset(&a, 0, sizeof(a));
		memcpy(&a.sa, ifa->ifa_addr,
		       family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
		found++;
		if (b_add_report(&b, key_of(&a), iface, ilen, err, errcap) < 0)
			ok = 0;
	}
	freeifaddrs(ifs);
	if (ok && found == 0) {
		fail(err, errcap, iface, ilen,
		     family == AF_INET ? "interface has no IPv4 address"
				       : "interface has no IPv6 address (link-local ones are skipped)",
		     "an interface with an address of that family; see 'ip addr'");
		ok = 0;
	}
	b_finish(&b, ok);
	return ok ? 0 : -1;
}

void srcset_free(struct srcset *set)
{
	if (!set)
		return;
	free(set->addrs);
	set->addrs = NULL;
	set->n = set->cap = 0;
}

size_t srcset_shard(const struct srcset *set, size_t w, size_t nworkers, size_t *out_idx,
		    size_t out_cap, int *shared)
{
	if (shared)
		*shared = 0;
	if (!set || set->n == 0 || nworkers == 0 || w >= nworkers)
		return 0;
	if (set->n < nworkers) {
		if (shared)
			*shared = 1;
		if (out_cap > 0)
			out_idx[0] = w % set->n;
		return 1;
	}
	size_t cnt = 0;
	for (size_t i = w; i < set->n; i += nworkers, cnt++)
		if (cnt < out_cap)
			out_idx[cnt] = i;
	return cnt;
}

uint64_t srcaddr_ips_needed(uint64_t conns, uint64_t ntargets, uint32_t port_lo, uint32_t port_hi)
{
	if (conns == 0)
		return 0;
	uint64_t per = ports_per_tuple(port_lo, port_hi);
	if (per == 0)
		return UINT64_MAX; /* no local ports at all: no number of IPs suffices */
	if (ntargets == 0)
		ntargets = 1;
	if (ntargets > UINT64_MAX / per)
		return 1;
	uint64_t cap = ntargets * per; /* connections one source IP can hold */
	return conns / cap + (conns % cap != 0);
}

/* ---- targets ------------------------------------------------------------- */

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
		fail(err, errcap, "", 0, "empty target", ACCEPT_TARGET);
		return -1;
	}
	size_t len = strlen(s);
	if (url_looks_like(s)) {
		fail(err, errcap, s, len, "a URL (tcpswarm client takes URL targets for --proto http); give HOST:PORT",
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
			fail(err, errcap, s, len, "missing ']'", ACCEPT_TARGET);
			return -1;
		}
		host = s + 1;
		hlen = (size_t)(rb - host);
		if (rb[1] != ':') {
			fail(err, errcap, s, len, rb[1] ? "expected ':' after ']'" : "missing port",
			     ACCEPT_TARGET);
			return -1;
		}
		colon = rb + 1;
		if (parse_ip(host, hlen, &family, &k) < 0 || family != AF_INET6) {
			fail(err, errcap, s, len, "not an IPv6 address inside brackets", ACCEPT_TARGET);
			return -1;
		}
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			fail(err, errcap, s, len, "missing port", ACCEPT_TARGET);
			return -1;
		}
		if (memchr(s, ':', (size_t)(colon - s))) {
			fail(err, errcap, s, len,
			     "looks like an IPv6 address without brackets; write [ADDR]:PORT, e.g. [::1]:7000",
			     ACCEPT_TARGET);
			return -1;
		}
		host = s;
		hlen = (size_t)(colon - s);
		if (hlen == 0) {
			fail(err, errcap, s, len, "missing host", ACCEPT_TARGET);
			return -1;
		}
		if (hlen == 9 && strncasecmp(host, "localhost", 9) == 0) {
			family = AF_INET;
			k = (struct u128){ 0, 0x7f000001 };
		} else if (parse_ip(host, hlen, &family, &k) < 0 || family != AF_INET) {
			int alpha = 0;
			for (size_t i = 0; i < hlen; i++)
				alpha |= (host[i] >= 'a' && host[i] <= 'z') ||
					 (host[i] >= 'A' && host[i] <= 'Z');
			fail(err, errcap, s, len,
			     alpha ? "host names are not resolved (only localhost)"
				   : "not an IPv4 address",
			     ACCEPT_TARGET);
			return -1;
		}
	}
	uint16_t port;
	if (addr_parse_port(colon + 1, &port) < 0) {
		fail(err, errcap, s, len, colon[1] ? "port must be a number from 1 to 65535" : "missing port",
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
		fail(err, errcap, "", 0, "empty address", ACCEPT_IP);
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
	if (parse_ip(p, plen, &family, &k) < 0) {
		fail(err, errcap, ip, len, "not an IPv4 or IPv6 address", ACCEPT_IP);
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
