/* The main thread's side of a run: waits for each second (or a signal),
 * samples the workers' counters, the kernel's counters and RSS, and builds
 * the per-second series and the whole-run deltas. */
#ifndef TCPSWARM_MONITOR_H
#define TCPSWARM_MONITOR_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "tcpswarm/report.h"

struct monitor {
	struct wshared *sh;
	size_t nworkers;
	struct run_report *rep;
	struct totals prev;
	struct kcounters kstart, kprev;
	bool have_k;
	struct hist *interval; /* this second's latencies */
	uint64_t target;       /* client: -c, for the live line */
	bool live, tty;
	sigset_t sigs;         /* SIGINT, SIGTERM: blocked, waited for */
};

/* Blocks SIGINT/SIGTERM in the calling thread (do it before starting
 * workers) and takes the starting snapshot. -1 if out of memory. */
int monitor_init(struct monitor *m, struct run_report *rep, struct wshared *sh, size_t n, uint64_t target, bool quiet);
/* Sleeps until monotonic time `until_ns`; true if SIGINT/SIGTERM came. */
bool monitor_wait(struct monitor *m, uint64_t until_ns);
/* Takes one sample (t seconds since start), prints the live line, appends
 * to the series, tracks peak open connections and RSS at that peak. */
void monitor_tick(struct monitor *m, uint32_t t);
/* Whole-run kernel deltas, sockstat and limits; ends the live line. */
void monitor_finish(struct monitor *m);
void monitor_destroy(struct monitor *m);

#endif
