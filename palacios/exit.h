/* exit.h - one handler per arch-neutral exit reason. */
#ifndef V3_EXIT_H
#define V3_EXIT_H

#include "arch.h"
#include "vm.h"

struct v3_vcpu;

/* Returns 0 when the guest may continue.  A handler that stops the VM
 * does so itself (v3_vm_fail) and returns -1. */
typedef int (*v3_exit_handler)(struct v3_vcpu *vcpu, struct v3_exit *exit);

/* Runs the exit's handler; true when the reason is one after which the
 * guest may be entered again without the run loop's checks. */
bool v3_exit_dispatch(struct v3_vcpu *vcpu, struct v3_exit *exit);

int v3_handle_cpuid(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_io(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_msr_read(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_msr_write(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_hypercall(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_hlt(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_nested_fault(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_host_intr(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_intr_window(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_exception(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_shutdown(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_virt_insn(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_pause(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_page_fault(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_cr_access(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_invlpg(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_task_switch(struct v3_vcpu *vcpu, struct v3_exit *exit);
int v3_handle_fatal(struct v3_vcpu *vcpu, struct v3_exit *exit);

/* MAXPHYADDR as guests see it (CPUID 80000008h:EAX[7:0]). */
uint8_t v3_cpuid_phys_bits(void);

/* Step over the instruction that exited.  An STI or MOV SS shadow
 * covered only that instruction, so it ends here (SDM vol. 3 §6.8.3);
 * a stale shadow would cost an interrupt-window exit after every
 * "sti; hlt". */
static inline void v3_skip_insn(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	vcpu->state.rip += exit->insn_len;
	v3_vcpu_state(vcpu, V3_STATE_INTR)->intr_shadow = false;
}

#endif
