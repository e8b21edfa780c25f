/* host_cpu.h - instructions the backends and the CPUID handler run on the
 * host CPU itself: RDMSR, WRMSR, CPUID, RDTSC, CLI/POPF. */
#ifndef V3_HOST_CPU_H
#define V3_HOST_CPU_H

#include "v3_types.h"

static inline uint64_t v3_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void v3_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

/* The exit telemetry's clock: host cycles, read where they are spent
 * rather than through the host's (testable) v3_cycles. */
static inline uint64_t v3_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* The low half, for spans known to be short (they wrap after 2^32). */
static inline uint32_t v3_rdtsc32(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo;
}

/* Host interrupts off, and back as they were. */
static inline unsigned long v3_irq_save(void)
{
	unsigned long f;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f)::"memory");
	return f;
}

static inline void v3_irq_restore(unsigned long f)
{
	__asm__ volatile("pushq %0; popfq" ::"r"(f) : "memory", "cc");
}

/* r[0..3] = EAX..EDX of CPUID leaf/subleaf. */
static inline void v3_host_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

#endif
