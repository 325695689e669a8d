/* Diagnosis rules for clients behind one address: the server sees one
 * source address near an ephemeral range's worth of connections (NAT, load
 * balancer, proxy), and the client sees new connections vanish on the path
 * while established ones keep working (a full conntrack table on a router). */
#include "tcpswarm/diagnose.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool diag_has(const struct diagnosis *d, const char *limit)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->f[i].limit, limit))
			return true;
	return false;
}

/* Text cut at the field's end rather than a compile-time length proof. */
static void say(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

static int64_t limit_of(const struct diag_input *in, enum kl l, int i)
{
	return in->limits && in->limits->n[l] > i ? in->limits->v[l][i] : -1;
}

/* The server cannot see the clients' (or the NAT's) port range: it takes
 * its own host's ip_local_port_range as the likely one. Past half of it on
 * one (address, port) pair, the address is many clients. */
void diag_behind_one_address(const struct diag_input *in, struct diagnosis *d)
{
	int64_t lo = limit_of(in, KL_IP_LOCAL_PORT_RANGE, 0), hi = limit_of(in, KL_IP_LOCAL_PORT_RANGE, 1);
	if (in->is_client || !in->peer_top_addr || lo <= 0 || hi < lo)
		return;
	uint64_t span = (uint64_t)(hi - lo + 1);
	if (in->peer_top_peak * 2 <= span)
		return;
	struct finding *f = diag_add(d, "behind_one_address", in->peer_top_peak);
	if (!f)
		return;
	uint64_t ports = in->server_ports ? in->server_ports : 1;
	say(f->evidence, sizeof(f->evidence),
	    "%s held %" PRIu64 " connections at once to port %u: over half an ephemeral range (%" PRIu64
	    " ports, this host's ip_local_port_range %" PRId64 "-%" PRId64 "; the server cannot see the clients'). "
	    "The clients are behind one address (NAT, load balancer, proxy): at most one range of connections "
	    "fits per (that address, server address, port); %" PRIu64 " port(s) here",
	    in->peer_top_addr, in->peer_top_peak, (unsigned)in->peer_top_port, span, lo, hi, ports);
	say(f->fix, sizeof(f->fix),
		 "listen on more ports or addresses and spread the clients over them (server -p %u-%u, client "
		 "HOST:%u-%u), give the NAT more addresses, or connect without NAT",
		 (unsigned)in->peer_top_port, (unsigned)in->peer_top_port + 3, (unsigned)in->peer_top_port,
		 (unsigned)in->peer_top_port + 3);
}

/* Connects timed out with their SYNs unanswered while other connections to
 * the same targets were established and kept: something on the path stopped
 * admitting new connections. Off this host only (on loopback a full queue
 * of our own server explains it, and its rules say so). */
void diag_conntrack_path(const struct diag_input *in, struct diagnosis *d)
{
	const struct totals *t = in->tot;
	uint64_t timed_out = t->close[CR_CONNECT_TIMEOUT];
	/* a ceiling: -c was never held at once, though connections were made (a
	 * transient loss retried into a full -c is the plain connect_timeout) */
	if (!in->is_client || in->target_loopback || !timed_out || !t->conn_established || t->errs[ES_ECONNREFUSED] ||
	    !in->peak_open || in->peak_open >= in->target_conns)
		return;
	struct finding *f = diag_add(d, "conntrack", timed_out);
	if (!f)
		return;
	int64_t cnt = limit_of(in, KL_NF_CONNTRACK_COUNT, 0), max = limit_of(in, KL_NF_CONNTRACK_MAX, 0);
	char local[120] = "";
	if (cnt >= 0 && max > 0)
		say(local, sizeof(local), "; nf_conntrack_count %" PRId64 " of nf_conntrack_max %" PRId64
		    " here", cnt, max);
	uint64_t retrans = in->kdelta && in->kdelta->present[KC_TCP_SYN_RETRANS] ? in->kdelta->v[KC_TCP_SYN_RETRANS] : 0;
	say(f->evidence, sizeof(f->evidence),
	    "%" PRIu64 " connects timed out, SYNs unanswered (SYN retransmits +%" PRIu64 "), while at most %" PRIu64
	    " of %" PRIu64 " connections stayed up: new ones were dropped on the path, as a full conntrack table on a "
	    "NAT router does (the server saw nothing of them; else its SYN/accept queue findings)%s",
	    timed_out, retrans, in->peak_open, in->target_conns, local);
	say(f->fix, sizeof(f->fix),
		 "on the router: raise net.netfilter.nf_conntrack_max (and the hashsize, "
		 "/sys/module/nf_conntrack/parameters/hashsize), or exempt the benchmark port from tracking "
		 "(iptables -t raw -A PREROUTING -p tcp --dport PORT -j NOTRACK; nft: notrack)");
}
