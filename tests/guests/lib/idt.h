/* idt.h - the guest's interrupt descriptor table. */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

/* Route all 256 vectors to trap.c; start.c does this before main(). */
void idt_install(void);
/* Load the table idt_install() filled (an AP shares the BSP's). */
void idt_load(void);
/* An IDT with limit 0: any exception then escalates to a triple fault
 * (the triplefault test's whole point). */
void idt_load_empty(void);

#endif
