/* svm_vmcb.c - VMCB intercepts, permission maps and the copy of register
 * state between the core's v3_vcpu_state and the VMCB. */
#include "msr_index.h"
#include "svm.h"
#include "vm.h"
#include "vmm.h"

#define EFER_SVME (1ull << 12)


/* MSRs whose state lives in the VMCB and is switched by VMRUN/VMLOAD/
 * VMSAVE: the guest may access them directly.  PAT is g_pat under NPT. */
static const uint32_t passthrough_msrs[] = {
    MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,   MSR_PAT,
    MSR_STAR,	     MSR_LSTAR,	       MSR_CSTAR,	   MSR_SFMASK,
    MSR_FS_BASE,     MSR_GS_BASE,      MSR_KERNEL_GS_BASE,
};

/* MSRPM: three 2 KiB ranges, two bits (read, write) per MSR
 * (APM vol. 2 §15.11). */
static void msrpm_allow(uint8_t *pm, uint32_t msr)
{
	uint32_t base;

	if (msr < 0x2000)
		base = 0;
	else if (msr - 0xc0000000u < 0x2000)
		base = 0x800, msr -= 0xc0000000u;
	else if (msr - 0xc0010000u < 0x2000)
		base = 0x1000, msr -= 0xc0010000u;
	else
		return;
	pm[base + msr / 4] &= ~(3u << ((msr % 4) * 2));
}

static void init_maps(struct svm_vcpu *s, bool shadow)
{
	uint8_t *iopm = v3_host->phys_to_virt(s->iopm_pa);
	uint8_t *msrpm = v3_host->phys_to_virt(s->msrpm_pa);
	unsigned i;

	/* Every port exits: a guest never touches real hardware. */
	v3_memset(iopm, 0xff, 3 * V3_PAGE_SIZE);
	v3_memset(msrpm, 0xff, 2 * V3_PAGE_SIZE);
	for (i = 0; i < sizeof(passthrough_msrs) / sizeof(passthrough_msrs[0]);
	     i++)
		if (!shadow || passthrough_msrs[i] != MSR_PAT)
			msrpm_allow(msrpm, passthrough_msrs[i]);
}

void svm_vmcb_init(struct v3_vcpu *vcpu, struct svm_vcpu *s)
{
	struct vmcb_control *c = &s->vmcb->ctl;

	init_maps(s, vcpu->shadow != NULL);
	/* PAUSE exits: a vcpu spinning on a lock or in a delay loop gives
	 * its host CPU to the other vcpus and lets the VM's timers run
	 * (there is no pause filter on the test machines). */
	c->intercept1 = SVM_I1_INTR | SVM_I1_NMI | SVM_I1_SMI | SVM_I1_CPUID |
			SVM_I1_HLT | SVM_I1_INVLPGA | SVM_I1_IOIO | SVM_I1_MSR |
			SVM_I1_SHUTDOWN | SVM_I1_FERR_FREEZE | SVM_I1_PAUSE;
	/* VMRUN must be intercepted or the CPU refuses the VMCB. */
	c->intercept2 = SVM_I2_VMRUN | SVM_I2_VMMCALL | SVM_I2_VMLOAD |
			SVM_I2_VMSAVE | SVM_I2_STGI | SVM_I2_CLGI |
			SVM_I2_SKINIT | SVM_I2_MONITOR | SVM_I2_MWAIT |
			SVM_I2_MWAIT_COND | SVM_I2_XSETBV;
	c->iopm_pa = s->iopm_pa;
	c->msrpm_pa = s->msrpm_pa;
	c->asid = s->asid;
	c->tlb_control = SVM_TLB_FLUSH_ALL;
	/* Guest RFLAGS.IF gates only virtual interrupts; physical ones
	 * always reach the host. */
	c->vintr = SVM_VINTR_MASKING;
	c->tsc_offset = vcpu->vm->tsc_offset;
	if (vcpu->shadow) {
		/* Shadow paging: the core keeps the guest's CR0/CR3/CR4 and
		 * handles #PF, INVLPG and task switches (which load CR3)
		 * itself (APM vol. 2, 15.9, 15.12). */
		c->cr_read = c->cr_write = SVM_CR_SHADOWED;
		c->exceptions |= 1u << SVM_EXC_PF;
		c->intercept1 |= SVM_I1_INVLPG | SVM_I1_TASK_SWITCH;
	} else {
		c->np_enable = 1;
		c->n_cr3 = vcpu->vm->nested.root_hpa;
	}
	s->vmcb->save.g_pat = PAT_POWER_ON;
}

static void seg_to_vmcb(struct vmcb_seg *d, const struct v3_seg *s)
{
	d->sel = s->sel;
	d->attr = s->attr;
	d->limit = s->limit;
	d->base = s->base;
}

static void seg_from_vmcb(struct v3_seg *d, const struct vmcb_seg *s)
{
	d->sel = s->sel;
	d->attr = s->attr;
	d->limit = s->limit;
	d->base = s->base;
}

/* The segment registers in our order (V3_SEG_*), spelled out rather than
 * looped over: this runs twice per exit, and straight-line code is what
 * an emulated CPU executes fastest right after a world switch. */
#define FOR_EACH_SEG(X)                                                        \
	X(V3_SEG_ES, es)                                                       \
	X(V3_SEG_CS, cs)                                                       \
	X(V3_SEG_SS, ss)                                                       \
	X(V3_SEG_DS, ds)                                                       \
	X(V3_SEG_FS, fs)                                                       \
	X(V3_SEG_GS, gs)                                                       \
	X(V3_SEG_LDTR, ldtr)                                                   \
	X(V3_SEG_TR, tr)

void svm_state_to_vmcb(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	struct v3_vcpu_state *st = &vcpu->state;
	struct vmcb_save *v = &vmcb->save;

	v->rax = st->gprs.rax;
	v->rsp = st->gprs.rsp;
	v->rip = st->rip;
	v->rflags = st->rflags;
	v->cr2 = st->cr2;
	/* The CPU insists on EFER.SVME in the guest; the guest never sees
	 * it (EFER reads are intercepted). */
	if (vcpu->shadow) {
		v->cr0 = vcpu->hw.cr0;
		v->cr3 = vcpu->hw.cr3;
		v->cr4 = vcpu->hw.cr4;
		v->efer = vcpu->hw.efer | EFER_SVME;
	} else {
		v->cr0 = st->cr0;
		v->cr3 = st->cr3;
		v->cr4 = st->cr4;
		v->efer = st->efer | EFER_SVME;
	}
	v->dr6 = st->dr6;
	v->dr7 = st->dr7;
	v->cpl = st->cpl;
#define SEG_TO(i, f) seg_to_vmcb(&v->f, &st->seg[i]);
	FOR_EACH_SEG(SEG_TO)
#undef SEG_TO
	v->gdtr.base = st->gdtr.base;
	v->gdtr.limit = st->gdtr.limit;
	v->idtr.base = st->idtr.base;
	v->idtr.limit = st->idtr.limit;
	vmcb->ctl.int_state = st->intr_shadow ? 1 : 0;
	/* CR8 is the APIC's TPR[7:4]: V_TPR (APM vol. 2 §15.21.1). */
	vmcb->ctl.vintr = (vmcb->ctl.vintr & ~0xfull) | (st->cr8 & 0xf);
}

void svm_state_from_vmcb(struct v3_vcpu *vcpu, struct vmcb *vmcb)
{
	struct v3_vcpu_state *st = &vcpu->state;
	struct vmcb_save *v = &vmcb->save;

	st->gprs.rax = v->rax;
	st->gprs.rsp = v->rsp;
	st->rip = v->rip;
	st->rflags = v->rflags;
	st->cr2 = v->cr2;
	/* Under shadow paging the guest cannot change these unseen. */
	if (!vcpu->shadow) {
		st->cr0 = v->cr0;
		st->cr3 = v->cr3;
		st->cr4 = v->cr4;
		st->efer = v->efer & ~EFER_SVME;
	}
	st->dr6 = v->dr6;
	st->dr7 = v->dr7;
	st->cpl = v->cpl;
#define SEG_FROM(i, f) seg_from_vmcb(&st->seg[i], &v->f);
	FOR_EACH_SEG(SEG_FROM)
#undef SEG_FROM
	st->gdtr.base = v->gdtr.base;
	st->gdtr.limit = v->gdtr.limit;
	st->idtr.base = v->idtr.base;
	st->idtr.limit = v->idtr.limit;
	st->intr_shadow = vmcb->ctl.int_state & 1;
	st->cr8 = vmcb->ctl.vintr & 0xf;
}
