/* vmcs.h - VMCS field encodings (Intel SDM vol. 3 appendix B), the
 * capability MSRs (appendix A) and the control bits we use (§24.6-24.8).
 * Only palacios/vmx/ includes this file. */
#ifndef V3_VMX_VMCS_H
#define V3_VMX_VMCS_H

/* Capability and control MSRs (SDM vol. 3 appendix A, vol. 4). */
#define MSR_FEATURE_CONTROL	0x03a
#define MSR_VMX_BASIC		0x480
#define MSR_VMX_PINBASED	0x481
#define MSR_VMX_PROCBASED	0x482
#define MSR_VMX_EXIT		0x483
#define MSR_VMX_ENTRY		0x484
#define MSR_VMX_MISC		0x485
#define MSR_VMX_CR0_FIXED0	0x486
#define MSR_VMX_CR0_FIXED1	0x487
#define MSR_VMX_CR4_FIXED0	0x488
#define MSR_VMX_CR4_FIXED1	0x489
#define MSR_VMX_PROCBASED2	0x48b
#define MSR_VMX_EPT_VPID_CAP	0x48c
#define MSR_VMX_TRUE_PINBASED	0x48d
#define MSR_VMX_TRUE_PROCBASED	0x48e
#define MSR_VMX_TRUE_EXIT	0x48f
#define MSR_VMX_TRUE_ENTRY	0x490

#define FEATURE_CONTROL_LOCK	  (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)
#define VMX_BASIC_REVISION(b)	  ((uint32_t)(b) & 0x7fffffffu)
#define VMX_BASIC_TRUE_CTLS	  (1ull << 55)

/* IA32_VMX_EPT_VPID_CAP (SDM vol. 3 §A.10). */
#define EPT_CAP_WALK4		(1ull << 6)
#define EPT_CAP_WB		(1ull << 14)
#define EPT_CAP_2M		(1ull << 16)
#define EPT_CAP_1G		(1ull << 17)
#define EPT_CAP_INVEPT		(1ull << 20)
#define EPT_CAP_INVEPT_ALL	(1ull << 26)
#define VPID_CAP_INVVPID	(1ull << 32)
#define VPID_CAP_INVVPID_ALL	(1ull << 42)

/* Pin-based controls (§24.6.1). */
#define PIN_EXT_INTR		(1u << 0)
#define PIN_NMI			(1u << 3)
#define PIN_VIRTUAL_NMI		(1u << 5)
/* Primary processor-based controls (§24.6.2). */
#define PROC_INTR_WINDOW	(1u << 2)
#define PROC_TSC_OFFSET		(1u << 3)
#define PROC_HLT		(1u << 7)
#define PROC_INVLPG		(1u << 9)
#define PROC_MWAIT		(1u << 10)
#define PROC_RDPMC		(1u << 11)
#define PROC_RDTSC		(1u << 12)
#define PROC_CR3_LOAD		(1u << 15)
#define PROC_CR3_STORE		(1u << 16)
#define PROC_CR8_LOAD		(1u << 19)
#define PROC_CR8_STORE		(1u << 20)
#define PROC_NMI_WINDOW		(1u << 22)
#define PROC_MOV_DR		(1u << 23)
#define PROC_UNCOND_IO		(1u << 24)
#define PROC_MSR_BITMAP		(1u << 28)
#define PROC_MONITOR		(1u << 29)
#define PROC_SECONDARY		(1u << 31)
/* Secondary processor-based controls (§24.6.2). */
#define PROC2_EPT		(1u << 1)
#define PROC2_RDTSCP		(1u << 3)
#define PROC2_VPID		(1u << 5)
#define PROC2_UNRESTRICTED	(1u << 7)
/* VM-exit controls (§24.7.1). */
#define EXIT_SAVE_DEBUG		(1u << 2)
#define EXIT_HOST_64		(1u << 9)
#define EXIT_ACK_INTR		(1u << 15)
#define EXIT_SAVE_PAT		(1u << 18)
#define EXIT_LOAD_PAT		(1u << 19)
#define EXIT_SAVE_EFER		(1u << 20)
#define EXIT_LOAD_EFER		(1u << 21)
/* VM-entry controls (§24.8.1). */
#define ENTRY_LOAD_DEBUG	(1u << 2)
#define ENTRY_IA32E		(1u << 9)
#define ENTRY_LOAD_PAT		(1u << 14)
#define ENTRY_LOAD_EFER		(1u << 15)

/* 16-bit fields. */
#define VMCS_VPID		0x0000
#define VMCS_GUEST_ES_SEL	0x0800 /* ES..TR: +2 each, SDM order */
#define VMCS_HOST_ES_SEL	0x0c00
#define VMCS_HOST_CS_SEL	0x0c02
#define VMCS_HOST_SS_SEL	0x0c04
#define VMCS_HOST_DS_SEL	0x0c06
#define VMCS_HOST_FS_SEL	0x0c08
#define VMCS_HOST_GS_SEL	0x0c0a
#define VMCS_HOST_TR_SEL	0x0c0c
/* 64-bit fields. */
#define VMCS_MSR_BITMAP		0x2004
#define VMCS_EXIT_MSR_STORE	0x2006
#define VMCS_EXIT_MSR_LOAD	0x2008
#define VMCS_ENTRY_MSR_LOAD	0x200a
#define VMCS_TSC_OFFSET		0x2010
#define VMCS_EPT_POINTER	0x201a
#define VMCS_GUEST_PHYS_ADDR	0x2400
#define VMCS_LINK_POINTER	0x2800
#define VMCS_GUEST_DEBUGCTL	0x2802
#define VMCS_GUEST_PAT		0x2804
#define VMCS_GUEST_EFER		0x2806
#define VMCS_GUEST_PDPTE0	0x280a /* PDPTE0..3: +2 each */
#define VMCS_HOST_PAT		0x2c00
#define VMCS_HOST_EFER		0x2c02
/* 32-bit fields. */
#define VMCS_PIN_CTLS		0x4000
#define VMCS_PROC_CTLS		0x4002
#define VMCS_EXC_BITMAP		0x4004
#define VMCS_PF_ERROR_MASK	0x4006
#define VMCS_PF_ERROR_MATCH	0x4008
#define VMCS_CR3_TARGET_COUNT	0x400a
#define VMCS_EXIT_CTLS		0x400c
#define VMCS_EXIT_MSR_STORE_N	0x400e
#define VMCS_EXIT_MSR_LOAD_N	0x4010
#define VMCS_ENTRY_CTLS		0x4012
#define VMCS_ENTRY_MSR_LOAD_N	0x4014
#define VMCS_ENTRY_INTR_INFO	0x4016
#define VMCS_ENTRY_EXC_ERROR	0x4018
#define VMCS_ENTRY_INSN_LEN	0x401a
#define VMCS_PROC2_CTLS		0x401e
#define VMCS_INSN_ERROR		0x4400
#define VMCS_EXIT_REASON	0x4402
#define VMCS_EXIT_INTR_INFO	0x4404
#define VMCS_EXIT_INTR_ERROR	0x4406
#define VMCS_IDT_VEC_INFO	0x4408
#define VMCS_IDT_VEC_ERROR	0x440a
#define VMCS_EXIT_INSN_LEN	0x440c
#define VMCS_GUEST_ES_LIMIT	0x4800 /* ES..TR, then GDTR, IDTR */
#define VMCS_GUEST_GDTR_LIMIT	0x4810
#define VMCS_GUEST_IDTR_LIMIT	0x4812
#define VMCS_GUEST_ES_AR	0x4814 /* ES..TR */
#define VMCS_GUEST_INTERRUPTIBILITY 0x4824
#define VMCS_GUEST_ACTIVITY	0x4826
#define VMCS_GUEST_SYSENTER_CS	0x482a
#define VMCS_HOST_SYSENTER_CS	0x4c00
/* Natural-width fields. */
#define VMCS_CR0_MASK		0x6000
#define VMCS_CR4_MASK		0x6002
#define VMCS_CR0_SHADOW		0x6004
#define VMCS_CR4_SHADOW		0x6006
#define VMCS_EXIT_QUAL		0x6400
#define VMCS_GUEST_CR0		0x6800
#define VMCS_GUEST_CR3		0x6802
#define VMCS_GUEST_CR4		0x6804
#define VMCS_GUEST_ES_BASE	0x6806 /* ES..TR, then GDTR, IDTR */
#define VMCS_GUEST_GDTR_BASE	0x6816
#define VMCS_GUEST_IDTR_BASE	0x6818
#define VMCS_GUEST_DR7		0x681a
#define VMCS_GUEST_RSP		0x681c
#define VMCS_GUEST_RIP		0x681e
#define VMCS_GUEST_RFLAGS	0x6820
#define VMCS_GUEST_PENDING_DBG	0x6822
#define VMCS_GUEST_SYSENTER_ESP 0x6824
#define VMCS_GUEST_SYSENTER_EIP 0x6826
#define VMCS_HOST_CR0		0x6c00
#define VMCS_HOST_CR3		0x6c02
#define VMCS_HOST_CR4		0x6c04
#define VMCS_HOST_FS_BASE	0x6c06
#define VMCS_HOST_GS_BASE	0x6c08
#define VMCS_HOST_TR_BASE	0x6c0a
#define VMCS_HOST_GDTR_BASE	0x6c0c
#define VMCS_HOST_IDTR_BASE	0x6c0e
#define VMCS_HOST_SYSENTER_ESP	0x6c10
#define VMCS_HOST_SYSENTER_EIP	0x6c12
#define VMCS_HOST_RSP		0x6c14
#define VMCS_HOST_RIP		0x6c16

/* Interruption information: VM-entry injection, exit, IDT vectoring
 * (§24.8.3, §24.9.2). */
#define INTR_INFO_VALID		(1u << 31)
#define INTR_INFO_ERROR		(1u << 11)
#define INTR_INFO_TYPE_SHIFT	8
#define INTR_TYPE_EXT		0
#define INTR_TYPE_NMI		2
#define INTR_TYPE_HW_EXC	3
#define INTR_TYPE_SOFT_INTR	4
#define INTR_TYPE_PRIV_SOFT_EXC 5
#define INTR_TYPE_SOFT_EXC	6

/* Guest interruptibility state (§24.4.2). */
#define INTERRUPTIBILITY_STI	(1u << 0)
#define INTERRUPTIBILITY_MOV_SS (1u << 1)
#define INTERRUPTIBILITY_NMI	(1u << 3)

/* Segment access rights (§24.4.1): the descriptor's type/S/DPL/P in
 * bits 7:0, AVL/L/DB/G in bits 15:12, bit 16 "unusable". */
#define AR_UNUSABLE		(1u << 16)

/* Basic exit reasons (appendix C). */
#define EXIT_EXC_NMI		0
#define EXIT_EXT_INTR		1
#define EXIT_TRIPLE_FAULT	2
#define EXIT_INIT		3
#define EXIT_SIPI		4
#define EXIT_IO_SMI		5
#define EXIT_OTHER_SMI		6
#define EXIT_INTR_WINDOW	7
#define EXIT_NMI_WINDOW		8
#define EXIT_TASK_SWITCH	9
#define EXIT_CPUID		10
#define EXIT_GETSEC		11
#define EXIT_HLT		12
#define EXIT_INVD		13
#define EXIT_INVLPG		14
#define EXIT_RDPMC		15
#define EXIT_RDTSC		16
#define EXIT_RSM		17
#define EXIT_VMCALL		18
#define EXIT_VMCLEAR		19
#define EXIT_VMXON		27
#define EXIT_CR_ACCESS		28
#define EXIT_DR_ACCESS		29
#define EXIT_IO			30
#define EXIT_RDMSR		31
#define EXIT_WRMSR		32
#define EXIT_BAD_GUEST		33
#define EXIT_BAD_MSR_LOAD	34
#define EXIT_MWAIT		36
#define EXIT_MTF		37
#define EXIT_MONITOR		39
#define EXIT_PAUSE		40
#define EXIT_MACHINE_CHECK	41
#define EXIT_TPR		43
#define EXIT_EPT_VIOLATION	48
#define EXIT_EPT_MISCONFIG	49
#define EXIT_INVEPT		50
#define EXIT_RDTSCP		51
#define EXIT_PREEMPT_TIMER	52
#define EXIT_INVVPID		53
#define EXIT_WBINVD		54
#define EXIT_XSETBV		55
#define EXIT_INVPCID		58
#define EXIT_VMFUNC		59
#define EXIT_REASON_ENTRY_FAIL	(1u << 31)

#endif
