/* gdt.h - the kernel's GDT and TSS. */
#ifndef KITTEN_GDT_H
#define KITTEN_GDT_H

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define KERNEL_TSS 0x18 /* CPU n's TSS: KERNEL_TSS + 16 * n */
#define GDT_MAX_CPUS 8

/* IST slots in the TSS (SDM vol. 3 §6.14.5). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI_MCE 2

void gdt_init(void);	/* the boot CPU's */
void gdt_init_cpu(int cpu);

#endif
