/* svm.h - internals shared by the files of the SVM backend. */
#ifndef V3_SVM_H
#define V3_SVM_H

#include "arch.h"
#include "vmcb.h"

struct v3_gprs;

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;
	uint64_t iopm_pa;
	uint64_t msrpm_pa;
	uint32_t asid;
	bool shared_asid; /* ASIDs ran out: flush on every entry */
	int last_cpu;	  /* -1 before the first run */
	bool virq;	  /* this entry requested a virtual interrupt */
};

extern struct v3_nested_fmt svm_npt_fmt;
extern struct v3_arch_ops v3_svm_ops;

void svm_vmrun(uint64_t vmcb_pa, struct v3_gprs *gprs, uint64_t host_save_pa);
void svm_decode_exit(struct v3_vcpu *vcpu, struct vmcb *vmcb,
		     struct v3_exit *exit);
void svm_vmcb_init(struct v3_vcpu *vcpu, struct svm_vcpu *s);
void svm_state_to_vmcb(struct v3_vcpu *vcpu, struct vmcb *vmcb);
void svm_state_from_vmcb(struct v3_vcpu *vcpu, struct vmcb *vmcb);

#endif
