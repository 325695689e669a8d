/* Who connects to the server: per (source address, listening port), the
 * connections open, their peak and how many were accepted.
 *
 * Each worker owns one struct peer_table (in a shared mapping the server
 * role allocates, so worker processes fill it as threads do) and touches
 * it only at accept (peers_open) and close (peers_close): never per
 * request. The worker keeps the 16-bit index peers_open returns in a side
 * array by fd, so the 20-byte connection slot does not grow. At the end the
 * reporter merges every worker's table (peers_merge). Pure: no syscalls. */
#ifndef TCPSWARM_SERVER_PEERS_H
#define TCPSWARM_SERVER_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpswarm/srcaddr.h"

/* (address, port) pairs one worker tells apart; connections from more are
 * counted together as "other". Index 0 is "other", so entries are 1..MAX. */
#define PEERS_MAX 65535u
#define PEERS_HASH 131072u /* open-addressing slots: at most half full */
#define PEERS_TOP 5        /* rows in the summary */

struct peer_entry {
	uint8_t addr[16]; /* IPv6, or IPv4-mapped (::ffff:a.b.c.d) */
	uint16_t port;    /* our listening port (host order) */
	uint16_t pad;
	uint32_t open, peak;
	uint32_t pad2;
	uint64_t accepted;
};

/* Zero-filled is empty (a fresh anonymous mapping needs no init). */
struct peer_table {
	uint32_t n;                   /* entries used, 1..n */
	uint32_t other_open, other_peak;
	uint64_t other_accepted;
	uint16_t slot[PEERS_HASH];    /* entry index, 0 = empty */
	struct peer_entry e[PEERS_MAX + 1];
};

/* A connection from peer accepted on lport: its index for peers_close
 * (0 when the table is full: counted as other). */
uint16_t peers_open(struct peer_table *t, const struct sockaddr_any *peer, uint16_t lport);
/* The connection of that index closed. still_open: the run ended with it
 * open (its close is the server stopping), so "open" keeps counting it. */
void peers_close(struct peer_table *t, uint16_t idx, bool still_open);

/* One row of the merged view. open: at the end of the run; peak: the sum
 * of each worker's peak (an upper bound of the combined peak; exact with
 * one worker); accepted: over the run. */
struct peer_row {
	char addr[48];    /* "10.0.0.1" or "2001:db8::1" */
	uint16_t port;
	uint64_t open, peak, accepted;
};

struct peer_summary {
	struct peer_row *v; /* by peak, then open, then accepted, highest first */
	size_t n;
	uint64_t other_open, other_peak, other_accepted; /* beyond a full table */
	bool overflow;      /* some worker's table was full */
	size_t addresses;   /* distinct source addresses (ports folded) */
};

/* Merges n tables into s (rows allocated; NULL tables are skipped). 0, or
 * -1 when out of memory (s is then empty). */
int peers_merge(const struct peer_table *const *t, size_t n, struct peer_summary *s);
/* The order rows are listed in, busiest first: by peak, then open, then
 * accepted, highest first; 0 on a tie (the caller breaks it). For the
 * server's summary and for merge's rows alike. */
int peers_by_load(uint64_t peak_a, uint64_t open_a, uint64_t acc_a, uint64_t peak_b, uint64_t open_b, uint64_t acc_b);
void peers_summary_free(struct peer_summary *s);

/* The row holding most connections on one port (peak), or NULL. */
const struct peer_row *peers_busiest(const struct peer_summary *s);

#endif
