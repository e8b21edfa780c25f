/* vcpu_msr.c - RDMSR/WRMSR exits.  Device hooks first, then the MSRs the
 * core itself virtualizes; anything else gets #GP(0) as on hardware for
 * an unimplemented MSR (SDM vol. 2 RDMSR). */
#include "exit.h"
#include "intr.h"
#include "vm.h"
#include "vmm.h"

#define MSR_TSC	 0x10
#define MSR_EFER 0xc0000080u
/* EFER bits a guest may set: SCE, LME, LMA, NXE (SVME is ours). */
#define EFER_GUEST_BITS                                                        \
	((1ull << 0) | (1ull << 8) | (1ull << 10) | (1ull << 11))

static int core_msr_read(struct v3_vcpu *vcpu, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_EFER: *val = vcpu->state.efer; return 0;
	case MSR_TSC: *val = v3_cycles() + vcpu->vm->tsc_offset; return 0;
	}
	return -1;
}

static int core_msr_write(struct v3_vcpu *vcpu, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_EFER:
		if (val & ~EFER_GUEST_BITS)
			return -1;
		/* LMA is read-only: the CPU sets it when paging turns on. */
		vcpu->state.efer =
		    (val & ~(1ull << 10)) | (vcpu->state.efer & (1ull << 10));
		return 0;
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
