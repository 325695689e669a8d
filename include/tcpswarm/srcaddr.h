/* Source and target addresses: parsing, sharding, port budget.
 *
 * Pure: no sockets are opened here (the interface lookup reads getifaddrs).
 * Functions returning int give 0 on success, -1 on error with a message in
 * err (what was wrong and the accepted forms; callers prefix the option). */
#ifndef TCPSWARM_SRCADDR_H
#define TCPSWARM_SRCADDR_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct sockaddr_any {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	};
	socklen_t len;
};

/* A set of source IPs, all of one family, in a flat array (deduplicated,
 * in the order given). Port fields are 0. */
struct srcset {
	struct sockaddr_any *addrs;
	size_t n;
	size_t cap;
};

/* A decimal TCP port 1-65535, the whole string: 0, or -1. */
int addr_parse_port(const char *p, uint16_t *port);
/* "HOST:PORT", "[v6]:PORT", "v4:PORT", "localhost:PORT". Numeric addresses
 * only, plus "localhost" (127.0.0.1). Port 1..65535 is required; an IPv6
 * address without brackets is an error that suggests them. */
int addr_parse_target(const char *s, struct sockaddr_any *out, char *err, size_t errcap);
/* Numeric IPv4/IPv6 address (brackets tolerated) with port (for -b/-p);
 * port 0 is allowed here. */
int addr_from_ip_port(const char *ip, uint16_t port, struct sockaddr_any *out, char *err, size_t errcap);
/* "127.0.0.1:7000" / "[::1]:7000"; "?" for an unknown family. */
void addr_format(const struct sockaddr_any *a, char *out, size_t cap);
/* 127.0.0.0/8, ::1 and IPv4-mapped ::ffff:127.x.x.x; 0 for NULL. */
int addr_is_loopback(const struct sockaddr_any *a);

/* Appends to set. Accepted: a single IP ("127.0.0.2", "::1"), an inclusive
 * range ("127.0.0.2-127.0.0.20", "fd00::1-fd00::ff"), a CIDR
 * ("127.0.1.0/24": every address; for IPv4 prefixes < 31 the network and
 * broadcast addresses are skipped unless in 127.0.0.0/8), or a comma list of
 * those. At most SRCSET_MAX addresses. Families must not mix. On error the
 * set is left as it was (nothing half-added). Host bits set in a CIDR are an
 * error ("127.0.1.5/30": did you mean 127.0.1.4/30?). */
#define SRCSET_MAX 65536
int srcset_parse(struct srcset *set, const char *s, char *err, size_t errcap);
/* Every address of interface name (aliases included) of the given family
 * (AF_INET, AF_INET6 or AF_UNSPEC = the set's family if it has one, else
 * IPv4 if the interface has any, else IPv6; IPv6 link-local addresses are
 * skipped). Labelled aliases ("eth0:1") count as the interface. */
int srcset_from_iface(struct srcset *set, const char *iface, int family, char *err, size_t errcap);
void srcset_free(struct srcset *set);

/* Disjoint shard of the set for worker w of nworkers: addresses i with
 * i % nworkers == w. When n < nworkers, every worker gets address w % n
 * (shared, noted by *shared = 1). Returns the count; out[] holds indexes
 * (at most out_cap are written; the return is the full count, so a short
 * out[] can be detected). 0 for an empty set, nworkers 0 or w >= nworkers.
 * shared may be NULL. */
size_t srcset_shard(const struct srcset *set, size_t w, size_t nworkers,
		    size_t *out_idx, size_t out_cap, int *shared);

/* Port budget: how many concurrent connections fit in one
 * (source IP, target) tuple with ip_local_port_range [lo, hi] (inclusive),
 * and in the whole plan. */
static inline uint64_t ports_per_tuple(uint32_t lo, uint32_t hi) { return hi >= lo ? (uint64_t)hi - lo + 1 : 0; }
/* Source IPs needed for conns connections across ntargets targets:
 * ceil(conns / (ntargets * ports)). 0 when conns is 0; ntargets 0 counts as
 * 1; UINT64_MAX when the port range is empty (no number of IPs suffices). */
uint64_t srcaddr_ips_needed(uint64_t conns, uint64_t ntargets, uint32_t port_lo, uint32_t port_hi);

#endif
