/* svm.c - the AMD SVM backend: detection, per-CPU enable, vcpu control
 * blocks and the run step (APM vol. 2 chapter 15). */
#include "host_cpu.h"
#include "intr.h"
#include "msr_index.h"
#include "svm.h"
#include "tag_alloc.h"
#include "vm.h"
#include "vmm.h"

#define MSR_VM_CR	      0xc0010114u
#define MSR_VM_HSAVE_PA	      0xc0010117u
#define EFER_SVME	      (1ull << 12)
#define VM_CR_SVMDIS	      (1ull << 4)
#define CPUID_EXT1_ECX_SVM    (1u << 2)
#define CPUID_EXT1_EDX_PAGE1G (1u << 26)
#define CPUID_SVM_EDX_NP      (1u << 0)

#define MAX_CPUS 256

/* Per host CPU: the area VMRUN saves host state to, and the area our
 * VMSAVE/VMLOAD keep the host's FS/GS/TR/syscall MSRs in. */
static uint64_t hsave_pa[MAX_CPUS];
static uint64_t host_vmcb_pa[MAX_CPUS];

static struct v3_tags asids;

static int svm_detect(char *why, size_t len)
{
	uint32_t r[4];

	v3_host_cpuid(0x80000000u, 0, r);
	if (r[0] < 0x8000000au) {
		v3_snprintf(why, len,
			    "CPU has no AMD SVM (no CPUID leaf "
			    "0x8000000A)");
		return -1;
	}
	v3_host_cpuid(0x80000001u, 0, r);
	if (!(r[2] & CPUID_EXT1_ECX_SVM)) {
		v3_snprintf(why, len,
			    "CPU has no AMD SVM (CPUID 0x80000001 "
			    "ECX bit 2 clear)");
		return -1;
	}
	svm_npt_fmt.has_1g = r[3] & CPUID_EXT1_EDX_PAGE1G;
	if (v3_rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		v3_snprintf(why, len,
			    "AMD SVM is disabled by the firmware "
			    "(VM_CR.SVMDIS)");
		return -1;
	}
	v3_host_cpuid(0x8000000au, 0, r);
	if (r[1] < 2) {
		v3_snprintf(why, len, "AMD SVM reports %u ASIDs", r[1]);
		return -1;
	}
	v3_svm_ops.nested_paging = r[3] & CPUID_SVM_EDX_NP;
	return v3_tags_init(&asids, r[1]);
}

static int svm_cpu_enable(void)
{
	int cpu = v3_host->cpu_id();

	if (cpu >= MAX_CPUS)
		return -1;
	hsave_pa[cpu] = v3_host->alloc_pages(1, V3_PAGE_SIZE, -1);
	host_vmcb_pa[cpu] = v3_host->alloc_pages(1, V3_PAGE_SIZE, -1);
	if (!hsave_pa[cpu] || !host_vmcb_pa[cpu])
		return -1;
	v3_memset(v3_host->phys_to_virt(hsave_pa[cpu]), 0, V3_PAGE_SIZE);
	v3_memset(v3_host->phys_to_virt(host_vmcb_pa[cpu]), 0, V3_PAGE_SIZE);
	v3_wrmsr(MSR_EFER, v3_rdmsr(MSR_EFER) | EFER_SVME);
	v3_wrmsr(MSR_VM_HSAVE_PA, hsave_pa[cpu]);
	return 0;
}

static void svm_cpu_disable(void)
{
	int cpu = v3_host->cpu_id();

	v3_wrmsr(MSR_VM_HSAVE_PA, 0);
	v3_wrmsr(MSR_EFER, v3_rdmsr(MSR_EFER) & ~EFER_SVME);
	if (hsave_pa[cpu])
		v3_host->free_pages(hsave_pa[cpu], 1);
	if (host_vmcb_pa[cpu])
		v3_host->free_pages(host_vmcb_pa[cpu], 1);
	hsave_pa[cpu] = host_vmcb_pa[cpu] = 0;
}

static int svm_vcpu_init(struct v3_vcpu *vcpu)
{
	struct v3_vm *vm = vcpu->vm;
	struct svm_vcpu *s = v3_vm_zalloc(vm, sizeof(*s));

	if (!s)
		return -1;
	vcpu->arch = s;
	s->vmcb_pa = v3_vm_alloc_pages(vm, 1, V3_PAGE_SIZE);
	s->iopm_pa = v3_vm_alloc_pages(vm, 3, V3_PAGE_SIZE);
	s->msrpm_pa = v3_vm_alloc_pages(vm, 2, V3_PAGE_SIZE);
	if (!s->vmcb_pa || !s->iopm_pa || !s->msrpm_pa)
		return -1;
	s->vmcb = v3_host->phys_to_virt(s->vmcb_pa);
	/* Unique ASIDs spare TLB flushes; the shared one flushes on every
	 * entry. */
	s->asid = v3_tag_alloc(&asids);
	s->shared_asid = s->asid == V3_TAG_SHARED;
	s->last_cpu = -1;
	svm_vmcb_init(vcpu, s);
	return 0;
}

static void svm_vcpu_deinit(struct v3_vcpu *vcpu)
{
	struct svm_vcpu *s = vcpu->arch;
	struct v3_vm *vm = vcpu->vm;

	if (!s)
		return;
	v3_tag_free(&asids, s->asid);
	v3_vm_free_pages(vm, s->vmcb_pa, 1);
	v3_vm_free_pages(vm, s->iopm_pa, 3);
	v3_vm_free_pages(vm, s->msrpm_pa, 2);
	v3_vm_free(vm, s, sizeof(*s));
	vcpu->arch = NULL;
}

static uint64_t svm_vcpu_mem(struct v3_vcpu *vcpu)
{
	(void)vcpu;
	return 0; /* charged to the VM through v3_vm_alloc_pages */
}

/* An external interrupt goes in as a virtual interrupt (V_IRQ with its
 * vector), not through EVENTINJ.  QEMU's SVM emulation delivers an
 * EVENTINJ interrupt at VMRUN but leaves the vector in its pending-
 * exception slot: if its main loop is asked to stop (another CPU's turn,
 * an I/O event) before the guest takes an exception or exits, it delivers
 * the vector a second time, as an exception, ignoring RFLAGS.IF.  Linux
 * then runs the handler on a frame that says the first delivery came from
 * the kernel, skips SWAPGS after an interrupt from user mode and faults
 * on its per-CPU data (GS base 0).  A virtual interrupt is delivered
 * through the emulated CPU's interrupt check, which has no such leftover.
 * We only ever request one when the guest can take it now (RFLAGS.IF set,
 * no interrupt shadow: v3_intr_prepare_entry), so it is taken before the
 * first guest instruction, exactly like EVENTINJ.  V_IGN_TPR: the APIC
 * model already chose the vector by priority. */
static void load_event(struct v3_vcpu *vcpu, struct svm_vcpu *s,
		       struct vmcb_control *c)
{
	static const uint8_t type[] = {
	    [V3_EVENT_INTR] = SVM_EVT_INTR,
	    [V3_EVENT_NMI] = SVM_EVT_NMI,
	    [V3_EVENT_EXCEPTION] = SVM_EVT_EXC,
	    [V3_EVENT_SOFT_INTR] = SVM_EVT_SOFT,
	};
	struct v3_event *ev = &vcpu->event;

	c->event_inj = 0;
	c->vintr &= ~SVM_VINTR_REQ;
	c->intercept1 &= ~SVM_I1_VINTR;
	s->virq = ev->valid && ev->type == V3_EVENT_INTR;
	if (s->virq) {
		c->vintr |= SVM_VINTR_V_IRQ | SVM_VINTR_IGN_TPR |
			    (0xfull << SVM_VINTR_PRIO_SHIFT) |
			    ((uint64_t)ev->vector << SVM_VINTR_VEC_SHIFT);
		return;
	}
	if (ev->valid) {
		c->event_inj =
		    ev->vector |
		    ((uint64_t)type[ev->type] << SVM_EVT_TYPE_SHIFT) |
		    SVM_EVT_VALID;
		if (ev->has_error)
			c->event_inj |=
			    SVM_EVT_ERR_VALID | ((uint64_t)ev->error << 32);
	}
	/* A virtual interrupt request makes the CPU exit (VINTR) as soon
	 * as the guest can take an interrupt (APM vol. 2 §15.21.4). */
	if (vcpu->want_intr_window) {
		c->vintr |= SVM_VINTR_V_IRQ | SVM_VINTR_IGN_TPR |
			    (0xfull << SVM_VINTR_PRIO_SHIFT);
		c->intercept1 |= SVM_I1_VINTR;
	}
}

/* An event whose delivery the exit interrupted goes back to the core to
 * be injected again (APM vol. 2 §15.7.2).  Not INT n, INT3 or INTO:
 * without NRIP save, re-injecting them would push the instruction's own
 * address as the return address and run it twice; RIP still points at
 * it, so the guest simply executes it again. */
static void save_event(struct v3_vcpu *vcpu, struct svm_vcpu *s,
		       struct vmcb_control *c)
{
	uint64_t info = c->exit_int_info;
	struct v3_event *ev = &vcpu->event;
	/* The CPU clears V_IRQ when it takes the virtual interrupt; still
	 * set, the exit came first (a host interrupt) and the interrupt in
	 * vcpu->event is still to be delivered. */
	bool virq_left = s->virq && (c->vintr & SVM_VINTR_V_IRQ);

	c->vintr &= ~SVM_VINTR_REQ;
	s->virq = false;
	if (!(info & SVM_EVT_VALID)) {
		ev->valid = virq_left;
		return;
	}
	ev->valid = true;
	ev->vector = info & 0xff;
	switch ((info >> SVM_EVT_TYPE_SHIFT) & 7) {
	case SVM_EVT_NMI: ev->type = V3_EVENT_NMI; break;
	case SVM_EVT_EXC:
		if (ev->vector == SVM_EXC_BP || ev->vector == SVM_EXC_OF) {
			ev->valid = false;
			return;
		}
		/* Exceptions are vectors 0-31.  QEMU reports a virtual
		 * interrupt whose delivery the exit cut short as an
		 * exception of its vector (and refuses to inject one). */
		ev->type = ev->vector < 32 ? V3_EVENT_EXCEPTION
					   : V3_EVENT_INTR;
		break;
	case SVM_EVT_SOFT: ev->valid = false; return;
	default: ev->type = V3_EVENT_INTR; break;
	}
	ev->has_error = info & SVM_EVT_ERR_VALID;
	ev->error = info >> 32;
}

static int svm_vcpu_run(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	struct svm_vcpu *s = vcpu->arch;
	struct vmcb_control *c = &s->vmcb->ctl;
	int cpu = v3_host->cpu_id();

	svm_state_to_vmcb(vcpu, s->vmcb);
	load_event(vcpu, s, c);
	/* Stale guest translations may sit in this CPU's TLB under our
	 * ASID if we ran here before and then elsewhere. */
	if (s->shared_asid || s->last_cpu != cpu || vcpu->tlb_flush)
		c->tlb_control = SVM_TLB_FLUSH_ALL;
	vcpu->tlb_flush = false;
	s->last_cpu = cpu;

	svm_vmrun(s->vmcb_pa, &vcpu->state.gprs, host_vmcb_pa[cpu]);

	c->tlb_control = 0;
	svm_state_from_vmcb(vcpu, s->vmcb);
	save_event(vcpu, s, c);
	svm_decode_exit(vcpu, s->vmcb, exit);
	return 0;
}

struct v3_arch_ops v3_svm_ops = {
    .name = "svm",
    .shadow_paging = true,
    .nested_fmt = &svm_npt_fmt,
    .detect = svm_detect,
    .cpu_enable = svm_cpu_enable,
    .cpu_disable = svm_cpu_disable,
    .vcpu_init = svm_vcpu_init,
    .vcpu_deinit = svm_vcpu_deinit,
    .vcpu_run = svm_vcpu_run,
    .vcpu_mem = svm_vcpu_mem,
};
