/* x86.h - the few privileged x86-64 instructions the LWK needs, as
 * inline functions, and the architectural bit numbers we touch. */
#ifndef KITTEN_X86_H
#define KITTEN_X86_H

#include <stdint.h>

/* RFLAGS.IF (SDM vol. 1 §3.4.3). */
#define X86_RFLAGS_IF (1ul << 9)

/* EFER (SDM vol. 3 §2.2.1, APM vol. 2 §3.1.7). */
#define MSR_EFER 0xc0000080u
#define EFER_NXE (1ull << 11)

/* CR0/CR4 bits (SDM vol. 3 §2.5). */
#define CR0_MP (1ul << 1)
#define CR0_EM (1ul << 2)
#define CR0_NE (1ul << 5)
#define CR0_WP (1ul << 16)
#define CR4_PSE (1ul << 4)
#define CR4_PGE (1ul << 7)
#define CR4_OSFXSR (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)
#define CR4_SMEP (1ul << 20)
#define CR4_SMAP (1ul << 21)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

/* Port 0x80 is the traditional POST port: a write to it takes long
 * enough to let the slow 8259 settle between initialization words. */
static inline void io_delay(void)
{
	outb(0x80, 0);
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline unsigned long read_rflags(void)
{
	unsigned long f;

	__asm__ volatile("pushfq; popq %0" : "=r"(f)::"memory");
	return f;
}

static inline void cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void sti(void)
{
	__asm__ volatile("sti" ::: "memory");
}

/* STI delays interrupt recognition by one instruction (SDM vol. 2B,
 * STI), so an interrupt that is already pending wakes the HLT instead
 * of being taken before it and then sleeping until the next one. */
static inline void sti_hlt(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* Disable interrupts, returning the previous RFLAGS for irq_restore. */
static inline unsigned long irq_save(void)
{
	unsigned long f = read_rflags();

	cli();
	return f;
}

static inline void irq_restore(unsigned long flags)
{
	if (flags & X86_RFLAGS_IF)
		sti();
}

#define READ_CR(n)                                                     \
	static inline unsigned long read_cr##n(void)                   \
	{                                                              \
		unsigned long v;                                       \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));      \
		return v;                                              \
	}
READ_CR(0)
READ_CR(2)
READ_CR(3)
READ_CR(4)
#undef READ_CR

static inline void write_cr0(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory");
}

static inline void write_cr3(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}

static inline void write_cr4(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}

#endif
