/* vmx_vmcs.c - filling a VMCS: controls, host state, the MSR bitmap and
 * MSR areas, and the copy of register state between the core's
 * v3_vcpu_state and the VMCS guest-state area (Intel SDM vol. 3 ch. 24). */
#include "msr_index.h"
#include "vm.h"
#include "vmm.h"
#include "vmx.h"

/* EPTP: write-back, 4-level walk (SDM vol. 3 §24.6.11). */
#define EPTP_WB_4LEVEL ((3ull << 3) | 6)

#define EFER_LMA (1ull << 10)

const uint32_t vmx_switched_msrs[VMX_SWITCHED_MSRS] = {
    MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE,
};

/* Guest-owned MSRs the VMCS or the MSR areas switch: the guest may
 * access them directly.  Everything else exits to the core's MSR
 * handler and the hook table. */
static const uint32_t passthrough_msrs[] = {
    MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_PAT,
    MSR_FS_BASE,     MSR_GS_BASE,      MSR_STAR,	 MSR_LSTAR,
    MSR_CSTAR,	     MSR_SFMASK,       MSR_KERNEL_GS_BASE,
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

static void init_msrs(struct vmx_vcpu *s)
{
	uint8_t *bm = v3_host->phys_to_virt(s->msr_bitmap_pa);
	unsigned i;

	v3_memset(bm, 0xff, V3_PAGE_SIZE);
	for (i = 0; i < sizeof(passthrough_msrs) / sizeof(passthrough_msrs[0]);
	     i++)
		msr_bitmap_allow(bm, passthrough_msrs[i]);
	for (i = 0; i < VMX_SWITCHED_MSRS; i++) {
		s->guest_msrs[i].index = vmx_switched_msrs[i];
		s->guest_msrs[i].value = 0;
		s->host_msrs[i].index = vmx_switched_msrs[i];
		s->host_msrs[i].value = v3_rdmsr(vmx_switched_msrs[i]);
	}
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
	init_msrs(s);
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
	vmwrite(VMCS_EXIT_MSR_STORE_N, VMX_SWITCHED_MSRS);
	vmwrite(VMCS_ENTRY_MSR_LOAD_N, VMX_SWITCHED_MSRS);
	vmwrite(VMCS_EXIT_MSR_LOAD_N, VMX_SWITCHED_MSRS);
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
}

/* Access rights: the core keeps the SVM packed layout (type/S/DPL/P in
 * 7:0, AVL/L/DB/G in 11:8); VMX has the upper nibble at 15:12 and marks
 * a not-present segment "unusable" (SDM vol. 3 §24.4.1). */
static uint32_t attr_to_ar(uint16_t attr)
{
	uint32_t ar = (attr & 0xff) | ((uint32_t)(attr & 0xf00) << 4);

	return (attr & 0x80) ? ar : ar | AR_UNUSABLE;
}

static uint16_t ar_to_attr(uint32_t ar)
{
	uint16_t attr = (ar & 0xff) | ((ar >> 4) & 0xf00);

	return (ar & AR_UNUSABLE) ? attr & ~0x80 : attr;
}

#define WRITE_IF_CHANGED(field, member, value)                                 \
	do {                                                                   \
		if (!s->hw_valid || st->member != hw->member)                  \
			vmwrite(field, value);                                 \
	} while (0)

static bool seg_equal(const struct v3_seg *a, const struct v3_seg *b)
{
	return a->sel == b->sel && a->attr == b->attr &&
	       a->limit == b->limit && a->base == b->base;
}

void vmx_state_to_vmcs(struct v3_vcpu *vcpu, struct vmx_vcpu *s)
{
	struct v3_vcpu_state *st = &vcpu->state, *hw = &s->hw;
	uint32_t entry, intr = 0;
	int i;

	WRITE_IF_CHANGED(VMCS_GUEST_RIP, rip, st->rip);
	WRITE_IF_CHANGED(VMCS_GUEST_RSP, gprs.rsp, st->gprs.rsp);
	WRITE_IF_CHANGED(VMCS_GUEST_RFLAGS, rflags, st->rflags);
	if (!s->hw_valid || st->cr0 != hw->cr0) {
		vmwrite(VMCS_GUEST_CR0, st->cr0 | vmx_caps.cr0_forced);
		vmwrite(VMCS_CR0_SHADOW, st->cr0);
	}
	WRITE_IF_CHANGED(VMCS_GUEST_CR3, cr3, st->cr3);
	if (!s->hw_valid || st->cr4 != hw->cr4) {
		vmwrite(VMCS_GUEST_CR4, st->cr4 | vmx_caps.cr4_forced);
		vmwrite(VMCS_CR4_SHADOW, st->cr4);
	}
	WRITE_IF_CHANGED(VMCS_GUEST_DR7, dr7, st->dr7);
	WRITE_IF_CHANGED(VMCS_GUEST_EFER, efer, st->efer);
	/* VM entry takes the guest's mode from this control; VM exit
	 * stores EFER.LMA back into it (SDM vol. 3 §24.8.1, §27.2). */
	entry = (s->entry & ~ENTRY_IA32E) |
		((st->efer & EFER_LMA) ? ENTRY_IA32E : 0);
	if (entry != s->entry) {
		vmwrite(VMCS_ENTRY_CTLS, entry);
		s->entry = entry;
	}
	for (i = 0; i < V3_NSEGS; i++) {
		if (s->hw_valid && seg_equal(&st->seg[i], &hw->seg[i]))
			continue;
		vmwrite(VMCS_GUEST_ES_SEL + 2 * i, st->seg[i].sel);
		vmwrite(VMCS_GUEST_ES_BASE + 2 * i, st->seg[i].base);
		vmwrite(VMCS_GUEST_ES_LIMIT + 2 * i, st->seg[i].limit);
		vmwrite(VMCS_GUEST_ES_AR + 2 * i, attr_to_ar(st->seg[i].attr));
	}
	WRITE_IF_CHANGED(VMCS_GUEST_GDTR_BASE, gdtr.base, st->gdtr.base);
	WRITE_IF_CHANGED(VMCS_GUEST_GDTR_LIMIT, gdtr.limit, st->gdtr.limit);
	WRITE_IF_CHANGED(VMCS_GUEST_IDTR_BASE, idtr.base, st->idtr.base);
	WRITE_IF_CHANGED(VMCS_GUEST_IDTR_LIMIT, idtr.limit, st->idtr.limit);
	/* The shadow as the last exit reported it, unless the core ended
	 * it; an STI shadow needs IF=1, so a new one is a MOV SS one. */
	if (st->intr_shadow) {
		intr = s->interruptibility &
		       (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
		if (!intr || ((intr & INTERRUPTIBILITY_STI) &&
			      !(st->rflags & V3_RFLAGS_IF)))
			intr = INTERRUPTIBILITY_MOV_SS;
	}
	intr |= s->interruptibility & INTERRUPTIBILITY_NMI;
	if (!s->hw_valid || intr != s->hw_intr) {
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr);
		s->hw_intr = intr;
	}
}

void vmx_state_from_vmcs(struct v3_vcpu *vcpu, struct vmx_vcpu *s)
{
	struct v3_vcpu_state *st = &vcpu->state;
	uint64_t m0 = vmx_caps.cr0_forced, m4 = vmx_caps.cr4_forced;
	int i;

	st->rip = vmread(VMCS_GUEST_RIP);
	st->gprs.rsp = vmread(VMCS_GUEST_RSP);
	st->rflags = vmread(VMCS_GUEST_RFLAGS);
	st->cr0 = (vmread(VMCS_GUEST_CR0) & ~m0) |
		  (vmread(VMCS_CR0_SHADOW) & m0);
	st->cr3 = vmread(VMCS_GUEST_CR3);
	st->cr4 = (vmread(VMCS_GUEST_CR4) & ~m4) |
		  (vmread(VMCS_CR4_SHADOW) & m4);
	st->dr7 = vmread(VMCS_GUEST_DR7);
	st->efer = vmread(VMCS_GUEST_EFER);
	for (i = 0; i < V3_NSEGS; i++) {
		st->seg[i].sel = vmread(VMCS_GUEST_ES_SEL + 2 * i);
		st->seg[i].base = vmread(VMCS_GUEST_ES_BASE + 2 * i);
		st->seg[i].limit = vmread(VMCS_GUEST_ES_LIMIT + 2 * i);
		st->seg[i].attr = ar_to_attr(vmread(VMCS_GUEST_ES_AR + 2 * i));
	}
	st->gdtr.base = vmread(VMCS_GUEST_GDTR_BASE);
	st->gdtr.limit = vmread(VMCS_GUEST_GDTR_LIMIT);
	st->idtr.base = vmread(VMCS_GUEST_IDTR_BASE);
	st->idtr.limit = vmread(VMCS_GUEST_IDTR_LIMIT);
	/* CPL is SS.DPL in VMX (SDM vol. 3 §24.4.1). */
	st->cpl = (st->seg[V3_SEG_SS].attr >> 5) & 3;
	s->interruptibility = vmread(VMCS_GUEST_INTERRUPTIBILITY);
	s->hw_intr = s->interruptibility;
	st->intr_shadow = s->interruptibility & (INTERRUPTIBILITY_STI |
						 INTERRUPTIBILITY_MOV_SS);
	s->hw = *st;
	s->hw_valid = true;
}
