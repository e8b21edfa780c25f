/* vcpu_events.c - exits about events rather than instructions: host
 * interrupts, interrupt windows, intercepted exceptions, triple faults,
 * virtualization instructions, PAUSE. */
#include "exit.h"
#include "intr.h"
#include "vm.h"
#include "vmm.h"

/* The host interrupt itself was taken when the backend re-enabled
 * interrupts; this is the host's chance to run something else. */
int v3_handle_host_intr(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	(void)vcpu;
	(void)exit;
	v3_host->yield();
	return 0;
}

/* Nothing to do: v3_intr_prepare_entry injects on the way back in. */
int v3_handle_intr_window(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	(void)vcpu;
	(void)exit;
	return 0;
}

int v3_handle_pause(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	v3_skip_insn(vcpu, exit);
	v3_host->yield();
	return 0;
}

/* We intercept no exception for its own sake yet: give it back to the
 * guest unchanged. */
int v3_handle_exception(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	v3_inject_exception(vcpu, exit->exc.vector, exit->exc.has_error,
			    exit->exc.error);
	return 0;
}

int v3_handle_shutdown(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	(void)exit;
	v3_vm_fail(vcpu, "triple fault");
	return -1;
}

/* SVM/VMX instructions in a guest that was told there is no SVM/VMX. */
int v3_handle_virt_insn(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	(void)exit;
	v3_inject_exception(vcpu, V3_EXC_UD, false, 0);
	return 0;
}
