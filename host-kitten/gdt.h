/* gdt.h - the kernel's GDT and TSS. */
#ifndef KITTEN_GDT_H
#define KITTEN_GDT_H

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define KERNEL_TSS 0x18

/* IST slots in the TSS (SDM vol. 3 §6.14.5). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI_MCE 2

void gdt_init(void);

#endif
