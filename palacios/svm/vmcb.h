/* vmcb.h - the VMCB layout (AMD APM vol. 2, appendix B) and the bits we
 * use.  Only palacios/svm/ includes this file. */
#ifndef V3_SVM_VMCB_H
#define V3_SVM_VMCB_H

#include "v3_types.h"

struct vmcb_seg {
	uint16_t sel;
	uint16_t attr;
	uint32_t limit;
	uint64_t base;
} __attribute__((packed));

struct vmcb_control {
	uint16_t cr_read, cr_write; /* 0x000 */
	uint16_t dr_read, dr_write; /* 0x004 */
	uint32_t exceptions;	    /* 0x008 */
	uint32_t intercept1;	    /* 0x00c */
	uint32_t intercept2;	    /* 0x010 */
	uint32_t intercept3;	    /* 0x014 */
	uint8_t rsvd0[0x03c - 0x018];
	uint16_t pause_threshold; /* 0x03c */
	uint16_t pause_count;	  /* 0x03e */
	uint64_t iopm_pa;	  /* 0x040 */
	uint64_t msrpm_pa;	  /* 0x048 */
	uint64_t tsc_offset;	  /* 0x050 */
	uint32_t asid;		  /* 0x058 */
	uint8_t tlb_control;	  /* 0x05c */
	uint8_t rsvd1[3];
	uint64_t vintr;		/* 0x060 V_TPR, V_IRQ, ... */
	uint64_t int_state;	/* 0x068 interrupt shadow */
	uint64_t exit_code;	/* 0x070 */
	uint64_t exit_info1;	/* 0x078 */
	uint64_t exit_info2;	/* 0x080 */
	uint64_t exit_int_info; /* 0x088 */
	uint64_t np_enable;	/* 0x090 */
	uint64_t avic_apic_bar; /* 0x098 */
	uint64_t ghcb_pa;	/* 0x0a0 */
	uint64_t event_inj;	/* 0x0a8 */
	uint64_t n_cr3;		/* 0x0b0 */
	uint64_t lbr_virt;	/* 0x0b8 */
	uint32_t clean;		/* 0x0c0 */
	uint32_t rsvd2;
	uint64_t next_rip; /* 0x0c8 */
	uint8_t insn_len;  /* 0x0d0 */
	uint8_t insn_bytes[15];
	uint8_t rsvd3[0x400 - 0x0e0];
} __attribute__((packed));

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs; /* 0x400 */
	struct vmcb_seg gdtr, ldtr, idtr, tr;	/* 0x460 */
	uint8_t rsvd0[0x4cb - 0x4a0];
	uint8_t cpl; /* 0x4cb */
	uint32_t rsvd1;
	uint64_t efer; /* 0x4d0 */
	uint8_t rsvd2[0x548 - 0x4d8];
	uint64_t cr4, cr3, cr0, dr7, dr6; /* 0x548 */
	uint64_t rflags, rip;		  /* 0x570 */
	uint8_t rsvd3[0x5d8 - 0x580];
	uint64_t rsp; /* 0x5d8 */
	uint8_t rsvd4[0x5f8 - 0x5e0];
	uint64_t rax;			     /* 0x5f8 */
	uint64_t star, lstar, cstar, sfmask; /* 0x600 */
	uint64_t kernel_gs_base;	     /* 0x620 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t cr2; /* 0x640 */
	uint8_t rsvd5[0x668 - 0x648];
	uint64_t g_pat;	 /* 0x668 */
	uint64_t dbgctl; /* 0x670 */
} __attribute__((packed));

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
} __attribute__((packed));

_Static_assert(__builtin_offsetof(struct vmcb, ctl.n_cr3) == 0x0b0, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, save.cpl) == 0x4cb, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, save.cr4) == 0x548, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, save.rsp) == 0x5d8, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, save.rax) == 0x5f8, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, save.cr2) == 0x640, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, save.g_pat) == 0x668, "vmcb");

/* intercept1 (VMCB 0x00c) */
#define SVM_I1_INTR	   (1u << 0)
#define SVM_I1_NMI	   (1u << 1)
#define SVM_I1_SMI	   (1u << 2)
#define SVM_I1_INIT	   (1u << 3)
#define SVM_I1_VINTR	   (1u << 4)
#define SVM_I1_CPUID	   (1u << 18)
#define SVM_I1_INVD	   (1u << 22)
#define SVM_I1_PAUSE	   (1u << 23)
#define SVM_I1_HLT	   (1u << 24)
#define SVM_I1_INVLPG	   (1u << 25)
#define SVM_I1_INVLPGA	   (1u << 26)
#define SVM_I1_IOIO	   (1u << 27)
#define SVM_I1_MSR	   (1u << 28)
#define SVM_I1_TASK_SWITCH (1u << 29)
#define SVM_I1_FERR_FREEZE (1u << 30)
#define SVM_I1_SHUTDOWN	   (1u << 31)
/* intercept2 (VMCB 0x010) */
#define SVM_I2_VMRUN	  (1u << 0)
#define SVM_I2_VMMCALL	  (1u << 1)
#define SVM_I2_VMLOAD	  (1u << 2)
#define SVM_I2_VMSAVE	  (1u << 3)
#define SVM_I2_STGI	  (1u << 4)
#define SVM_I2_CLGI	  (1u << 5)
#define SVM_I2_SKINIT	  (1u << 6)
#define SVM_I2_ICEBP	  (1u << 8)
#define SVM_I2_MONITOR	  (1u << 10)
#define SVM_I2_MWAIT	  (1u << 11)
#define SVM_I2_MWAIT_COND (1u << 12)
#define SVM_I2_XSETBV	  (1u << 13)

/* vintr (VMCB 0x060) */
#define SVM_VINTR_V_IRQ	     (1ull << 8)
#define SVM_VINTR_PRIO_SHIFT 16
#define SVM_VINTR_IGN_TPR    (1ull << 20)
#define SVM_VINTR_MASKING    (1ull << 24)
#define SVM_VINTR_VEC_SHIFT  32 /* V_INTR_VECTOR, bits 39:32 */
#define SVM_VINTR_REQ                                                          \
	(SVM_VINTR_V_IRQ | SVM_VINTR_IGN_TPR | (0xfull << SVM_VINTR_PRIO_SHIFT) | \
	 (0xffull << SVM_VINTR_VEC_SHIFT))
/* event_inj / exit_int_info */
#define SVM_EVT_VALID	   (1ull << 31)
#define SVM_EVT_ERR_VALID  (1ull << 11)
#define SVM_EVT_TYPE_SHIFT 8
#define SVM_EVT_INTR	   0
#define SVM_EVT_NMI	   2
#define SVM_EVT_EXC	   3
#define SVM_EVT_SOFT	   4

#define SVM_TLB_FLUSH_ALL 1

/* cr_read / cr_write bits: CR0, CR3, CR4 (VMCB 0x000) */
#define SVM_CR_SHADOWED ((1u << 0) | (1u << 3) | (1u << 4))
#define SVM_EXC_PF	14
#define SVM_EXC_BP	3 /* only from INT3 */
#define SVM_EXC_OF	4 /* only from INTO */

/* Exit codes (APM vol. 2, appendix C). */
#define SVM_EXIT_CR0_READ    0x000
#define SVM_EXIT_CR0_WRITE   0x010
#define SVM_EXIT_CR15_WRITE  0x01f
#define SVM_EXIT_EXC_BASE    0x040
#define SVM_EXIT_EXC_LAST    0x05f
#define SVM_EXIT_INTR	     0x060
#define SVM_EXIT_NMI	     0x061
#define SVM_EXIT_SMI	     0x062
#define SVM_EXIT_INIT	     0x063
#define SVM_EXIT_VINTR	     0x064
#define SVM_EXIT_CPUID	     0x072
#define SVM_EXIT_INVD	     0x076
#define SVM_EXIT_PAUSE	     0x077
#define SVM_EXIT_HLT	     0x078
#define SVM_EXIT_INVLPG	     0x079
#define SVM_EXIT_INVLPGA     0x07a
#define SVM_EXIT_IOIO	     0x07b
#define SVM_EXIT_MSR	     0x07c
#define SVM_EXIT_TASK_SWITCH 0x07d
#define SVM_EXIT_FERR_FREEZE 0x07e
#define SVM_EXIT_SHUTDOWN    0x07f
#define SVM_EXIT_VMRUN	     0x080
#define SVM_EXIT_VMMCALL     0x081
#define SVM_EXIT_VMLOAD	     0x082
#define SVM_EXIT_VMSAVE	     0x083
#define SVM_EXIT_STGI	     0x084
#define SVM_EXIT_CLGI	     0x085
#define SVM_EXIT_SKINIT	     0x086
#define SVM_EXIT_ICEBP	     0x088
#define SVM_EXIT_MONITOR     0x08a
#define SVM_EXIT_MWAIT	     0x08b
#define SVM_EXIT_MWAIT_COND  0x08c
#define SVM_EXIT_XSETBV	     0x08d
#define SVM_EXIT_NPF	     0x400
#define SVM_EXIT_INVALID     ((uint64_t)-1)

/* IOIO exit_info1 (APM vol. 2 §15.10.2) */
#define SVM_IOIO_IN	  (1u << 0)
#define SVM_IOIO_STR	  (1u << 2)
#define SVM_IOIO_REP	  (1u << 3)
#define SVM_IOIO_SZ_SHIFT 4
#define SVM_IOIO_A_SHIFT  7

/* NPF exit_info1 (error code) */
#define SVM_NPF_PRESENT (1ull << 0)
#define SVM_NPF_WRITE	(1ull << 1)
#define SVM_NPF_FETCH	(1ull << 4)

#endif
