/* x86_emulate.c - carry out decoded MMIO and string I/O instructions.
 *
 * Memory writes go out before any register changes, so a failing access
 * leaves the context as it was (SDM vol. 3, 6.5: faults are restartable).
 * Values move through byte buffers in little-endian order, whatever the
 * host. */
#include "lib.h"
#include "vcpu_state.h"
#include "x86_emulate.h"

#define PAGE_SIZE 4096u
/* Staging for string instructions: one chunk of elements per pair of
 * callbacks.  An ATA sector (rep insw, 256 words) fits in one. */
#define BOUNCE 512u

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t le_get(const uint8_t *b, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static void le_put(uint8_t *b, unsigned n, uint64_t v)
{
	unsigned i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t sign_extend(uint64_t v, unsigned bytes)
{
	unsigned shift = 64 - 8 * bytes;

	return (uint64_t)((int64_t)(v << shift) >> shift);
}

/* --- registers ---------------------------------------------------- */

static uint64_t gpr_read(const struct v3_emu_ctx *ctx, unsigned reg,
			 unsigned size, bool high8)
{
	if (high8)
		return (ctx->gpr[reg - 4] >> 8) & 0xff;
	return ctx->gpr[reg] & size_mask(size);
}

/* 8/16-bit writes keep the rest of the register; 32-bit writes
 * zero-extend in 64-bit mode (SDM vol. 1, 3.4.1.1) and keep the upper
 * half elsewhere, where it is invisible anyway. */
static void gpr_write(struct v3_emu_ctx *ctx, unsigned reg, unsigned size,
		      bool high8, uint64_t val)
{
	uint64_t *r;
	uint64_t m = size_mask(size);

	if (high8) {
		r = &ctx->gpr[reg - 4];
		*r = (*r & ~0xff00ull) | ((val & 0xff) << 8);
		return;
	}
	r = &ctx->gpr[reg];
	if (size == 8 || (size == 4 && ctx->mode == V3_MODE_LONG64))
		*r = val & m;
	else
		*r = (*r & ~m) | (val & m);
}

static void advance_rip(struct v3_emu_ctx *ctx, unsigned len)
{
	uint64_t m = ctx->mode == V3_MODE_LONG64   ? ~0ull
		     : ctx->mode == V3_MODE_PROT32 ? 0xffffffffull
						   : 0xffffull;

	ctx->rip = (ctx->rip + len) & m;
}

/* --- memory ------------------------------------------------------- */

static uint64_t linear_mask(const struct v3_emu_ctx *ctx)
{
	return ctx->mode == V3_MODE_LONG64 ? ~0ull : 0xffffffffull;
}

/* 64-bit mode ignores the ES/CS/SS/DS bases (SDM vol. 3, 3.4.4);
 * elsewhere linear addresses are 32 bits and wrap. */
static uint64_t linear(const struct v3_emu_ctx *ctx, unsigned seg, uint64_t ea)
{
	uint64_t base = ctx->seg_base[seg];

	if (ctx->mode == V3_MODE_LONG64 && seg != V3_SREG_FS &&
	    seg != V3_SREG_GS)
		base = 0;
	return (base + ea) & linear_mask(ctx);
}

/* Effective address, modulo the address size (SDM vol. 1, 3.7.5). */
static uint64_t mem_ea(const struct v3_emu_ctx *ctx, const struct v3_insn *in)
{
	const struct v3_mem *m = &in->mem;
	uint64_t ea = (uint64_t)m->disp;

	if (m->rip_rel)
		ea += ctx->rip + in->len;
	if (m->base != V3_REG_NONE)
		ea += ctx->gpr[m->base];
	if (m->index != V3_REG_NONE)
		ea += ctx->gpr[m->index] * m->scale;
	return ea & size_mask(in->addr_size);
}

uint64_t v3_emu_mem_linear(const struct v3_emu_ctx *ctx,
			   const struct v3_insn *in)
{
	return linear(ctx, in->mem.seg, mem_ea(ctx, in));
}

/* One callback per 4 KiB page touched. */
static int mem_xfer(struct v3_emu_ctx *ctx, uint64_t la, void *buf,
		    uint64_t len, bool write)
{
	uint8_t *p = buf;

	while (len) {
		uint64_t room = PAGE_SIZE - (la & (PAGE_SIZE - 1));
		uint32_t n = (uint32_t)(len < room ? len : room);

		if (ctx->access(ctx, la, p, n, write))
			return V3_EMU_FAULT;
		la = (la + n) & linear_mask(ctx);
		p += n;
		len -= n;
	}
	return V3_EMU_OK;
}

/* --- flags -------------------------------------------------------- */

/* ZF, SF and PF (parity of the low byte, set when even). */
static uint64_t szp_flags(uint64_t res, unsigned size)
{
	uint64_t f = 0;
	uint8_t p = (uint8_t)res;

	res &= size_mask(size);
	if (!res)
		f |= V3_FL_ZF;
	if ((res >> (8 * size - 1)) & 1)
		f |= V3_FL_SF;
	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	if (!(p & 1))
		f |= V3_FL_PF;
	return f;
}

/* a OP b at 'size' with the flags of SDM vol. 1, appendix A: carry and
 * borrow out of the top bit from the operand and result bits, so all
 * sizes and the carry-in of ADC/SBB work alike.  Logic ops clear CF/OF;
 * their AF is undefined and left 0. */
static uint64_t alu(unsigned op, uint64_t a, uint64_t b, unsigned size,
		    uint64_t fl_in, uint64_t *fl_out)
{
	uint64_t m = size_mask(size), res, c = 0, f = 0;
	unsigned top = 8 * size - 1;

	a &= m;
	b &= m;
	switch (op) {
	case V3_OP_ADC:
		c = fl_in & V3_FL_CF;
		__attribute__((__fallthrough__));
	case V3_OP_ADD:
	case V3_OP_INC:
		res = (a + b + c) & m;
		if ((((a & b) | ((a | b) & ~res)) >> top) & 1)
			f |= V3_FL_CF;
		if ((((a ^ res) & (b ^ res)) >> top) & 1)
			f |= V3_FL_OF;
		f |= (a ^ b ^ res) & V3_FL_AF;
		break;
	case V3_OP_SBB:
		c = fl_in & V3_FL_CF;
		__attribute__((__fallthrough__));
	case V3_OP_SUB:
	case V3_OP_CMP:
	case V3_OP_DEC:
	case V3_OP_NEG:
		res = (a - b - c) & m;
		if ((((~a & b) | ((~a | b) & res)) >> top) & 1)
			f |= V3_FL_CF;
		if ((((a ^ b) & (a ^ res)) >> top) & 1)
			f |= V3_FL_OF;
		f |= (a ^ b ^ res) & V3_FL_AF;
		break;
	case V3_OP_AND:
	case V3_OP_TEST: res = a & b; break;
	case V3_OP_OR: res = a | b; break;
	default: /* XOR */ res = a ^ b; break;
	}
	*fl_out = f | szp_flags(res, size);
	return res;
}

/* --- ModRM instructions ------------------------------------------- */

static bool size_ok(unsigned s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

static bool opnd_ok(const struct v3_opnd *o)
{
	switch (o->kind) {
	case V3_OPND_NONE: return true;
	case V3_OPND_REG:
		if (o->high8)
			return o->size == 1 && o->reg >= 4 && o->reg < 8;
		return size_ok(o->size) && o->reg < 16;
	case V3_OPND_MEM:
	case V3_OPND_IMM: return size_ok(o->size);
	}
	return false;
}

/* A struct v3_insn may come from elsewhere than v3_decode: refuse what
 * would index out of the context rather than trust it. */
static bool insn_ok(const struct v3_insn *in)
{
	const struct v3_mem *m = &in->mem;

	return in->op <= V3_OP_OUTS && size_ok(in->opsize) &&
	       (in->addr_size == 2 || in->addr_size == 4 ||
		in->addr_size == 8) &&
	       m->seg <= V3_SREG_GS && m->base >= V3_REG_NONE && m->base < 16 &&
	       m->index >= V3_REG_NONE && m->index < 16 && size_ok(m->scale) &&
	       opnd_ok(&in->dst) && opnd_ok(&in->src) && in->len >= 1 &&
	       in->len <= V3_INSN_MAX;
}

static int opnd_read(struct v3_emu_ctx *ctx, const struct v3_insn *in,
		     const struct v3_opnd *o, uint64_t la, uint64_t *v)
{
	uint8_t buf[8];

	switch (o->kind) {
	case V3_OPND_REG:
		*v = gpr_read(ctx, o->reg, o->size, o->high8);
		return V3_EMU_OK;
	case V3_OPND_IMM: *v = in->imm; return V3_EMU_OK;
	case V3_OPND_MEM:
		if (mem_xfer(ctx, la, buf, o->size, false))
			return V3_EMU_FAULT;
		*v = le_get(buf, o->size);
		return V3_EMU_OK;
	}
	return V3_EMU_UNSUPPORTED;
}

/* BT with a register offset on memory addresses a bit string: the
 * offset is signed and may reach outside the operand, whole operands at
 * a time (SDM vol. 2, BT, "bit base").  Returns the displacement to add
 * to the effective address. */
static uint64_t bt_disp(const struct v3_emu_ctx *ctx, const struct v3_insn *in)
{
	unsigned size = in->dst.size;
	unsigned shift = size == 1 ? 3 : size == 2 ? 4 : size == 4 ? 5 : 6;
	int64_t off = (int64_t)sign_extend(
	    gpr_read(ctx, in->src.reg, in->src.size, in->src.high8),
	    in->src.size);

	/* Arithmetic shift: floor division, so negative offsets go down. */
	return (uint64_t)(off >> shift) * size;
}

/* The result of one ModRM instruction before it is committed. */
struct outcome {
	bool write_dst;
	uint64_t dst_val;
	bool write_src; /* XCHG: the register side */
	uint64_t src_val;
	uint64_t fl_mask, fl_val;
};

static int compute(struct v3_emu_ctx *ctx, const struct v3_insn *in,
		   uint64_t la, struct outcome *out)
{
	unsigned size = in->dst.size;
	uint64_t a = 0, b = 0, f = 0;
	int rc;

	if (in->op == V3_OP_BT) {
		/* The bit within the operand; the whole-operand part of a
		 * register offset is already in la (bt_disp). */
		uint64_t bit;

		if ((rc = opnd_read(ctx, in, &in->src, la, &b)))
			return rc;
		bit = b & (8u * size - 1);
		if ((rc = opnd_read(ctx, in, &in->dst, la, &a)))
			return rc;
		/* CF only; OF/SF/AF/PF are undefined and kept, ZF kept. */
		out->fl_mask = V3_FL_CF;
		out->fl_val = ((a >> bit) & 1) ? V3_FL_CF : 0;
		return V3_EMU_OK;
	}

	switch (in->op) {
	case V3_OP_MOV:
	case V3_OP_MOVZX:
	case V3_OP_MOVSX:
		if ((rc = opnd_read(ctx, in, &in->src, la, &b)))
			return rc;
		if (in->op == V3_OP_MOVSX)
			b = sign_extend(b, in->src.size);
		out->write_dst = true;
		out->dst_val = b;
		return V3_EMU_OK;
	case V3_OP_NOT:
	case V3_OP_NEG:
	case V3_OP_INC:
	case V3_OP_DEC: break;
	default:
		if ((rc = opnd_read(ctx, in, &in->src, la, &b)))
			return rc;
	}
	if ((rc = opnd_read(ctx, in, &in->dst, la, &a)))
		return rc;

	out->write_dst = in->op != V3_OP_CMP && in->op != V3_OP_TEST;
	out->fl_mask = V3_FL_ARITH;
	switch (in->op) {
	case V3_OP_XCHG:
		out->dst_val = b;
		out->write_src = true;
		out->src_val = a;
		out->fl_mask = 0;
		return V3_EMU_OK;
	case V3_OP_NOT:
		out->dst_val = ~a;
		out->fl_mask = 0;
		return V3_EMU_OK;
	case V3_OP_NEG:
		out->dst_val = alu(V3_OP_NEG, 0, a, size, ctx->rflags, &f);
		break;
	case V3_OP_INC:
	case V3_OP_DEC:
		/* CF is not affected (SDM vol. 2, INC/DEC). */
		out->dst_val = alu(in->op, a, 1, size, ctx->rflags, &f);
		out->fl_mask &= ~V3_FL_CF;
		break;
	default: /* ADD..CMP, TEST */
		out->dst_val = alu(in->op, a, b, size, ctx->rflags, &f);
		break;
	}
	out->fl_val = f;
	return V3_EMU_OK;
}

static bool kinds_ok(const struct v3_insn *in)
{
	bool no_src = in->op == V3_OP_NOT || in->op == V3_OP_NEG ||
		      in->op == V3_OP_INC || in->op == V3_OP_DEC;

	if (in->dst.kind != V3_OPND_REG && in->dst.kind != V3_OPND_MEM)
		return false;
	if (no_src)
		return in->src.kind == V3_OPND_NONE;
	if (in->src.kind == V3_OPND_NONE)
		return false;
	if (in->dst.kind == V3_OPND_MEM && in->src.kind == V3_OPND_MEM)
		return false;
	if (in->op == V3_OP_XCHG)
		return in->src.kind == V3_OPND_REG;
	return true;
}

static int modrm_insn(struct v3_emu_ctx *ctx, const struct v3_insn *in)
{
	struct outcome out = {0};
	uint64_t la = 0;
	int rc;

	if (!kinds_ok(in))
		return V3_EMU_UNSUPPORTED;
	if (in->dst.kind == V3_OPND_MEM || in->src.kind == V3_OPND_MEM) {
		uint64_t ea = mem_ea(ctx, in);

		if (in->op == V3_OP_BT && in->dst.kind == V3_OPND_MEM &&
		    in->src.kind == V3_OPND_REG)
			ea = (ea + bt_disp(ctx, in)) & size_mask(in->addr_size);
		la = linear(ctx, in->mem.seg, ea);
	}
	if ((rc = compute(ctx, in, la, &out)))
		return rc;

	/* Memory first: if it fails, no register has changed yet. */
	if (out.write_dst && in->dst.kind == V3_OPND_MEM) {
		uint8_t buf[8];

		le_put(buf, in->dst.size, out.dst_val);
		if (mem_xfer(ctx, la, buf, in->dst.size, true))
			return V3_EMU_FAULT;
	} else if (out.write_dst) {
		gpr_write(ctx, in->dst.reg, in->dst.size, in->dst.high8,
			  out.dst_val);
	}
	if (out.write_src)
		gpr_write(ctx, in->src.reg, in->src.size, in->src.high8,
			  out.src_val);
	ctx->rflags = (ctx->rflags & ~out.fl_mask) | (out.fl_val & out.fl_mask);
	advance_rip(ctx, in->len);
	return V3_EMU_OK;
}

/* --- string instructions ------------------------------------------ */

struct string_op {
	unsigned op; /* V3_OP_MOVS..V3_OP_OUTS */
	unsigned size, addr_size;
	bool rep;
	unsigned src_seg;
	uint16_t port;
	unsigned len;
};

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* How many of the n elements starting at offset 'ea' (linear 'la') and
 * going up or down stay inside one address-size wrap and one page.  An
 * element straddling either still goes alone; mem_xfer splits it. */
static uint64_t fit(uint64_t n, uint64_t ea, uint64_t amask, uint64_t la,
		    unsigned size, bool down)
{
	uint64_t in_page = la & (PAGE_SIZE - 1);

	if (down) {
		n = min_u64(n, ea / size + 1);
		n = min_u64(n, in_page / size + 1);
	} else {
		/* amask - ea + 1 overflows only when ea = 0, amask = ~0. */
		if (amask - ea != ~0ull)
			n = min_u64(n, (amask - ea + 1) / size);
		n = min_u64(n, (PAGE_SIZE - in_page) / size);
	}
	return n ? n : 1;
}

/* Element order in the buffer is the guest's order; memory order is the
 * reverse when DF=1. */
static void reverse_elems(uint8_t *buf, uint64_t n, unsigned size)
{
	uint64_t i, j;
	unsigned k;

	for (i = 0, j = n - 1; i < j; i++, j--)
		for (k = 0; k < size; k++) {
			uint8_t t = buf[i * size + k];

			buf[i * size + k] = buf[j * size + k];
			buf[j * size + k] = t;
		}
}

/* One chunk of n elements whose lowest addresses are src_la/dst_la. */
static int string_chunk(struct v3_emu_ctx *ctx, const struct string_op *s,
			uint8_t *buf, uint64_t n, uint64_t src_la,
			uint64_t dst_la, bool down)
{
	uint64_t bytes = n * s->size, i;

	switch (s->op) {
	case V3_OP_MOVS:
		if (mem_xfer(ctx, src_la, buf, bytes, false))
			return V3_EMU_FAULT;
		return mem_xfer(ctx, dst_la, buf, bytes, true);
	case V3_OP_STOS:
		for (i = 0; i < n; i++)
			le_put(buf + i * s->size, s->size,
			       ctx->gpr[V3_GPR_RAX]);
		return mem_xfer(ctx, dst_la, buf, bytes, true);
	case V3_OP_LODS:
		if (mem_xfer(ctx, src_la, buf, bytes, false))
			return V3_EMU_FAULT;
		/* Only the last element read stays in rAX. */
		gpr_write(ctx, V3_GPR_RAX, s->size, false,
			  le_get(buf + (down ? 0 : bytes - s->size), s->size));
		return V3_EMU_OK;
	case V3_OP_INS:
		if (ctx->pio(ctx, s->port, buf, s->size, (uint32_t)n, true))
			return V3_EMU_FAULT;
		if (down)
			reverse_elems(buf, n, s->size);
		return mem_xfer(ctx, dst_la, buf, bytes, true);
	default: /* OUTS */
		if (mem_xfer(ctx, src_la, buf, bytes, false))
			return V3_EMU_FAULT;
		if (down)
			reverse_elems(buf, n, s->size);
		if (ctx->pio(ctx, s->port, buf, s->size, (uint32_t)n, false))
			return V3_EMU_FAULT;
		return V3_EMU_OK;
	}
}

/* REP runs on rCX at the address size; MOVS/STOS/LODS/INS/OUTS have no
 * ZF condition, so F2 repeats them like F3 (SDM vol. 2, REP). */
static int string_run(struct v3_emu_ctx *ctx, const struct string_op *s)
{
	uint64_t amask = size_mask(s->addr_size);
	bool down = ctx->rflags & V3_FL_DF;
	bool uses_src =
	    s->op == V3_OP_MOVS || s->op == V3_OP_LODS || s->op == V3_OP_OUTS;
	bool uses_dst =
	    s->op == V3_OP_MOVS || s->op == V3_OP_STOS || s->op == V3_OP_INS;
	uint64_t count = s->rep ? ctx->gpr[V3_GPR_RCX] & amask : 1;
	uint64_t budget = (s->rep && ctx->rep_limit) ? ctx->rep_limit : ~0ull;
	uint8_t buf[BOUNCE];

	if ((s->op == V3_OP_INS || s->op == V3_OP_OUTS) && !ctx->pio)
		return V3_EMU_UNSUPPORTED;
	while (count) {
		uint64_t si = ctx->gpr[V3_GPR_RSI] & amask;
		uint64_t di = ctx->gpr[V3_GPR_RDI] & amask;
		uint64_t src_la = linear(ctx, s->src_seg, si);
		uint64_t dst_la = linear(ctx, V3_SREG_ES, di);
		uint64_t n = min_u64(min_u64(count, budget), BOUNCE / s->size);
		uint64_t bytes, back;
		int rc;

		if (uses_src)
			n = fit(n, si, amask, src_la, s->size, down);
		if (uses_dst)
			n = fit(n, di, amask, dst_la, s->size, down);
		bytes = n * s->size;
		/* Overlapping MOVS must see its own stores element by
		 * element; one element at a time keeps that. */
		if (s->op == V3_OP_MOVS && n > 1 && src_la != dst_la &&
		    src_la < dst_la + bytes && dst_la < src_la + bytes) {
			n = 1;
			bytes = s->size;
		}
		back = down ? bytes - s->size : 0;
		rc = string_chunk(ctx, s, buf, n, src_la - back, dst_la - back,
				  down);
		if (rc)
			return rc;

		if (uses_src)
			gpr_write(ctx, V3_GPR_RSI, s->addr_size, false,
				  down ? si - bytes : si + bytes);
		if (uses_dst)
			gpr_write(ctx, V3_GPR_RDI, s->addr_size, false,
				  down ? di - bytes : di + bytes);
		count -= n;
		budget -= n;
		if (s->rep)
			gpr_write(ctx, V3_GPR_RCX, s->addr_size, false, count);
		if (count && !budget)
			return V3_EMU_OK; /* resumes on re-execution */
	}
	advance_rip(ctx, s->len);
	return V3_EMU_OK;
}

int v3_emulate_string_io(struct v3_emu_ctx *ctx, const struct v3_string_io *io)
{
	struct string_op s;

	if (!ctx || !io || !ctx->access || io->seg > V3_SREG_GS ||
	    (io->size != 1 && io->size != 2 && io->size != 4) ||
	    (io->addr_size != 2 && io->addr_size != 4 && io->addr_size != 8))
		return V3_EMU_UNSUPPORTED;
	s.op = io->in ? V3_OP_INS : V3_OP_OUTS;
	s.size = io->size;
	s.addr_size = io->addr_size;
	s.rep = io->rep;
	s.src_seg = io->seg;
	s.port = io->port;
	s.len = io->insn_len;
	return string_run(ctx, &s);
}

int v3_emulate(struct v3_emu_ctx *ctx, const struct v3_insn *in)
{
	struct string_op s;

	if (!ctx || !in || !ctx->access || !insn_ok(in))
		return V3_EMU_UNSUPPORTED;
	if (in->op < V3_OP_MOVS)
		return modrm_insn(ctx, in);

	/* INS/OUTS take the port from DX (SDM vol. 2, INS). */
	s.op = in->op;
	s.size = in->opsize;
	s.addr_size = in->addr_size;
	s.rep = in->prefixes & (V3_PFX_REP | V3_PFX_REPNE);
	s.src_seg = in->mem.seg;
	s.port = (uint16_t)ctx->gpr[V3_GPR_RDX];
	s.len = in->len;
	if ((s.op == V3_OP_INS || s.op == V3_OP_OUTS) && s.size > 4)
		return V3_EMU_UNSUPPORTED;
	return string_run(ctx, &s);
}

void v3_emu_load_gprs(struct v3_emu_ctx *ctx, const struct v3_gprs *g)
{
	ctx->gpr[V3_GPR_RAX] = g->rax;
	ctx->gpr[V3_GPR_RCX] = g->rcx;
	ctx->gpr[V3_GPR_RDX] = g->rdx;
	ctx->gpr[V3_GPR_RBX] = g->rbx;
	ctx->gpr[V3_GPR_RSP] = g->rsp;
	ctx->gpr[V3_GPR_RBP] = g->rbp;
	ctx->gpr[V3_GPR_RSI] = g->rsi;
	ctx->gpr[V3_GPR_RDI] = g->rdi;
	ctx->gpr[8] = g->r8;
	ctx->gpr[9] = g->r9;
	ctx->gpr[10] = g->r10;
	ctx->gpr[11] = g->r11;
	ctx->gpr[12] = g->r12;
	ctx->gpr[13] = g->r13;
	ctx->gpr[14] = g->r14;
	ctx->gpr[15] = g->r15;
}

void v3_emu_store_gprs(const struct v3_emu_ctx *ctx, struct v3_gprs *g)
{
	g->rax = ctx->gpr[V3_GPR_RAX];
	g->rcx = ctx->gpr[V3_GPR_RCX];
	g->rdx = ctx->gpr[V3_GPR_RDX];
	g->rbx = ctx->gpr[V3_GPR_RBX];
	g->rsp = ctx->gpr[V3_GPR_RSP];
	g->rbp = ctx->gpr[V3_GPR_RBP];
	g->rsi = ctx->gpr[V3_GPR_RSI];
	g->rdi = ctx->gpr[V3_GPR_RDI];
	g->r8 = ctx->gpr[8];
	g->r9 = ctx->gpr[9];
	g->r10 = ctx->gpr[10];
	g->r11 = ctx->gpr[11];
	g->r12 = ctx->gpr[12];
	g->r13 = ctx->gpr[13];
	g->r14 = ctx->gpr[14];
	g->r15 = ctx->gpr[15];
}
