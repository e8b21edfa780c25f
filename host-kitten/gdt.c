/* gdt.c - the kernel's GDT: flat 64-bit code and data, and a TSS.
 *
 * Long mode ignores segmentation, but a TSS is still needed for the
 * interrupt stack table (SDM vol. 3 §7.7, §6.14.5): double faults, NMIs
 * and machine checks switch to stacks of their own, so a thread stack
 * overflow ends in a readable panic instead of a triple fault.  A valid
 * TR also gives VMSAVE/VMLOAD a sane host TR to save and restore. */
#include "gdt.h"

#include <stdint.h>

#define IST_STACK_SIZE 8192

/* 64-bit TSS (SDM vol. 3 §7.7, figure 7-11). */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* One TSS and its IST stacks per CPU: a busy TSS cannot be loaded by
 * a second CPU (SDM vol. 3 §7.2.2). */
static struct tss64 tss[GDT_MAX_CPUS] __attribute__((aligned(16)));
static uint8_t ist_stacks[GDT_MAX_CPUS][2][IST_STACK_SIZE]
	__attribute__((aligned(16)));

/* Null, code (L=1, P, DPL0, execute/read), data (P, read/write, G, B),
 * then one 16-byte TSS descriptor per CPU, filled in below. */
static uint64_t gdt[3 + 2 * GDT_MAX_CPUS] __attribute__((aligned(16))) = {
	0,
	0x00af9a000000ffffull,
	0x00cf92000000ffffull,
};

void gdt_init(void)
{
	gdt_init_cpu(0);
}

void gdt_init_cpu(int cpu)
{
	struct tss64 *t = &tss[cpu];
	uint64_t base = (uint64_t)t;
	uint64_t limit = sizeof(*t) - 1;
	struct gdt_ptr p = { sizeof(gdt) - 1, (uint64_t)gdt };

	t->ist[IST_DOUBLE_FAULT - 1] =
		(uint64_t)&ist_stacks[cpu][0][IST_STACK_SIZE];
	t->ist[IST_NMI_MCE - 1] =
		(uint64_t)&ist_stacks[cpu][1][IST_STACK_SIZE];
	/* No I/O permission bitmap: base beyond the limit. */
	t->iomap_base = sizeof(*t);

	/* Available 64-bit TSS, type 9, present (SDM vol. 3 §7.2.3). */
	gdt[3 + 2 * cpu] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			   (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
			   (((base >> 24) & 0xff) << 56);
	gdt[4 + 2 * cpu] = base >> 32;

	__asm__ volatile("lgdt %0" ::"m"(p));
	/* Reload CS with a far return, then the data segments. */
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %1, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 :
			 : "i"(KERNEL_CS), "i"(KERNEL_DS)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" ::"r"(KERNEL_TSS + 16 * cpu));
}
