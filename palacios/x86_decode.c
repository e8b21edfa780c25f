/* x86_decode.c - decode the instructions guests use on device memory.
 *
 * Supported (SDM vol. 2 appendix A / APM vol. 3 appendix A):
 *   MOV 88 89 8A 8B C6/0 C7/0 A0-A3 (moffs), MOVZX 0F B6/B7,
 *   MOVSX 0F BE/BF, MOVS A4/A5, STOS AA/AB, LODS AC/AD, INS 6C/6D,
 *   OUTS 6E/6F, ALU 00-3B (ModRM forms x0-x3, x8-xB) and 80/81/83,
 *   TEST 84/85 and F6/F7 /0, XCHG 86/87, BT 0F A3 and 0F BA /4,
 *   NOT/NEG F6/F7 /2 /3, INC/DEC FE/FF /0 /1;
 *   CLTS 0F 06, MOV from/to CRn 0F 20/22, SMSW 0F 01 /4, LMSW 0F 01 /6,
 *   INVLPG 0F 01 /7 (memory form).
 * Everything else returns -1, as do LOCK where it would raise #UD and
 * F2/F3 on two-byte opcodes (they select other instructions there). */
#include "lib.h"
#include "x86_decode.h"

/* Bytes not yet consumed; 'end' is min(avail, 15) so no read ever goes
 * past what the caller gave or past the architectural limit. */
struct cursor {
	const uint8_t *p;
	size_t pos, end;
};

static int next_byte(struct cursor *c, uint8_t *b)
{
	if (c->pos >= c->end)
		return -1;
	*b = c->p[c->pos++];
	return 0;
}

/* Little-endian field of 'n' bytes (1, 2, 4, 8), zero-extended. */
static int next_le(struct cursor *c, unsigned n, uint64_t *v)
{
	uint64_t x = 0;
	unsigned i;

	if (c->end - c->pos < n)
		return -1;
	for (i = 0; i < n; i++)
		x |= (uint64_t)c->p[c->pos + i] << (8 * i);
	c->pos += n;
	*v = x;
	return 0;
}

static int64_t sign_extend(uint64_t v, unsigned bytes)
{
	unsigned shift = 64 - 8 * bytes;

	return (int64_t)(v << shift) >> shift;
}

/* Legacy prefixes (SDM vol. 2, 2.1.1) and REX (2.2.1).  REX counts only
 * right before the opcode: a legacy prefix after it cancels it. */
static int parse_prefixes(struct cursor *c, enum v3_cpu_mode mode,
			  struct v3_insn *in, uint8_t *opcode)
{
	uint8_t b;

	for (;;) {
		if (next_byte(c, &b))
			return -1;
		switch (b) {
		case 0xf0: in->prefixes |= V3_PFX_LOCK; break;
		/* Only the last of F2/F3 counts, as on hardware. */
		case 0xf2:
			in->prefixes &= ~V3_PFX_REP;
			in->prefixes |= V3_PFX_REPNE;
			break;
		case 0xf3:
			in->prefixes &= ~V3_PFX_REPNE;
			in->prefixes |= V3_PFX_REP;
			break;
		case 0x26: in->seg_override = V3_SREG_ES; break;
		case 0x2e: in->seg_override = V3_SREG_CS; break;
		case 0x36: in->seg_override = V3_SREG_SS; break;
		case 0x3e: in->seg_override = V3_SREG_DS; break;
		case 0x64: in->seg_override = V3_SREG_FS; break;
		case 0x65: in->seg_override = V3_SREG_GS; break;
		case 0x66: in->prefixes |= V3_PFX_OPSIZE; break;
		case 0x67: in->prefixes |= V3_PFX_ADSIZE; break;
		default:
			if (mode == V3_MODE_LONG64 && (b & 0xf0) == 0x40) {
				in->rex = b;
				continue;
			}
			*opcode = b;
			return 0;
		}
		in->rex = 0;
	}
}

/* Default sizes from the mode, flipped by 66/67; REX.W wins over 66
 * (SDM vol. 1, table 3-4; vol. 2, 2.2.1.2). */
static void set_sizes(enum v3_cpu_mode mode, struct v3_insn *in)
{
	bool op16 = mode == V3_MODE_REAL || mode == V3_MODE_PROT16;
	bool opsz = in->prefixes & V3_PFX_OPSIZE;
	bool adsz = in->prefixes & V3_PFX_ADSIZE;

	if (mode == V3_MODE_LONG64) {
		in->addr_size = adsz ? 4 : 8;
		in->opsize = (in->rex & 0x08) ? 8 : opsz ? 2 : 4;
	} else {
		in->addr_size = (op16 != adsz) ? 2 : 4;
		in->opsize = (op16 != opsz) ? 2 : 4;
	}
}

/* Effective segment: an override, else SS for stack-based addressing,
 * else DS (SDM vol. 1, 3.7.4). */
static uint8_t pick_seg(const struct v3_insn *in, bool stack_based)
{
	if (in->seg_override >= 0)
		return (uint8_t)in->seg_override;
	return stack_based ? V3_SREG_SS : V3_SREG_DS;
}

/* 16-bit ModRM addressing (SDM vol. 2, table 2-1). */
static int parse_mem16(struct cursor *c, uint8_t mod, uint8_t rm,
		       struct v3_insn *in)
{
	static const int8_t base16[8] = {V3_GPR_RBX, V3_GPR_RBX, V3_GPR_RBP,
					 V3_GPR_RBP, V3_GPR_RSI, V3_GPR_RDI,
					 V3_GPR_RBP, V3_GPR_RBX};
	static const int8_t index16[8] = {V3_GPR_RSI,  V3_GPR_RDI,  V3_GPR_RSI,
					  V3_GPR_RDI,  V3_REG_NONE, V3_REG_NONE,
					  V3_REG_NONE, V3_REG_NONE};
	struct v3_mem *m = &in->mem;
	uint64_t d = 0;

	m->base = base16[rm];
	m->index = index16[rm];
	if (mod == 0 && rm == 6) {
		m->base = V3_REG_NONE; /* disp16 alone */
		if (next_le(c, 2, &d))
			return -1;
		m->disp = sign_extend(d, 2);
	} else if (mod == 1 || mod == 2) {
		if (next_le(c, mod == 1 ? 1 : 2, &d))
			return -1;
		m->disp = sign_extend(d, mod == 1 ? 1 : 2);
	}
	m->seg = pick_seg(in, m->base == V3_GPR_RBP);
	return 0;
}

/* 32/64-bit ModRM and SIB addressing (SDM vol. 2, tables 2-2, 2-3, and
 * 2.2.1.6 for RIP-relative). */
static int parse_mem32(struct cursor *c, uint8_t mod, uint8_t rm, bool long64,
		       struct v3_insn *in)
{
	struct v3_mem *m = &in->mem;
	uint8_t rex_b = (in->rex & 0x01) ? 8 : 0;
	uint64_t d = 0;
	bool disp32 = false;

	m->index = V3_REG_NONE;
	if (rm == 4) {
		uint8_t sib, idx, base;

		if (next_byte(c, &sib))
			return -1;
		m->scale = (uint8_t)(1u << (sib >> 6));
		idx = (uint8_t)(((sib >> 3) & 7) | ((in->rex & 0x02) ? 8 : 0));
		base = sib & 7;
		/* Index 100b means none; with REX.X it is r12. */
		if (idx != 4)
			m->index = (int8_t)idx;
		if (base == 5 && mod == 0) {
			m->base = V3_REG_NONE;
			disp32 = true;
		} else {
			m->base = (int8_t)(base | rex_b);
		}
	} else if (rm == 5 && mod == 0) {
		m->base = V3_REG_NONE;
		m->rip_rel = long64;
		disp32 = true;
	} else {
		m->base = (int8_t)(rm | rex_b);
	}

	if (mod == 1) {
		if (next_le(c, 1, &d))
			return -1;
		m->disp = sign_extend(d, 1);
	} else if (mod == 2 || disp32) {
		if (next_le(c, 4, &d))
			return -1;
		m->disp = sign_extend(d, 4);
	}
	/* rSP and rBP bases default to SS (SDM vol. 1, table 3-5); r12 and
	 * r13 do not. */
	m->seg = pick_seg(in, m->base == V3_GPR_RSP || m->base == V3_GPR_RBP);
	return 0;
}

/* A register operand; byte registers 4..7 are AH..BH unless any REX is
 * present, when they are SPL..DIL (SDM vol. 2, 2.2.1.2 and table 3-1). */
static void set_reg(struct v3_opnd *o, const struct v3_insn *in, uint8_t reg,
		    uint8_t size)
{
	o->kind = V3_OPND_REG;
	o->size = size;
	o->reg = reg;
	o->high8 = size == 1 && !in->rex && reg >= 4 && reg < 8;
}

/* ModRM: fills 'reg' (the ModRM.reg field, REX.R applied) and the r/m
 * operand 'e' (a register, or memory in in->mem). */
static int parse_modrm(struct cursor *c, enum v3_cpu_mode mode,
		       struct v3_insn *in, uint8_t *reg, struct v3_opnd *e,
		       uint8_t esize)
{
	uint8_t mod, rm;

	if (next_byte(c, &in->modrm))
		return -1;
	in->has_modrm = true;
	mod = in->modrm >> 6;
	rm = in->modrm & 7;
	*reg = (uint8_t)(((in->modrm >> 3) & 7) | ((in->rex & 0x04) ? 8 : 0));
	in->mem.scale = 1;
	if (mod == 3) {
		set_reg(e, in, (uint8_t)(rm | ((in->rex & 0x01) ? 8 : 0)),
			esize);
		return 0;
	}
	e->kind = V3_OPND_MEM;
	e->size = esize;
	if (in->addr_size == 2)
		return parse_mem16(c, mod, rm, in);
	return parse_mem32(c, mod, rm, mode == V3_MODE_LONG64, in);
}

/* Immediate of 'n' bytes, sign-extended to 64 bits. */
static int parse_imm(struct cursor *c, struct v3_insn *in, unsigned n)
{
	uint64_t v;

	if (next_le(c, n, &v))
		return -1;
	in->imm = (uint64_t)sign_extend(v, n);
	in->src.kind = V3_OPND_IMM;
	in->src.size = (uint8_t)n;
	return 0;
}

/* Iz: 16 bits for 16-bit operands, else 32 (sign-extended for 64). */
static unsigned iz(const struct v3_insn *in)
{
	return in->opsize == 2 ? 2 : 4;
}

/* Operand forms of the ModRM opcodes (SDM vol. 2, A.2.1 / A.2.2). */
enum form {
	FORM_EG,  /* r/m is the destination, reg the source */
	FORM_GE,  /* reg is the destination, r/m the source */
	FORM_EIB, /* r/m, imm8 */
	FORM_EIZ, /* r/m, imm16/32 */
	FORM_E,	  /* r/m alone */
};

static int decode_modrm_op(struct cursor *c, enum v3_cpu_mode mode,
			   struct v3_insn *in, enum form f, uint8_t esize)
{
	struct v3_opnd *e = (f == FORM_GE) ? &in->src : &in->dst;
	struct v3_opnd *g = (f == FORM_GE) ? &in->dst : &in->src;
	uint8_t reg;

	if (parse_modrm(c, mode, in, &reg, e, esize))
		return -1;
	switch (f) {
	case FORM_EG:
	case FORM_GE: set_reg(g, in, reg, in->opsize); return 0;
	case FORM_EIB: return parse_imm(c, in, 1);
	case FORM_EIZ: return parse_imm(c, in, iz(in));
	case FORM_E: return 0;
	}
	return -1;
}

/* Group opcodes pick the operation with ModRM.reg, so peek at it. */
static int peek_reg(const struct cursor *c, uint8_t *r)
{
	if (c->pos >= c->end)
		return -1;
	*r = (c->p[c->pos] >> 3) & 7;
	return 0;
}

/* MOV A0-A3: the offset is address-size wide (SDM vol. 2, MOV, "moffs"). */
static int decode_moffs(struct cursor *c, struct v3_insn *in, bool store)
{
	struct v3_opnd *m = store ? &in->dst : &in->src;
	struct v3_opnd *a = store ? &in->src : &in->dst;
	uint64_t off;

	if (next_le(c, in->addr_size, &off))
		return -1;
	in->op = V3_OP_MOV;
	in->mem.seg = pick_seg(in, false);
	in->mem.base = V3_REG_NONE;
	in->mem.index = V3_REG_NONE;
	in->mem.scale = 1;
	in->mem.disp = (int64_t)off;
	m->kind = V3_OPND_MEM;
	m->size = in->opsize;
	set_reg(a, in, V3_GPR_RAX, in->opsize);
	return 0;
}

/* String instructions: only the source side (rSI) takes an override;
 * the destination is always ES:rDI (SDM vol. 2, MOVS/INS). */
static void decode_string(struct v3_insn *in, enum v3_op op)
{
	bool dst_only = op == V3_OP_STOS || op == V3_OP_INS;

	in->op = (uint8_t)op;
	in->mem.seg = dst_only ? V3_SREG_ES : pick_seg(in, false);
	in->mem.base = dst_only ? V3_GPR_RDI : V3_GPR_RSI;
	in->mem.index = V3_REG_NONE;
	in->mem.scale = 1;
	/* INS/OUTS move at most 32 bits. */
	if ((op == V3_OP_INS || op == V3_OP_OUTS) && in->opsize == 8)
		in->opsize = 4;
}

/* MOV from/to CRn: ModRM.mod is ignored, r/m is always a GPR, and the
 * operand is 64 bits in 64-bit mode, else 32 (SDM vol. 2, MOV CR). */
static int decode_mov_cr(struct cursor *c, enum v3_cpu_mode mode,
			 struct v3_insn *in, bool to_cr)
{
	uint8_t size = mode == V3_MODE_LONG64 ? 8 : 4;
	uint8_t gpr;

	if (next_byte(c, &in->modrm))
		return -1;
	in->has_modrm = true;
	in->cr = (uint8_t)(((in->modrm >> 3) & 7) | ((in->rex & 0x04) ? 8 : 0));
	gpr = (uint8_t)((in->modrm & 7) | ((in->rex & 0x01) ? 8 : 0));
	in->opsize = size;
	in->op = to_cr ? V3_OP_MOV_TO_CR : V3_OP_MOV_FROM_CR;
	set_reg(to_cr ? &in->src : &in->dst, in, gpr, size);
	return 0;
}

/* Group 7 (0F 01): only SMSW, LMSW and INVLPG; the register forms of
 * the other rows are VMX/SVM and other system instructions. */
static int decode_group7(struct cursor *c, enum v3_cpu_mode mode,
			 struct v3_insn *in)
{
	uint8_t r, mod;

	if (peek_reg(c, &r))
		return -1;
	mod = c->p[c->pos] >> 6;
	switch (r) {
	case 4: /* SMSW: a register gets the operand size, memory 16 bits */
		in->op = V3_OP_SMSW;
		return decode_modrm_op(c, mode, in, FORM_E,
				       mod == 3 ? in->opsize : 2);
	case 6:
		in->op = V3_OP_LMSW;
		if (decode_modrm_op(c, mode, in, FORM_E, 2))
			return -1;
		in->src = in->dst; /* LMSW reads its operand */
		in->dst.kind = V3_OPND_NONE;
		return 0;
	case 7:
		if (mod == 3) /* SWAPGS, RDTSCP */
			return -1;
		in->op = V3_OP_INVLPG;
		return decode_modrm_op(c, mode, in, FORM_E, 1);
	}
	return -1;
}

static int decode_twobyte(struct cursor *c, enum v3_cpu_mode mode,
			  struct v3_insn *in)
{
	uint8_t b, r;

	if (next_byte(c, &b))
		return -1;
	in->twobyte = true;
	in->opcode = b;
	/* F2/F3 turn some of these into other instructions (e.g. F3 0F B8
	 * POPCNT, F3 0F BC TZCNT): refuse them all rather than guess. */
	if (in->prefixes & (V3_PFX_REP | V3_PFX_REPNE))
		return -1;
	switch (b) {
	case 0x01: return decode_group7(c, mode, in);
	case 0x06: in->op = V3_OP_CLTS; return 0;
	case 0x20: return decode_mov_cr(c, mode, in, false);
	case 0x22: return decode_mov_cr(c, mode, in, true);
	case 0xb6: /* MOVZX Gv, Eb */
	case 0xb7: /* MOVZX Gv, Ew */
	case 0xbe: /* MOVSX Gv, Eb */
	case 0xbf: /* MOVSX Gv, Ew */
		in->op = (b & 8) ? V3_OP_MOVSX : V3_OP_MOVZX;
		return decode_modrm_op(c, mode, in, FORM_GE, (b & 1) ? 2 : 1);
	case 0xa3: /* BT Ev, Gv */
		in->op = V3_OP_BT;
		return decode_modrm_op(c, mode, in, FORM_EG, in->opsize);
	case 0xba: /* group 8: BT Ev, Ib is /4 */
		if (peek_reg(c, &r) || r != 4)
			return -1;
		in->op = V3_OP_BT;
		return decode_modrm_op(c, mode, in, FORM_EIB, in->opsize);
	}
	return -1;
}

static int decode_opcode(struct cursor *c, enum v3_cpu_mode mode,
			 struct v3_insn *in, uint8_t b)
{
	uint8_t r;

	in->opcode = b;
	/* ALU rows 00-3F: columns 0-3 are Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev. */
	if (b < 0x40 && (b & 7) < 4) {
		in->op = (uint8_t)(b >> 3);
		if (!(b & 1))
			in->opsize = 1;
		return decode_modrm_op(c, mode, in, (b & 2) ? FORM_GE : FORM_EG,
				       in->opsize);
	}
	switch (b) {
	case 0x0f: return decode_twobyte(c, mode, in);
	case 0x80: /* group 1 Eb, Ib */
	case 0x81: /* group 1 Ev, Iz */
	case 0x83: /* group 1 Ev, Ib (sign-extended) */
		if (peek_reg(c, &r))
			return -1;
		in->op = r;
		if (b == 0x80)
			in->opsize = 1;
		return decode_modrm_op(
		    c, mode, in, b == 0x81 ? FORM_EIZ : FORM_EIB, in->opsize);
	case 0x84: /* TEST Eb, Gb */
	case 0x85: /* TEST Ev, Gv */
	case 0x86: /* XCHG Eb, Gb */
	case 0x87: /* XCHG Ev, Gv */
	case 0x88: /* MOV Eb, Gb */
	case 0x89: /* MOV Ev, Gv */
	case 0x8a: /* MOV Gb, Eb */
	case 0x8b: /* MOV Gv, Ev */
		in->op = b < 0x86   ? V3_OP_TEST
			 : b < 0x88 ? V3_OP_XCHG
				    : V3_OP_MOV;
		if (!(b & 1))
			in->opsize = 1;
		return decode_modrm_op(
		    c, mode, in, b == 0x8a || b == 0x8b ? FORM_GE : FORM_EG,
		    in->opsize);
	case 0xc6: /* MOV Eb, Ib is /0 (C6 F8 is XABORT) */
	case 0xc7: /* MOV Ev, Iz is /0 (C7 F8 is XBEGIN) */
		if (peek_reg(c, &r) || r != 0)
			return -1;
		in->op = V3_OP_MOV;
		if (b == 0xc6)
			in->opsize = 1;
		return decode_modrm_op(
		    c, mode, in, b == 0xc6 ? FORM_EIB : FORM_EIZ, in->opsize);
	case 0xf6: /* group 3: TEST Eb,Ib /0, NOT /2, NEG /3 */
	case 0xf7:
		if (peek_reg(c, &r) || (r != 0 && r != 2 && r != 3))
			return -1;
		if (b == 0xf6)
			in->opsize = 1;
		if (r == 0) {
			in->op = V3_OP_TEST;
			return decode_modrm_op(c, mode, in,
					       b == 0xf6 ? FORM_EIB : FORM_EIZ,
					       in->opsize);
		}
		in->op = r == 2 ? V3_OP_NOT : V3_OP_NEG;
		return decode_modrm_op(c, mode, in, FORM_E, in->opsize);
	case 0xfe: /* group 4: INC/DEC Eb */
	case 0xff: /* group 5: INC/DEC Ev */
		if (peek_reg(c, &r) || r > 1)
			return -1;
		in->op = r ? V3_OP_DEC : V3_OP_INC;
		if (b == 0xfe)
			in->opsize = 1;
		return decode_modrm_op(c, mode, in, FORM_E, in->opsize);
	case 0xa0: /* MOV AL, moffs8 */
	case 0xa1: /* MOV rAX, moffs */
	case 0xa2: /* MOV moffs8, AL */
	case 0xa3: /* MOV moffs, rAX */
		if (!(b & 1))
			in->opsize = 1;
		return decode_moffs(c, in, b >= 0xa2);
	}

	/* The string row: even opcodes are byte-sized. */
	switch (b & ~1) {
	case 0xa4: decode_string(in, V3_OP_MOVS); break;
	case 0xaa: decode_string(in, V3_OP_STOS); break;
	case 0xac: decode_string(in, V3_OP_LODS); break;
	case 0x6c: decode_string(in, V3_OP_INS); break;
	case 0x6e: decode_string(in, V3_OP_OUTS); break;
	default: return -1;
	}
	if (!(b & 1))
		in->opsize = 1;
	return 0;
}

/* LOCK is legal only on a read-modify-write of memory, else #UD
 * (SDM vol. 2, LOCK).  CMP, TEST, BT, MOV never write with it. */
static bool lock_ok(const struct v3_insn *in)
{
	if (!(in->prefixes & V3_PFX_LOCK))
		return true;
	if (in->dst.kind != V3_OPND_MEM)
		return false;
	switch (in->op) {
	case V3_OP_ADD:
	case V3_OP_OR:
	case V3_OP_ADC:
	case V3_OP_SBB:
	case V3_OP_AND:
	case V3_OP_SUB:
	case V3_OP_XOR:
	case V3_OP_NOT:
	case V3_OP_NEG:
	case V3_OP_INC:
	case V3_OP_DEC:
	case V3_OP_XCHG: return true;
	}
	return false;
}

int v3_decode(const uint8_t *bytes, size_t avail, enum v3_cpu_mode mode,
	      struct v3_insn *out)
{
	struct cursor c = {bytes, 0, avail < V3_INSN_MAX ? avail : V3_INSN_MAX};
	uint8_t opcode;

	if (!out)
		return -1;
	v3_memset(out, 0, sizeof(*out));
	out->seg_override = -1;
	out->mem.base = V3_REG_NONE;
	out->mem.index = V3_REG_NONE;
	if (!bytes || mode > V3_MODE_LONG64)
		return -1;
	if (parse_prefixes(&c, mode, out, &opcode))
		return -1;
	set_sizes(mode, out);
	if (decode_opcode(&c, mode, out, opcode))
		return -1;
	if (!lock_ok(out))
		return -1;
	out->len = (uint8_t)c.pos;
	return 0;
}
