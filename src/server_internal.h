/* Private to the server engine (server.c, server_rr.c). */
#ifndef TCPSWARM_SERVER_INTERNAL_H
#define TCPSWARM_SERVER_INTERNAL_H

#include <stdint.h>

#include "tcpswarm/carry.h"
#include "tcpswarm/reactor.h"
#include "tcpswarm/server.h"

#define SCRATCH_BYTES (16 * 1024) /* one read; also the carry slot size */
#define LISTENER_DATA (UINT64_MAX - 1)
#define QUEUE_SAMPLE_NS 100000000 /* listener queue sampled 10 times a second */

enum { SS_FREE, SS_OPEN };
enum { SF_CLOSE_AFTER = 1, SF_BAD = 2 }; /* close once output is written (after a 400/FORMERR: bad) */
#define OUT_BYTES SCRATCH_BYTES /* responses of one batch; fits a carry slot */

/* One accepted connection: 20 bytes, indexed by fd. */
struct sconn {
	uint32_t gen;
	uint16_t owner;     /* worker that accepted it */
	uint8_t state;
	uint8_t flags;      /* SF_* */
	uint32_t carry;     /* output the peer has not taken yet */
	uint16_t pend_off;  /* bytes of the carry slot already written */
	uint16_t pend_len;
	uint32_t body_left; /* http: body bytes owed after the carried ones */
};
_Static_assert(sizeof(struct sconn) <= 64, "per-connection budget is 64 bytes");

struct sworker {
	struct reactor r;
	struct server_shared *ss;
	struct wshared *sh;
	unsigned id;
	int lfd;
	int reserve_fd;        /* spare fd given up to shed a connection at EMFILE */
	uint64_t accept_from_ns;
	uint64_t next_sample_ns;
	struct carry_pool carry;
	uint8_t *scratch;
	uint8_t *out;          /* http/dns: responses of one batch */
};

static inline struct sconn *server_conn_at(struct sworker *w, int fd) { return (struct sconn *)w->ss->conns + fd; }
void server_conn_close(struct sworker *w, int fd, enum close_reason why, int err);

/* Writes pending output (carried bytes, then owed body bytes), every mode:
 * 1 when all is written, 0 when the peer is not reading, -1 when closed. */
int server_flush(struct sworker *w, int fd, struct sconn *c);
/* http and dns modes */
void rr_serve(struct sworker *w, int fd, struct sconn *c, uint32_t events);

#endif
