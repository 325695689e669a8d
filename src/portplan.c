/* The port plan shared by the client, probe and the diagnosis: per-tuple
 * load after sharding, fill, verdict, the source IPs needed. Pure. */
#include "tcpswarm/portplan.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "tcpswarm/arith.h"
#include "tcpswarm/srcaddr.h"

/* Connections worker w of workers opens. */
static uint64_t worker_conns(uint64_t conns, unsigned w, unsigned workers)
{
	return conns / workers + (w < conns % workers);
}

uint64_t portplan_max_tuple_load(uint64_t conns, unsigned ntargets, uint64_t nsources, unsigned workers)
{
	uint64_t t = ntargets ? ntargets : 1;
	unsigned nw = workers ? workers : 1;
	uint64_t max = 0;
	if (nsources < nw) {
		/* each worker uses one address, w % n (the kernel's one when none
		 * is given): the workers sharing an address add up on it */
		uint64_t n = nsources ? nsources : 1;
		for (uint64_t j = 0; j < n; j++) {
			uint64_t sum = 0;
			for (uint64_t w = j; w < nw; w += n)
				sum += div_ceil(worker_conns(conns, (unsigned)w, nw), t);
			if (sum > max)
				max = sum;
		}
		return max;
	}
	/* disjoint shards: worker w has the addresses w, w + nw, ... */
	for (unsigned w = 0; w < nw; w++) {
		uint64_t s = (nsources - w + nw - 1) / nw;
		uint64_t per = div_ceil(worker_conns(conns, w, nw), s * t);
		if (per > max)
			max = per;
	}
	return max;
}

void portplan_loopback_spec(char *out, size_t cap, uint64_t n)
{
	if (!cap)
		return;
	out[0] = 0;
	if (n < 1 || n > 0x00fffffdu)
		return;
	uint32_t last = (uint32_t)(0x7f000001u + n);
	snprintf(out, cap, "127.0.0.2-%u.%u.%u.%u", last >> 24, (last >> 16) & 0xff, (last >> 8) & 0xff, last & 0xff);
}

/* Sources to pick on loopback for a fill of PORTPLAN_FILL_PICK, a multiple
 * of the workers so each worker gets addresses of its own. */
static uint64_t auto_sources(uint64_t conns, uint64_t t, uint64_t ports, unsigned nw)
{
	double k = (double)conns / ((double)t * (double)ports * PORTPLAN_FILL_PICK);
	if (k > 1e12)
		return UINT64_MAX;
	uint64_t n = (uint64_t)k + 1;
	return (n + nw - 1) / nw * nw;
}

static void set_load(struct portplan *p, uint64_t load)
{
	p->load = load;
	p->fill = p->ports ? (double)load / (double)p->ports : (load ? INFINITY : 0);
}

enum portplan_verdict portplan_compute(const struct portplan_input *in, struct portplan *p)
{
	uint64_t t = in->ntargets ? in->ntargets : 1;
	unsigned nw = in->workers ? in->workers : 1;
	*p = (struct portplan){ .ports = ports_per_tuple(in->port_lo, in->port_hi) };
	p->sources = in->nsources ? in->nsources : 1;
	p->given_load = portplan_max_tuple_load(in->conns, in->ntargets, in->nsources, nw);
	set_load(p, p->given_load);
	p->needed = srcaddr_ips_needed(in->conns, t, in->port_lo, in->port_hi);
	if (p->needed < nw && p->sources < nw)
		p->needed = nw; /* fewer addresses than workers makes workers share them */
	if (p->ports == 0) {
		p->verdict = in->conns ? PORTPLAN_NO_FIT : PORTPLAN_FITS;
		return p->verdict;
	}
	if ((double)p->load <= (double)p->ports * PORTPLAN_FILL_WARN) {
		p->verdict = PORTPLAN_FITS;
		return p->verdict;
	}
	if (!in->nsources && in->loopback_v4) {
		uint64_t k = auto_sources(in->conns, t, p->ports, nw);
		if (k <= PORTPLAN_AUTO_MAX) {
			p->verdict = PORTPLAN_AUTO;
			p->sources = k;
			set_load(p, portplan_max_tuple_load(in->conns, in->ntargets, k, nw));
			portplan_loopback_spec(p->spec, sizeof(p->spec), k);
			return p->verdict;
		}
	}
	p->verdict = p->load > p->ports ? PORTPLAN_NO_FIT : PORTPLAN_SLOW;
	if (in->loopback_v4)
		portplan_loopback_spec(p->spec, sizeof(p->spec), p->needed);
	return p->verdict;
}

const char *portplan_verdict_name(enum portplan_verdict v)
{
	switch (v) {
	case PORTPLAN_FITS: return "fits";
	case PORTPLAN_SLOW: return "slow";
	case PORTPLAN_AUTO: return "auto";
	case PORTPLAN_NO_FIT: return "no-fit";
	}
	return "?";
}
