/* vmx_caps.h - pure logic of the VMX backend, testable in userspace:
 * control words from capability MSRs, and the guest-state checks of VM
 * entry that name what the hardware refused. */
#ifndef V3_VMX_CAPS_H
#define V3_VMX_CAPS_H

#include "v3_types.h"

/* A control word from its capability MSR (SDM vol. 3 §A.3): bits 31:0
 * are the allowed-0 settings (1 = must be 1), bits 63:32 the allowed-1
 * settings (0 = must be 0).  'required' bits we cannot do without,
 * 'optional' bits we take when allowed.  Returns 0 and the word, or -1
 * with the lowest required bit the CPU does not allow in *missing. */
int vmx_ctl_word(uint64_t cap, uint32_t required, uint32_t optional,
		 uint32_t *word, int *missing);

/* Bits of CR0/CR4 the guest must run with (fixed to 1), from
 * IA32_VMX_CR*_FIXED0; with unrestricted guest CR0.PE and CR0.PG are
 * free (SDM vol. 3 §26.3.1.1). */
uint64_t vmx_cr0_forced(uint64_t fixed0, bool unrestricted);

/* The VMCS guest state the VM-entry checks of SDM vol. 3 §26.3.1
 * look at, with the controls they depend on. */
struct vmx_seg_view {
	uint16_t sel;
	uint32_t ar;
	uint32_t limit;
	uint64_t base;
};

enum { VMX_ES, VMX_CS, VMX_SS, VMX_DS, VMX_FS, VMX_GS, VMX_LDTR, VMX_TR };

struct vmx_guest_view {
	uint64_t cr0, cr3, cr4, dr7, rflags, efer, rip;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool unrestricted, ia32e, load_efer;
	struct vmx_seg_view seg[8];
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
	uint32_t interruptibility, activity;
	uint64_t link_pointer;
	uint32_t entry_intr_info;
};

/* 0 if every check we know passes; else -1 and the first failing check
 * in 'why', with its SDM section. */
int vmx_check_guest(const struct vmx_guest_view *g, char *why, size_t len);

/* The VM-instruction error number of a failed VMX instruction
 * (SDM vol. 3 §30.4) as text. */
const char *vmx_insn_error_name(uint32_t error);

#endif
