/* fpu.h - switching the guests' x87/SSE registers between vcpus that
 * share a host CPU (vcpu_fpu.c). */
#ifndef V3_FPU_H
#define V3_FPU_H

struct v3_vcpu;

void v3_fpu_init(struct v3_vcpu *vcpu);
void v3_fpu_enter(struct v3_vcpu *vcpu);
void v3_fpu_release(struct v3_vcpu *vcpu);

#endif
