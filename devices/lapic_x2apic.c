/* lapic_x2apic.c - x2APIC mode of the local APIC (SDM vol. 3 §11.12):
 * the IA32_APIC_BASE transitions between disabled, xAPIC and x2APIC
 * mode, and the registers as MSRs 0x800-0x8ff.
 *
 * The registers are lapic.c's; what differs in x2APIC mode is decided
 * here: the ID is the initial APIC ID and read-only, the LDR is derived
 * from it, there is no DFR, the ICR is one 64-bit MSR with a 32-bit
 * destination, SELF IPI exists, and every access the SDM does not allow
 * (a missing register, a read of a write-only one, a write of a
 * read-only one, reserved bits set) raises #GP.
 */
#include "device.h"
#include "lapic.h"
#include "vm.h"

#define X2APIC_MSR_FIRST 0x800u
#define X2APIC_MSR_LAST	 0x8ffu
#define LOW32		 0xffffffffull

/* IA32_APIC_BASE states (SDM vol. 3 Table 11-5). */
enum apic_state { APIC_DISABLED, APIC_INVALID, APIC_XAPIC, APIC_X2APIC };

static enum apic_state state_of(uint64_t base)
{
	bool en = base & APIC_BASE_ENABLE, extd = base & APIC_BASE_EXTD;

	if (!en)
		return extd ? APIC_INVALID : APIC_DISABLED;
	return extd ? APIC_X2APIC : APIC_XAPIC;
}

uint32_t lapic_x2apic_ldr(uint32_t id)
{
	/* Cluster = ID[19:4], member bit = ID[3:0] (SDM vol. 3
	 * §11.12.10.2). */
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* A WRMSR to IA32_APIC_BASE, lock held.  Returns -1 for #GP. */
int lapic_set_apic_base(struct lapic *a, uint64_t v)
{
	uint64_t writable = APIC_BASE_ADDR | APIC_BASE_ENABLE | APIC_BASE_BSP;
	enum apic_state from = state_of(a->apic_base), to;

	if (a->dev->x2apic)
		writable |= APIC_BASE_EXTD;
	/* Reserved bits, relocation: not ours. */
	if ((v & ~writable) || (v & APIC_BASE_ADDR) != LAPIC_GPA)
		return -1;
	to = state_of(v);
	/* Figure 11-27: x2APIC is entered from xAPIC only and left only
	 * to disabled. */
	if (to == APIC_INVALID || (to == APIC_X2APIC && from == APIC_DISABLED) ||
	    (to == APIC_XAPIC && from == APIC_X2APIC))
		return -1;
	a->apic_base = (v & ~APIC_BASE_BSP) | (a->apic_base & APIC_BASE_BSP);
	if (to == APIC_X2APIC && from == APIC_XAPIC) {
		/* The x2APIC ID is the initial APIC ID (§11.12.5.1). */
		a->id = (uint32_t)a->vcpu->id;
		a->ldr = lapic_x2apic_ldr(a->id);
	} else if (to == APIC_DISABLED && from == APIC_X2APIC) {
		/* Leaving x2APIC mode resets the APIC (§11.12.5.1). */
		a->id = (uint32_t)a->vcpu->id;
		lapic_reset_regs(a);
	}
	lapic_update_extint(a);
	return 0;
}

static bool in_range(uint32_t reg, uint32_t first, uint32_t n)
{
	return reg >= first && reg < first + n * 0x10;
}

/* Registers that exist in x2APIC mode and may be read. */
static bool readable(uint32_t reg)
{
	if (in_range(reg, REG_ISR, 24) || in_range(reg, REG_LVT_TIMER, LVT_N))
		return true;
	switch (reg) {
	case REG_ID: case REG_VERSION: case REG_TPR: case REG_PPR:
	case REG_LDR: case REG_SVR: case REG_ESR: case REG_ICR_LO:
	case REG_TIMER_ICR: case REG_TIMER_CCR: case REG_TIMER_DCR:
		return true;
	}
	return false;
}

static int x2_read(struct lapic *a, uint32_t reg, uint64_t *val)
{
	if (!readable(reg))
		return -1;
	if (reg == REG_ID)
		*val = a->id; /* the whole 32-bit ID, not ID << 24 */
	else if (reg == REG_ICR_LO)
		*val = ((uint64_t)a->icr_hi << 32) | a->icr_lo;
	else
		*val = lapic_reg_read(a, reg);
	return 0;
}

/* Bits a write may set, per writable register; 0: not writable. */
static uint64_t write_mask(uint32_t reg)
{
	if (in_range(reg, REG_LVT_TIMER, LVT_N))
		return lapic_lvt_writable[(reg - REG_LVT_TIMER) / 0x10];
	switch (reg) {
	case REG_TPR: return 0xff;
	case REG_SVR: return SVR_WRITABLE;
	case REG_ICR_LO: return (LOW32 << 32) | ICR_LO_WRITABLE;
	case REG_TIMER_ICR: return LOW32;
	case REG_TIMER_DCR: return DCR_WRITABLE;
	case REG_SELF_IPI: return 0xff;
	}
	return 0;
}

static int x2_write(struct lapic *a, uint32_t reg, uint64_t v,
		    struct lapic_write_fx *fx)
{
	/* EOI and ESR take zero only (§11.12.1.2, §11.5.3). */
	if (reg == REG_EOI || reg == REG_ESR) {
		if (v)
			return -1;
		lapic_reg_write(a, reg, 0, fx);
		return 0;
	}
	if (!write_mask(reg) || (v & ~write_mask(reg)))
		return -1;
	switch (reg) {
	case REG_ICR_LO:
		/* One WRMSR sends: destination first. */
		a->icr_hi = (uint32_t)(v >> 32);
		lapic_reg_write(a, REG_ICR_LO, (uint32_t)v, fx);
		return 0;
	case REG_SELF_IPI:
		/* A fixed, edge-triggered IPI to this APIC that leaves the
		 * ICR alone (§11.12.11); the receiver refuses vectors 0-15. */
		fx->send = true;
		fx->msg = (struct v3_apic_msg){
		    .vector = (uint8_t)v,
		    .delivery = V3_APIC_DM_FIXED,
		    .shorthand = V3_APIC_SH_SELF,
		    .x2apic = true,
		    .dest = a->id,
		    .src = a->vcpu->id,
		};
		return 0;
	}
	lapic_reg_write(a, reg, (uint32_t)v, fx);
	return 0;
}

static int x2apic_msr(struct v3_vcpu *vcpu, struct v3_access *acc,
		      void *priv)
{
	struct lapic_dev *d = priv;
	struct lapic *a = &d->apic[vcpu->id];
	uint32_t reg = (uint32_t)(acc->addr - X2APIC_MSR_FIRST) << 4;
	struct lapic_write_fx fx = {.eoi_vector = -1};
	unsigned long flags = v3_host->lock_irqsave(d->lock);
	int r;

	/* Outside x2APIC mode the MSRs do not exist (§11.12.1.2). */
	if (!lapic_x2apic_mode(a))
		r = -1;
	else if (acc->write)
		r = x2_write(a, reg, acc->val[0], &fx);
	else
		r = x2_read(a, reg, &acc->val[0]);
	v3_host->unlock_irqrestore(d->lock, flags);
	lapic_write_done(d, &fx);
	return r;
}

int lapic_x2apic_attach(struct v3_vm *vm, struct lapic_dev *d)
{
	return v3_hook_add(vm, V3_HOOK_MSR, X2APIC_MSR_FIRST, X2APIC_MSR_LAST,
			   x2apic_msr, d);
}
