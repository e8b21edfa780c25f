/* fpu.c - the guest's x87/SSE registers belong to the guest: values
 * loaded into XMM0-7, MXCSR and the x87 control word survive thousands
 * of exits and host interrupts, whatever else the host runs on the CPU
 * meanwhile (on the Linux host: other tasks, and in linux-fpu-pair a
 * second VM doing the same with other values on the same CPU). */
#include "libguest.h"
#include "sse.h"

#define ROUNDS 40
#define EXITS_PER_ROUND 500
#define CR4_OSFXSR (1u << 9)
#define MXCSR_VALUE 0x7f80u	/* all exceptions masked, round to zero */
#define FCW_VALUE 0x027fu	/* 53-bit precision instead of 64 */

static uint32_t pattern[SSE_BLOCK_WORDS] __attribute__((aligned(16)));
static uint32_t seen[SSE_BLOCK_WORDS] __attribute__((aligned(16)));

int main(void)
{
	uint32_t cr4, mxcsr = MXCSR_VALUE, got_mxcsr;
	uint16_t fcw = FCW_VALUE, got_fcw;
	uint32_t seed = (uint32_t)rdtsc() | 1;
	int bad_rounds = 0, first_bad = -1;

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_OSFXSR));
	for (int i = 0; i < SSE_BLOCK_WORDS; i++)
		pattern[i] = seed * (uint32_t)(2 * i + 1);
	__asm__ volatile("fninit\n\tfldcw %0\n\tldmxcsr %1"
			 : : "m"(fcw), "m"(mxcsr));
	xmm_load(pattern);
	for (int r = 0; r < ROUNDS; r++) {
		for (int k = 0; k < EXITS_PER_ROUND; k++)
			cpuid(V3_CPUID_HV_BASE);
		xmm_store(seen);
		if (memcmp(seen, pattern, sizeof(seen)) != 0) {
			if (first_bad < 0)
				first_bad = r;
			bad_rounds++;
			xmm_load(pattern);
		}
	}
	__asm__ volatile("fnstcw %0\n\tstmxcsr %1"
			 : "=m"(got_fcw), "=m"(got_mxcsr));
	report(bad_rounds == 0, "XMM0-7 kept over %d exits (%d of %d rounds "
	       "changed, first %d)", ROUNDS * EXITS_PER_ROUND, bad_rounds,
	       ROUNDS, first_bad);
	report(got_mxcsr == MXCSR_VALUE, "MXCSR kept: %x", got_mxcsr);
	report(got_fcw == FCW_VALUE, "x87 control word kept: %x", got_fcw);
	return report_summary();
}
