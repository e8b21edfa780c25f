/* fnv.h - FNV-1a 32, the checksum V3_HC_GPA_CHECKSUM computes, so a guest
 * can compare its view of memory with the VMM's. */
#ifndef GUEST_FNV_H
#define GUEST_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A_OFFSET 0x811c9dc5u
#define FNV1A_PRIME 0x01000193u

static inline uint32_t fnv1a_update(uint32_t h, const void *p, size_t n)
{
	const volatile uint8_t *b = p;	/* read RAM, not what GCC knows */

	while (n--) {
		h ^= *b++;
		h *= FNV1A_PRIME;
	}
	return h;
}

static inline uint32_t fnv1a(const void *p, size_t n)
{
	return fnv1a_update(FNV1A_OFFSET, p, n);
}

#endif
