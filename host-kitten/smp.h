/* smp.h - the application processors: started with INIT/SIPI through
 * the boot CPU's local APIC, brought to long mode by smp_tramp.S, then
 * each runs its own idle loop and the threads placed on it.  They also
 * run what call_on_cpu() gives them (the VMM enables SVM on every CPU
 * that way).  Only the boot CPU takes the timer tick. */
#ifndef KITTEN_SMP_H
#define KITTEN_SMP_H

#include <stdbool.h>
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
/* Interrupt 'cpu' (an IPI): it leaves HLT, or a guest it runs exits. */
void smp_kick(int cpu);
/* A CPU's alarm: SMP_CALL_VECTOR at about this TSC value (only when
 * smp_have_alarm(): the local APIC timer was calibrated, which the
 * first AP does). */
void smp_arm_wakeup(uint64_t tsc_deadline);
bool smp_have_alarm(void);
/* Control register set-up every CPU needs (main.c). */
void cpu_setup(void);

#endif
