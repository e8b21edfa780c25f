/* vmx_caps.c - control words from the capability MSRs, and the names of
 * VM-instruction errors.  Pure logic, unit-tested in userspace. */
#include "vmx_caps.h"

int vmx_ctl_word(uint64_t cap, uint32_t required, uint32_t optional,
		 uint32_t *word, int *missing)
{
	uint32_t must1 = (uint32_t)cap;
	uint32_t may1 = (uint32_t)(cap >> 32);
	uint32_t lacking = required & ~may1;

	if (lacking) {
		*missing = __builtin_ctz(lacking);
		return -1;
	}
	*word = (must1 | required | (optional & may1)) & may1;
	return 0;
}

uint64_t vmx_cr0_forced(uint64_t fixed0, bool unrestricted)
{
	const uint64_t pe = 1ull << 0, pg = 1ull << 31;

	return unrestricted ? fixed0 & ~(pe | pg) : fixed0;
}

static const char *const insn_errors[] = {
    [1] = "VMCALL executed in VMX root operation",
    [2] = "VMCLEAR with invalid physical address",
    [3] = "VMCLEAR with VMXON pointer",
    [4] = "VMLAUNCH with non-clear VMCS",
    [5] = "VMRESUME with non-launched VMCS",
    [6] = "VMRESUME after VMXOFF",
    [7] = "VM entry with invalid control field(s)",
    [8] = "VM entry with invalid host-state field(s)",
    [9] = "VMPTRLD with invalid physical address",
    [10] = "VMPTRLD with VMXON pointer",
    [11] = "VMPTRLD with incorrect VMCS revision identifier",
    [12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
    [13] = "VMWRITE to read-only VMCS component",
    [15] = "VMXON executed in VMX root operation",
    [16] = "VM entry with invalid executive-VMCS pointer",
    [17] = "VM entry with non-launched executive VMCS",
    [18] = "VM entry with executive-VMCS pointer not VMXON pointer",
    [19] = "VMCALL with non-clear VMCS",
    [20] = "VMCALL with invalid VM-exit control fields",
    [22] = "VMCALL with incorrect MSEG revision identifier",
    [23] = "VMXOFF under dual-monitor treatment",
    [24] = "VMCALL with invalid SMM-monitor features",
    [25] = "VM entry with invalid VM-execution control fields in "
	   "executive VMCS",
    [26] = "VM entry with events blocked by MOV SS",
    [28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(uint32_t error)
{
	if (error < sizeof(insn_errors) / sizeof(insn_errors[0]) &&
	    insn_errors[error])
		return insn_errors[error];
	return "unknown VM-instruction error";
}
