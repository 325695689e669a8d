/* Fill-first steering of a port's SO_REUSEPORT listeners (server_steer.c).
 * An automatic plan on a small nofile limit makes more listeners than there
 * are CPUs (--max-conns 250k at ulimit -n 20000: 14 processes on 2 CPUs);
 * hashed over all of them, every accept wakes its own process. Steered, a
 * window of as many listeners as CPUs takes the SYNs; a worker whose process
 * nears its descriptor limit (less 1/8 and an accept queue's worth) moves
 * the window past itself, and past
 * the last listener the kernel's hash spreads what is left over all of them. */
#ifndef TCPSWARM_SERVER_STEER_H
#define TCPSWARM_SERVER_STEER_H
#include <stdbool.h>
#include <stdint.h>
#include "tcpswarm/server.h"

struct steer_worker {
	bool on;                         /* steering applies to this worker */
	bool moved;                      /* it moved the window (once) */
	int fill_mark;                   /* an accepted fd this high moves the window */
	uint32_t index[SERVER_MAX_PORTS]; /* its listener's place in each port's group */
};

/* Parent, before the workers fork: shared state for an automatic plan
 * (no --processes, no -w); nothing otherwise. */
void server_steer_init(const struct server_config *cfg);

/* listen(fd) under the shared lock, so the order of listen() calls (the
 * kernel's order of the group) is known: the listener's place goes to
 * sw->index[port_k]; the first listener of a port attaches the program.
 * Decides sw->on from nworkers (over all processes) against the CPUs, and
 * the fill mark from the process's descriptor limit less 1/8 and the
 * accept queue's length (queue_max). listen()'s result. */
int server_steer_listen(struct steer_worker *sw, unsigned port_k, int fd, int backlog, int queue_max,
			unsigned nworkers, size_t maxfd);

/* The worker accepted fd sw->fill_mark or higher: the window moves past its
 * listeners (lfds[k] for port k). */
void server_steer_filled(struct steer_worker *sw, const int *lfds, unsigned nlfd);

/* The program for a group of n listeners whose window is [base, base + window):
 * out gets the instructions (cap >= STEER_PROG_MAX), the count is returned. */
#define STEER_PROG_MAX 12
struct sock_filter;
unsigned server_steer_program(struct sock_filter *out, uint32_t base, uint32_t window, uint32_t n);
/* Attaches it to listener fd's group; 0 or -1 with errno. */
int server_steer_attach(int fd, uint32_t base, uint32_t window, uint32_t n);
#endif
