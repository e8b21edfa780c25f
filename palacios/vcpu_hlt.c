/* vcpu_hlt.c - HLT: the vcpu sleeps until an interrupt is deliverable,
 * its timers fire, or the VM stops.  With IF=0 only another vcpu can
 * wake it (INIT, NMI); a single-vcpu VM is stopped instead. */
#include "exit.h"
#include "intr.h"
#include "vm.h"
#include "vmm.h"

/* Upper bound on one host sleep, so a missed wake-up costs little. */
#define HLT_MAX_SLEEP_US 10000

/* A reset another vcpu asked for is carried out by vcpu0's thread. */
static bool reset_is_mine(const struct v3_vcpu *vcpu)
{
	return vcpu->id == 0 && vcpu->vm->reset_requested;
}

int v3_handle_hlt(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	struct v3_vm *vm = vcpu->vm;

	v3_skip_insn(vcpu, exit);
	/* An AP parks with CLI; HLT until an INIT/SIPI or NMI (SeaBIOS and
	 * Linux do this): only a lone vcpu can never be woken. */
	if (!(vcpu->state.rflags & V3_RFLAGS_IF) && !vcpu->event.valid &&
	    vm->nvcpus > 1) {
		vcpu->halted = true;
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* v3_vcpu_kick */
		while (!vm->stop_requested && !vcpu->nmi_pending &&
		       !vcpu->init_pending && !reset_is_mine(vcpu))
			v3_host->sleep(HLT_MAX_SLEEP_US);
		vcpu->halted = false;
		return 0;
	}
	if (!(vcpu->state.rflags & V3_RFLAGS_IF) && !vcpu->event.valid) {
		v3_print("%s: vcpu%d halted with interrupts disabled", vm->name,
			 vcpu->id);
		v3_vm_request_stop(vm, -1,
				   "guest halted with interrupts "
				   "disabled");
		return 0;
	}
	vcpu->halted = true;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* v3_vcpu_kick */
	while (!vm->stop_requested && !vcpu->init_pending &&
	       !reset_is_mine(vcpu) && !v3_intr_pending(vcpu)) {
		uint64_t next = v3_timers_run(vm), now, us = HLT_MAX_SLEEP_US;

		if (v3_intr_pending(vcpu) || vcpu->init_pending)
			break;
		now = v3_cycles();
		if (next) {
			uint64_t left = next > now ? next - now : 0;
			uint64_t left_us = left * 1000 / v3_host->cpu_khz();

			if (left_us < us)
				us = left_us;
		}
		if (us)
			v3_host->sleep(us);
	}
	vcpu->halted = false;
	return 0;
}
