#include "tcpswarm/carry.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

static void *reserve(size_t bytes)
{
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return m == MAP_FAILED ? NULL : m;
}

int carry_init(struct carry_pool *p, uint32_t cap, uint32_t slot_size)
{
	memset(p, 0, sizeof(*p));
	if (cap == 0)
		cap = 1;
	p->mem = reserve((size_t)cap * slot_size);
	p->free_ids = reserve((size_t)cap * sizeof(uint32_t));
	if (!p->mem || !p->free_ids) {
		carry_destroy(p);
		return -ENOMEM;
	}
	p->cap = cap;
	p->slot_size = slot_size;
	return 0;
}

void carry_destroy(struct carry_pool *p)
{
	if (p->mem)
		munmap(p->mem, (size_t)p->cap * p->slot_size);
	if (p->free_ids)
		munmap(p->free_ids, (size_t)p->cap * sizeof(uint32_t));
	memset(p, 0, sizeof(*p));
}

uint32_t carry_get(struct carry_pool *p)
{
	uint32_t id;
	if (p->nfree)
		id = p->free_ids[--p->nfree];
	else if (p->fresh < p->cap)
		id = ++p->fresh;
	else
		return 0;
	if (++p->used > p->peak)
		p->peak = p->used;
	return id;
}

void carry_put(struct carry_pool *p, uint32_t id)
{
	p->free_ids[p->nfree++] = id;
	p->used--;
}
