/* Unsigned 64-bit arithmetic that the planners and the histogram share:
 * saturating at UINT64_MAX instead of wrapping (a plan for "too many" must
 * stay too many), and division rounded up. Pure. */
#ifndef TCPSWARM_ARITH_H
#define TCPSWARM_ARITH_H

#include <stdint.h>

static inline uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static inline uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* a / b rounded up; b must not be 0. */
static inline uint64_t div_ceil(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

#endif
