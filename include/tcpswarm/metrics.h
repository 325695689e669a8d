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

/* Starts serving when addr is set (its length is not 0), else does nothing:
 * 0, or EXIT_USAGE with the reason printed (the address cannot be bound).
 * *out is NULL unless a server started. The listening socket is closed in
 * forked worker processes. */
int metrics_start(struct metrics **out, const char *role, const struct sockaddr_any *addr, struct wshared *sh,
		  size_t nworkers);
/* Stops the thread and closes the socket; NULL is fine. */
void metrics_stop(struct metrics *m);

#endif
