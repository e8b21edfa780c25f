/* vcpu_pending.h - whether the run loop (vcpu.c) has anything to do
 * before the next entry.  Asked after nearly every exit, so it is one
 * inline look at the requests, the first timer and the interrupt state;
 * the loop's own checks stay the authority on what to do. */
#ifndef V3_VCPU_PENDING_H
#define V3_VCPU_PENDING_H

#include "intr.h"
#include "timer.h"
#include "vm.h"
#include "vmm.h"

static inline bool v3_vcpu_nothing_pending(struct v3_vcpu *vcpu)
{
	struct v3_vm *vm = vcpu->vm;
	uint64_t due;

	if (vm->stop_requested | vm->pause_requested | vm->reset_requested |
	    vcpu->init_pending | vcpu->wait_for_sipi | vcpu->event.valid |
	    vcpu->nmi_pending)
		return false;
	due = v3_timers_first(&vm->timers);
	if (due && due <= v3_cycles())
		return false;
	if (vm->intr_ctrls)
		return !v3_intr_pending(vcpu);
	return v3_irr_empty(vcpu);
}

#endif
