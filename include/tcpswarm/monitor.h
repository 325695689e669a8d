/* The main thread's side of a run: waits for each second (or a signal),
 * samples the workers' counters, the kernel's counters and RSS, and builds
 * the per-second series and the whole-run deltas. */
#ifndef TCPSWARM_MONITOR_H
#define TCPSWARM_MONITOR_H

#include <signal.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "tcpswarm/cpustat.h"
#include "tcpswarm/outfile.h"
#include "tcpswarm/report.h"

struct monitor {
	struct wshared *sh;
	size_t nworkers;
	struct run_report *rep;
	struct totals prev;
	struct kcounters kstart, kprev;
	bool have_k;
	bool load_ended;
	struct hist *interval; /* this second's latencies */
	uint64_t target;       /* client: -c, for the live line */
	bool live, tty;
	double live_total_s;             /* the load's length for the live line; 0 = open-ended */
	const struct schedule *live_sched; /* client: rate schedule, or NULL */
	struct sched_part live_conns;      /* client: --conn-schedule (s NULL: none) */
	sigset_t sigs;         /* SIGINT, SIGTERM: blocked, waited for */
	const pid_t *pids;     /* worker processes, if any: RSS is theirs */
	size_t npids;
	unsigned per_proc;     /* workers per process: slot of process k is k * per_proc */
	/* client: this second's service times and send lags; CPU samples (the
	 * workers' thread clocks, the host's /proc/stat) at the last tick and
	 * at the start, for busy shares per second and over the load */
	struct hist *svc_iv, *lag_iv, *own_iv;
	struct cpu_times host_prev, host_start;
	bool have_host;
	uint64_t cpu_prev_ns, wall_prev_ns;
	/* --csv and --hdr-log, streamed: a row a second into FILE.partial */
	struct outfile csv, hdr;
	int csv_err, hdr_err;     /* an errno seen while writing: nothing is kept */
	double epoch_base, epoch_prev; /* wall clock at the start, at the last tick */
};

/* Called by a worker group (in whatever process runs it) right before its
 * threads start: pays the group's fixed costs (its shared slots) and records
 * the RSS that per-connection memory is measured from. */
void monitor_group_baseline(struct wshared *sh, unsigned first, unsigned count);

/* With worker processes, memory is measured in them, not in the parent. */
void monitor_set_processes(struct monitor *m, const pid_t *pids, size_t n, unsigned per_proc);

/* Blocks SIGINT/SIGTERM in the calling thread (do it before starting
 * workers) and takes the starting snapshot. -1 if out of memory. */
int monitor_init(struct monitor *m, struct run_report *rep, struct wshared *sh, size_t n, uint64_t target, bool quiet);
/* What the live line shows beside the counters: the load's length (ns;
 * 0 or UINT64_MAX: until a signal) and the client's rate schedule (or NULL:
 * no intended rate shown), and its conn schedule (s NULL: none). Call after
 * monitor_init. */
void monitor_set_live(struct monitor *m, uint64_t load_ns, const struct schedule *sched, struct sched_part conns);
/* Opens the streamed series files (either may be NULL) right after
 * monitor_init: 0, or -1 with a message prefixed by "tcpswarm <who>". */
int monitor_open_outputs(struct monitor *m, const char *who, const char *csv, const char *hdr_log);
/* After the workers' last figures: the --hdr-log's last interval (answers
 * of the drain), then both files renamed into place. 0, or -1 (message). */
int monitor_commit_outputs(struct monitor *m);
/* Sleeps until monotonic time `until_ns`; true if SIGINT/SIGTERM came. */
bool monitor_wait(struct monitor *m, uint64_t until_ns);
/* Takes one sample (t seconds since start), prints the live line, appends
 * to the series, tracks peak open connections and RSS at that peak. */
void monitor_tick(struct monitor *m, uint32_t t);
/* The load is over (our own teardown follows): takes the whole-run kernel
 * counter deltas and sockstat now, so closing every connection at the end
 * (TIME-WAIT, resets) is not counted as the run's. */
void monitor_end_load(struct monitor *m);
/* Limits and memory; ends the live line. Calls monitor_end_load if it was
 * not called. */
void monitor_finish(struct monitor *m);
void monitor_destroy(struct monitor *m);

#endif
