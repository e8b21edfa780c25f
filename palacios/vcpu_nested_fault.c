/* vcpu_nested_fault.c - a guest-physical access the nested page tables do
 * not allow: emulated MMIO, a write to ROM or write-protected shadow
 * RAM (emulated), or a guest bug, which stops this VM only. */
#include "exit.h"
#include "vcpu_emulate.h"
#include "vm.h"
#include "vmm.h"

int v3_handle_nested_fault(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	uint64_t gpa = exit->fault.gpa;
	uint8_t *hva;
	uint64_t avail;

	/* Nothing there and nobody emulating it: a guest bug. */
	if (v3_gpa_resolve(vcpu->vm, gpa, exit->fault.write, &hva, &avail) ==
		    V3_PHYS_NONE &&
	    !v3_hook_exists(vcpu->vm, V3_HOOK_MMIO, gpa)) {
		v3_vm_fail(vcpu, "%s of unmapped guest-physical address "
			   "0x%llx at rip 0x%llx",
			   exit->fault.fetch ? "fetch"
			   : exit->fault.write ? "write" : "read",
			   V3_ULL(gpa), V3_ULL(vcpu->state.rip));
		return -1;
	}
	return v3_vcpu_emulate_insn(vcpu, gpa);
}
