/* --shard I/N and --start-at: N machines running the same command with
 * I = 1..N make one global plan together. Pure: numbers in, numbers out. */
#ifndef TCPSWARM_SHARD_H
#define TCPSWARM_SHARD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tcpswarm/config.h"

/* "I/N" with 1 <= I <= N <= 65536. 0, or -1 with a message. */
int shard_parse(const char *v, struct shard_spec *out, char *err, size_t cap);
/* Epoch seconds ("1796157000") or RFC 3339 UTC or with an offset
 * ("2026-12-01T20:30:00Z", "2026-12-01T21:30:00+01:00"). */
int start_at_parse(const char *v, int64_t *out, char *err, size_t cap);
/* A start at most 24 h ahead and not more than START_AT_PAST_S behind now. */
#define START_AT_PAST_S 5
int start_at_check(int64_t at, int64_t now, char *err, size_t cap);

/* Part `index` (1..count) of n things: n / count each, the remainder to the
 * first shards. *first is the part's first item. */
uint64_t shard_part(uint64_t n, uint64_t index, uint64_t count, uint64_t *first);

struct shard_slice {
	uint64_t conns;
	double rate, connect_rate; /* the global rates times conns / total */
	uint64_t seed;             /* seed + index - 1: shards differ, reruns repeat */
	size_t src_first, src_n;   /* the part of --source this shard uses */
};
/* The slice of one shard; -1 with a message when the plan cannot be cut
 * that way (fewer connections than shards). */
int shard_split(const struct shard_spec *sh, uint64_t conns, double rate, double connect_rate, uint64_t seed,
		size_t nsources, struct shard_slice *out, char *err, size_t cap);

/* A rate schedule cut to one shard exactly as -r is (by the shard's part of
 * conns, the plan's -c): every rate times sl->conns / conns. A conn schedule
 * is cut where it is read (schedule_conns_of). */
void shard_split_schedule(const struct shard_slice *sl, uint64_t conns, struct schedule *rate);

/* Engine side (src/shard_apply.c), called once by client_run: cut cfg down
 * to its shard (-c, -r, --connect-rate, seed, the --source slice), and wait
 * for --start-at. 0, or -1 with a message on stderr. */
int shard_apply(struct client_config *cfg);
int start_at_wait(const struct client_config *cfg);

#endif
