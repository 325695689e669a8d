/* libFuzzer target: srcset_parse and addr_parse_target on a NUL-terminated
 * copy of the input, checking the set's promises (one family, no
 * duplicates, at most SRCSET_MAX, rollback on error), the shards'
 * disjointness and cover, and the target format round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/srcaddr.h"

#define CHECK(c)                                                                                 \
	do {                                                                                     \
		if (!(c))                                                                        \
			__builtin_trap();                                                        \
	} while (0)

static int family_of(const struct sockaddr_any *a)
{
	return a->sa.sa_family;
}

static int cmp_addr(const void *pa, const void *pb)
{
	const struct sockaddr_any *a = pa, *b = pb;
	if (family_of(a) == AF_INET)
		return memcmp(&a->in4.sin_addr, &b->in4.sin_addr, 4);
	return memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, 16);
}

static void check_set(const struct srcset *set)
{
	CHECK(set->n <= SRCSET_MAX && set->n <= set->cap);
	if (set->n == 0)
		return;
	int fam = family_of(&set->addrs[0]);
	for (size_t i = 0; i < set->n; i++) {
		CHECK(family_of(&set->addrs[i]) == fam);
		CHECK(set->addrs[i].in4.sin_port == 0);
	}
	/* No duplicates: sort a copy, compare neighbours. */
	struct sockaddr_any *c = malloc(set->n * sizeof(*c));
	if (!c)
		return;
	memcpy(c, set->addrs, set->n * sizeof(*c));
	qsort(c, set->n, sizeof(*c), cmp_addr);
	for (size_t i = 1; i < set->n; i++)
		CHECK(cmp_addr(&c[i - 1], &c[i]) != 0);
	free(c);
}

static void check_shards(const struct srcset *set, size_t nworkers)
{
	size_t n = set->n;
	unsigned char *seen = calloc(n ? n : 1, 1);
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	if (!seen || !idx)
		goto out;
	for (size_t w = 0; w < nworkers; w++) {
		int shared;
		size_t c = srcset_shard(set, w, nworkers, idx, n, &shared);
		if (n == 0) {
			CHECK(c == 0);
			continue;
		}
		if (n < nworkers) {
			CHECK(c == 1 && shared == 1 && idx[0] == w % n);
			continue;
		}
		CHECK(shared == 0);
		for (size_t i = 0; i < c; i++) {
			CHECK(idx[i] < n && idx[i] % nworkers == w);
			CHECK(!seen[idx[i]]);
			seen[idx[i]] = 1;
		}
	}
	if (n >= nworkers)
		for (size_t i = 0; i < n; i++)
			CHECK(seen[i]);
out:
	free(seen);
	free(idx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	char err[200];

	struct srcset set = { 0 };
	memset(err, 'Z', sizeof(err));
	int r = srcset_parse(&set, s, err, sizeof(err));
	if (r != 0) /* a terminated message, and nothing half-added */
		CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0' && set.n == 0);
	check_set(&set);
	check_shards(&set, 1);
	check_shards(&set, 3);
	check_shards(&set, 64);

	/* The same text again: if it parsed, it adds nothing (all duplicates);
	 * if it failed, it fails again and leaves the set empty. */
	size_t n = set.n;
	int r2 = srcset_parse(&set, s, err, sizeof(err));
	CHECK((r == 0) == (r2 == 0) && set.n == n);
	/* Seeded with a loopback address: the input appends or fails cleanly. */
	srcset_free(&set);
	if (srcset_parse(&set, "127.0.0.1", err, sizeof(err)) == 0) {
		r = srcset_parse(&set, s, err, sizeof(err));
		CHECK(r == 0 ? set.n >= 1 : set.n == 1);
		check_set(&set);
	}
	srcset_free(&set);

	struct sockaddr_any a, b;
	memset(err, 'Z', sizeof(err));
	r = addr_parse_target(s, &a, err, sizeof(err));
	if (r == 0) {
		char out[80];
		int fam = family_of(&a);
		CHECK(fam == AF_INET || fam == AF_INET6);
		CHECK(ntohs(a.in4.sin_port) != 0);
		/* Formatting and parsing again gives the same address. */
		addr_format(&a, out, sizeof(out));
		CHECK(addr_parse_target(out, &b, err, sizeof(err)) == 0);
		CHECK(a.len == b.len && memcmp(&a, &b, a.len) == 0);
		(void)addr_is_loopback(&a);
	} else {
		CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
	}
	free(s);
	return 0;
}
