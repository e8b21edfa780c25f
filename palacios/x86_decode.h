/* x86_decode.h - decoder for the x86 instructions guests aim at emulated
 * device memory (MMIO) and for string port I/O.
 *
 * Pure: it reads only the bytes it is given, so the VMM can hand it the
 * bytes fetched at the guest's RIP and userspace tests can hand it
 * anything.  Encodings: Intel SDM vol. 2, ch. 2 (format, ModRM/SIB, REX)
 * and appendix A (opcode map); AMD APM vol. 3, ch. 1. */
#ifndef V3_X86_DECODE_H
#define V3_X86_DECODE_H

#include "v3_types.h"

/* How CS makes the processor decode: the default operand and address
 * sizes (SDM vol. 1, 3.6).  Compatibility mode decodes like PROT16 or
 * PROT32 depending on CS.D. */
enum v3_cpu_mode {
	V3_MODE_REAL,	/* real and virtual-8086 mode: 16-bit */
	V3_MODE_PROT16, /* protected, CS.D = 0 */
	V3_MODE_PROT32, /* protected, CS.D = 1 */
	V3_MODE_LONG64, /* 64-bit mode, CS.L = 1 */
};

/* What the instruction does.  The first eight follow the ALU /digit
 * order of opcodes 80/81/83 (SDM vol. 2, table A-6, group 1). */
enum v3_op {
	V3_OP_ADD,
	V3_OP_OR,
	V3_OP_ADC,
	V3_OP_SBB,
	V3_OP_AND,
	V3_OP_SUB,
	V3_OP_XOR,
	V3_OP_CMP,
	V3_OP_TEST,
	V3_OP_NOT,
	V3_OP_NEG,
	V3_OP_INC,
	V3_OP_DEC,
	V3_OP_MOV,
	V3_OP_MOVZX,
	V3_OP_MOVSX,
	V3_OP_XCHG,
	V3_OP_BT,
	/* String instructions: no dst/src operands; the implicit ones are
	 * [seg:rSI] (mem.seg, overridable) and ES:[rDI]. */
	V3_OP_MOVS,
	V3_OP_STOS,
	V3_OP_LODS,
	V3_OP_INS,
	V3_OP_OUTS,
	/* System instructions a VMM with shadow paging intercepts (0F 06,
	 * 0F 20, 0F 22, 0F 01 /4 /6 /7); 'cr' names the control register. */
	V3_OP_MOV_FROM_CR, /* dst = GPR */
	V3_OP_MOV_TO_CR,   /* src = GPR */
	V3_OP_CLTS,
	V3_OP_SMSW, /* dst = r/m */
	V3_OP_LMSW, /* src = r/m, 16 bits */
	V3_OP_INVLPG, /* the linear address of insn->mem */
};

/* GPR numbers are the hardware encoding: 0 rAX, 1 rCX, 2 rDX, 3 rBX,
 * 4 rSP, 5 rBP, 6 rSI, 7 rDI, 8..15 r8..r15. */
#define V3_GPR_RAX  0
#define V3_GPR_RCX  1
#define V3_GPR_RDX  2
#define V3_GPR_RBX  3
#define V3_GPR_RSP  4
#define V3_GPR_RBP  5
#define V3_GPR_RSI  6
#define V3_GPR_RDI  7
#define V3_REG_NONE (-1)

/* Segment numbers are the sreg encoding, same as V3_SEG_* in
 * vcpu_state.h. */
#define V3_SREG_ES 0
#define V3_SREG_CS 1
#define V3_SREG_SS 2
#define V3_SREG_DS 3
#define V3_SREG_FS 4
#define V3_SREG_GS 5

enum v3_opnd_kind {
	V3_OPND_NONE,
	V3_OPND_REG,
	V3_OPND_MEM, /* described by insn->mem */
	V3_OPND_IMM, /* value in insn->imm */
};

struct v3_opnd {
	uint8_t kind; /* enum v3_opnd_kind */
	uint8_t size; /* bytes: 1, 2, 4, 8 */
	uint8_t reg;  /* V3_OPND_REG: GPR number */
	bool high8;   /* V3_OPND_REG, size 1: AH/CH/DH/BH (reg 4..7) */
};

/* A memory operand: seg:[base + index * scale + disp], the sum taken
 * modulo the address size.  rip_rel adds the RIP of the next
 * instruction instead of a base. */
struct v3_mem {
	uint8_t seg;   /* effective segment: override or default */
	int8_t base;   /* GPR or V3_REG_NONE */
	int8_t index;  /* GPR or V3_REG_NONE */
	uint8_t scale; /* 1, 2, 4, 8 */
	int64_t disp;  /* sign-extended (moffs: zero-extended) */
	bool rip_rel;
};

#define V3_PFX_LOCK   (1u << 0) /* F0 */
#define V3_PFX_REP    (1u << 1) /* F3 */
#define V3_PFX_REPNE  (1u << 2) /* F2 */
#define V3_PFX_OPSIZE (1u << 3) /* 66 */
#define V3_PFX_ADSIZE (1u << 4) /* 67 */

#define V3_INSN_MAX 15 /* SDM vol. 2, 2.3.11: longer raises #GP */

struct v3_insn {
	uint8_t op;	     /* enum v3_op */
	uint8_t len;	     /* bytes, 1..15 */
	uint8_t opsize;	     /* of the destination: 1, 2, 4, 8 */
	uint8_t addr_size;   /* 2, 4, 8 */
	uint8_t prefixes;    /* V3_PFX_* */
	uint8_t rex;	     /* REX byte in effect (0x40..0x4f), 0 if none */
	int8_t seg_override; /* V3_SREG_* or -1 */
	uint8_t opcode;	     /* last opcode byte */
	bool twobyte;	     /* opcode follows 0F */
	bool has_modrm;
	uint8_t modrm;
	struct v3_opnd dst, src; /* V3_OPND_NONE for string instructions */
	struct v3_mem mem;	 /* the one memory operand, if any */
	uint64_t imm; /* extended to 64 bits as the instruction defines */
	uint8_t cr;   /* V3_OP_MOV_*_CR: the control register number */
};

/* Decode the instruction at bytes[0].  Reads at most min(avail, 15)
 * bytes.  Returns 0, or -1 when the bytes are truncated, longer than 15,
 * invalid, or outside the supported set (see x86_decode.c); then the
 * caller injects #UD or stops the VM, as it sees fit. */
int v3_decode(const uint8_t *bytes, size_t avail, enum v3_cpu_mode mode,
	      struct v3_insn *out);

#endif
