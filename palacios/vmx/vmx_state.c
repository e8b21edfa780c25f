/* vmx_state.c - the guest's registers between the core's v3_vcpu_state
 * and the VMCS guest-state area (Intel SDM vol. 3 §24.4).  Every VMREAD
 * and VMWRITE is a field lookup (in an emulated CPU, a long
 * instruction), so an exit reads only RIP, RSP, RFLAGS and the
 * interruptibility state; the V3_STATE_* parts wait in the VMCS until
 * the core asks for them, and an entry writes back only the fields of
 * copied-in parts that the core changed. */
#include "vm.h"
#include "vmm.h"
#include "vmx.h"

#define EFER_LMA (1ull << 10)

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

static void read_seg(struct v3_seg *seg, int i)
{
	seg->sel = vmread(VMCS_GUEST_ES_SEL + 2 * i);
	seg->base = vmread(VMCS_GUEST_ES_BASE + 2 * i);
	seg->limit = vmread(VMCS_GUEST_ES_LIMIT + 2 * i);
	seg->attr = ar_to_attr(vmread(VMCS_GUEST_ES_AR + 2 * i));
}

void vmx_state_copy_in(struct v3_vcpu *vcpu, struct vmx_vcpu *s,
		       uint32_t parts)
{
	struct v3_vcpu_state *st = &vcpu->state, *hw = &s->hw;
	uint64_t m0 = vmx_caps.cr0_forced, m4 = vmx_caps.cr4_forced;
	uint32_t segs;

	parts &= vcpu->state_absent;
	/* Under shadow paging the core owns the guest's control registers
	 * and the VMCS holds the hardware's. */
	if (vcpu->shadow)
		parts &= ~V3_STATE_CTRL;
	for (segs = parts & V3_STATE_SEGS; segs; segs &= segs - 1) {
		int i = __builtin_ctz(segs);

		read_seg(&st->seg[i], i);
		hw->seg[i] = st->seg[i];
	}
	/* CPL is SS.DPL in VMX (SDM vol. 3 §24.4.1). */
	if (parts & V3_STATE_CPL)
		st->cpl = (st->seg[V3_SEG_SS].attr >> 5) & 3;
	/* The guest reads the bits we force from the read shadows. */
	if (parts & V3_STATE_CR0)
		hw->cr0 = st->cr0 = (vmread(VMCS_GUEST_CR0) & ~m0) |
				    (vmread(VMCS_CR0_SHADOW) & m0);
	if (parts & V3_STATE_CR3)
		hw->cr3 = st->cr3 = vmread(VMCS_GUEST_CR3);
	if (parts & V3_STATE_CR4)
		hw->cr4 = st->cr4 = (vmread(VMCS_GUEST_CR4) & ~m4) |
				    (vmread(VMCS_CR4_SHADOW) & m4);
	if (parts & V3_STATE_EFER) {
		hw->efer = st->efer = vmread(VMCS_GUEST_EFER);
		/* VM exit stores EFER.LMA into this control (SDM vol. 3
		 * §27.2): our copy may be older. */
		s->entry = vmread(VMCS_ENTRY_CTLS);
	}
	if (parts & V3_STATE_DTABLES) {
		hw->gdtr.base = st->gdtr.base = vmread(VMCS_GUEST_GDTR_BASE);
		hw->gdtr.limit = st->gdtr.limit =
		    vmread(VMCS_GUEST_GDTR_LIMIT);
		hw->idtr.base = st->idtr.base = vmread(VMCS_GUEST_IDTR_BASE);
		hw->idtr.limit = st->idtr.limit =
		    vmread(VMCS_GUEST_IDTR_LIMIT);
	}
	/* DR6 is not in the VMCS: the core's value stays. */
	if (parts & V3_STATE_DEBUG)
		hw->dr7 = st->dr7 = vmread(VMCS_GUEST_DR7);
	vcpu->state_absent &= ~parts;
}

void vmx_state_after_exit(struct v3_vcpu *vcpu, struct vmx_vcpu *s)
{
	struct v3_vcpu_state *st = &vcpu->state, *hw = &s->hw;

	hw->rip = st->rip = vmread(VMCS_GUEST_RIP);
	hw->gprs.rsp = st->gprs.rsp = vmread(VMCS_GUEST_RSP);
	hw->rflags = st->rflags = vmread(VMCS_GUEST_RFLAGS);
	s->interruptibility = vmread(VMCS_GUEST_INTERRUPTIBILITY);
	s->hw_intr = s->interruptibility;
	st->intr_shadow = s->interruptibility & (INTERRUPTIBILITY_STI |
						 INTERRUPTIBILITY_MOV_SS);
	vcpu->state_absent = VMX_ON_DEMAND;
	/* Shadow paging's code reads vcpu->state directly. */
	if (vcpu->shadow) {
		vmx_state_copy_in(vcpu, s, VMX_ON_DEMAND);
		vcpu->state_absent = 0;
	}
}

/* Everything before the first entry and after the core replaced the
 * state; else only what the core changed in the parts it copied in. */
#define CHANGED(member)                                                        \
	(!s->hw_valid || st->member != hw->member)

static bool seg_equal(const struct v3_seg *a, const struct v3_seg *b)
{
	return a->sel == b->sel && a->attr == b->attr &&
	       a->limit == b->limit && a->base == b->base;
}

static void write_segs(struct v3_vcpu *vcpu, struct vmx_vcpu *s,
		       uint32_t live)
{
	struct v3_vcpu_state *st = &vcpu->state, *hw = &s->hw;
	uint32_t segs;

	for (segs = live & V3_STATE_SEGS; segs; segs &= segs - 1) {
		int i = __builtin_ctz(segs);
		struct v3_seg *g = &st->seg[i];

		if (s->hw_valid && seg_equal(g, &hw->seg[i]))
			continue;
		vmwrite(VMCS_GUEST_ES_SEL + 2 * i, g->sel);
		vmwrite(VMCS_GUEST_ES_BASE + 2 * i, g->base);
		vmwrite(VMCS_GUEST_ES_LIMIT + 2 * i, g->limit);
		vmwrite(VMCS_GUEST_ES_AR + 2 * i, attr_to_ar(g->attr));
		hw->seg[i] = *g;
	}
}

static void write_ctrl(struct v3_vcpu *vcpu, struct vmx_vcpu *s,
		       uint32_t live)
{
	struct v3_vcpu_state *st = &vcpu->state, *hw = &s->hw;
	uint32_t entry;

	if ((live & V3_STATE_CR0) && CHANGED(cr0)) {
		vmwrite(VMCS_GUEST_CR0, st->cr0 | vmx_caps.cr0_forced);
		vmwrite(VMCS_CR0_SHADOW, st->cr0);
		hw->cr0 = st->cr0;
	}
	if ((live & V3_STATE_CR3) && CHANGED(cr3)) {
		vmwrite(VMCS_GUEST_CR3, st->cr3);
		hw->cr3 = st->cr3;
	}
	if ((live & V3_STATE_CR4) && CHANGED(cr4)) {
		vmwrite(VMCS_GUEST_CR4, st->cr4 | vmx_caps.cr4_forced);
		vmwrite(VMCS_CR4_SHADOW, st->cr4);
		hw->cr4 = st->cr4;
	}
	if (!(live & V3_STATE_EFER))
		return;
	if (CHANGED(efer)) {
		vmwrite(VMCS_GUEST_EFER, st->efer);
		hw->efer = st->efer;
	}
	/* VM entry takes the guest's mode from this control (SDM vol. 3
	 * §24.8.1). */
	entry = (s->entry & ~ENTRY_IA32E) |
		((st->efer & EFER_LMA) ? ENTRY_IA32E : 0);
	if (entry != s->entry) {
		vmwrite(VMCS_ENTRY_CTLS, entry);
		s->entry = entry;
	}
}

static void write_rest(struct v3_vcpu *vcpu, struct vmx_vcpu *s,
		       uint32_t live)
{
	struct v3_vcpu_state *st = &vcpu->state, *hw = &s->hw;

	if (live & V3_STATE_DTABLES) {
		if (CHANGED(gdtr.base))
			vmwrite(VMCS_GUEST_GDTR_BASE, st->gdtr.base);
		if (CHANGED(gdtr.limit))
			vmwrite(VMCS_GUEST_GDTR_LIMIT, st->gdtr.limit);
		if (CHANGED(idtr.base))
			vmwrite(VMCS_GUEST_IDTR_BASE, st->idtr.base);
		if (CHANGED(idtr.limit))
			vmwrite(VMCS_GUEST_IDTR_LIMIT, st->idtr.limit);
		hw->gdtr = st->gdtr;
		hw->idtr = st->idtr;
	}
	if ((live & V3_STATE_DEBUG) && CHANGED(dr7)) {
		vmwrite(VMCS_GUEST_DR7, st->dr7);
		hw->dr7 = st->dr7;
	}
}

/* The shadow as the last exit reported it, unless the core ended it;
 * an STI shadow needs IF=1, so a new one is a MOV SS one. */
static void write_interruptibility(struct v3_vcpu *vcpu, struct vmx_vcpu *s)
{
	uint32_t intr = 0;

	if (vcpu->state.intr_shadow) {
		intr = s->interruptibility &
		       (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
		if (!intr || ((intr & INTERRUPTIBILITY_STI) &&
			      !(vcpu->state.rflags & V3_RFLAGS_IF)))
			intr = INTERRUPTIBILITY_MOV_SS;
	}
	intr |= s->interruptibility & INTERRUPTIBILITY_NMI;
	if (!s->hw_valid || intr != s->hw_intr) {
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr);
		s->hw_intr = intr;
	}
}

void vmx_state_to_vmcs(struct v3_vcpu *vcpu, struct vmx_vcpu *s)
{
	struct v3_vcpu_state *st = &vcpu->state, *hw = &s->hw;
	uint32_t live = V3_STATE_ALL & ~vcpu->state_absent;

	/* The common case after a quick exit: nothing was copied in, no
	 * interrupt shadow, at most RIP moved. */
	if (s->hw_valid && live == V3_STATE_INTR && !vcpu->state_replaced &&
	    !vcpu->shadow && !st->intr_shadow &&
	    !(s->interruptibility | s->hw_intr) &&
	    st->gprs.rsp == hw->gprs.rsp && st->rflags == hw->rflags) {
		if (st->rip != hw->rip) {
			vmwrite(VMCS_GUEST_RIP, st->rip);
			hw->rip = st->rip;
		}
		return;
	}
	if (vcpu->state_replaced) {
		s->hw_valid = false;
		vcpu->state_replaced = false;
	}
	if (CHANGED(rip)) {
		vmwrite(VMCS_GUEST_RIP, st->rip);
		hw->rip = st->rip;
	}
	if (CHANGED(gprs.rsp)) {
		vmwrite(VMCS_GUEST_RSP, st->gprs.rsp);
		hw->gprs.rsp = st->gprs.rsp;
	}
	if (CHANGED(rflags)) {
		vmwrite(VMCS_GUEST_RFLAGS, st->rflags);
		hw->rflags = st->rflags;
	}
	if (vcpu->shadow)
		vmx_shadow_write_ctrl(vcpu, s);
	else if (live & V3_STATE_CTRL)
		write_ctrl(vcpu, s, live);
	if (live & V3_STATE_SEGS)
		write_segs(vcpu, s, live);
	if (live & (V3_STATE_DTABLES | V3_STATE_DEBUG))
		write_rest(vcpu, s, live);
	write_interruptibility(vcpu, s);
	s->hw_valid = true;
}
