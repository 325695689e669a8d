/* Load schedules (issue 16): a value (a request rate) over time, piecewise
 * linear with steps, parsed from `--rate-schedule 0s:1k,30s:+50k,90s:0` or
 * from the two classic tcpclient stdin formats, and evaluated as the value
 * at a time, its integral (requests intended up to a time) and the inverse
 * of the integral (when the N-th request is due).
 *
 * Pure: the text comes in, the caller reads files. The points live inside
 * the struct (no allocation: worker processes inherit it by fork). Times
 * are seconds from the start of the load. Before the first point the value
 * is the first point's; after the last it holds the last point's. */
#ifndef TCPSWARM_SCHEDULE_H
#define TCPSWARM_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#define SCHED_MAX_POINTS 4096
/* The largest rate (requests a second) a schedule or -r takes: far above what
 * any machine sends, low enough that a century's integral fits 64 bits. */
#define SCHED_MAX_RATE 1e9

/* Point i: at time t the value is v; cum is the integral from 0 to t. Two
 * points at one time are a step (the value jumps from the first's v to the
 * second's). Times never decrease. */
struct sched_point {
	double t, v, cum;
};

struct schedule {
	size_t n; /* 0: no schedule */
	struct sched_point p[SCHED_MAX_POINTS];
};

enum sched_format { SCHED_STEPS, SCHED_SLOPE };

/* "TIME:VALUE[,TIME:VALUE...]": times take the duration units ("30s",
 * "1500ms", "2m"; a bare number is seconds), values the count suffixes (k,
 * m). Linear between points; "TIME:+VALUE" is a step (the value before it
 * holds until TIME, then jumps). Times strictly increase (a step may share
 * its time with the point before). 0, or -1 with "column N: ..." in err. */
int schedule_parse_spec(const char *spec, struct schedule *s, char *err, size_t cap);
/* The classic tcpclient --stdin text: the first line the count of steps,
 * then that many "<duration_ms> <rate>" lines, each holding rate for
 * duration_ms. Blank lines are skipped. 0, or -1 with "line L, column C:
 * ..." in err. */
int schedule_parse_steps(const char *text, struct schedule *s, char *err, size_t cap);
/* The classic --stdin-rateslope text: "<duration_ms> <slope_qps_per_s>"
 * lines (slope may be negative), from start_rate; an optional first line
 * with a single number is the count of lines, as in --stdin. The rate may
 * not fall below 0. 0, or -1 with "line L, column C: ..." in err. */
int schedule_parse_slope(const char *text, double start_rate, struct schedule *s, char *err, size_t cap);
/* Either classic format. */
int schedule_parse_text(const char *text, enum sched_format fmt, double start_rate, struct schedule *s, char *err,
			size_t cap);

/* The value at t seconds (at a step: the value after it). */
double schedule_value(const struct schedule *s, double t);
/* The integral of the value from 0 to t (t < 0 counts as 0). */
double schedule_integral(const struct schedule *s, double t);
/* The first time at which the integral reaches area; INFINITY when it never
 * does (the value stays 0 from some point on). */
double schedule_time_of(const struct schedule *s, double area);
/* The time of the last point: the schedule's length. */
double schedule_length(const struct schedule *s);
/* The largest value anywhere. */
double schedule_peak(const struct schedule *s);
/* A count schedule's value (--conn-schedule: connections) as a whole count,
 * rounded to nearest. */
uint64_t schedule_count_at(const struct schedule *s, double t);
/* Part `id` (0-based) of `total` split over `parts`, as -c is split over
 * workers and shards: total / parts, plus one for the first total % parts.
 * The parts add up to total exactly. */
uint64_t schedule_share(uint64_t total, uint64_t id, uint64_t parts);
/* The connections one worker aims at t seconds in: the schedule's count at
 * t, this shard's part of it (shard_i of shard_n, 1-based; shard_n 0: not
 * sharded), then worker's part of that over nworkers: exactly as -c is split
 * over shards (shard.c) and workers (client.c). */
uint64_t schedule_conns_of(const struct schedule *s, double t, uint64_t shard_i, uint64_t shard_n, unsigned worker,
			   unsigned nworkers);
/* A count schedule and the part of it this machine runs (--shard I/N;
 * shard_n 0: all of it): what the live line and the series show as the
 * connections intended. s NULL: none. */
struct sched_part {
	const struct schedule *s;
	uint64_t shard_i, shard_n;
};
/* This machine's count at t (schedule_conns_of over one worker). */
uint64_t sched_part_count(const struct sched_part *p, double t);
/* Every value (and integral) times factor: a shard's part of a schedule
 * (--shard I/N splits a rate schedule as it splits -r). */
void schedule_scale(struct schedule *s, double factor);

#endif
