/* vcpu_msr.c - RDMSR/WRMSR exits.  Device hooks first, then the MSRs the
 * core itself virtualizes; anything else gets #GP(0) as on hardware for
 * an unimplemented MSR (SDM vol. 2 RDMSR). */
#include "exit.h"
#include "intr.h"
#include "shadow.h"
#include "shadow_rules.h"
#include "vm.h"
#include "vmm.h"

#define MSR_TSC	 0x10
#define MSR_EFER 0xc0000080u
#define MSR_PAT	 0x277
#define MSR_MTRR_CAP 0xfe
#define MSR_MISC_ENABLE 0x1a0
/* IA32_MISC_ENABLE as the guest sees it: fast strings on, branch trace
 * and PEBS unavailable, XD not disabled (SDM vol. 4 table 2-2).  Linux
 * reads it on Intel CPUs before it has an IDT that survives #GP. */
#define MISC_ENABLE_VALUE (1u | (1u << 11) | (1u << 12))
/* AMD SYSCFG (APM vol. 2, "System Configuration Register") and NB_CFG
 * (the family 10h-17h BKDG/PPR): Linux reads SYSCFG
 * for its MTRR set-up and sets NB_CFG's extended config-space bit on
 * every CPU, without a #GP fixup.  SYSCFG reads 0 (no TOM2, no fixed
 * MTRR DRAM modification) and ignores writes; NB_CFG is storage. */
#define MSR_AMD_SYSCFG 0xc0010010u
#define MSR_AMD_NB_CFG 0xc001001fu
#define MSR_MTRR_VAR_FIRST 0x200
#define MSR_MTRR_VAR_LAST 0x20f
#define MSR_MTRR_DEF_TYPE 0x2ff
/* MTRRcap: 8 variable ranges, fixed ranges, write-combining
 * (SDM vol. 3 §12.11.1). */
#define MTRR_CAP_VALUE (8u | (1u << 8) | (1u << 10))
/* EFER bits a guest may set: SCE, LME, LMA, NXE (SVME is ours). */
#define EFER_GUEST_BITS                                                        \
	((1ull << 0) | (1ull << 8) | (1ull << 10) | (1ull << 11))

/* The fixed-range MTRR MSRs in SDM order: 64K, 2 x 16K, 8 x 4K. */
static const uint32_t mtrr_fixed_msrs[11] = {
	0x250, 0x258, 0x259, 0x268, 0x269, 0x26a,
	0x26b, 0x26c, 0x26d, 0x26e, 0x26f,
};

/* Storage for an MTRR MSR, or NULL when 'msr' is not one. */
static uint64_t *mtrr_slot(struct v3_vcpu *vcpu, uint32_t msr)
{
	unsigned i;

	if (msr == MSR_MTRR_DEF_TYPE)
		return &vcpu->mtrr_def_type;
	if (msr >= MSR_MTRR_VAR_FIRST && msr <= MSR_MTRR_VAR_LAST)
		return &vcpu->mtrr_var[msr - MSR_MTRR_VAR_FIRST];
	for (i = 0; i < 11; i++)
		if (mtrr_fixed_msrs[i] == msr)
			return &vcpu->mtrr_fixed[i];
	return NULL;
}

static int core_msr_read(struct v3_vcpu *vcpu, uint32_t msr, uint64_t *val)
{
	uint64_t *mtrr = mtrr_slot(vcpu, msr);

	if (mtrr) {
		*val = *mtrr;
		return 0;
	}
	switch (msr) {
	case MSR_MTRR_CAP:
		*val = MTRR_CAP_VALUE;
		return 0;
	case MSR_MISC_ENABLE: *val = MISC_ENABLE_VALUE; return 0;
	case MSR_EFER:
		*val = v3_vcpu_state(vcpu, V3_STATE_EFER)->efer;
		return 0;
	/* Without nested paging the hardware's PAT stays the host's. */
	case MSR_PAT:
		if (!vcpu->shadow)
			return -1;
		*val = vcpu->pat;
		return 0;
	case MSR_TSC: *val = v3_cycles() + vcpu->vm->tsc_offset; return 0;
	case MSR_AMD_SYSCFG: *val = 0; return 0;
	case MSR_AMD_NB_CFG: *val = vcpu->nb_cfg; return 0;
	}
	return -1;
}

static int core_msr_write(struct v3_vcpu *vcpu, uint32_t msr, uint64_t val)
{
	uint64_t *mtrr = mtrr_slot(vcpu, msr);

	if (mtrr) {
		*mtrr = val;
		return 0;
	}
	switch (msr) {
	case MSR_MISC_ENABLE:
		/* Nothing it controls is emulated: keep our value. */
		return 0;
	case MSR_EFER: {
		struct v3_vcpu_state *st = v3_vcpu_state(vcpu, V3_STATE_CTRL);
		struct v3_ctrl_regs old = {st->cr0, st->cr4, st->efer};

		if (val & ~EFER_GUEST_BITS)
			return -1;
		/* LMA is read-only: the CPU sets it when paging turns on. */
		st->efer = (val & ~(1ull << 10)) | (st->efer & (1ull << 10));
		if (vcpu->shadow)
			v3_shadow_ctrl_changed(vcpu, &old, false);
		return 0;
	}
	case MSR_PAT:
		if (!vcpu->shadow)
			return -1;
		vcpu->pat = val;
		return 0;
	case MSR_AMD_SYSCFG: return 0;
	case MSR_AMD_NB_CFG: vcpu->nb_cfg = val; return 0;
	}
	return -1;
}

static int msr_access(struct v3_vcpu *vcpu, struct v3_exit *exit, bool write)
{
	struct v3_gprs *g = &vcpu->state.gprs;
	uint32_t msr = (uint32_t)g->rcx;
	struct v3_access acc = {
	    .kind = V3_HOOK_MSR,
	    .addr = msr,
	    .len = 8,
	    .write = write,
	    .val = {(g->rdx << 32) | (uint32_t)g->rax},
	};
	int r = v3_hook_call(vcpu, &acc);

	if (r == V3_HOOK_NONE)
		r = write ? core_msr_write(vcpu, msr, acc.val[0])
			  : core_msr_read(vcpu, msr, &acc.val[0]);
	if (r != 0) {
		v3_inject_exception(vcpu, V3_EXC_GP, true, 0);
		return 0;
	}
	if (!write) {
		g->rax = (uint32_t)acc.val[0];
		g->rdx = acc.val[0] >> 32;
	}
	v3_skip_insn(vcpu, exit);
	return 0;
}

int v3_handle_msr_read(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	return msr_access(vcpu, exit, false);
}

int v3_handle_msr_write(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	return msr_access(vcpu, exit, true);
}
