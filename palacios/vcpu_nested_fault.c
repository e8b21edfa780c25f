/* vcpu_nested_fault.c - a guest-physical access the nested page tables do
 * not map: emulated MMIO (once the decoder lands) or a guest bug, which
 * stops this VM only. */
#include "exit.h"
#include "vm.h"
#include "vmm.h"

int v3_handle_nested_fault(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	uint64_t gpa = exit->fault.gpa;
	const char *kind = exit->fault.fetch   ? "fetch"
			   : exit->fault.write ? "write"
					       : "read";

	if (v3_hook_exists(vcpu->vm, V3_HOOK_MMIO, gpa)) {
		v3_vm_fail(vcpu,
			   "MMIO %s at 0x%llx needs the instruction "
			   "emulator",
			   kind, (unsigned long long)gpa);
		return -1;
	}
	v3_vm_fail(vcpu,
		   "%s of unmapped guest-physical address 0x%llx at "
		   "rip 0x%llx",
		   kind, (unsigned long long)gpa,
		   (unsigned long long)vcpu->state.rip);
	return -1;
}
