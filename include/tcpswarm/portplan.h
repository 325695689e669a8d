/* The port plan: how a run of N connections spreads over (source IP, target)
 * tuples, how full each tuple's ip_local_port_range gets, and what to do
 * about it. One answer for the client (which acts on it), probe (which
 * predicts it) and the diagnosis (which explains a failed run).
 *
 * Pure: numbers in, numbers and a --source suggestion out; no I/O. */
#ifndef TCPSWARM_PORTPLAN_H
#define TCPSWARM_PORTPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One (source IP, target) tuple holds at most one port range of
 * connections, and the kernel's port search in connect() slows down sharply
 * as the range fills (it probes ports until it finds a free one). Measured
 * here (6.18, 70k connections to one port): at 62% fill per source IP
 * connects ran at ~2.5k/s after the first 56k and took 6 s; at 15% fill all
 * took 1.1 s. Hence: */
#define PORTPLAN_FILL_WARN 0.5  /* above this, pick sources (loopback) or warn */
#define PORTPLAN_FILL_PICK 0.25 /* fill the automatic choice aims for */
/* The automatic choice stays in 127.0.0.2-127.0.0.251: one /24, all on lo. */
#define PORTPLAN_AUTO_MAX 250

enum portplan_verdict {
	PORTPLAN_FITS,   /* every tuple at most PORTPLAN_FILL_WARN full */
	PORTPLAN_SLOW,   /* fits, but fuller: connect() slows down; more source IPs help */
	PORTPLAN_AUTO,   /* IPv4 loopback without sources: the client picks `sources` 127.0.0.x itself */
	PORTPLAN_NO_FIT, /* one tuple would need more connections than it has ports */
};

struct portplan_input {
	uint64_t conns;
	unsigned ntargets;    /* 0 counts as 1 */
	bool loopback_v4;     /* every target in 127.0.0.0/8: sources can be picked from it */
	uint64_t nsources;    /* source IPs given (--source), sharded over workers; 0 = none (the kernel's one) */
	unsigned workers;     /* reactor threads of the whole run; 0 counts as 1 */
	uint32_t port_lo, port_hi; /* net.ipv4.ip_local_port_range */
};

struct portplan {
	enum portplan_verdict verdict;
	uint64_t ports;       /* local ports per tuple */
	uint64_t load;        /* most connections one tuple holds with the sources the run uses */
	double fill;          /* load / ports; above 1: does not fit (infinite when ports is 0) */
	uint64_t sources;     /* source IPs the run uses: given, picked, or 1 (the kernel's) */
	uint64_t given_load;  /* load with the sources as given (before any automatic pick) */
	/* Source IPs needed for the plan to fit at all (100% fill), at least
	 * the workers when fewer would make them share; UINT64_MAX when the
	 * range is empty. The "use at least N source IPs" of a refusal. */
	uint64_t needed;
	/* PORTPLAN_AUTO: the --source the client uses ("127.0.0.2-127.0.0.N");
	 * otherwise, on IPv4 loopback, the range of `needed` addresses (for a
	 * fix); "" when there is none to suggest. */
	char spec[40];
};

/* The most connections any one (source IP, target) tuple must hold, given
 * how the client spreads them: each worker takes conns / workers (the first
 * conns % workers one more), round-robins them over the targets and over
 * its shard of the sources (srcset_shard: addresses i with i % workers == w,
 * or address w % n for all when there are fewer than workers). */
uint64_t portplan_max_tuple_load(uint64_t conns, unsigned ntargets, uint64_t nsources, unsigned workers);

/* "127.0.0.2-A.B.C.D" for n addresses counted up from 127.0.0.2 (n >= 1,
 * at most 0x00fffffd: inside 127.0.0.0/8); "" otherwise. */
void portplan_loopback_spec(char *out, size_t cap, uint64_t n);

/* Computes the plan. Returns p->verdict. */
enum portplan_verdict portplan_compute(const struct portplan_input *in, struct portplan *p);

const char *portplan_verdict_name(enum portplan_verdict v); /* "fits", "slow", "auto", "no-fit" */

#endif
