/* vmx_shadow.c - the VMX side of shadow paging; the tables themselves
 * are arch-neutral (palacios/shadow*.c).  Without EPT there is no
 * unrestricted guest (SDM vol. 3 §26.2.1.1): the guest runs with CR0.PE
 * and the hardware's CR0.PG set, so it must stay in protected mode.
 * We own every CR0 and CR4 bit (the guest reads its own values from the
 * read shadows, and every write exits), CR3 loads and stores, INVLPG
 * and every #PF exit, and the hardware runs on the shadow root with the
 * control registers the core derived (vcpu->hw). */
#include "intr.h"
#include "msr_index.h"
#include "vm.h"
#include "vmm.h"
#include "vmx.h"

#define EFER_LMA (1ull << 10)

void vmx_shadow_setup(struct vmx_vcpu *s)
{
	s->proc = vmx_caps.proc_shadow;
	vmwrite(VMCS_PROC_CTLS, s->proc);
	vmwrite(VMCS_PROC2_CTLS,
		vmx_caps.proc2 & ~(PROC2_EPT | PROC2_UNRESTRICTED));
	/* Every #PF, whatever its error code (SDM vol. 3 §25.2). */
	vmwrite(VMCS_EXC_BITMAP, 1u << V3_EXC_PF);
	vmwrite(VMCS_PF_ERROR_MASK, 0);
	vmwrite(VMCS_PF_ERROR_MATCH, 0);
	vmwrite(VMCS_CR0_MASK, ~0ull);
	vmwrite(VMCS_CR4_MASK, ~0ull);
	/* Shadow entries take their memory types from the host's PAT. */
	vmwrite(VMCS_GUEST_PAT, v3_rdmsr(MSR_PAT));
}

/* Each entry: the guest's CR0/CR4 in the read shadows, the hardware's
 * in the guest-state area; VM entry takes the mode from the IA-32e
 * control (SDM vol. 3 §24.8.1). */
void vmx_shadow_write_ctrl(struct v3_vcpu *vcpu, struct vmx_vcpu *s)
{
	uint32_t entry = (s->entry & ~ENTRY_IA32E) |
			 ((vcpu->hw.efer & EFER_LMA) ? ENTRY_IA32E : 0);

	vmwrite(VMCS_GUEST_CR0, vcpu->hw.cr0 | vmx_caps.cr0_forced);
	vmwrite(VMCS_CR0_SHADOW, vcpu->state.cr0);
	vmwrite(VMCS_GUEST_CR3, vcpu->hw.cr3);
	vmwrite(VMCS_GUEST_CR4, vcpu->hw.cr4 | vmx_caps.cr4_forced);
	vmwrite(VMCS_CR4_SHADOW, vcpu->state.cr4);
	vmwrite(VMCS_GUEST_EFER, vcpu->hw.efer);
	if (entry != s->entry) {
		vmwrite(VMCS_ENTRY_CTLS, entry);
		s->entry = entry;
	}
}
