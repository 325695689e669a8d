/* Making memory resident up front, in one call instead of a fault per page.
 *
 * Fixed per-worker memory (histograms, scratch) is faulted in before the
 * RSS baseline so that the memory per connection counts connections only.
 * Touching it page by page was most of the client's start-up: on this
 * project's host (a PVM guest) a page fault costs about 10 us, and the
 * 6-7 MB of a two-worker client took about 10 of the 24-25 ms from exec to
 * run start in a 15,000-connection hold (14-15 ms without). madvise(MADV_POPULATE_WRITE) (Linux 5.14) maps the same pages in
 * the kernel without a fault each: 3 MB in 0.5-1 ms against 7.6-8.2 ms
 * for a memset (measured here, 2026-12-03). */
#ifndef TCPSWARM_PREFAULT_H
#define TCPSWARM_PREFAULT_H

#include <stddef.h>

struct hist;

/* Memory the caller owns and holds zeroed (calloc, a fresh mmap): resident
 * and writable on return. Without MADV_POPULATE_WRITE it is zeroed again,
 * which writes every page. */
void prefault_zeroed(void *p, size_t n);
/* A shared mapping other processes may be writing: its pages mapped into
 * this process on return, the contents untouched (without
 * MADV_POPULATE_WRITE, a read of every page). */
void prefault_shared(const void *p, size_t n);
/* An empty histogram on the heap, resident (calloc, prefault_zeroed,
 * hist_init_zeroed); NULL when out of memory. free() releases it. */
struct hist *hist_new_resident(void);

#endif
