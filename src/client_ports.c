/* The client's port plan: portplan_compute() judges it (the same numbers
 * probe predicts); here the client acts on the verdict: picks the 127.0.0.x
 * sources, warns, or refuses a plan that cannot fit. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/client.h"
#include "tcpswarm/kstat.h"
#include "tcpswarm/portplan.h"

static bool all_loopback_v4(const struct client_config *cfg)
{
	for (unsigned i = 0; i < cfg->ntargets; i++)
		if (cfg->targets[i].sa.sa_family != AF_INET || !addr_is_loopback(&cfg->targets[i]))
			return false;
	return true;
}

static void refuse(const struct client_config *cfg, const struct portplan *pp, unsigned workers, uint32_t lo,
		   uint32_t hi)
{
	fprintf(stderr,
		"tcpswarm client: the plan cannot fit: %" PRIu64 " connections to %u target(s) from %" PRIu64
		" source IP(s) over %u workers put %" PRIu64 " connections on one (source IP, target), "
		"which holds at most %" PRIu64 " (net.ipv4.ip_local_port_range %u-%u).\n",
		cfg->conns, cfg->ntargets, pp->sources, workers, pp->load, pp->ports, lo, hi);
	if (pp->ports == 0)
		fprintf(stderr, "  fix: the range is empty: sysctl -w net.ipv4.ip_local_port_range='32768 60999'\n");
	else
		fprintf(stderr,
			"  fix: use at least %" PRIu64 " source IPs (--source A-B, or --source-iface), add target ports, "
			"or widen ip_local_port_range\n",
			pp->needed);
}

int client_port_plan(struct client_config *cfg, const struct klimits *lim, unsigned workers, bool quiet)
{
	if (lim->n[KL_IP_LOCAL_PORT_RANGE] < 2)
		return 0;
	uint32_t lo = (uint32_t)lim->v[KL_IP_LOCAL_PORT_RANGE][0], hi = (uint32_t)lim->v[KL_IP_LOCAL_PORT_RANGE][1];
	struct portplan_input in = {
		.conns = cfg->conns, .ntargets = cfg->ntargets, .loopback_v4 = all_loopback_v4(cfg),
		.nsources = cfg->sources.n, .workers = workers, .port_lo = lo, .port_hi = hi,
	};
	struct portplan pp;
	switch (portplan_compute(&in, &pp)) {
	case PORTPLAN_FITS:
		return 0;
	case PORTPLAN_AUTO: {
		char err[256];
		if (srcset_parse(&cfg->sources, pp.spec, err, sizeof(err)) < 0) {
			fprintf(stderr, "tcpswarm client: cannot use source IPs %s: %s\n", pp.spec, err);
			return -1;
		}
		if (!quiet)
			fprintf(stderr,
				"tcpswarm client: one (source IP, target) holds at most %" PRIu64
				" connections (ip_local_port_range %u-%u) and connect() slows as it fills; using source IPs %s\n",
				pp.ports, lo, hi, pp.spec);
		return 0;
	}
	case PORTPLAN_NO_FIT:
		if (!cfg->ignore_plan) {
			refuse(cfg, &pp, workers, lo, hi);
			return -1;
		}
		break;
	case PORTPLAN_SLOW:
		break;
	}
	if (!quiet)
		fprintf(stderr,
			"tcpswarm client: warning: %" PRIu64 " connections on one (source IP, target) fill %.0f%% of "
			"ip_local_port_range %u-%u; connect() slows down as it fills: more source IPs help\n",
			pp.load, 100.0 * pp.fill, lo, hi);
	return 0;
}

int client_target_ports(const char *spec, size_t *host_len, uint16_t *lo, uint16_t *hi)
{
	const char *colon = strrchr(spec, ':');
	if (!colon || colon == spec)
		return 0;
	const char *p = colon + 1, *dash = strchr(p, '-');
	if (!dash || dash == p || !dash[1] || strspn(p, "0123456789") != (size_t)(dash - p) ||
	    strspn(dash + 1, "0123456789") != strlen(dash + 1))
		return 0;
	unsigned long a = strtoul(p, NULL, 10), b = strtoul(dash + 1, NULL, 10);
	if (a < 1 || b > 65535 || b < a)
		return -1;
	*host_len = (size_t)(colon - spec);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 1;
}
