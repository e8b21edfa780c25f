/* sse.h - load and store XMM0-XMM7 as one 128-byte block, for guests
 * that check the VMM keeps their SSE registers their own. */
#ifndef GUEST_SSE_H
#define GUEST_SSE_H

#include <stdint.h>

#define SSE_BLOCK_WORDS 32 /* 8 registers x 4 dwords */

static inline void xmm_load(const uint32_t *buf)
{
	__asm__ volatile("movdqu 0(%0), %%xmm0\n\tmovdqu 16(%0), %%xmm1\n\t"
			 "movdqu 32(%0), %%xmm2\n\tmovdqu 48(%0), %%xmm3\n\t"
			 "movdqu 64(%0), %%xmm4\n\tmovdqu 80(%0), %%xmm5\n\t"
			 "movdqu 96(%0), %%xmm6\n\tmovdqu 112(%0), %%xmm7"
			 : : "r"(buf) : "memory");
}

static inline void xmm_store(uint32_t *buf)
{
	__asm__ volatile("movdqu %%xmm0, 0(%0)\n\tmovdqu %%xmm1, 16(%0)\n\t"
			 "movdqu %%xmm2, 32(%0)\n\tmovdqu %%xmm3, 48(%0)\n\t"
			 "movdqu %%xmm4, 64(%0)\n\tmovdqu %%xmm5, 80(%0)\n\t"
			 "movdqu %%xmm6, 96(%0)\n\tmovdqu %%xmm7, 112(%0)"
			 : : "r"(buf) : "memory");
}

#endif
