/* Unit tests for srcaddr.c: source sets (single, range, CIDR, lists, dedup,
 * limits), interface lookup, sharding, port budget and target parsing. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpswarm/srcaddr.h"

/* The address part of a, as text ("127.0.0.2", "fd00::1"). */
static const char *ip_of(const struct sockaddr_any *a, char *buf, size_t cap)
{
	const void *src = a->sa.sa_family == AF_INET ? (const void *)&a->in4.sin_addr
						     : (const void *)&a->in6.sin6_addr;
	if (!inet_ntop(a->sa.sa_family, src, buf, (socklen_t)cap))
		snprintf(buf, cap, "?");
	return buf;
}

static void assert_ip(const struct srcset *set, size_t i, const char *want)
{
	char buf[INET6_ADDRSTRLEN];
	assert_true(i < set->n);
	const char *got = ip_of(&set->addrs[i], buf, sizeof(buf));
	if (strcmp(got, want) != 0) {
		print_error("addrs[%zu] = %s, want %s\n", i, got, want);
		fail();
	}
	assert_int_equal(set->addrs[i].in4.sin_port, 0); /* same offset in both families */
	assert_int_equal(set->addrs[i].len, set->addrs[i].sa.sa_family == AF_INET
						    ? sizeof(struct sockaddr_in)
						    : sizeof(struct sockaddr_in6));
}

static void parse_ok(struct srcset *set, const char *s)
{
	char err[256] = "";
	int r = srcset_parse(set, s, err, sizeof(err));
	if (r != 0)
		print_error("srcset_parse('%s') failed: %s\n", s, err);
	assert_int_equal(r, 0);
}

/* Bad input: -1, the set as it was before, and a message containing want. */
static void parse_bad(struct srcset *set, const char *s, const char *want)
{
	char err[256] = "";
	size_t n0 = set->n;
	assert_int_equal(srcset_parse(set, s, err, sizeof(err)), -1);
	assert_int_equal(set->n, n0);
	if (want && !strstr(err, want)) {
		print_error("srcset_parse('%s'): message '%s' lacks '%s'\n", s, err, want);
		fail();
	}
}

static void test_single(void **state)
{
	(void)state;
	struct srcset set = { 0 };
	parse_ok(&set, "127.0.0.2");
	assert_int_equal(set.n, 1);
	assert_int_equal(set.addrs[0].sa.sa_family, AF_INET);
	assert_ip(&set, 0, "127.0.0.2");
	srcset_free(&set);
	assert_null(set.addrs);
	assert_int_equal(set.n, 0);

	parse_ok(&set, "::1");
	assert_int_equal(set.n, 1);
	assert_int_equal(set.addrs[0].sa.sa_family, AF_INET6);
	assert_ip(&set, 0, "::1");
	srcset_free(&set);
	srcset_free(&set); /* twice is harmless */
}

static void test_range_v4(void **state)
{
	(void)state;
	struct srcset set = { 0 };
	parse_ok(&set, "127.0.0.2-127.0.0.20");
	assert_int_equal(set.n, 19);
	for (size_t i = 0; i < 19; i++) {
		char want[32];
		snprintf(want, sizeof(want), "127.0.0.%zu", i + 2);
		assert_ip(&set, i, want);
	}
	srcset_free(&set);

	/* Crossing an octet boundary counts numerically. */
	parse_ok(&set, "10.0.0.254-10.0.1.1");
	assert_int_equal(set.n, 4);
	assert_ip(&set, 0, "10.0.0.254");
	assert_ip(&set, 1, "10.0.0.255");
	assert_ip(&set, 2, "10.0.1.0");
	assert_ip(&set, 3, "10.0.1.1");
	srcset_free(&set);

	parse_ok(&set, "127.0.0.5-127.0.0.5");
	assert_int_equal(set.n, 1);
	srcset_free(&set);

	parse_bad(&set, "127.0.0.20-127.0.0.2", "above its end");
	parse_bad(&set, "127.0.0.2-", "not an IPv4 or IPv6 address");
	parse_bad(&set, "-127.0.0.2", "not an IPv4 or IPv6 address");
	parse_bad(&set, "127.0.0.1-127.0.0.2-127.0.0.3", "not an IPv4 or IPv6 address");
	parse_bad(&set, "10.0.0.0-10.1.0.0", "has 65537 addresses");
	parse_ok(&set, "10.0.0.0-10.0.255.255"); /* exactly SRCSET_MAX */
	assert_int_equal(set.n, SRCSET_MAX);
	srcset_free(&set);
}

static void test_range_v6(void **state)
{
	(void)state;
	struct srcset set = { 0 };
	parse_ok(&set, "fd00::1-fd00::3");
	assert_int_equal(set.n, 3);
	assert_ip(&set, 0, "fd00::1");
	assert_ip(&set, 1, "fd00::2");
	assert_ip(&set, 2, "fd00::3");
	srcset_free(&set);

	/* The increment carries from the low 64 bits into the high ones. */
	parse_ok(&set, "fd00::ffff:ffff:ffff:fffe-fd00:0:0:1::1");
	assert_int_equal(set.n, 4);
	assert_ip(&set, 0, "fd00::ffff:ffff:ffff:fffe");
	assert_ip(&set, 1, "fd00::ffff:ffff:ffff:ffff");
	assert_ip(&set, 2, "fd00:0:0:1::");
	assert_ip(&set, 3, "fd00:0:0:1::1");
	srcset_free(&set);

	parse_bad(&set, "fd00::3-fd00::1", "above its end");
	parse_bad(&set, "fd00::-fd00::1:0", "has 65537 addresses");
	parse_bad(&set, "::-ffff::", "more than 2^64");
	parse_bad(&set, "fd00::1-127.0.0.1", "mixes IPv4 and IPv6");
	srcset_free(&set);
}

static void test_cidr(void **state)
{
	(void)state;
	struct srcset set = { 0 };
	/* Inside 127.0.0.0/8 every address is usable. */
	parse_ok(&set, "127.0.1.0/30");
	assert_int_equal(set.n, 4);
	assert_ip(&set, 0, "127.0.1.0");
	assert_ip(&set, 3, "127.0.1.3");
	srcset_free(&set);

	/* Elsewhere network and broadcast are skipped for prefixes < 31. */
	parse_ok(&set, "10.0.0.0/30");
	assert_int_equal(set.n, 2);
	assert_ip(&set, 0, "10.0.0.1");
	assert_ip(&set, 1, "10.0.0.2");
	srcset_free(&set);
	parse_ok(&set, "10.0.0.0/31");
	assert_int_equal(set.n, 2);
	assert_ip(&set, 0, "10.0.0.0");
	srcset_free(&set);
	parse_ok(&set, "10.0.0.7/32");
	assert_int_equal(set.n, 1);
	assert_ip(&set, 0, "10.0.0.7");
	srcset_free(&set);
	parse_ok(&set, "192.168.0.0/24");
	assert_int_equal(set.n, 254);
	assert_ip(&set, 253, "192.168.0.254");
	srcset_free(&set);

	parse_ok(&set, "127.0.0.0/16");
	assert_int_equal(set.n, SRCSET_MAX);
	assert_ip(&set, SRCSET_MAX - 1, "127.0.255.255");
	srcset_free(&set);

	parse_ok(&set, "fd00::/126");
	assert_int_equal(set.n, 4);
	assert_ip(&set, 0, "fd00::");
	assert_ip(&set, 3, "fd00::3");
	srcset_free(&set);

	parse_bad(&set, "127.0.1.5/30", "did you mean 127.0.1.4/30?");
	parse_bad(&set, "fd00::1/120", "did you mean fd00::/120?");
	parse_bad(&set, "10.0.0.0/15", "has 131072 addresses");
	parse_bad(&set, "10.0.0.0/0", "has 4294967296 addresses");
	parse_bad(&set, "fd00::/64", "more than 2^64");
	parse_bad(&set, "::/0", "more than 2^64");
	parse_bad(&set, "127.0.0.0/33", "prefix length too long");
	parse_bad(&set, "fd00::/129", "prefix length too long");
	parse_bad(&set, "127.0.0.0/", "bad prefix length");
	parse_bad(&set, "127.0.0.0/-1", "cannot be both");
	parse_bad(&set, "127.0.0.0/+8", "bad prefix length");
	parse_bad(&set, "127.0.0.0/0008", "bad prefix length");
	parse_bad(&set, "127.0.0.0/8/8", "bad prefix length");
	parse_bad(&set, "127.0.0.300/30", "not an IPv4 or IPv6 address");
	srcset_free(&set);
}

static void test_lists_and_dedup(void **state)
{
	(void)state;
	struct srcset set = { 0 };
	/* The first occurrence keeps its place; later repeats vanish. */
	parse_ok(&set, "127.0.0.3,127.0.0.1-127.0.0.4,127.0.0.2,127.0.0.3");
	assert_int_equal(set.n, 4);
	assert_ip(&set, 0, "127.0.0.3");
	assert_ip(&set, 1, "127.0.0.1");
	assert_ip(&set, 2, "127.0.0.2");
	assert_ip(&set, 3, "127.0.0.4");
	/* Appending dedups against what the set already holds. */
	parse_ok(&set, "127.0.0.4,127.0.0.9");
	assert_int_equal(set.n, 5);
	assert_ip(&set, 4, "127.0.0.9");
	/* IPv6 spellings of one address are one address. */
	srcset_free(&set);
	parse_ok(&set, "fd00::1,fd00:0::1,fd00:0:0:0:0:0:0:1");
	assert_int_equal(set.n, 1);
	srcset_free(&set);

	/* 2 x 65536 candidates, 65536 unique: linear with the hash dedup. */
	parse_ok(&set, "127.0.0.0/16,127.0.0.0/16,127.0.255.255");
	assert_int_equal(set.n, SRCSET_MAX);
	for (size_t i = 0; i < set.n; i++)
		assert_int_equal(ntohl(set.addrs[i].in4.sin_addr.s_addr), 0x7f000000u + i);
	/* Full: one more unique address is rejected and the set is kept. */
	parse_bad(&set, "127.1.0.0", "more than 65536");
	assert_int_equal(set.n, SRCSET_MAX);
	parse_ok(&set, "127.0.0.1"); /* a duplicate still fits */
	srcset_free(&set);

	parse_bad(&set, "127.0.0.0/16,128.0.0.1", "more than 65536");
	assert_int_equal(set.n, 0); /* rolled back, not left half-filled */
	srcset_free(&set);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct srcset set = { 0 };
	char err[256];
	assert_int_equal(srcset_parse(&set, "127.0.0.300", err, sizeof(err)), -1);
	assert_string_equal(err, "'127.0.0.300': not an IPv4 or IPv6 address (accepted: an IP "
				 "(127.0.0.2, ::1), a range (127.0.0.2-127.0.0.20), a CIDR "
				 "(127.0.1.0/24), or a comma list of those, all of one family)");
	parse_bad(&set, "", "empty source address list");
	parse_bad(&set, NULL, "empty");
	parse_bad(&set, "127.0.0.1,,127.0.0.2", "empty item");
	parse_bad(&set, "127.0.0.1,", "empty item");
	parse_bad(&set, ",127.0.0.1", "empty item");
	parse_bad(&set, "localhost", "not an IPv4 or IPv6 address");
	parse_bad(&set, "127.1", "not an IPv4 or IPv6 address");
	parse_bad(&set, " 127.0.0.1", "not an IPv4 or IPv6 address");
	parse_bad(&set, "127.0.0.1:80", "not an IPv4 or IPv6 address");
	parse_bad(&set, "fe80::1%lo", "not an IPv4 or IPv6 address");
	parse_bad(&set, "[::1]", "not an IPv4 or IPv6 address");
	/* Mixing families, in one list or across calls; the set is kept. */
	parse_bad(&set, "127.0.0.1,::1", "already holds IPv4");
	parse_ok(&set, "127.0.0.1");
	parse_bad(&set, "127.0.0.2,fd00::1", "already holds IPv4");
	assert_int_equal(set.n, 1);
	parse_bad(&set, "fd00::/126", "already holds IPv4");
	parse_bad(&set, "fd00::1-fd00::2", "already holds IPv4");
	srcset_free(&set);
	/* Small error buffers stay NUL-terminated. */
	memset(err, 'Z', sizeof(err));
	assert_int_equal(srcset_parse(&set, "nope", err, 6), -1);
	assert_int_equal(strlen(err), 5);
	assert_int_equal(srcset_parse(&set, "nope", NULL, 0), -1);
}

static int host_has_addr(const char *iface, int family, const char *ip)
{
	struct ifaddrs *ifs, *ifa;
	int found = 0;
	if (getifaddrs(&ifs) < 0)
		return 0;
	for (ifa = ifs; ifa; ifa = ifa->ifa_next) {
		if (!ifa->ifa_addr || strcmp(ifa->ifa_name, iface) || ifa->ifa_addr->sa_family != family)
			continue;
		struct sockaddr_any a;
		memcpy(&a.sa, ifa->ifa_addr,
		       family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
		char buf[INET6_ADDRSTRLEN];
		found |= strcmp(ip_of(&a, buf, sizeof(buf)), ip) == 0;
	}
	freeifaddrs(ifs);
	return found;
}

static int set_has(const struct srcset *set, const char *ip)
{
	char buf[INET6_ADDRSTRLEN];
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(ip_of(&set->addrs[i], buf, sizeof(buf)), ip) == 0)
			return 1;
	return 0;
}

static void test_iface(void **state)
{
	(void)state;
	struct srcset set = { 0 };
	char err[256] = "";
	int r = srcset_from_iface(&set, "lo", AF_INET, err, sizeof(err));
	if (r)
		print_error("lo: %s\n", err);
	assert_int_equal(r, 0);
	assert_true(set.n >= 1);
	assert_true(set_has(&set, "127.0.0.1"));
	for (size_t i = 0; i < set.n; i++) {
		assert_int_equal(set.addrs[i].sa.sa_family, AF_INET);
		assert_int_equal(set.addrs[i].in4.sin_port, 0);
	}
	/* A second lookup adds nothing new (dedup across calls). */
	size_t n = set.n;
	assert_int_equal(srcset_from_iface(&set, "lo", AF_INET, err, sizeof(err)), 0);
	assert_int_equal(set.n, n);
	/* AF_UNSPEC follows the set's family. */
	assert_int_equal(srcset_from_iface(&set, "lo", AF_UNSPEC, err, sizeof(err)), 0);
	assert_int_equal(set.n, n);
	/* And asking for the other family is a mixing error, set kept. */
	assert_int_equal(srcset_from_iface(&set, "lo", AF_INET6, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already holds IPv4"));
	assert_int_equal(set.n, n);
	srcset_free(&set);

	/* AF_UNSPEC on an empty set prefers IPv4. */
	assert_int_equal(srcset_from_iface(&set, "lo", AF_UNSPEC, err, sizeof(err)), 0);
	assert_true(set_has(&set, "127.0.0.1"));
	assert_int_equal(set.addrs[0].sa.sa_family, AF_INET);
	srcset_free(&set);

	if (host_has_addr("lo", AF_INET6, "::1")) {
		assert_int_equal(srcset_from_iface(&set, "lo", AF_INET6, err, sizeof(err)), 0);
		assert_true(set_has(&set, "::1"));
		srcset_free(&set);
	} else {
		print_message("(lo has no ::1 here: IPv6 part skipped)\n");
	}

	err[0] = '\0';
	assert_int_equal(srcset_from_iface(&set, "nosuchif0", AF_INET, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'nosuchif0': no such network interface"));
	assert_int_equal(set.n, 0);
	assert_int_equal(srcset_from_iface(&set, "", AF_INET, err, sizeof(err)), -1);
	assert_int_equal(srcset_from_iface(&set, "lo", AF_PACKET, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unsupported address family"));
	/* "l" is a prefix of "lo" but not an interface. */
	assert_int_equal(srcset_from_iface(&set, "l", AF_INET, err, sizeof(err)), -1);

	/* No interface yields an IPv6 link-local address. */
	struct if_nameindex *ni = if_nameindex();
	for (struct if_nameindex *p = ni; p && p->if_index; p++) {
		if (srcset_from_iface(&set, p->if_name, AF_INET6, err, sizeof(err)) == 0)
			for (size_t i = 0; i < set.n; i++) {
				const uint8_t *b = set.addrs[i].in6.sin6_addr.s6_addr;
				assert_false(b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
			}
		srcset_free(&set);
	}
	if (ni)
		if_freenameindex(ni);
}

static void make_set(struct srcset *set, size_t n)
{
	char spec[64];
	memset(set, 0, sizeof(*set));
	snprintf(spec, sizeof(spec), "10.0.0.1-10.0.%zu.%zu", n / 256, n % 256);
	parse_ok(set, spec);
	assert_int_equal(set->n, n);
}

/* Every address in exactly one worker's shard, each shard strided. */
static void check_shards(size_t n, size_t nworkers)
{
	struct srcset set;
	make_set(&set, n);
	int *seen = calloc(n, sizeof(*seen));
	size_t *idx = calloc(n, sizeof(*idx));
	assert_non_null(seen);
	assert_non_null(idx);
	for (size_t w = 0; w < nworkers; w++) {
		int shared = -1;
		size_t c = srcset_shard(&set, w, nworkers, idx, n, &shared);
		assert_int_equal(shared, 0);
		assert_int_equal(c, (n - w + nworkers - 1) / nworkers);
		for (size_t i = 0; i < c; i++) {
			assert_int_equal(idx[i] % nworkers, w);
			seen[idx[i]]++;
		}
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seen[i], 1);
	free(seen);
	free(idx);
	srcset_free(&set);
}

static void test_shard(void **state)
{
	(void)state;
	check_shards(10, 3);
	check_shards(19, 1);
	check_shards(19, 19);
	check_shards(1000, 7);
	check_shards(SRCSET_MAX - 1, 64);

	/* Fewer addresses than workers: each worker shares address w % n. */
	struct srcset set;
	make_set(&set, 2);
	size_t idx[4];
	for (size_t w = 0; w < 5; w++) {
		int shared = 0;
		assert_int_equal(srcset_shard(&set, w, 5, idx, 4, &shared), 1);
		assert_int_equal(idx[0], w % 2);
		assert_int_equal(shared, 1);
	}
	/* A short out[] gets what fits; the return is the full count. */
	srcset_free(&set);
	make_set(&set, 10);
	idx[1] = 999;
	assert_int_equal(srcset_shard(&set, 0, 2, idx, 1, NULL), 5);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 999);
	/* Out-of-range worker, no workers, empty set: nothing. */
	assert_int_equal(srcset_shard(&set, 2, 2, idx, 4, NULL), 0);
	assert_int_equal(srcset_shard(&set, 0, 0, idx, 4, NULL), 0);
	srcset_free(&set);
	assert_int_equal(srcset_shard(&set, 0, 1, idx, 4, NULL), 0);
}

static void test_ips_needed(void **state)
{
	(void)state;
	assert_int_equal(ports_per_tuple(32768, 60999), 28232);
	assert_int_equal(ports_per_tuple(10, 9), 0);
	assert_int_equal(ports_per_tuple(0, UINT32_MAX), 1ULL << 32); /* no 32-bit wrap */
	assert_int_equal(srcaddr_ips_needed(0, 1, 32768, 60999), 0);
	assert_int_equal(srcaddr_ips_needed(1, 1, 32768, 60999), 1);
	assert_int_equal(srcaddr_ips_needed(28232, 1, 32768, 60999), 1);
	assert_int_equal(srcaddr_ips_needed(28233, 1, 32768, 60999), 2);
	assert_int_equal(srcaddr_ips_needed(1000000, 1, 32768, 60999), 36); /* 35 x 28232 = 988120 */
	assert_int_equal(srcaddr_ips_needed(1000000, 4, 32768, 60999), 9);  /* 8 x 112928 = 903424 */
	assert_int_equal(srcaddr_ips_needed(1000000, 40, 32768, 60999), 1);
	assert_int_equal(srcaddr_ips_needed(100, 1, 1000, 1009), 10);
	assert_int_equal(srcaddr_ips_needed(101, 1, 1000, 1009), 11);
	assert_int_equal(srcaddr_ips_needed(100, 0, 1000, 1009), 10); /* no targets counts as one */
	assert_int_equal(srcaddr_ips_needed(1, 1, 10, 9), UINT64_MAX); /* no ports: impossible */
	assert_int_equal(srcaddr_ips_needed(UINT64_MAX, 1, 0, 0), UINT64_MAX);
	assert_int_equal(srcaddr_ips_needed(UINT64_MAX, UINT64_MAX, 0, 65535), 1);
}

static void target_ok(const char *s, int family, const char *ip, uint16_t port)
{
	struct sockaddr_any a;
	char err[256] = "", buf[INET6_ADDRSTRLEN];
	int r = addr_parse_target(s, &a, err, sizeof(err));
	if (r)
		print_error("target '%s' failed: %s\n", s, err);
	assert_int_equal(r, 0);
	assert_int_equal(a.sa.sa_family, family);
	assert_string_equal(ip_of(&a, buf, sizeof(buf)), ip);
	assert_int_equal(ntohs(family == AF_INET ? a.in4.sin_port : a.in6.sin6_port), port);
	assert_int_equal(a.len, family == AF_INET ? sizeof(struct sockaddr_in)
						  : sizeof(struct sockaddr_in6));
}

static void target_bad(const char *s, const char *want)
{
	struct sockaddr_any a;
	char err[256] = "";
	assert_int_equal(addr_parse_target(s, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "accepted:"));
	if (want && !strstr(err, want)) {
		print_error("target '%s': message '%s' lacks '%s'\n", s, err, want);
		fail();
	}
}

static void test_target(void **state)
{
	(void)state;
	target_ok("127.0.0.1:7000", AF_INET, "127.0.0.1", 7000);
	target_ok("[::1]:7000", AF_INET6, "::1", 7000);
	target_ok("localhost:7000", AF_INET, "127.0.0.1", 7000);
	target_ok("LocalHost:1", AF_INET, "127.0.0.1", 1);
	target_ok("10.1.2.3:65535", AF_INET, "10.1.2.3", 65535);
	target_ok("[fd00::2]:80", AF_INET6, "fd00::2", 80);
	target_ok("[::ffff:127.0.0.1]:80", AF_INET6, "::ffff:127.0.0.1", 80);

	target_bad("::1:7000", "[::1]:7000");
	target_bad("::1", "without brackets");
	target_bad("fd00::2:80", "without brackets");
	target_bad("127.0.0.1", "missing port");
	target_bad("127.0.0.1:", "missing port");
	target_bad("[::1]", "missing port");
	target_bad("[::1]:", "missing port");
	target_bad("[::1]7000", "expected ':' after ']'");
	target_bad("[::1:7000", "missing ']'");
	target_bad("[127.0.0.1]:80", "not an IPv6 address inside brackets");
	target_bad("127.0.0.1:0", "1 to 65535");
	target_bad("127.0.0.1:65536", "1 to 65535");
	target_bad("127.0.0.1:100000", "1 to 65535");
	target_bad("127.0.0.1:-1", "1 to 65535");
	target_bad("127.0.0.1:+80", "1 to 65535");
	target_bad("127.0.0.1:80 ", "1 to 65535");
	target_bad("127.0.0.1:http", "1 to 65535");
	target_bad("127.0.0.300:80", "not an IPv4 address");
	target_bad("example.com:80", "host names are not resolved");
	target_bad(":80", "missing host");
	target_bad("", "empty");
	target_bad(NULL, "empty");
}

static void test_format_and_ip_port(void **state)
{
	(void)state;
	struct sockaddr_any a;
	char out[64], err[256];
	const char *round[] = { "127.0.0.1:7000", "[::1]:7000", "[fd00::1:2]:65535", "10.0.0.255:1" };
	for (size_t i = 0; i < sizeof(round) / sizeof(round[0]); i++) {
		assert_int_equal(addr_parse_target(round[i], &a, err, sizeof(err)), 0);
		addr_format(&a, out, sizeof(out));
		assert_string_equal(out, round[i]);
	}
	addr_format(&a, out, 5);
	assert_string_equal(out, "10.0");
	memset(&a, 0, sizeof(a));
	addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "?");

	assert_int_equal(addr_from_ip_port("::1", 0, &a, err, sizeof(err)), 0);
	addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "[::1]:0");
	assert_int_equal(addr_from_ip_port("[fd00::5]", 9, &a, err, sizeof(err)), 0);
	addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "[fd00::5]:9");
	assert_int_equal(addr_from_ip_port("127.0.0.9", 7001, &a, err, sizeof(err)), 0);
	addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "127.0.0.9:7001");
	assert_int_equal(addr_from_ip_port("1.2.3", 1, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'1.2.3': not an IPv4 or IPv6 address"));
	assert_int_equal(addr_from_ip_port("localhost", 1, &a, err, sizeof(err)), -1);
	assert_int_equal(addr_from_ip_port("", 1, &a, err, sizeof(err)), -1);
	assert_int_equal(addr_from_ip_port("[]", 1, &a, err, sizeof(err)), -1);
}

static int loopback(const char *ip)
{
	struct sockaddr_any a;
	char err[256];
	assert_int_equal(addr_from_ip_port(ip, 1, &a, err, sizeof(err)), 0);
	return addr_is_loopback(&a);
}

static void test_loopback(void **state)
{
	(void)state;
	assert_true(loopback("127.0.0.1"));
	assert_true(loopback("127.0.0.0"));
	assert_true(loopback("127.255.255.254"));
	assert_true(loopback("::1"));
	assert_true(loopback("::ffff:127.0.0.5"));
	assert_false(loopback("128.0.0.1"));
	assert_false(loopback("126.255.255.255"));
	assert_false(loopback("10.0.0.1"));
	assert_false(loopback("::2"));
	assert_false(loopback("::"));
	assert_false(loopback("::ffff:10.0.0.1"));
	assert_false(loopback("::127.0.0.1")); /* v4-compatible, not v4-mapped */
	assert_false(loopback("fd00::1"));
	assert_false(addr_is_loopback(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_range_v4),
		cmocka_unit_test(test_range_v6),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_lists_and_dedup),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_iface),
		cmocka_unit_test(test_shard),
		cmocka_unit_test(test_ips_needed),
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_format_and_ip_port),
		cmocka_unit_test(test_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
