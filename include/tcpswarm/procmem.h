/* Resident memory of a process, from /proc/PID/statm: a kernel reader, for
 * the per-connection memory figure. */
#ifndef TCPSWARM_PROCMEM_H
#define TCPSWARM_PROCMEM_H

#include <stdint.h>
#include <sys/types.h>

/* Resident set size of this process in bytes (from /proc/self/statm). */
uint64_t rss_bytes(void);
/* The same for another process (0 = this one); 0 if it cannot be read. */
uint64_t rss_bytes_of(pid_t pid);

#endif
