/* tcpswarm server: a listener and reactor per worker; reports each second
 * until SIGINT/SIGTERM (or -T), then prints the summary. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/cli.h"
#include "tcpswarm/monitor.h"
#include "tcpswarm/reactor.h"
#include "tcpswarm/run.h"
#include "tcpswarm/server.h"
#include "tcpswarm/worker.h"

int server_run(const struct server_config *cfg)
{
	unsigned workers = cfg->com.workers ? cfg->com.workers : worker_cpu_count();
	struct run_report rep;
	memset(&rep, 0, sizeof(rep));
	rep.workers = workers;
	struct run_ctl ctl;
	atomic_init(&ctl.phase, PHASE_RUN);
	ctl.start_ns = mono_ns();
	ctl.end_ns = cfg->com.duration_us ? ctl.start_ns + cfg->com.duration_us * 1000 : UINT64_MAX;
	struct server_shared ss;
	char err[512];
	int status = 0;
	struct wshared *sh = wshared_alloc(workers);
	struct sworker **sw = calloc(workers, sizeof(*sw));
	if (!sh || !sw) {
		fprintf(stderr, "tcpswarm server: out of memory\n");
		free(sw);
		wshared_free(sh, workers);
		return 1;
	}
	if (server_shared_init(&ss, cfg, &ctl, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpswarm server: %s\n", err);
		free(sw);
		wshared_free(sh, workers);
		return EXIT_USAGE;
	}
	for (unsigned i = 0; i < workers; i++) {
		sw[i] = sworker_new(&ss, &sh[i], i, err, sizeof(err));
		if (!sw[i]) {
			fprintf(stderr, "tcpswarm server: %s\n", err);
			status = EXIT_USAGE;
			goto out;
		}
	}
	addr_format(&ss.bound, rep.listen_addr, sizeof(rep.listen_addr));
	rep.backlog_effective = ss.backlog_effective;
	rep.conn_struct_bytes = server_conn_size();
	struct monitor mon;
	if (monitor_init(&mon, &rep, sh, workers, 0, cfg->com.quiet) < 0) {
		status = 1;
		goto out;
	}
	if (!cfg->com.quiet)
		fprintf(stderr, "tcpswarm server: listening on %s, mode %s, %u workers, backlog %d\n", rep.listen_addr,
			cfg->mode == MODE_ECHO ? "echo" : "sink", workers, ss.backlog_effective);
	ctl.start_ns = mono_ns();
	ctl.end_ns = cfg->com.duration_us ? ctl.start_ns + cfg->com.duration_us * 1000 : UINT64_MAX;
	struct worker_pool pool;
	int rc = worker_pool_start(&pool, workers, sworker_main, (void *const *)sw);
	if (rc < 0) {
		fprintf(stderr, "tcpswarm server: cannot start worker threads: %s\n", strerror(-rc));
		status = 1;
	}
	uint32_t sec = 0;
	while (rc == 0) {
		uint64_t next = ctl.start_ns + (uint64_t)(sec + 1) * 1000000000ULL;
		if (next > ctl.end_ns)
			next = ctl.end_ns;
		if ((rep.interrupted = monitor_wait(&mon, next)))
			break;
		monitor_tick(&mon, ++sec);
		if (next >= ctl.end_ns)
			break;
	}
	atomic_store_explicit(&ctl.phase, PHASE_STOP, memory_order_release);
	for (unsigned i = 0; i < pool.started; i++)
		sworker_wake(sw[i]);
	worker_pool_join(&pool);
	rep.duration_s = (double)(mono_ns() - ctl.start_ns) / 1e9;
	monitor_finish(&mon);
	monitor_destroy(&mon);
	totals_collect(sh, workers, &rep.tot);
	struct diag_input in = {
		.is_client = false, .tot = &rep.tot, .kdelta = &rep.kdelta, .limits = &rep.limits, .sock = &rep.sock_end,
		.peak_open = rep.peak_open, .backlog_effective = rep.backlog_effective,
		.listen_queue_peak = rep.tot.listen_queue_peak,
	};
	diagnose(&in, &rep.diag);
	report_summary_server(stdout, &rep, cfg);
	if (cfg->com.json_path && report_json_server(cfg->com.json_path, &rep, cfg) < 0)
		status = 1;
	if (cfg->com.csv_path && report_csv(cfg->com.csv_path, &rep) < 0)
		status = 1;
out:
	for (unsigned i = 0; i < workers; i++)
		sworker_free(sw[i]);
	free(sw);
	server_shared_destroy(&ss);
	wshared_free(sh, workers);
	series_free(&rep.series);
	return status;
}
