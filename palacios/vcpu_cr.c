/* vcpu_cr.c - control-register and INVLPG exits under shadow paging:
 * the guest's CR0/CR3/CR4 are kept by the core (the hardware runs with
 * shadow values), so MOV CRn, CLTS, LMSW and SMSW are decoded and
 * carried out here (SDM vol. 2, MOV CR / LMSW / SMSW / INVLPG).  Hardware
 * task switches would load CR3 behind our back: not supported yet. */
#include "exit.h"
#include "intr.h"
#include "shadow.h"
#include "shadow_rules.h"
#include "vcpu_emulate.h"
#include "vm.h"
#include "vmm.h"
#include "x86_decode.h"
#include "x86_emulate.h"

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static void set_gpr(struct v3_emu_ctx *ctx, unsigned reg, unsigned size,
		    uint64_t v)
{
	if (size == 2)
		ctx->gpr[reg] = (ctx->gpr[reg] & ~0xffffull) | (v & 0xffff);
	else
		ctx->gpr[reg] = v & size_mask(size); /* 32 bits zero-extend */
}

static struct v3_ctrl_regs ctrl_of(const struct v3_vcpu_state *st)
{
	struct v3_ctrl_regs r = {st->cr0, st->cr4, st->efer};

	return r;
}

/* 0, or -1 when the guest was given #GP. */
static int write_cr(struct v3_vcpu *vcpu, unsigned cr, uint64_t val)
{
	struct v3_vcpu_state *st = v3_vcpu_state(vcpu, V3_STATE_CTRL);
	struct v3_ctrl_regs old = ctrl_of(st);
	uint64_t cr0, efer;

	switch (cr) {
	case 0:
		if (v3_shadow_cr0_write(&old, val, &cr0, &efer) != 0)
			goto gp;
		st->cr0 = cr0;
		st->efer = efer;
		v3_shadow_ctrl_changed(vcpu, &old, false);
		return 0;
	case 3:
		/* Bit 63 is PCID's no-flush bit; PCIDs are not offered. */
		st->cr3 = (st->efer & V3_EFER_LMA) ? val & ~(1ull << 63)
						   : (uint32_t)val;
		v3_shadow_ctrl_changed(vcpu, &old, true);
		return 0;
	case 4:
		if (v3_shadow_cr4_write(&old, val) != 0)
			goto gp;
		st->cr4 = val;
		v3_shadow_ctrl_changed(vcpu, &old, false);
		return 0;
	}
gp:
	v3_inject_exception(vcpu, V3_EXC_GP, true, 0);
	return -1;
}

static int read_cr(struct v3_vcpu *vcpu, unsigned cr, uint64_t *val)
{
	const struct v3_vcpu_state *st = v3_vcpu_state(vcpu, V3_STATE_CTRL);

	switch (cr) {
	case 0: *val = st->cr0; return 0;
	case 3: *val = st->cr3; return 0;
	case 4: *val = st->cr4; return 0;
	}
	return -1;
}

/* The 16-bit operand of LMSW / SMSW: a register or memory. */
static int msw_operand(struct v3_emu_ctx *ctx, const struct v3_insn *in,
		       const struct v3_opnd *o, uint64_t *v, bool write)
{
	uint16_t w = (uint16_t)*v;

	if (o->kind == V3_OPND_REG) {
		if (write)
			set_gpr(ctx, o->reg, o->size, *v);
		else
			*v = ctx->gpr[o->reg] & 0xffff;
		return 0;
	}
	if (ctx->access(ctx, v3_emu_mem_linear(ctx, in), &w, 2, write))
		return -1;
	*v = w;
	return 0;
}

static int carry_out(struct v3_vcpu *vcpu, struct v3_exit *exit,
		     struct v3_emu_ctx *ctx, const struct v3_insn *in)
{
	uint64_t v, cr0 = v3_vcpu_state(vcpu, V3_STATE_CR0)->cr0;

	switch (in->op) {
	case V3_OP_MOV_FROM_CR:
		if (in->cr != exit->cr.num || read_cr(vcpu, in->cr, &v))
			break;
		set_gpr(ctx, in->dst.reg, in->dst.size, v);
		return 0;
	case V3_OP_MOV_TO_CR:
		if (in->cr != exit->cr.num)
			break;
		return write_cr(vcpu, in->cr,
				ctx->gpr[in->src.reg] & size_mask(in->src.size));
	case V3_OP_CLTS: return write_cr(vcpu, 0, cr0 & ~V3_CR0_TS);
	case V3_OP_LMSW:
		if (msw_operand(ctx, in, &in->src, &v, false))
			return -1;
		/* PE, MP, EM, TS only; LMSW cannot clear PE. */
		return write_cr(vcpu, 0, (cr0 & ~0xeull) | (v & 0xf));
	case V3_OP_SMSW:
		v = cr0;
		return msw_operand(ctx, in, &in->dst, &v, true);
	}
	v3_vm_fail(vcpu, "CR%u %s exit at an instruction that is not "
		   "handled (op %u, CR%u)", exit->cr.num,
		   exit->cr.write ? "write" : "read", in->op, in->cr);
	return -1;
}

int v3_handle_cr_access(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	struct v3_emu_ctx ctx;
	struct v3_insn in;

	if (!vcpu->shadow)
		return v3_handle_fatal(vcpu, exit);
	if (v3_vcpu_fetch_decode(vcpu, &ctx, &in, exit->cr.num) != 0)
		return vcpu->vm->stop_requested ? -1 : 0;
	if (carry_out(vcpu, exit, &ctx, &in) != 0)
		return vcpu->vm->stop_requested ? -1 : 0;
	v3_vcpu_ctx_store(vcpu, &ctx);
	vcpu->state.rip += in.len;
	return 0;
}

int v3_handle_invlpg(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	struct v3_vcpu_state *st = v3_vcpu_state(vcpu, V3_STATE_CR4);
	uint64_t la;
	struct v3_emu_ctx ctx;
	struct v3_insn in;

	if (!vcpu->shadow)
		return v3_handle_fatal(vcpu, exit);
	if (v3_vcpu_fetch_decode(vcpu, &ctx, &in, 0) != 0)
		return vcpu->vm->stop_requested ? -1 : 0;
	if (in.op != V3_OP_INVLPG) {
		v3_vm_fail(vcpu, "INVLPG exit at another instruction (op %u)",
			   in.op);
		return -1;
	}
	la = v3_emu_mem_linear(&ctx, &in);
	v3_shadow_invlpg(vcpu, la,
			 !(st->cr4 & V3_CR4_PAE) && (st->cr4 & V3_CR4_PSE));
	/* Guests invalidate right after changing an entry, before using
	 * it: the new translation saves that miss. */
	v3_shadow_refill(vcpu, la);
	st->rip += in.len;
	return 0;
}

int v3_handle_task_switch(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	(void)exit;
	v3_vm_fail(vcpu, "hardware task switch: not supported with shadow "
		   "paging yet");
	return -1;
}
