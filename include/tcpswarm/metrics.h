/* --metrics ADDR:PORT: the run's counters, gauges and request-latency
 * histogram in the Prometheus text exposition format (version 0.0.4),
 * served over HTTP/1.0 by one thread off the hot path. The thread reads the
 * workers' shared slots as the monitor does (relaxed counter loads, the
 * histograms under each slot's lock, which workers take only to publish),
 * answers one connection at a time and closes it.
 *
 * metrics_format is pure (metrics_text.c); the server is metrics.c. */
#ifndef TCPSWARM_METRICS_H
#define TCPSWARM_METRICS_H

#include <stddef.h>

#include "tcpswarm/counters.h"
#include "tcpswarm/hist.h"
#include "tcpswarm/srcaddr.h"

/* The exposition of one scrape into out (NUL-terminated when cap > 0).
 * role names the run ("client", "server"); lat is the whole run's request
 * latency so far. Returns the length written, or like snprintf the length
 * needed when cap is too small. */
size_t metrics_format(char *out, size_t cap, const char *role, const char *version, const struct totals *t,
		      const struct hist *lat);

/* The setter of --metrics: a numeric "IP:PORT" or "[v6]:PORT" (port 1..65535). */
int metrics_parse_addr(const char *v, struct sockaddr_any *out, char *err, size_t cap);

struct wshared;
struct metrics;

/* Binds the address when it is set (its length is not 0), else does
 * nothing: 0, or EXIT_USAGE with the reason printed (the address cannot be
 * bound), so a bad --metrics stops the run before it starts. *out is NULL
 * unless it bound. The listening socket is closed in forked worker processes. */
int metrics_start(struct metrics **out, const char *role, const struct sockaddr_any *addr, struct wshared *sh,
		  size_t nworkers);
/* Starts the serving thread: 0 (also for NULL), or 1 with the reason
 * printed. Call it after the worker processes are forked: a child forked
 * while this thread holds an allocator or stdio lock would deadlock on it
 * (seen under ASan: a worker stuck in calloc until the parent killed it). */
int metrics_serve(struct metrics *m);
/* Stops the thread and closes the socket; NULL is fine. */
void metrics_stop(struct metrics *m);

#endif
