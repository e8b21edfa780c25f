/* smp.h - the application processors: started with INIT/SIPI through
 * the boot CPU's local APIC, brought to long mode by smp_tramp.S, then
 * parked.  They run what call_on_cpu() gives them (the VMM enables SVM
 * on every CPU that way); kernel threads still run on CPU 0 only. */
#ifndef KITTEN_SMP_H
#define KITTEN_SMP_H

#include <stdint.h>

/* The IPI that makes a parked CPU look at its mailbox. */
#define SMP_CALL_VECTOR 0xf0

/* Start every AP that answers; returns the number of CPUs online. */
int smp_init(void);
int smp_cpus_online(void);
/* The calling CPU's index, 0 for the boot CPU. */
int smp_cpu_index(void);
/* Run fn(arg) on online CPU 'cpu' and wait for it; -1 if no such CPU. */
int smp_call_on_cpu(int cpu, void (*fn)(void *arg), void *arg);
void smp_call_interrupt(void);
/* Control register set-up every CPU needs (main.c). */
void cpu_setup(void);

#endif
