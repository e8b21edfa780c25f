/* vmx.c - the Intel VMX backend: detection, VMXON per CPU, a VMCS per
 * vcpu, event injection and the run step (Intel SDM vol. 3 chapters
 * 23-28). */
#include "exit_fast.h"
#include "host_cpu.h"
#include "intr.h"
#include "tag_alloc.h"
#include "vm.h"
#include "vmm.h"
#include "vmx.h"

#define CPUID1_ECX_VMX (1u << 5)
#define CR4_VMXE       (1ull << 13)

#define MAX_CPUS 256
/* VPIDs are 16 bits; our table stops earlier (SDM vol. 3 §29.1). */
#define VPIDS	 V3_TAG_MAX

struct vmx_caps vmx_caps;

static uint64_t vmxon_pa[MAX_CPUS];
static uint64_t current_vmcs[MAX_CPUS]; /* what VMPTRLD made current */

static struct v3_tags vpids;

static uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}

/* VMX instructions report failure in CF (no current VMCS) or ZF (error
 * number in the VMCS): "not above" covers both (SDM vol. 3 §30.2). */
#define VMX_PA_OP(name, insn)                                                  \
	static bool name(uint64_t pa)                                          \
	{                                                                      \
		bool fail;                                                     \
                                                                               \
		__asm__ volatile(insn " %1; setna %0"                          \
				 : "=q"(fail)                                  \
				 : "m"(pa)                                     \
				 : "cc", "memory");                            \
		return !fail;                                                  \
	}
VMX_PA_OP(do_vmxon, "vmxon")
VMX_PA_OP(do_vmclear, "vmclear")
VMX_PA_OP(do_vmptrld, "vmptrld")

static void invept_all(void)
{
	struct {
		uint64_t eptp, zero;
	} d = {0, 0};

	__asm__ volatile("invept %0, %1" ::"m"(d), "r"(2ull) : "cc", "memory");
}

static void invvpid_all(void)
{
	struct {
		uint64_t vpid, addr;
	} d = {0, 0};

	__asm__ volatile("invvpid %0, %1" ::"m"(d), "r"(2ull)
			 : "cc", "memory");
}

/* Shadow paging sees every CR3 load and store and every INVLPG
 * (SDM vol. 3 §24.6.2); without them a VM asking for it is refused. */
static void shadow_controls(bool true_ctls)
{
	uint64_t cap = v3_rdmsr(true_ctls ? MSR_VMX_TRUE_PROCBASED
					  : MSR_VMX_PROCBASED);
	int missing;

	vmx_caps.shadow =
	    vmx_ctl_word(cap,
			 vmx_caps.proc | PROC_INVLPG | PROC_CR3_LOAD |
			     PROC_CR3_STORE,
			 0, &vmx_caps.proc_shadow, &missing) == 0;
	v3_vmx_ops.shadow_paging = vmx_caps.shadow;
}

static const char *const ctl_names[] = {"pin-based", "processor-based",
					"secondary processor-based",
					"VM-exit", "VM-entry"};

/* Control words: what we need, what we take if offered.  The TRUE_*
 * MSRs, when present, let default-1 bits be cleared (SDM vol. 3 §A.2). */
static int compute_controls(char *why, size_t len)
{
	bool true_ctls = v3_rdmsr(MSR_VMX_BASIC) & VMX_BASIC_TRUE_CTLS;
	const struct {
		uint32_t msr, true_msr, required, optional;
		uint32_t *out;
	} c[] = {
	    {MSR_VMX_PINBASED, MSR_VMX_TRUE_PINBASED, PIN_EXT_INTR | PIN_NMI,
	     PIN_VIRTUAL_NMI, &vmx_caps.pin},
	    {MSR_VMX_PROCBASED, MSR_VMX_TRUE_PROCBASED,
	     PROC_TSC_OFFSET | PROC_HLT | PROC_UNCOND_IO | PROC_MSR_BITMAP |
		 PROC_SECONDARY | PROC_MWAIT | PROC_MONITOR | PROC_INTR_WINDOW,
	     PROC_NMI_WINDOW, &vmx_caps.proc},
	    {MSR_VMX_PROCBASED2, MSR_VMX_PROCBASED2,
	     PROC2_EPT | PROC2_UNRESTRICTED, PROC2_VPID | PROC2_RDTSCP,
	     &vmx_caps.proc2},
	    {MSR_VMX_EXIT, MSR_VMX_TRUE_EXIT,
	     EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PAT |
		 EXIT_LOAD_PAT,
	     0, &vmx_caps.exit},
	    {MSR_VMX_ENTRY, MSR_VMX_TRUE_ENTRY, ENTRY_LOAD_EFER | ENTRY_LOAD_PAT,
	     ENTRY_IA32E, &vmx_caps.entry},
	};
	unsigned i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint64_t cap = v3_rdmsr(true_ctls ? c[i].true_msr : c[i].msr);
		int missing;

		if (vmx_ctl_word(cap, c[i].required, c[i].optional, c[i].out,
				 &missing) != 0) {
			v3_snprintf(why, len,
				    "Intel VMX lacks %s control bit %d "
				    "(SDM vol. 3 §24.6-24.8)",
				    ctl_names[i], missing);
			return -1;
		}
	}
	/* Asked for only when needed, per entry. */
	vmx_caps.nmi_window = (vmx_caps.proc & PROC_NMI_WINDOW) &&
			      (vmx_caps.pin & PIN_VIRTUAL_NMI);
	vmx_caps.proc &= ~(PROC_INTR_WINDOW | PROC_NMI_WINDOW);
	vmx_caps.entry &= ~ENTRY_IA32E;
	shadow_controls(true_ctls);
	return 0;
}

static int vmx_detect(char *why, size_t len)
{
	uint32_t r[4];
	uint64_t fc, ept;

	v3_host_cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_VMX)) {
		v3_snprintf(why, len,
			    "CPU has no Intel VMX (CPUID.1:ECX bit 5 clear)");
		return -1;
	}
	fc = v3_rdmsr(MSR_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCK) &&
	    !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		v3_snprintf(why, len,
			    "Intel VMX is disabled by the firmware "
			    "(IA32_FEATURE_CONTROL 0x%llx locked)",
			    V3_ULL(fc));
		return -1;
	}
	vmx_caps.revision = VMX_BASIC_REVISION(v3_rdmsr(MSR_VMX_BASIC));
	if (compute_controls(why, len) != 0)
		return -1;
	ept = v3_rdmsr(MSR_VMX_EPT_VPID_CAP);
	if (!(ept & EPT_CAP_WALK4) || !(ept & EPT_CAP_WB) ||
	    !(ept & EPT_CAP_INVEPT) || !(ept & EPT_CAP_INVEPT_ALL)) {
		v3_snprintf(why, len,
			    "Intel VMX EPT lacks 4-level walks, write-back "
			    "or INVEPT (IA32_VMX_EPT_VPID_CAP 0x%llx)",
			    V3_ULL(ept));
		return -1;
	}
	vmx_ept_fmt.has_1g = ept & EPT_CAP_1G;
	if (!(ept & VPID_CAP_INVVPID) || !(ept & VPID_CAP_INVVPID_ALL))
		vmx_caps.proc2 &= ~PROC2_VPID;
	vmx_caps.vpid = vmx_caps.proc2 & PROC2_VPID;
	vmx_caps.cr0_fixed0 = v3_rdmsr(MSR_VMX_CR0_FIXED0);
	vmx_caps.cr0_fixed1 = v3_rdmsr(MSR_VMX_CR0_FIXED1);
	vmx_caps.cr4_fixed0 = v3_rdmsr(MSR_VMX_CR4_FIXED0);
	vmx_caps.cr4_fixed1 = v3_rdmsr(MSR_VMX_CR4_FIXED1);
	vmx_caps.cr0_forced = vmx_cr0_forced(vmx_caps.cr0_fixed0, true);
	vmx_caps.cr4_forced = vmx_caps.cr4_fixed0;
	v3_vmx_ops.nested_paging = true;
	return v3_tags_init(&vpids, VPIDS);
}

static int vmx_cpu_enable(void)
{
	int cpu = v3_host->cpu_id();
	uint64_t fc = v3_rdmsr(MSR_FEATURE_CONTROL);
	uint32_t *rev;

	if (cpu >= MAX_CPUS)
		return -1;
	/* Unlocked: enable VMX and lock, as firmware would (SDM vol. 3
	 * §23.7). */
	if (!(fc & FEATURE_CONTROL_LOCK))
		v3_wrmsr(MSR_FEATURE_CONTROL,
			  fc | FEATURE_CONTROL_LOCK |
			      FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	vmxon_pa[cpu] = v3_host->alloc_pages(1, V3_PAGE_SIZE, -1);
	if (!vmxon_pa[cpu])
		return -1;
	rev = v3_host->phys_to_virt(vmxon_pa[cpu]);
	v3_memset(rev, 0, V3_PAGE_SIZE);
	*rev = vmx_caps.revision;
	write_cr4(read_cr4() | CR4_VMXE | vmx_caps.cr4_fixed0);
	if (!do_vmxon(vmxon_pa[cpu])) {
		write_cr4(read_cr4() & ~CR4_VMXE);
		v3_host->free_pages(vmxon_pa[cpu], 1);
		vmxon_pa[cpu] = 0;
		return -1;
	}
	current_vmcs[cpu] = 0;
	return 0;
}

static void vmx_cpu_disable(void)
{
	int cpu = v3_host->cpu_id();

	if (!vmxon_pa[cpu])
		return;
	__asm__ volatile("vmxoff" ::: "cc", "memory");
	write_cr4(read_cr4() & ~CR4_VMXE);
	v3_host->free_pages(vmxon_pa[cpu], 1);
	vmxon_pa[cpu] = 0;
}

static int vmx_vcpu_init(struct v3_vcpu *vcpu)
{
	struct v3_vm *vm = vcpu->vm;
	struct vmx_vcpu *s = v3_vm_zalloc(vm, sizeof(*s));
	uint8_t *area;

	if (!s)
		return -1;
	vcpu->arch = s;
	s->cpu = -1;
	s->vmcs_pa = v3_vm_alloc_pages(vm, 1, V3_PAGE_SIZE);
	s->msr_bitmap_pa = v3_vm_alloc_pages(vm, 1, V3_PAGE_SIZE);
	s->msr_area_pa = v3_vm_alloc_pages(vm, 1, V3_PAGE_SIZE);
	if (!s->vmcs_pa || !s->msr_bitmap_pa || !s->msr_area_pa)
		return -1;
	*(uint32_t *)v3_host->phys_to_virt(s->vmcs_pa) = vmx_caps.revision;
	area = v3_host->phys_to_virt(s->msr_area_pa);
	s->guest_msrs = (struct vmx_msr_entry *)area;
	s->host_msrs = (struct vmx_msr_entry *)(area + V3_PAGE_SIZE / 2);
	/* VPID 0 is the host's; the shared one flushes on every entry. */
	if (vmx_caps.vpid)
		s->vpid = v3_tag_alloc(&vpids);
	return 0;
}

static void vmcs_clear(struct vmx_vcpu *s)
{
	int cpu = v3_host->cpu_id();

	do_vmclear(s->vmcs_pa);
	if (current_vmcs[cpu] == s->vmcs_pa)
		current_vmcs[cpu] = 0;
}

static void vmcs_clear_on_cpu(void *arg)
{
	vmcs_clear(arg);
}

static void vmx_vcpu_deinit(struct v3_vcpu *vcpu)
{
	struct vmx_vcpu *s = vcpu->arch;
	struct v3_vm *vm = vcpu->vm;

	if (!s)
		return;
	/* A VMCS may still be cached in the CPU that ran it: VMCLEAR
	 * writes it back before the page is reused (SDM vol. 3 §24.11.1). */
	if (s->cpu >= 0)
		v3_host->call_on_cpu(s->cpu, vmcs_clear_on_cpu, s);
	v3_tag_free(&vpids, s->vpid);
	v3_vm_free_pages(vm, s->vmcs_pa, 1);
	v3_vm_free_pages(vm, s->msr_bitmap_pa, 1);
	v3_vm_free_pages(vm, s->msr_area_pa, 1);
	v3_vm_free(vm, s, sizeof(*s));
	vcpu->arch = NULL;
}

static uint64_t vmx_vcpu_mem(struct v3_vcpu *vcpu)
{
	(void)vcpu;
	return 0; /* charged to the VM through v3_vm_alloc_pages */
}

static uint32_t event_type(struct v3_event *ev)
{
	switch (ev->type) {
	case V3_EVENT_NMI: return INTR_TYPE_NMI;
	case V3_EVENT_EXCEPTION: return INTR_TYPE_HW_EXC;
	case V3_EVENT_SOFT_INTR: return INTR_TYPE_SOFT_INTR;
	default: return INTR_TYPE_EXT;
	}
}

/* vcpu->event into the VM-entry interruption information (SDM vol. 3
 * §24.8.3, §26.6).  An NMI the guest blocks waits for an NMI window;
 * interrupts wait for the interrupt window the core asks for. */
static void load_event(struct v3_vcpu *vcpu, struct vmx_vcpu *s)
{
	struct v3_event *ev = &vcpu->event;
	uint32_t proc = s->proc & ~(PROC_INTR_WINDOW | PROC_NMI_WINDOW);
	uint32_t info = 0, type;

	s->injected = false;
	if (ev->valid) {
		type = event_type(ev);
		/* An event an exit cut short goes back as it was: software
		 * interrupts and exceptions keep their type and length. */
		if ((s->reinject_info & INTR_INFO_VALID) &&
		    (s->reinject_info & 0xff) == ev->vector)
			type = (s->reinject_info >> INTR_INFO_TYPE_SHIFT) & 7;
		if (type == INTR_TYPE_NMI &&
		    (s->interruptibility &
		     (INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_STI |
		      INTERRUPTIBILITY_MOV_SS))) {
			/* Without NMI-window exiting it waits for the next
			 * exit of any kind. */
			if (vmx_caps.nmi_window)
				proc |= PROC_NMI_WINDOW;
		} else {
			info = ev->vector | (type << INTR_INFO_TYPE_SHIFT) |
			       INTR_INFO_VALID;
			if (ev->has_error) {
				info |= INTR_INFO_ERROR;
				vmwrite(VMCS_ENTRY_EXC_ERROR, ev->error);
			}
			if (type >= INTR_TYPE_SOFT_INTR)
				vmwrite(VMCS_ENTRY_INSN_LEN,
					s->reinject_len ? s->reinject_len : 2);
			s->injected = true;
		}
	}
	s->reinject_info = 0;
	/* Every VM exit clears the field's valid bit (SDM vol. 3 §24.8.3):
	 * it needs writing only to inject. */
	if (info)
		vmwrite(VMCS_ENTRY_INTR_INFO, info);
	if (vcpu->want_intr_window)
		proc |= PROC_INTR_WINDOW;
	if (proc != s->proc) {
		vmwrite(VMCS_PROC_CTLS, proc);
		s->proc = proc;
	}
}

/* Exits an instruction caused happen after any event delivery, never
 * during one (SDM vol. 3 §27.2.4): no IDT-vectoring field to read. */
static bool insn_exit(uint32_t reason)
{
	switch (reason) {
	case EXIT_CPUID:
	case EXIT_HLT:
	case EXIT_VMCALL:
	case EXIT_IO:
	case EXIT_RDMSR:
	case EXIT_WRMSR:
	case EXIT_PAUSE: return true;
	}
	return false;
}

/* An event whose delivery the exit interrupted goes back to the core to
 * be injected again (SDM vol. 3 §27.2.4, §28.2.1.1 of later editions). */
static void save_event(struct v3_vcpu *vcpu, struct vmx_vcpu *s,
		       uint32_t reason)
{
	uint32_t info = insn_exit(reason) ? 0 : vmread(VMCS_IDT_VEC_INFO);
	struct v3_event *ev = &vcpu->event;

	if (!(info & INTR_INFO_VALID)) {
		/* Delivered, or held back for an NMI window. */
		if (s->injected)
			ev->valid = false;
		return;
	}
	ev->valid = true;
	ev->vector = info & 0xff;
	switch ((info >> INTR_INFO_TYPE_SHIFT) & 7) {
	case INTR_TYPE_NMI: ev->type = V3_EVENT_NMI; break;
	case INTR_TYPE_HW_EXC:
	case INTR_TYPE_PRIV_SOFT_EXC:
	case INTR_TYPE_SOFT_EXC: ev->type = V3_EVENT_EXCEPTION; break;
	case INTR_TYPE_SOFT_INTR: ev->type = V3_EVENT_SOFT_INTR; break;
	default: ev->type = V3_EVENT_INTR; break;
	}
	ev->has_error = info & INTR_INFO_ERROR;
	ev->error = ev->has_error ? vmread(VMCS_IDT_VEC_ERROR) : 0;
	s->reinject_info = info;
	s->reinject_len = vmread(VMCS_EXIT_INSN_LEN);
}

static uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static void write_cr2(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr2" ::"r"(v));
}

/* V3_HC_BARE_CPUID: a CPUID exit handled with the fewest VMCS accesses
 * possible, without leaving run_once: the floor the exit benchmark
 * compares the full path to. */
static bool bare_cpuid_step(struct vmx_vcpu *s)
{
	if ((vmread(VMCS_EXIT_REASON) & 0xffff) != EXIT_CPUID)
		return false;
	vmwrite(VMCS_GUEST_RIP,
		vmread(VMCS_GUEST_RIP) + vmread(VMCS_EXIT_INSN_LEN));
	s->launched = true;
	s->bare_cpuid--;
	return true;
}

static void vmx_bare_cpuid(struct v3_vcpu *vcpu, uint32_t n)
{
	struct vmx_vcpu *s = vcpu->arch;

	s->bare_cpuid = n;
}

/* A CPUID exit the core can take with interrupts still off
 * (exit_fast.h): handled between this exit and the next entry with four
 * VMCS reads and one write.  Only when the exit left nothing for
 * save_event or the run loop: no event went in at the entry, no
 * interrupt or NMI blocking, no shadow paging (whose exits read the
 * whole state).  The rest of the state stays in the VMCS. */
static bool fast_step(struct v3_vcpu *vcpu, struct vmx_vcpu *s,
		      struct v3_exit *exit)
{
	struct v3_vcpu_state *st = &vcpu->state;

	if (vmread(VMCS_EXIT_REASON) != EXIT_CPUID || s->injected ||
	    vcpu->shadow || !v3_exit_fast_ok(vcpu) ||
	    vmread(VMCS_GUEST_INTERRUPTIBILITY))
		return false;
	exit->insn_len = vmread(VMCS_EXIT_INSN_LEN);
	st->rip = vmread(VMCS_GUEST_RIP);
	vcpu->state_absent = VMX_ON_DEMAND;
	v3_exit_fast_cpuid(vcpu, exit);
	vmwrite(VMCS_GUEST_RIP, st->rip);
	s->hw.rip = st->rip;
	s->launched = true;
	return true;
}

/* One entry and exit with interrupts off: no other vcpu may make its
 * VMCS current in between.  Returns true when the exit still needs the
 * core. */
static bool run_once(struct v3_vcpu *vcpu, struct vmx_vcpu *s, int cpu,
		     struct v3_exit *exit)
{
	uint32_t reason;
	int r;

	if (current_vmcs[cpu] != s->vmcs_pa) {
		if (!do_vmptrld(s->vmcs_pa)) {
			v3_memset(exit, 0, sizeof(*exit));
			exit->reason = V3_EXIT_ENTRY_FAIL;
			exit->info.what = "VMPTRLD refused the VMCS";
			return true;
		}
		current_vmcs[cpu] = s->vmcs_pa;
	}
	if (s->cpu < 0) {
		vmx_vmcs_setup(vcpu, s);
		s->cpu = cpu;
		vcpu->tlb_flush = true;
	}
	/* Stale translations under our VPID/EPTP from a VM that had them
	 * before (they are tagged by both, SDM vol. 3 §29.4). */
	if (vcpu->tlb_flush || (s->vpid == V3_TAG_SHARED)) {
		invept_all();
		if (s->vpid)
			invvpid_all();
		vcpu->tlb_flush = false;
	}
	vmx_state_to_vmcs(vcpu, s);
	load_event(vcpu, s);
	/* VMX leaves CR2 alone: it is the guest's from here to the exit. */
	if (read_cr2() != vcpu->state.cr2)
		write_cr2(vcpu->state.cr2);
	do
		r = vmx_enter(&vcpu->state.gprs, s->launched);
	while (r == 0 && (s->bare_cpuid ? bare_cpuid_step(s)
					: fast_step(vcpu, s, exit)));
	if (r != 0) {
		/* The field would stay armed for the next attempt. */
		vmwrite(VMCS_ENTRY_INTR_INFO, 0);
		vmx_entry_failure(vcpu, s, r, exit);
		return true;
	}
	vcpu->state.cr2 = read_cr2();
	vmx_state_after_exit(vcpu, s);
	reason = vmread(VMCS_EXIT_REASON);
	if (reason & EXIT_REASON_ENTRY_FAIL) {
		vmx_entry_failure(vcpu, s, 0, exit);
		return true;
	}
	s->launched = true;
	save_event(vcpu, s, reason & 0xffff);
	return !vmx_decode_exit(vcpu, s, reason & 0xffff, exit);
}

/* The core's v3_vcpu_state(), between exits: the vcpu's thread is
 * pinned to its CPU, but another vcpu there may have made its own VMCS
 * current since. */
static void vmx_state_load(struct v3_vcpu *vcpu, uint32_t parts)
{
	struct vmx_vcpu *s = vcpu->arch;
	unsigned long flags = v3_irq_save();
	int cpu = v3_host->cpu_id();

	if (s->cpu != cpu ||
	    (current_vmcs[cpu] != s->vmcs_pa && !do_vmptrld(s->vmcs_pa))) {
		v3_irq_restore(flags);
		/* Not v3_vm_fail: its register dump would come back here. */
		v3_print("%s: vcpu%d: vmx: cannot read the VMCS on cpu %d "
			 "(it belongs to cpu %d)",
			 vcpu->vm->name, vcpu->id, cpu, s->cpu);
		vcpu->state_absent &= ~parts;
		v3_vm_request_stop(vcpu->vm, -1, "vmx: VMCS not readable");
		return;
	}
	current_vmcs[cpu] = s->vmcs_pa;
	vmx_state_copy_in(vcpu, s, parts);
	v3_irq_restore(flags);
}

/* The host keeps the thread on one CPU for the whole call (v3_host.h,
 * guest_enter): the CPU is looked up once, not per entry. */
static int vmx_vcpu_run(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	struct vmx_vcpu *s = vcpu->arch;
	int cpu = v3_host->cpu_id();

	if (s->cpu >= 0 && s->cpu != cpu) {
		v3_vm_fail(vcpu, "vmx: vcpu moved from cpu %d to %d: "
			   "VMCS migration is not supported",
			   s->cpu, cpu);
		return -1;
	}
	for (;;) {
		unsigned long flags = v3_irq_save();
		bool done = run_once(vcpu, s, cpu, exit);

		v3_irq_restore(flags);
		if (done)
			return 0;
	}
}

struct v3_arch_ops v3_vmx_ops = {
    .name = "vmx",
    .nested_fmt = &vmx_ept_fmt,
    .detect = vmx_detect,
    .cpu_enable = vmx_cpu_enable,
    .cpu_disable = vmx_cpu_disable,
    .vcpu_init = vmx_vcpu_init,
    .vcpu_deinit = vmx_vcpu_deinit,
    .vcpu_run = vmx_vcpu_run,
    .state_load = vmx_state_load,
    .vcpu_mem = vmx_vcpu_mem,
    .bare_cpuid = vmx_bare_cpuid,
};
