/* div64.h - 64-by-32-bit division without libgcc: a 32-bit build turns
 * "uint64_t / uint32_t" into a call to __udivdi3, which we do not link. */
#ifndef GUEST_DIV64_H
#define GUEST_DIV64_H

#include <stdint.h>

/* *n /= d; returns the remainder.  Two DIVs: the high half first, so
 * the second's quotient fits in 32 bits (SDM: DIV raises #DE if not). */
static inline uint32_t div64_u32(uint64_t *n, uint32_t d)
{
	uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n;
	uint32_t qhi = hi / d, rem = hi % d, qlo;

	__asm__("divl %4" : "=a"(qlo), "=d"(rem) : "a"(lo), "d"(rem),
		"rm"(d));
	*n = ((uint64_t)qhi << 32) | qlo;
	return rem;
}

#endif
