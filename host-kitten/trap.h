/* trap.h - interrupt descriptor table, exceptions and IRQ dispatch. */
#ifndef KITTEN_TRAP_H
#define KITTEN_TRAP_H

#include <stdint.h>

/* Built by isr.S; field order is the reverse of the push order. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	/* Pushed by the CPU. */
	uint64_t rip, cs, rflags, rsp, ss;
};

#define IRQ_BASE 0x20	/* where the 8259s deliver IRQ 0-15 */
#define NR_IRQS 16

void idt_init(void);
/* Load the IDT idt_init() built (application processors). */
void idt_load(void);
/* Route legacy IRQ 'irq' (0-15) to handler; the PIC line is unmasked
 * by the caller (pic.h). */
void irq_set_handler(int irq, void (*handler)(int irq));

void trap_dispatch(struct trap_frame *f);

#endif
