/* --shard and --start-at applied to a parsed client plan, before the run. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tcpswarm/shard.h"

int shard_apply(struct client_config *cfg)
{
	struct shard_slice sl;
	char err[200];
	if (!cfg->shard.count)
		return 0;
	if (shard_split(&cfg->shard, cfg->conns, cfg->rate, cfg->connect_rate, cfg->seed, cfg->sources.n, &sl, err,
			sizeof(err)) < 0) {
		fprintf(stderr, "tcpswarm client: option --shard: %s\n", err);
		return -1;
	}
	shard_split_schedule(&sl, cfg->conns, &cfg->rate_sched); /* as -r */
	cfg->shard.total_conns = cfg->conns;
	cfg->shard.total_rate = cfg->rate;
	cfg->conns = sl.conns;
	cfg->rate = sl.rate;
	cfg->connect_rate = sl.connect_rate;
	cfg->seed = sl.seed;
	if (cfg->sources.n) { /* keep only this shard's slice of the addresses */
		memmove(cfg->sources.addrs, cfg->sources.addrs + sl.src_first, sl.src_n * sizeof(cfg->sources.addrs[0]));
		cfg->sources.n = sl.src_n;
	}
	if (cfg->has_expect_conns && cfg->expect_conns > cfg->conns)
		cfg->expect_conns = cfg->conns; /* the gate holds this shard's part */
	return 0;
}

int start_at_wait(const struct client_config *cfg)
{
	char err[200];
	if (!cfg->start_at)
		return 0;
	if (start_at_check(cfg->start_at, (int64_t)time(NULL), err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpswarm client: option --start-at: %s\n", err);
		return -1;
	}
	if (!cfg->com.quiet)
		fprintf(stderr, "tcpswarm client: waiting %" PRId64 " s for --start-at\n", cfg->start_at - (int64_t)time(NULL));
	struct timespec at = {.tv_sec = (time_t)cfg->start_at, .tv_nsec = 0};
	int rc;
	while ((rc = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, NULL)) == EINTR)
		;
	return rc ? -1 : 0;
}
