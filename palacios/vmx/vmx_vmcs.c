/* vmx_vmcs.c - filling a VMCS: controls, host state, the MSR bitmap and
 * MSR areas (Intel SDM vol. 3 ch. 24).  The guest's registers go in and
 * out in vmx_state.c. */
#include "msr_index.h"
#include "vm.h"
#include "vmm.h"
#include "vmx.h"

/* EPTP: write-back, 4-level walk (SDM vol. 3 §24.6.11). */
#define EPTP_WB_4LEVEL ((3ull << 3) | 6)

const uint32_t vmx_switched_msrs[VMX_SWITCHED_MSRS] = {
    MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
};

/* Guest-owned MSRs the VMCS or the MSR areas always switch: the guest
 * may access them directly.  The lazily switched ones exit to the
 * backend; everything else to the core's MSR handler and the hooks. */
static const uint32_t passthrough_msrs[] = {
    MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
    MSR_PAT,	     MSR_FS_BASE,      MSR_GS_BASE,
    MSR_KERNEL_GS_BASE,
};

/* MSR bitmap: read-low, read-high, write-low, write-high, 1 KiB each
 * (SDM vol. 3 §24.6.9). */
static void msr_bitmap_allow(uint8_t *bm, uint32_t msr)
{
	uint32_t off;

	if (msr < 0x2000)
		off = 0;
	else if (msr - 0xc0000000u < 0x2000)
		off = 1024, msr -= 0xc0000000u;
	else
		return;
	bm[off + msr / 8] &= ~(1u << (msr % 8));
	bm[off + 2048 + msr / 8] &= ~(1u << (msr % 8));
}

/* Under shadow paging the guest's PAT is the core's (vcpu->pat). */
static void init_msrs(struct vmx_vcpu *s, bool shadow)
{
	uint8_t *bm = v3_host->phys_to_virt(s->msr_bitmap_pa);
	unsigned i;

	v3_memset(bm, 0xff, V3_PAGE_SIZE);
	for (i = 0; i < sizeof(passthrough_msrs) / sizeof(passthrough_msrs[0]);
	     i++)
		if (!shadow || passthrough_msrs[i] != MSR_PAT)
			msr_bitmap_allow(bm, passthrough_msrs[i]);
	for (i = 0; i < VMX_SWITCHED_MSRS; i++) {
		s->guest_msrs[i].index = vmx_switched_msrs[i];
		s->guest_msrs[i].value = 0;
		s->host_msrs[i].index = vmx_switched_msrs[i];
		s->host_msrs[i].value = v3_rdmsr(vmx_switched_msrs[i]);
	}
}

/* All five while any lazily switched value differs from the host's. */
static void update_msr_counts(struct vmx_vcpu *s)
{
	uint32_t n = VMX_ALWAYS_SWITCHED, i;

	for (i = VMX_ALWAYS_SWITCHED; i < VMX_SWITCHED_MSRS; i++)
		if (s->guest_msrs[i].value != s->host_msrs[i].value)
			n = VMX_SWITCHED_MSRS;
	if (n == s->nmsrs)
		return;
	vmwrite(VMCS_EXIT_MSR_STORE_N, n);
	vmwrite(VMCS_ENTRY_MSR_LOAD_N, n);
	vmwrite(VMCS_EXIT_MSR_LOAD_N, n);
	s->nmsrs = n;
}

/* WRMSR's own checks (SDM vol. 4 table 2-2): LSTAR and CSTAR hold
 * canonical addresses, SFMASK's upper half is reserved. */
static bool msr_value_ok(uint32_t msr, uint64_t v)
{
	uint64_t top = v >> 47;

	if (msr == MSR_LSTAR || msr == MSR_CSTAR)
		return top == 0 || top == 0x1ffff;
	if (msr == MSR_SFMASK)
		return !(v >> 32);
	return true;
}

int vmx_switched_msr_access(struct vmx_vcpu *s, uint32_t msr, bool write,
			    uint64_t *val)
{
	uint32_t i;

	for (i = VMX_ALWAYS_SWITCHED; i < VMX_SWITCHED_MSRS; i++) {
		if (vmx_switched_msrs[i] != msr)
			continue;
		if (!write) {
			*val = s->guest_msrs[i].value;
			return 1;
		}
		if (!msr_value_ok(msr, *val))
			return -1;
		s->guest_msrs[i].value = *val;
		update_msr_counts(s);
		return 1;
	}
	return 0;
}

static uint16_t read_sel(int i)
{
	uint16_t v = 0;

	switch (i) {
	case 0: __asm__ volatile("mov %%es, %0" : "=r"(v)); break;
	case 1: __asm__ volatile("mov %%cs, %0" : "=r"(v)); break;
	case 2: __asm__ volatile("mov %%ss, %0" : "=r"(v)); break;
	case 3: __asm__ volatile("mov %%ds, %0" : "=r"(v)); break;
	case 4: __asm__ volatile("mov %%fs, %0" : "=r"(v)); break;
	case 5: __asm__ volatile("mov %%gs, %0" : "=r"(v)); break;
	default: __asm__ volatile("str %0" : "=r"(v)); break;
	}
	return v;
}

struct dt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* The 64-bit TSS descriptor's base (SDM vol. 3 §8.2.3). */
static uint64_t tss_base(uint64_t gdt, uint16_t sel)
{
	const uint64_t *d = (const uint64_t *)(gdt + (sel & ~7u));

	return ((d[0] >> 16) & 0xffffff) | (((d[0] >> 56) & 0xff) << 24) |
	       ((d[1] & 0xffffffffull) << 32);
}

/* Host state: what the CPU returns to at every exit (SDM vol. 3 §24.5,
 * §27.5).  Selectors with RPL and TI cleared, as VM entry demands. */
static void host_state(void)
{
	struct dt_ptr gdt, idt;
	uint64_t v;
	int i;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	vmwrite(VMCS_HOST_CR0, v);
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	vmwrite(VMCS_HOST_CR3, v);
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	vmwrite(VMCS_HOST_CR4, v);
	for (i = 0; i < 7; i++)
		vmwrite(VMCS_HOST_ES_SEL + 2 * i, read_sel(i) & ~7u);
	__asm__ volatile("sgdt %0" : "=m"(gdt));
	__asm__ volatile("sidt %0" : "=m"(idt));
	vmwrite(VMCS_HOST_GDTR_BASE, gdt.base);
	vmwrite(VMCS_HOST_IDTR_BASE, idt.base);
	vmwrite(VMCS_HOST_TR_BASE, tss_base(gdt.base, read_sel(6)));
	vmwrite(VMCS_HOST_FS_BASE, v3_rdmsr(MSR_FS_BASE));
	vmwrite(VMCS_HOST_GS_BASE, v3_rdmsr(MSR_GS_BASE));
	vmwrite(VMCS_HOST_SYSENTER_CS, v3_rdmsr(MSR_SYSENTER_CS));
	vmwrite(VMCS_HOST_SYSENTER_ESP, v3_rdmsr(MSR_SYSENTER_ESP));
	vmwrite(VMCS_HOST_SYSENTER_EIP, v3_rdmsr(MSR_SYSENTER_EIP));
	vmwrite(VMCS_HOST_PAT, v3_rdmsr(MSR_PAT));
	vmwrite(VMCS_HOST_EFER, v3_rdmsr(MSR_EFER));
	vmwrite(VMCS_HOST_RIP, (uint64_t)vmx_exit_point);
}

void vmx_vmcs_setup(struct v3_vcpu *vcpu, struct vmx_vcpu *s)
{
	init_msrs(s, vcpu->shadow);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	vmwrite(VMCS_PIN_CTLS, vmx_caps.pin);
	s->proc = vmx_caps.proc;
	vmwrite(VMCS_PROC_CTLS, s->proc);
	vmwrite(VMCS_PROC2_CTLS, vmx_caps.proc2);
	vmwrite(VMCS_EXIT_CTLS, vmx_caps.exit);
	s->entry = vmx_caps.entry;
	vmwrite(VMCS_ENTRY_CTLS, s->entry);
	/* No exception exits: the guest handles its own (as under SVM). */
	vmwrite(VMCS_EXC_BITMAP, 0);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_MSR_BITMAP, s->msr_bitmap_pa);
	vmwrite(VMCS_EXIT_MSR_STORE, s->msr_area_pa);
	vmwrite(VMCS_ENTRY_MSR_LOAD, s->msr_area_pa);
	vmwrite(VMCS_EXIT_MSR_LOAD, s->msr_area_pa + V3_PAGE_SIZE / 2);
	s->nmsrs = ~0u;
	update_msr_counts(s);
	vmwrite(VMCS_TSC_OFFSET, vcpu->vm->tsc_offset);
	vmwrite(VMCS_EPT_POINTER, vcpu->vm->nested.root_hpa | EPTP_WB_4LEVEL);
	if (s->vpid)
		vmwrite(VMCS_VPID, s->vpid);
	/* Bits VMX forces on (CR0.NE, CR4.VMXE) are owned by us: the guest
	 * reads its own value from the shadow, and writing them exits. */
	vmwrite(VMCS_CR0_MASK, vmx_caps.cr0_forced);
	vmwrite(VMCS_CR4_MASK, vmx_caps.cr4_forced);
	vmwrite(VMCS_GUEST_PAT, PAT_POWER_ON);
	vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	vmwrite(VMCS_GUEST_ACTIVITY, 0);
	vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	s->interruptibility = 0;
	s->hw_valid = false;
	host_state();
	if (vcpu->shadow)
		vmx_shadow_setup(s);
}
