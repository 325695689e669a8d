/* Source address sets: parsing single IPs, ranges, CIDRs and interfaces
 * into a deduplicated set, sharding it over workers, the port budget (see
 * srcaddr.h). Targets are parsed in addr_target.c. */
#define _GNU_SOURCE
#include "tcpswarm/srcaddr.h"
#include "addr_key.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCEPT_SET                                                                               \
	"an IP (127.0.0.2, ::1), a range (127.0.0.2-127.0.0.20), a CIDR (127.0.1.0/24), "        \
	"or a comma list of those, all of one family"

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
		size_t j = slot_of(addr_key_of(&b->set->addrs[i]), cap);
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
		if (addr_u128_cmp(addr_key_of(&set->addrs[b->tab[j] - 1]), k) == 0)
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
		addr_fail(err, errcap, tok, len,
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
		addr_fail(err, errcap, tok, len, what, "at most 65536 addresses in all");
	} else if (r == B_NOMEM) {
		addr_fail(err, errcap, tok, len, "out of memory", NULL);
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
	addr_fail(err, errcap, tok, len, what, "at most 65536 addresses; use a smaller range or a longer prefix");
}

static int parse_cidr(struct builder *b, const char *tok, size_t len, const char *slash,
		      char *err, size_t errcap)
{
	int family;
	struct u128 k;
	size_t iplen = (size_t)(slash - tok);
	if (addr_parse_ip(tok, iplen, &family, &k) < 0) {
		addr_fail(err, errcap, tok, iplen, "not an IPv4 or IPv6 address", ACCEPT_SET);
		return -1;
	}
	const char *p = slash + 1;
	size_t plen = len - iplen - 1;
	unsigned bits = family == AF_INET ? 32 : 128;
	unsigned prefix = 0;
	if (plen == 0 || plen > 3) {
		addr_fail(err, errcap, tok, len, "bad prefix length", family == AF_INET ? "/0 to /32" : "/0 to /128");
		return -1;
	}
	for (size_t i = 0; i < plen; i++) {
		if (p[i] < '0' || p[i] > '9') {
			addr_fail(err, errcap, tok, len, "bad prefix length",
			     family == AF_INET ? "/0 to /32" : "/0 to /128");
			return -1;
		}
		prefix = prefix * 10 + (unsigned)(p[i] - '0');
	}
	if (prefix > bits) {
		addr_fail(err, errcap, tok, len, "prefix length too long",
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
		addr_fail(err, errcap, tok, len, what, ACCEPT_SET);
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
	if (addr_parse_ip(tok, alen, &fa, &ka) < 0) {
		addr_fail(err, errcap, tok, alen, "not an IPv4 or IPv6 address", ACCEPT_SET);
		return -1;
	}
	if (addr_parse_ip(dash + 1, len - alen - 1, &fb, &kb) < 0) {
		addr_fail(err, errcap, dash + 1, len - alen - 1, "not an IPv4 or IPv6 address", ACCEPT_SET);
		return -1;
	}
	if (fa != fb) {
		addr_fail(err, errcap, tok, len, "range mixes IPv4 and IPv6", "both ends of one family");
		return -1;
	}
	if (addr_u128_cmp(ka, kb) > 0) {
		addr_fail(err, errcap, tok, len, "range start is above its end", "A-B with A <= B");
		return -1;
	}
	if (b_family(b, fa, tok, len, err, errcap) < 0)
		return -1;
	struct u128 d = addr_u128_sub(kb, ka);
	if (d.hi != 0 || d.lo >= SRCSET_MAX) {
		too_many(err, errcap, tok, len, d);
		return -1;
	}
	for (uint64_t i = 0; i <= d.lo; i++, addr_u128_inc(&ka))
		if (b_add_report(b, ka, tok, len, err, errcap) < 0)
			return -1;
	return 0;
}

static int parse_item(struct builder *b, const char *tok, size_t len, char *err, size_t errcap)
{
	const char *slash = memchr(tok, '/', len);
	const char *dash = memchr(tok, '-', len);
	if (slash && dash) {
		addr_fail(err, errcap, tok, len, "cannot be both a range and a CIDR", ACCEPT_SET);
		return -1;
	}
	if (slash)
		return parse_cidr(b, tok, len, slash, err, errcap);
	if (dash)
		return parse_range(b, tok, len, dash, err, errcap);
	int family;
	struct u128 k;
	if (addr_parse_ip(tok, len, &family, &k) < 0) {
		addr_fail(err, errcap, tok, len, "not an IPv4 or IPv6 address", ACCEPT_SET);
		return -1;
	}
	if (b_family(b, family, tok, len, err, errcap) < 0)
		return -1;
	return b_add_report(b, k, tok, len, err, errcap) < 0 ? -1 : 0;
}

int srcset_parse(struct srcset *set, const char *s, char *err, size_t errcap)
{
	if (!s || !*s) {
		addr_fail(err, errcap, "", 0, "empty source address list", ACCEPT_SET);
		return -1;
	}
	struct builder b;
	if (b_init(&b, set) < 0) {
		addr_fail(err, errcap, s, strlen(s), "out of memory", NULL);
		return -1;
	}
	const char *p = s;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0) {
			addr_fail(err, errcap, s, strlen(s), "empty item in the list", ACCEPT_SET);
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
		addr_fail(err, errcap, "", 0, "empty interface name", "an interface name such as lo or eth0");
		return -1;
	}
	size_t ilen = strlen(iface);
	if (family != AF_INET && family != AF_INET6 && family != AF_UNSPEC) {
		addr_fail(err, errcap, iface, ilen, "unsupported address family", "AF_INET, AF_INET6, AF_UNSPEC");
		return -1;
	}
	struct ifaddrs *ifs;
	if (getifaddrs(&ifs) < 0) {
		char what[96];
		snprintf(what, sizeof(what), "cannot list interfaces: %s", strerror(errno));
		addr_fail(err, errcap, iface, ilen, what, NULL);
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
		addr_fail(err, errcap, iface, ilen, "no such network interface",
		     "an interface listed by 'ip addr', such as lo");
		return -1;
	}
	/* One family per set: AF_UNSPEC follows the set, else prefers IPv4. */
	if (family == AF_UNSPEC)
		family = set->n ? set->addrs[0].sa.sa_family : has4 ? AF_INET : AF_INET6;

	struct builder b;
	if (b_init(&b, set) < 0) {
		freeifaddrs(ifs);
		addr_fail(err, errcap, iface, ilen, "out of memory", NULL);
		return -1;
	}
	int ok = 1;
	size_t found = 0;
	if (b.family && b.family != family) {
		addr_fail(err, errcap, iface, ilen,
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
		if (b_add_report(&b, addr_key_of(&a), iface, ilen, err, errcap) < 0)
			ok = 0;
	}
	freeifaddrs(ifs);
	if (ok && found == 0) {
		addr_fail(err, errcap, iface, ilen,
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
