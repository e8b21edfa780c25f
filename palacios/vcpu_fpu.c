/* vcpu_fpu.c - the guest's x87/SSE registers.  Neither VMRUN nor
 * VMLAUNCH switches them (APM vol. 2 §15.5.1, SDM vol. 3 §25.3), so they
 * are loaded right before each entry and saved right after the exit;
 * whatever else runs on the CPU in between (the host, another vcpu)
 * cannot see or clobber them.  CPUID hides XSAVE from guests, so the
 * 512-byte FXSAVE image covers all the state a guest can have. */
#include "vm.h"
#include "vmm.h"

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
}

void v3_fpu_enter(struct v3_vcpu *vcpu)
{
	__asm__ volatile("fxrstor64 %0" ::"m"(*(uint8_t(*)[512])vcpu->fpu));
}

void v3_fpu_leave(struct v3_vcpu *vcpu)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[512])vcpu->fpu));
}
