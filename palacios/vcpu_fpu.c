/* vcpu_fpu.c - the guest's x87/SSE registers.  The host kernel never
 * uses them (it is built without FPU/SIMD code), so they belong to the
 * last vcpu that ran on each host CPU; when another vcpu enters there,
 * the owner's registers are saved with FXSAVE and the newcomer's loaded
 * with FXRSTOR (SDM vol. 1 §10.5).  XSAVE and AVX are hidden from guests
 * (vcpu_cpuid.c), so the 512-byte FXSAVE image is the whole state. */
#include "fpu.h"
#include "vm.h"
#include "vmm.h"

#define MAX_HOST_CPUS 256
/* FXSAVE image: FCW at byte 0, MXCSR at byte 24. */
#define FX_FCW	 0
#define FX_MXCSR 24
/* Power-on values (SDM vol. 1 §8.1.5, §10.2.3.1: all exceptions masked). */
#define FCW_RESET   0x037f
#define MXCSR_RESET 0x1f80

static struct v3_vcpu *owner[MAX_HOST_CPUS];

void v3_fpu_init(struct v3_vcpu *vcpu)
{
	uint16_t fcw = FCW_RESET;
	uint32_t mxcsr = MXCSR_RESET;

	v3_memset(vcpu->fpu, 0, sizeof(vcpu->fpu));
	v3_memcpy(vcpu->fpu + FX_FCW, &fcw, sizeof(fcw));
	v3_memcpy(vcpu->fpu + FX_MXCSR, &mxcsr, sizeof(mxcsr));
}

/* Called by the vcpu's own thread before each entry. */
void v3_fpu_enter(struct v3_vcpu *vcpu)
{
	int cpu = v3_host->cpu_id();
	struct v3_vcpu *prev;

	if (cpu < 0 || cpu >= MAX_HOST_CPUS || owner[cpu] == vcpu)
		return;
	prev = owner[cpu];
	if (prev)
		__asm__ volatile("fxsave %0" : "=m"(prev->fpu));
	__asm__ volatile("fxrstor %0" : : "m"(vcpu->fpu));
	owner[cpu] = vcpu;
}

/* The vcpu goes away: its registers need no saving any more. */
void v3_fpu_release(struct v3_vcpu *vcpu)
{
	int cpu;

	for (cpu = 0; cpu < MAX_HOST_CPUS; cpu++)
		if (owner[cpu] == vcpu)
			owner[cpu] = NULL;
}
