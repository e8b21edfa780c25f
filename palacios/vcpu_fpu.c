/* vcpu_fpu.c - the guest's x87/SSE registers.  Neither VMRUN nor
 * VMLAUNCH switches them (APM vol. 2 §15.5.1, SDM vol. 3 §25.3), so the
 * core loads them before an entry and saves them when something else
 * needs the CPU's registers; whatever else runs on the CPU in between
 * (the host, another vcpu) cannot see or clobber them.  CPUID hides
 * XSAVE from guests, so the 512-byte FXSAVE image covers all the state
 * a guest can have. */
#include "vm.h"
#include "vmm.h"

/* A host without guest_enter (the LWK) leaves the FPU registers alone
 * between entries and never moves a vcpu thread, so a guest's registers
 * can stay in the CPU across exits: they are saved only when another
 * vcpu enters on that CPU.  FXSAVE plus FXRSTOR cost as much as the
 * rest of a CPUID exit in an emulated CPU.  A host with guest_enter may
 * hand the registers to its own tasks after guest_exit: each entry
 * loads them and each exit saves them. */
#define FPU_CPUS 256
static struct v3_vcpu *fpu_holder[FPU_CPUS]; /* whose registers, by CPU */

static bool fpu_lazy(const struct v3_vcpu *vcpu)
{
	return !v3_host->guest_enter && vcpu->host_cpu >= 0 &&
	       vcpu->host_cpu < FPU_CPUS;
}

static void fxsave(struct v3_vcpu *vcpu)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[512])vcpu->fpu));
}

static void fxrstor(struct v3_vcpu *vcpu)
{
	__asm__ volatile("fxrstor64 %0" ::"m"(*(uint8_t(*)[512])vcpu->fpu));
}

/* The registers the CPU holds for 'vcpu' are no longer wanted (its
 * image was replaced, or its thread ends). */
void v3_fpu_release(struct v3_vcpu *vcpu)
{
	if (fpu_lazy(vcpu) && fpu_holder[vcpu->host_cpu] == vcpu)
		fpu_holder[vcpu->host_cpu] = NULL;
}

#define FXSAVE_FCW   0	/* x87 control word */
#define FXSAVE_MXCSR 24

/* FNINIT state and MXCSR's reset value (SDM vol. 1 §8.1.5, §10.2.3). */
void v3_fpu_reset(struct v3_vcpu *vcpu)
{
	uint16_t fcw = 0x037f;
	uint32_t mxcsr = 0x1f80;

	v3_memset(vcpu->fpu, 0, sizeof(vcpu->fpu));
	v3_memcpy(vcpu->fpu + FXSAVE_FCW, &fcw, sizeof(fcw));
	v3_memcpy(vcpu->fpu + FXSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
	v3_fpu_release(vcpu);
}

void v3_fpu_enter(struct v3_vcpu *vcpu)
{
	struct v3_vcpu **holder;

	if (!fpu_lazy(vcpu)) {
		fxrstor(vcpu);
		return;
	}
	holder = &fpu_holder[vcpu->host_cpu];
	if (*holder == vcpu)
		return;
	if (*holder)
		fxsave(*holder);
	fxrstor(vcpu);
	*holder = vcpu;
}

void v3_fpu_leave(struct v3_vcpu *vcpu)
{
	if (!fpu_lazy(vcpu))
		fxsave(vcpu);
}
