/* exit_fast.h - the exit a backend may handle between an exit and the
 * next entry, host interrupts still off (inlined there: on this path
 * every host instruction counts, an emulated processor's most of all). */
#ifndef V3_EXIT_FAST_H
#define V3_EXIT_FAST_H

#include "exit.h"
#include "host_cpu.h"
#include "vcpu_pending.h"

/* CPUID is the one exit that qualifies: its handler cannot fail, takes
 * no lock, touches nothing beyond the vcpu and needs no state but the
 * GPRs, RIP and the interrupt shadow.  With interrupts off no other
 * vcpu can take this host CPU (or its FPU registers) before the entry.
 *
 * First the backend asks whether the exit may be fast, before reading
 * anything else from the hardware: not inside a host's guest_enter
 * bracket (the Linux module: SMP guests there crashed now and then when
 * the SVM backend took fast exits), and only when the run loop has
 * nothing to do.  Asked before the handler, which makes nothing
 * pending. */
static inline bool v3_exit_fast_ok(struct v3_vcpu *vcpu)
{
	return !v3_host->guest_enter && v3_vcpu_nothing_pending(vcpu);
}

/* Then it fills in exit->insn_len and the state's GPRs, RIP and
 * intr_shadow (the rest may stay in the hardware), and this runs the
 * handler, counted as v3_exit_dispatch counts; the guest goes straight
 * back in. */
static inline void v3_exit_fast_cpuid(struct v3_vcpu *vcpu,
				      struct v3_exit *exit)
{
	struct v3_exit_stat *st = &vcpu->stats[V3_EXIT_CPUID];
	uint32_t start = v3_rdtsc32(); /* a few hundred cycles at most */

	st->count++;
	v3_handle_cpuid(vcpu, exit);
	st->cycles += (uint32_t)(v3_rdtsc32() - start);
}

#endif
