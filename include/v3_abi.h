/* v3_abi.h - numbers shared by the VMM, its hosts and guests:
 * arch-neutral exit reasons, hypercalls and the test devices' ports.
 * Plain C constants only: test guests include this file. */
#ifndef V3_ABI_H
#define V3_ABI_H

/* Arch-neutral exit reasons.  Both backends translate their hardware exit
 * codes into these; the core has one handler per reason.  Numbers are ABI
 * (guests read per-reason counts through V3_HC_EXIT_COUNT). */
enum v3_exit_reason {
	V3_EXIT_CPUID = 0,
	V3_EXIT_IO = 1,		/* port I/O */
	V3_EXIT_MSR_READ = 2,
	V3_EXIT_MSR_WRITE = 3,
	V3_EXIT_HYPERCALL = 4,
	V3_EXIT_HLT = 5,
	V3_EXIT_NESTED_FAULT = 6,	/* NPT/EPT violation: MMIO or unmapped */
	V3_EXIT_INTR = 7,	/* host interrupt arrived while guest ran */
	V3_EXIT_INTR_WINDOW = 8,	/* guest can now take an interrupt */
	V3_EXIT_EXCEPTION = 9,	/* intercepted guest exception */
	V3_EXIT_SHUTDOWN = 10,	/* triple fault */
	V3_EXIT_CR_ACCESS = 11,
	V3_EXIT_INVLPG = 12,
	V3_EXIT_PAUSE = 13,
	V3_EXIT_NMI = 14,
	V3_EXIT_VIRT_INSN = 15,	/* guest used SVM/VMX instructions */
	V3_EXIT_ENTRY_FAIL = 16,	/* hardware refused the guest state */
	V3_EXIT_UNKNOWN = 17,
	V3_EXIT_PAGE_FAULT = 18,	/* #PF under shadow paging */
	V3_EXIT_TASK_SWITCH = 19,	/* hardware task switch */
	V3_EXIT_MAX = 20,
};

/* Hypercalls: VMMCALL (AMD) or VMCALL (Intel); number in RAX, arguments
 * in RBX, RCX, RDX, RSI; result in RAX. */
#define V3_HC_NOP 0x0		/* returns 0 */
#define V3_HC_EXIT_COUNT 0x1	/* RBX = reason: exits of this vcpu */
#define V3_HC_GPA_CHECKSUM 0x2	/* RBX = gpa, RCX = len: FNV-1a 32 */
/* RBX = n: the backend alone handles this vcpu's next n CPUID exits, in
 * a bare entry/exit loop that only steps over the instruction (the
 * registers keep their values): the exit benchmark's floor.  0 if the
 * backend has that loop, else V3_HC_UNKNOWN_RESULT. */
#define V3_HC_BARE_CPUID 0x3
#define V3_HC_BARE_CPUID_MAX (1u << 20)
#define V3_HC_UNKNOWN_RESULT ((unsigned long long)-1)

/* CPUID 0x40000000: hypervisor leaf range and signature. */
#define V3_CPUID_HV_BASE 0x40000000u
#define V3_CPUID_SIGNATURE "V3VEE V3VEE "

/* debugcon: bytes written to this port go to the VM's console. */
#define V3_DEBUGCON_PORT 0xe9
/* testexit: a 32-bit write stops the VM with that status (0 = pass). */
#define V3_TESTEXIT_PORT 0xf4

/* testdev: registers for the foundation's test guests. */
#define V3_TESTDEV_PORT 0xe0
#define V3_TESTDEV_SCRATCH (V3_TESTDEV_PORT + 0)	/* 8/16/32-bit r/w */
#define V3_TESTDEV_TIMER_US (V3_TESTDEV_PORT + 4)	/* w: arm one-shot */
#define V3_TESTDEV_VECTOR (V3_TESTDEV_PORT + 8)	/* r/w: vector to raise */
#define V3_TESTDEV_FIRED (V3_TESTDEV_PORT + 12)	/* r: timer expirations */
/* w: make this vcpu's register state invalid, so that the hardware
 * refuses the next entry (tests the VM-entry failure report).
 * 1 = TR becomes an available, not busy, TSS; 2 = the RAM page at the
 * guest-physical address in the scratch register becomes write-only in
 * the nested page tables (an EPT misconfiguration). */
#define V3_TESTDEV_BREAK_STATE 0xf0
#define V3_TESTDEV_BREAK_TR 1
#define V3_TESTDEV_BREAK_NESTED 2
#define V3_TESTDEV_MSR 0x4b564d00u	/* scratch MSR, r/w */
/* w: drive platform interrupt line bits 7:0 to level bit 8 (a level
 * source the guest controls, for I/O APIC tests); r: the last write. */
#define V3_TESTDEV_IRQ_MSR 0x4b564d01u
#define V3_TESTDEV_CPUID 0x40000010u	/* EAX='v3td', EBX=scratch,
					   ECX=subleaf, EDX=~subleaf */
#define V3_TESTDEV_CPUID_MAGIC 0x64743376u

#endif
