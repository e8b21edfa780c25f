/* vmx_exit.c - VMX basic exit reasons to arch-neutral exits (Intel SDM
 * vol. 3 appendix C, §27.2), the CR0/CR4 writes the backend handles
 * itself, and VM-entry failures turned into a sentence. */
#include "intr.h"
#include "vm.h"
#include "vmm.h"
#include "vmx.h"

#define CR0_PE	 (1ull << 0)
#define CR0_TS	 (1ull << 3)
#define CR0_PG	 (1ull << 31)
#define CR4_PAE	 (1ull << 5)
#define CR4_VMXE (1ull << 13)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

/* EPT violation exit qualification (SDM vol. 3 §27.2.1, table 27-7). */
#define EPT_QUAL_WRITE	   (1ull << 1)
#define EPT_QUAL_FETCH	   (1ull << 2)
#define EPT_QUAL_RWX	   (7ull << 3)
#define EPT_QUAL_NMI_UNBLOCK (1ull << 12)

static void set(struct v3_exit *exit, enum v3_exit_reason r, uint32_t len)
{
	exit->reason = r;
	exit->insn_len = len;
}

/* VMX's register numbering (SDM vol. 3 table 27-3) into v3_gprs. */
static uint64_t *gpr(struct v3_vcpu *vcpu, unsigned n)
{
	struct v3_gprs *g = &vcpu->state.gprs;
	uint64_t *const regs[16] = {
	    &g->rax, &g->rcx, &g->rdx, &g->rbx, &g->rsp, &g->rbp,
	    &g->rsi, &g->rdi, &g->r8,  &g->r9,  &g->r10, &g->r11,
	    &g->r12, &g->r13, &g->r14, &g->r15,
	};

	return regs[n & 15];
}

/* With EPT, PAE paging outside long mode takes its four PDPTEs from the
 * VMCS at entry (SDM vol. 3 §26.3.2.4); a CR write the CPU did not carry
 * out itself must load them, as MOV to CR0/CR4 would. */
static void load_pdptes(struct v3_vcpu *vcpu)
{
	struct v3_vcpu_state *st = &vcpu->state;
	uint64_t pdpte[4] = {0, 0, 0, 0};
	int i;

	if (!(st->cr0 & CR0_PG) || !(st->cr4 & CR4_PAE) ||
	    (st->efer & EFER_LMA))
		return;
	v3_gpa_read(vcpu->vm, st->cr3 & 0xffffffe0ull, pdpte, sizeof(pdpte));
	for (i = 0; i < 4; i++)
		vmwrite(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
}

/* A guest write to CR0 or CR4 that exits only because it touches a bit
 * VMX forces on (CR0.NE, CR4.VMXE): take the value as the guest's view
 * and let the next entry add the forced bits back.  Paging turning on
 * or off with EFER.LME moves EFER.LMA, as the CPU would (SDM vol. 3
 * §10.8.5 "Initializing IA-32e mode").  CR4.VMXE itself is #GP: the
 * guest has no VMX. */
static bool cr_write(struct v3_vcpu *vcpu, uint64_t qual, uint32_t len)
{
	struct v3_vcpu_state *st = &vcpu->state;
	unsigned cr = qual & 15, type = (qual >> 4) & 3;
	uint64_t val, old;

	vmx_state_copy_in(vcpu, vcpu->arch, V3_STATE_CTRL);
	old = st->cr0;

	if (type == 0 && cr == 4) {
		val = *gpr(vcpu, qual >> 8);
		if (val & CR4_VMXE) {
			v3_inject_exception(vcpu, V3_EXC_GP, true, 0);
			return true;
		}
		st->cr4 = val;
	} else if (cr != 0 || type == 1) {
		return false;
	} else {
		if (type == 0)
			val = *gpr(vcpu, qual >> 8);
		else if (type == 2)
			val = st->cr0 & ~CR0_TS;
		else /* LMSW: bits 3:0, and it cannot clear PE */
			val = (st->cr0 & ~0xeull) | ((qual >> 16) & 0xf);
		st->cr0 = val;
		if (!(old & CR0_PG) && (val & CR0_PG) && (st->efer & EFER_LME))
			st->efer |= EFER_LMA;
		if ((old & CR0_PG) && !(val & CR0_PG))
			st->efer &= ~EFER_LMA;
	}
	load_pdptes(vcpu);
	st->rip += len;
	st->intr_shadow = false;
	return true;
}

/* The SYSCALL MSRs are CPU state the backend switches (vmx.h). */
static bool switched_msr(struct v3_vcpu *vcpu, struct vmx_vcpu *s,
			 bool write, uint32_t len)
{
	struct v3_gprs *g = &vcpu->state.gprs;
	uint64_t val = (g->rdx << 32) | (uint32_t)g->rax;
	int r = vmx_switched_msr_access(s, (uint32_t)g->rcx, write, &val);

	if (r == 0)
		return false;
	if (r < 0) {
		v3_inject_exception(vcpu, V3_EXC_GP, true, 0);
		return true;
	}
	if (!write) {
		g->rax = (uint32_t)val;
		g->rdx = val >> 32;
	}
	vcpu->state.rip += len;
	vcpu->state.intr_shadow = false;
	return true;
}

static void decode_io(uint64_t q, uint32_t len, struct v3_exit *exit)
{
	set(exit, V3_EXIT_IO, len);
	exit->io.size = (q & 7) + 1;
	exit->io.in = q & (1u << 3);
	exit->io.string = q & (1u << 4);
	exit->io.rep = q & (1u << 5);
	exit->io.port = q >> 16;
}

static void decode_exc_nmi(uint64_t q, struct v3_exit *exit)
{
	uint32_t info = vmread(VMCS_EXIT_INTR_INFO);

	if (((info >> INTR_INFO_TYPE_SHIFT) & 7) == INTR_TYPE_NMI) {
		set(exit, V3_EXIT_NMI, 0);
		return;
	}
	/* Intercepted only under shadow paging; the qualification is the
	 * linear address, CR2 stays the guest's (SDM vol. 3 §27.1). */
	if ((info & 0xff) == V3_EXC_PF) {
		set(exit, V3_EXIT_PAGE_FAULT, 0);
		exit->pf.la = q;
		exit->pf.error = vmread(VMCS_EXIT_INTR_ERROR);
		return;
	}
	set(exit, V3_EXIT_EXCEPTION, 0);
	exit->exc.vector = info & 0xff;
	exit->exc.has_error = info & INTR_INFO_ERROR;
	exit->exc.error = exit->exc.has_error ? vmread(VMCS_EXIT_INTR_ERROR)
					      : 0;
}

static void decode_ept_violation(struct vmx_vcpu *s, uint64_t q,
				 struct v3_exit *exit)
{
	set(exit, V3_EXIT_NESTED_FAULT, 0);
	exit->fault.gpa = vmread(VMCS_GUEST_PHYS_ADDR);
	exit->fault.write = q & EPT_QUAL_WRITE;
	exit->fault.fetch = q & EPT_QUAL_FETCH;
	exit->fault.present = q & EPT_QUAL_RWX;
	/* A fault during IRET leaves NMIs unblocked; the guest expects
	 * them blocked again when IRET is retried (SDM vol. 3 §27.2.3). */
	if ((q & EPT_QUAL_NMI_UNBLOCK) &&
	    !(vmread(VMCS_IDT_VEC_INFO) & INTR_INFO_VALID))
		s->interruptibility |= INTERRUPTIBILITY_NMI;
}

static void unknown(struct vmx_vcpu *s, struct v3_exit *exit,
		    const char *what)
{
	set(exit, V3_EXIT_UNKNOWN, 0);
	v3_snprintf(s->why, sizeof(s->why), "%s", what);
	exit->info.what = s->why;
}

bool vmx_decode_exit(struct v3_vcpu *vcpu, struct vmx_vcpu *s,
		     uint32_t reason, struct v3_exit *exit)
{
	uint32_t len = vmread(VMCS_EXIT_INSN_LEN);
	uint64_t q = 0;

	/* The exits of CPUID, HLT and VMCALL fill no union member: only the
	 * header is set (each store counts in an emulated CPU).  The rest
	 * start from zeros, plain stores as v3_memset is a byte loop. */
	if (reason == EXIT_CPUID || reason == EXIT_HLT ||
	    reason == EXIT_VMCALL) {
		exit->hw_code = reason;
		exit->hw_info1 = exit->hw_info2 = 0;
	} else {
		*exit = (struct v3_exit){.hw_code = reason};
	}
	/* Only these exits have a qualification (SDM vol. 3 §27.2.1). */
	if (reason == EXIT_IO || reason == EXIT_CR_ACCESS ||
	    reason == EXIT_EPT_VIOLATION || reason == EXIT_EXC_NMI ||
	    reason == EXIT_INVLPG || reason == EXIT_TASK_SWITCH) {
		q = vmread(VMCS_EXIT_QUAL);
		exit->hw_info1 = q;
	}

	switch (reason) {
	case EXIT_EXC_NMI: decode_exc_nmi(q, exit); break;
	case EXIT_EXT_INTR:
	case EXIT_INIT:
	case EXIT_IO_SMI:
	case EXIT_OTHER_SMI: set(exit, V3_EXIT_INTR, 0); break;
	case EXIT_TRIPLE_FAULT: set(exit, V3_EXIT_SHUTDOWN, 0); break;
	case EXIT_INTR_WINDOW:
	case EXIT_NMI_WINDOW: set(exit, V3_EXIT_INTR_WINDOW, 0); break;
	case EXIT_CPUID: set(exit, V3_EXIT_CPUID, len); break;
	case EXIT_HLT: set(exit, V3_EXIT_HLT, len); break;
	case EXIT_INVLPG: set(exit, V3_EXIT_INVLPG, len); break;
	case EXIT_VMCALL: set(exit, V3_EXIT_HYPERCALL, len); break;
	case EXIT_IO: decode_io(q, len, exit); break;
	case EXIT_RDMSR:
	case EXIT_WRMSR:
		if (switched_msr(vcpu, s, reason == EXIT_WRMSR, len))
			return true;
		set(exit,
		    reason == EXIT_WRMSR ? V3_EXIT_MSR_WRITE : V3_EXIT_MSR_READ,
		    len);
		break;
	case EXIT_PAUSE: set(exit, V3_EXIT_PAUSE, len); break;
	case EXIT_CR_ACCESS:
		/* Under shadow paging every CR access is the core's. */
		if (!vcpu->shadow && cr_write(vcpu, q, len))
			return true;
		set(exit, V3_EXIT_CR_ACCESS, len);
		exit->cr.num = q & 15;
		exit->cr.write = ((q >> 4) & 3) != 1; /* 1: MOV from CR */
		break;
	case EXIT_EPT_VIOLATION: decode_ept_violation(s, q, exit); break;
	case EXIT_EPT_MISCONFIG:
		exit->hw_info2 = vmread(VMCS_GUEST_PHYS_ADDR);
		v3_snprintf(s->why, sizeof(s->why),
			    "EPT misconfiguration at guest-physical 0x%llx "
			    "(SDM vol. 3 §29.3.3.1)",
			    V3_ULL(exit->hw_info2));
		set(exit, V3_EXIT_UNKNOWN, 0);
		exit->info.what = s->why;
		break;
	/* Virtualization instructions the guest was told it does not
	 * have; MONITOR/MWAIT and XSETBV are hidden in CPUID too. */
	case EXIT_GETSEC:
	case EXIT_INVEPT:
	case EXIT_INVVPID:
	case EXIT_VMFUNC:
	case EXIT_MWAIT:
	case EXIT_MONITOR:
	case EXIT_XSETBV: set(exit, V3_EXIT_VIRT_INSN, len); break;
	case EXIT_TASK_SWITCH: set(exit, V3_EXIT_TASK_SWITCH, 0); break;
	case EXIT_INVD: unknown(s, exit, "INVD"); break;
	case EXIT_SIPI: unknown(s, exit, "SIPI"); break;
	default:
		if (reason >= EXIT_VMCALL + 1 && reason <= EXIT_VMXON) {
			set(exit, V3_EXIT_VIRT_INSN, len);
			break;
		}
		exit->hw_info1 = vmread(VMCS_EXIT_QUAL);
		v3_snprintf(s->why, sizeof(s->why),
			    "VMX exit reason %u is not handled", reason);
		set(exit, V3_EXIT_UNKNOWN, 0);
		exit->info.what = s->why;
		break;
	}
	return false;
}

static void seg_view(struct vmx_seg_view *v, int i)
{
	v->sel = vmread(VMCS_GUEST_ES_SEL + 2 * i);
	v->ar = vmread(VMCS_GUEST_ES_AR + 2 * i);
	v->limit = vmread(VMCS_GUEST_ES_LIMIT + 2 * i);
	v->base = vmread(VMCS_GUEST_ES_BASE + 2 * i);
}

/* Names the guest-state check the hardware refused (the hardware only
 * says "invalid guest state"). */
static void explain_guest_state(char *why, size_t len)
{
	struct vmx_guest_view g = {
	    .cr0 = vmread(VMCS_GUEST_CR0),
	    .cr3 = vmread(VMCS_GUEST_CR3),
	    .cr4 = vmread(VMCS_GUEST_CR4),
	    .dr7 = vmread(VMCS_GUEST_DR7),
	    .rflags = vmread(VMCS_GUEST_RFLAGS),
	    .efer = vmread(VMCS_GUEST_EFER),
	    .rip = vmread(VMCS_GUEST_RIP),
	    .cr0_fixed0 = vmx_caps.cr0_fixed0,
	    .cr0_fixed1 = vmx_caps.cr0_fixed1,
	    .cr4_fixed0 = vmx_caps.cr4_fixed0,
	    .cr4_fixed1 = vmx_caps.cr4_fixed1,
	    .unrestricted = vmx_caps.proc2 & PROC2_UNRESTRICTED,
	    .ia32e = vmread(VMCS_ENTRY_CTLS) & ENTRY_IA32E,
	    .load_efer = vmread(VMCS_ENTRY_CTLS) & ENTRY_LOAD_EFER,
	    .gdtr_base = vmread(VMCS_GUEST_GDTR_BASE),
	    .idtr_base = vmread(VMCS_GUEST_IDTR_BASE),
	    .gdtr_limit = vmread(VMCS_GUEST_GDTR_LIMIT),
	    .idtr_limit = vmread(VMCS_GUEST_IDTR_LIMIT),
	    .interruptibility = vmread(VMCS_GUEST_INTERRUPTIBILITY),
	    .activity = vmread(VMCS_GUEST_ACTIVITY),
	    .link_pointer = vmread(VMCS_LINK_POINTER),
	    .entry_intr_info = vmread(VMCS_ENTRY_INTR_INFO),
	};
	int i;

	for (i = 0; i < 8; i++)
		seg_view(&g.seg[i], i);
	vmx_check_guest(&g, why, len);
}

void vmx_entry_failure(struct v3_vcpu *vcpu, struct vmx_vcpu *s, int fail,
		       struct v3_exit *exit)
{
	char detail[160];
	uint32_t reason;

	(void)vcpu;
	v3_memset(exit, 0, sizeof(*exit));
	exit->reason = V3_EXIT_ENTRY_FAIL;
	exit->info.what = s->why;
	if (fail == 1) {
		exit->hw_code = ~0ull;
		v3_snprintf(s->why, sizeof(s->why),
			    "%s failed: no current VMCS (VMfailInvalid)",
			    s->launched ? "VMRESUME" : "VMLAUNCH");
		return;
	}
	if (fail == 2) {
		uint32_t err = vmread(VMCS_INSN_ERROR);

		exit->hw_code = err;
		v3_snprintf(s->why, sizeof(s->why),
			    "%s failed: VM-instruction error %u, %s (SDM "
			    "vol. 3 §30.4)",
			    s->launched ? "VMRESUME" : "VMLAUNCH", err,
			    vmx_insn_error_name(err));
		return;
	}
	reason = vmread(VMCS_EXIT_REASON);
	exit->hw_code = reason;
	exit->hw_info1 = vmread(VMCS_EXIT_QUAL);
	switch (reason & 0xffff) {
	case EXIT_BAD_GUEST:
		explain_guest_state(detail, sizeof(detail));
		v3_snprintf(s->why, sizeof(s->why),
			    "VM entry refused the guest state: %s", detail);
		break;
	case EXIT_BAD_MSR_LOAD:
		v3_snprintf(s->why, sizeof(s->why),
			    "VM entry failed loading MSR area entry %llu "
			    "(SDM vol. 3 §26.4)",
			    V3_ULL(exit->hw_info1));
		break;
	default:
		v3_snprintf(s->why, sizeof(s->why),
			    "VM entry failed, exit reason %u (machine check "
			    "during entry?)",
			    reason & 0xffff);
		break;
	}
}
