/* vcpu_state.h - architectural register state of a vcpu, as the core sees
 * it.  Backends copy it to and from their control block around each
 * entry; everything above the backend works on this struct only.  A
 * backend whose control block is slow to read (the VMCS) may leave the
 * V3_STATE_* parts there until the core asks for them: see
 * v3_vcpu_state() in vm.h. */
#ifndef V3_VCPU_STATE_H
#define V3_VCPU_STATE_H

#include "v3_types.h"

struct v3_gprs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/* A segment register with its hidden part; 'attr' uses the SVM packed
 * layout: type[3:0] S[4] DPL[6:5] P[7] AVL[8] L[9] DB[10] G[11]. */
struct v3_seg {
	uint16_t sel;
	uint16_t attr;
	uint32_t limit;
	uint64_t base;
};

#define V3_SEG_ES   0
#define V3_SEG_CS   1
#define V3_SEG_SS   2
#define V3_SEG_DS   3
#define V3_SEG_FS   4
#define V3_SEG_GS   5
#define V3_SEG_LDTR 6
#define V3_SEG_TR   7
#define V3_NSEGS    8

struct v3_dtable {
	uint64_t base;
	uint32_t limit;
};

struct v3_vcpu_state {
	struct v3_gprs gprs;
	uint64_t rip, rflags;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer;
	uint64_t dr6, dr7;
	struct v3_seg seg[V3_NSEGS];
	struct v3_dtable gdtr, idtr;
	uint8_t cpl;
	bool intr_shadow; /* after STI / MOV SS: no interrupt yet */
};

/* The parts of v3_vcpu_state a backend may copy in on demand.  The
 * GPRs, RIP, RFLAGS, CR2 and CR8 are always current after an exit. */
#define V3_STATE_SEG(i)  (1u << (i))	/* one segment register */
#define V3_STATE_SEGS	 0xffu
#define V3_STATE_CPL	 V3_STATE_SEG(V3_SEG_SS) /* VMX: SS.DPL */
#define V3_STATE_CR0	 (1u << 8)
#define V3_STATE_CR3	 (1u << 9)
#define V3_STATE_CR4	 (1u << 10)
#define V3_STATE_EFER	 (1u << 11)
#define V3_STATE_CTRL	 (V3_STATE_CR0 | V3_STATE_CR3 | V3_STATE_CR4 | \
			  V3_STATE_EFER)
#define V3_STATE_DTABLES (1u << 12)	/* GDTR, IDTR */
#define V3_STATE_DEBUG	 (1u << 13)	/* DR6, DR7 */
#define V3_STATE_INTR	 (1u << 14)	/* intr_shadow */
#define V3_STATE_ALL	 0x7fffu
/* 64-bit mode needs EFER.LMA and CS.L. */
#define V3_STATE_MODE	 (V3_STATE_EFER | V3_STATE_SEG(V3_SEG_CS))

#define V3_RFLAGS_IF (1ull << 9)
/* PAT after reset (APM vol. 2, 7.8.2). */
#define V3_PAT_POWER_ON 0x0007040600070406ull
#define V3_CR0_PE    (1ull << 0)
#define V3_CR0_ET    (1ull << 4)
#define V3_CR0_NE    (1ull << 5)
#define V3_CR0_PG    (1ull << 31)
#define V3_EFER_LME  (1ull << 8)
#define V3_EFER_LMA  (1ull << 10)

#endif
