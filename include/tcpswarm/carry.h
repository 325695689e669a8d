/* Carry-over buffers: a small pool of fixed-size slots for the rare frame
 * that straddles two reads (or output a peer is not ready to take).
 *
 * An idle connection owns no buffer: it holds a 32-bit slot id only while a
 * frame is split. Memory is reserved (MAP_NORESERVE) for `cap` slots but
 * pages are touched only when a slot is first used, so the pool costs what
 * is in flight, not what is connected. */
#ifndef TCPSWARM_CARRY_H
#define TCPSWARM_CARRY_H

#include <stddef.h>
#include <stdint.h>

struct carry_pool {
	uint8_t *mem;
	uint32_t *free_ids; /* stack of returned slot ids */
	uint32_t nfree, fresh, cap, slot_size;
	uint32_t used, peak;
};

int carry_init(struct carry_pool *p, uint32_t cap, uint32_t slot_size);
void carry_destroy(struct carry_pool *p);
/* A slot id (>= 1), or 0 when every slot is taken. */
uint32_t carry_get(struct carry_pool *p);
void carry_put(struct carry_pool *p, uint32_t id);
static inline uint8_t *carry_ptr(struct carry_pool *p, uint32_t id)
{
	return p->mem + (size_t)(id - 1) * p->slot_size;
}

#endif
