#include "tcpswarm/prefault.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcpswarm/hist.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older headers lack it */
#endif

/* madvise on every page [p, p + n) touches; true when the kernel did it.
 * A page holding a byte of the range is mapped, and populating never
 * changes contents, so the partial pages at either end (shared with
 * neighbouring memory) are included: left out, the first tick's reset of a
 * histogram faulted them in after the RSS baseline (+1.1 B a connection in
 * a 15k hold). */
static int populate(const void *p, size_t n)
{
	if (n == 0)
		return 1;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)p & ~(page - 1), b = ((uintptr_t)p + n + page - 1) & ~(page - 1);
	return madvise((void *)a, b - a, MADV_POPULATE_WRITE) == 0;
}

void prefault_zeroed(void *p, size_t n)
{
	if (!populate(p, n))
		memset(p, 0, n);
}

void prefault_shared(const void *p, size_t n)
{
	if (populate(p, n))
		return;
	volatile const uint8_t *b = p;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t sink = 0;
	for (size_t off = 0; off < n; off += page)
		sink ^= b[off];
	(void)sink;
}

struct hist *hist_new_resident(void)
{
	struct hist *h = calloc(1, sizeof(*h));
	if (h) {
		prefault_zeroed(h, sizeof(*h));
		hist_init_zeroed(h);
	}
	return h;
}
