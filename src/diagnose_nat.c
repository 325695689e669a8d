/* Diagnosis rules for clients behind one address: the server sees one
 * source address near an ephemeral range's worth of connections (NAT, load
 * balancer, proxy), and the client sees new connections vanish on the path
 * while established ones keep working (a full conntrack table on a router). */
#include "tcpswarm/diagnose.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* The established connections were served and none was lost: what a
 * path that stopped admitting new flows leaves. A server whose accept
 * queue is full holds connections it never reads (requests lost) or resets
 * them (tcp_abort_on_overflow); a peer that closes or resets them is not a
 * plateau. */
static bool established_ones_healthy(const struct totals *t, uint64_t sent, uint64_t answered)
{
	if (!sent || t->req_lost || answered * 10 < sent * 9)
		return false;
	return !t->errs[ES_ECONNRESET] && !t->close[CR_RESET] && !t->close[CR_PEER_CLOSED] && !t->close[CR_IO_ERROR];
}

/* Where the client's own netns has conntrack: its count against the
 * (host-wide) max. A count of 0 says this netns tracks none of it, so a
 * full table, if any, is on a middlebox whose count the client cannot read. */
static void local_table(const struct diag_input *in, char *out, size_t cap)
{
	int64_t cnt = limit_of(in, KL_NF_CONNTRACK_COUNT, 0), max = limit_of(in, KL_NF_CONNTRACK_MAX, 0);
	if (cnt < 0 || max <= 0)
		say(out, cap, "; conntrack not readable here");
	else if (cnt == 0)
		say(out, cap, "; this netns tracks none (nf_conntrack_count 0 of max %" PRId64 ")", max);
	else
		say(out, cap, "; nf_conntrack_count %" PRId64 " of nf_conntrack_max %" PRId64 " here", cnt, max);
}

/* Connects timed out with no RST while earlier ones to the same targets
 * were established, kept and answered, and the open count stayed flat for
 * at least half the run: something on the path stopped admitting new
 * connections, as a full conntrack table on a NAT router or stateful
 * firewall does. Off this host only (on loopback our own server's queues
 * explain it, and their rules say so). A server that is only slow lets
 * the count keep growing; an accept queue overflow leaves requests lost or
 * resets. */
void diag_conntrack_path(const struct diag_input *in, struct diagnosis *d)
{
	const struct totals *t = in->tot;
	uint64_t timed_out = t->close[CR_CONNECT_TIMEOUT];
	/* a ceiling: -c was never held at once, though connections were made (a
	 * transient loss retried into a full -c is the plain connect_timeout) */
	if (!in->is_client || in->target_loopback || !timed_out || !t->conn_established || t->errs[ES_ECONNREFUSED] ||
	    !in->peak_open || in->peak_open >= in->target_conns)
		return;
	if (!in->run_ns || in->flat_ns * 2 < in->run_ns || !established_ones_healthy(t, in->sent, in->answered))
		return;
	struct finding *f = diag_add(d, "conntrack", timed_out);
	if (!f)
		return;
	char local[96];
	local_table(in, local, sizeof(local));
	uint64_t retrans = in->kdelta && in->kdelta->present[KC_TCP_SYN_RETRANS] ? in->kdelta->v[KC_TCP_SYN_RETRANS] : 0;
	say(f->evidence, sizeof(f->evidence),
	    "new connections stopped being answered at %" PRIu64 " open (of %" PRIu64 "), flat %.1f of %.1f s: %" PRIu64
	    " connects timed out, no RST, SYNs unanswered (retransmits +%" PRIu64 "), while the open ones were answered. "
	    "Likely a stateful middlebox: NAT/firewall conntrack table full%s",
	    in->peak_open, in->target_conns, (double)in->flat_ns / 1e9, (double)in->run_ns / 1e9, timed_out, retrans,
	    local);
	say(f->fix, sizeof(f->fix),
	    "on the middlebox: compare nf_conntrack_count with net.netfilter.nf_conntrack_max, raise it and the hashsize "
	    "(/sys/module/nf_conntrack/parameters/hashsize), exempt the port from tracking (iptables -t raw ... -j "
	    "NOTRACK; nft notrack), or avoid NAT");
}
