/* svm_exit.c - SVM exit codes to arch-neutral exits.  QEMU's SVM (and
 * older CPUs) have no NRIP save, so instruction lengths come from the
 * fixed encodings or, for IOIO, from EXITINFO2 (the next RIP). */
#include "svm.h"
#include "vm.h"
#include "vmm.h"

static void decode_ioio(struct v3_vcpu *vcpu, struct vmcb *vmcb,
			struct v3_exit *exit)
{
	uint64_t info = vmcb->ctl.exit_info1;

	exit->reason = V3_EXIT_IO;
	exit->io.port = info >> 16;
	exit->io.in = info & SVM_IOIO_IN;
	exit->io.string = info & SVM_IOIO_STR;
	exit->io.rep = info & SVM_IOIO_REP;
	exit->io.size = (info >> SVM_IOIO_SZ_SHIFT) & 7; /* 1, 2 or 4 */
	/* A16/A32/A64 are one-hot bits: 1, 2, 4 -> 2, 4, 8 bytes. */
	exit->io.addr_size = ((info >> SVM_IOIO_A_SHIFT) & 7) * 2;
	exit->insn_len = vmcb->ctl.exit_info2 - vcpu->state.rip;
}

static void decode_exception(struct vmcb *vmcb, struct v3_exit *exit)
{
	uint8_t vector = vmcb->ctl.exit_code - SVM_EXIT_EXC_BASE;

	/* Intercepted only under shadow paging; CR2 stays the guest's and
	 * the address is in EXITINFO2 (APM vol. 2, 15.12.15). */
	if (vector == SVM_EXC_PF) {
		exit->reason = V3_EXIT_PAGE_FAULT;
		exit->pf.la = vmcb->ctl.exit_info2;
		exit->pf.error = vmcb->ctl.exit_info1;
		return;
	}

	exit->reason = V3_EXIT_EXCEPTION;
	exit->exc.vector = vector;
	exit->exc.has_error =
	    vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
	exit->exc.error = vmcb->ctl.exit_info1;
}

static void decode_npf(struct vmcb *vmcb, struct v3_exit *exit)
{
	exit->reason = V3_EXIT_NESTED_FAULT;
	exit->fault.gpa = vmcb->ctl.exit_info2;
	exit->fault.present = vmcb->ctl.exit_info1 & SVM_NPF_PRESENT;
	exit->fault.write = vmcb->ctl.exit_info1 & SVM_NPF_WRITE;
	exit->fault.fetch = vmcb->ctl.exit_info1 & SVM_NPF_FETCH;
}

static void set(struct v3_exit *exit, enum v3_exit_reason r, uint32_t len)
{
	exit->reason = r;
	exit->insn_len = len;
}

void svm_decode_exit(struct v3_vcpu *vcpu, struct vmcb *vmcb,
		     struct v3_exit *exit)
{
	uint64_t code = vmcb->ctl.exit_code;

	/* QEMU stores VMEXIT_INVALID as a 32-bit -1 in the 64-bit field. */
	if (code == 0xffffffffull)
		code = SVM_EXIT_INVALID;

	*exit = (struct v3_exit){
	    .hw_code = code,
	    .hw_info1 = vmcb->ctl.exit_info1,
	    .hw_info2 = vmcb->ctl.exit_info2,
	};

	switch (code) {
	case SVM_EXIT_CPUID: set(exit, V3_EXIT_CPUID, 2); return;
	case SVM_EXIT_IOIO: decode_ioio(vcpu, vmcb, exit); return;
	case SVM_EXIT_MSR:
		set(exit,
		    vmcb->ctl.exit_info1 ? V3_EXIT_MSR_WRITE : V3_EXIT_MSR_READ,
		    2);
		return;
	case SVM_EXIT_VMMCALL: set(exit, V3_EXIT_HYPERCALL, 3); return;
	case SVM_EXIT_HLT: set(exit, V3_EXIT_HLT, 1); return;
	case SVM_EXIT_NPF: decode_npf(vmcb, exit); return;
	case SVM_EXIT_INTR:
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT: set(exit, V3_EXIT_INTR, 0); return;
	case SVM_EXIT_NMI: set(exit, V3_EXIT_NMI, 0); return;
	case SVM_EXIT_VINTR: set(exit, V3_EXIT_INTR_WINDOW, 0); return;
	case SVM_EXIT_PAUSE: set(exit, V3_EXIT_PAUSE, 2); return;
	case SVM_EXIT_SHUTDOWN: set(exit, V3_EXIT_SHUTDOWN, 0); return;
	case SVM_EXIT_INVLPG: set(exit, V3_EXIT_INVLPG, 0); return;
	case SVM_EXIT_TASK_SWITCH: set(exit, V3_EXIT_TASK_SWITCH, 0); return;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND:
	case SVM_EXIT_XSETBV: set(exit, V3_EXIT_VIRT_INSN, 0); return;
	case SVM_EXIT_INVALID:
		set(exit, V3_EXIT_ENTRY_FAIL, 0);
		exit->info.what = "VMRUN refused the guest state (VMCB "
				  "consistency checks, APM vol. 2 §15.5.1)";
		return;
	}
	if (code >= SVM_EXIT_EXC_BASE && code <= SVM_EXIT_EXC_LAST) {
		decode_exception(vmcb, exit);
		return;
	}
	if (code <= SVM_EXIT_CR15_WRITE) {
		set(exit, V3_EXIT_CR_ACCESS, 0);
		exit->cr.num = code & 0xf;
		exit->cr.write = code >= SVM_EXIT_CR0_WRITE;
		return;
	}
	set(exit, V3_EXIT_UNKNOWN, 0);
}
