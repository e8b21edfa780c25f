/* vcpu_emulate.c - glue between the pure decoder/emulator and a vcpu:
 * linear addresses through the guest's page tables, guest-physical
 * addresses to RAM, ROM or an MMIO hook. */
#include "exit.h"
#include "guest_walk.h"
#include "hooks.h"
#include "intr.h"
#include "vcpu_emulate.h"
#include "vm.h"
#include "vmm.h"
#include "x86_emulate.h"

#define MAX_INSN 15

static enum v3_cpu_mode vcpu_mode(struct v3_vcpu *vcpu)
{
	const struct v3_vcpu_state *st =
	    v3_vcpu_state(vcpu, V3_STATE_CR0 | V3_STATE_MODE);

	if (!(st->cr0 & V3_CR0_PE))
		return V3_MODE_REAL;
	if (v3_vcpu_in_long_mode(vcpu))
		return V3_MODE_LONG64;
	/* CS.D is attr bit 10 in the packed layout. */
	return (st->seg[V3_SEG_CS].attr & (1u << 10)) ? V3_MODE_PROT32
						      : V3_MODE_PROT16;
}

/* Linear to guest-physical, giving the guest its #PF/#GP on failure. */
static int la_to_gpa(struct v3_vcpu *vcpu, uint64_t la, unsigned access,
		     uint64_t *gpa)
{
	struct v3_vcpu_state *st =
	    v3_vcpu_state(vcpu, V3_STATE_CTRL | V3_STATE_CPL);
	struct v3_walk_regs regs = { st->cr0, st->cr3, st->cr4, st->efer, 0 };
	struct v3_walk_mem mem = { v3_gpa_walk_read, v3_gpa_cmpxchg, vcpu->vm };
	struct v3_walk_result res;

	if (st->cpl == 3)
		access |= V3_WALK_USER;
	switch (v3_guest_walk(&regs, &mem, la, access, &res)) {
	case V3_WALK_OK:
		*gpa = res.gpa;
		return 0;
	case V3_WALK_PF:
		st->cr2 = la;
		v3_inject_exception(vcpu, V3_EXC_PF, true, res.error);
		return -1;
	case V3_WALK_GP:
		v3_inject_exception(vcpu, V3_EXC_GP, true, 0);
		return -1;
	}
	v3_vm_fail(vcpu, "guest page tables for 0x%llx are not in RAM",
		   V3_ULL(la));
	return -1;
}

/* One MMIO access of at most 8 bytes through the hook table. */
static int mmio(struct v3_vcpu *vcpu, uint64_t gpa, uint8_t *buf,
		uint32_t len, bool write)
{
	struct v3_access acc = {
		.kind = V3_HOOK_MMIO, .addr = gpa, .len = len, .write = write,
	};

	if (write)
		v3_memcpy(&acc.val[0], buf, len);
	if (v3_hook_call(vcpu, &acc) == V3_HOOK_NONE) {
		v3_vm_fail(vcpu, "%s of unmapped guest-physical address "
			   "0x%llx at rip 0x%llx", write ? "write" : "read",
			   V3_ULL(gpa), V3_ULL(vcpu->state.rip));
		return -1;
	}
	if (!write)
		v3_memcpy(buf, &acc.val[0], len);
	return 0;
}

/* A guest-physical range: RAM/ROM directly, dropped writes, MMIO in
 * naturally sized pieces. */
static int phys_access(struct v3_vcpu *vcpu, uint64_t gpa, uint8_t *buf,
		       uint32_t len, bool write, uint32_t elem)
{
	while (len) {
		uint64_t avail, n;
		uint8_t *hva;
		enum v3_phys_kind k =
			v3_gpa_resolve(vcpu->vm, gpa, write, &hva, &avail);

		if (k == V3_PHYS_NONE) {
			n = elem && elem <= 8 ? elem : (len < 8 ? len : 8);
			if (n > len)
				n = len;
			if (mmio(vcpu, gpa, buf, n, write) != 0)
				return -1;
		} else {
			n = len < avail ? len : avail;
			if (k == V3_PHYS_MEM && write)
				v3_memcpy(hva, buf, n);
			else if (k == V3_PHYS_MEM)
				v3_memcpy(buf, hva, n);
		}
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int emu_access(struct v3_emu_ctx *ctx, uint64_t la, void *buf,
		      uint32_t len, bool write)
{
	struct v3_vcpu *vcpu = ctx->opaque;
	uint64_t gpa;

	if (la_to_gpa(vcpu, la, write ? V3_WALK_WRITE : 0, &gpa) != 0)
		return -1;
	return phys_access(vcpu, gpa, buf, len, write, 0);
}

static int emu_pio(struct v3_emu_ctx *ctx, uint16_t port, void *buf,
		   uint32_t size, uint32_t count, bool in)
{
	struct v3_vcpu *vcpu = ctx->opaque;
	uint8_t *p = buf;
	uint32_t i = 0;

	/* A device may move a whole 'rep ins' at once (a disk sector). */
	if (in) {
		i = v3_hook_bulk_in(vcpu, port, buf, size, count);
		p += i * size;
	}
	for (; i < count; i++, p += size) {
		struct v3_access acc = {
			.kind = V3_HOOK_IO, .addr = port, .len = size,
			.write = !in,
		};

		if (!in)
			v3_memcpy(&acc.val[0], p, size);
		if (v3_hook_call(vcpu, &acc) != 0)
			acc.val[0] = ~0ull;
		if (in)
			v3_memcpy(p, &acc.val[0], size);
	}
	return 0;
}

static void ctx_load(struct v3_vcpu *vcpu, struct v3_emu_ctx *ctx)
{
	struct v3_vcpu_state *st = v3_vcpu_state(vcpu, V3_STATE_SEGS);
	int i;

	v3_memset(ctx, 0, sizeof(*ctx));
	v3_emu_load_gprs(ctx, &st->gprs);
	ctx->rip = st->rip;
	ctx->rflags = st->rflags;
	for (i = 0; i < 6; i++)
		ctx->seg_base[i] = st->seg[i].base;
	ctx->mode = vcpu_mode(vcpu);
	ctx->access = emu_access;
	ctx->pio = emu_pio;
	ctx->opaque = vcpu;
}

void v3_vcpu_ctx_store(struct v3_vcpu *vcpu, const struct v3_emu_ctx *ctx)
{
	v3_emu_store_gprs(ctx, &vcpu->state.gprs);
	/* A shadow covers only the emulated instruction. */
	if (vcpu->state.rip != ctx->rip)
		v3_vcpu_state(vcpu, V3_STATE_INTR)->intr_shadow = false;
	vcpu->state.rip = ctx->rip;
	vcpu->state.rflags = ctx->rflags;
}

/* Up to 15 bytes at CS:RIP; fewer when the code ends at unmapped space. */
static int fetch(struct v3_vcpu *vcpu, uint8_t *bytes, size_t *got)
{
	struct v3_vcpu_state *st = v3_vcpu_state(vcpu, V3_STATE_SEG(V3_SEG_CS));
	uint64_t la = st->seg[V3_SEG_CS].base + st->rip;
	size_t n = 0;

	if (vcpu_mode(vcpu) != V3_MODE_LONG64)
		la &= 0xffffffffull;
	while (n < MAX_INSN) {
		uint64_t gpa, avail;
		size_t chunk = V3_PAGE_SIZE - ((la + n) & (V3_PAGE_SIZE - 1));
		uint8_t *hva;

		if (chunk > MAX_INSN - n)
			chunk = MAX_INSN - n;
		if (la_to_gpa(vcpu, la + n, V3_WALK_FETCH, &gpa) != 0)
			return n ? 0 : -1;
		if (v3_gpa_resolve(vcpu->vm, gpa, false, &hva, &avail) !=
		    V3_PHYS_MEM)
			break;
		if (chunk > avail)
			chunk = avail;
		v3_memcpy(bytes + n, hva, chunk);
		n += chunk;
	}
	*got = n;
	return 0;
}

/* Decode the instruction at RIP into 'insn' with 'ctx' loaded; 0, or -1
 * after giving the guest a fetch fault or stopping the VM. */
int v3_vcpu_fetch_decode(struct v3_vcpu *vcpu, struct v3_emu_ctx *ctx,
			 struct v3_insn *insn, uint64_t fault_gpa)
{
	uint8_t bytes[MAX_INSN];
	size_t got = 0;

	/* The emulator may touch any of it: one copy-in instead of many. */
	v3_vcpu_state(vcpu, V3_STATE_ALL);
	if (fetch(vcpu, bytes, &got) != 0)
		return -1; /* the guest takes the fetch fault */
	ctx_load(vcpu, ctx);
	if (v3_decode(bytes, got, ctx->mode, insn) != 0) {
		v3_vm_fail(vcpu,
			   "cannot emulate the instruction touching "
			   "0x%llx (bytes %02x %02x %02x %02x)",
			   V3_ULL(fault_gpa), bytes[0], bytes[1], bytes[2],
			   bytes[3]);
		return -1;
	}
	return 0;
}

static int run(struct v3_vcpu *vcpu, struct v3_emu_ctx *ctx,
	       const struct v3_insn *insn, uint64_t what)
{
	int r = v3_emulate(ctx, insn);

	if (r == V3_EMU_OK) {
		v3_vcpu_ctx_store(vcpu, ctx);
		return 0;
	}
	if (r == V3_EMU_FAULT)
		return vcpu->vm->stop_requested ? -1 : 0;
	v3_vm_fail(vcpu, "instruction at rip 0x%llx touching 0x%llx is not "
		   "emulated", V3_ULL(vcpu->state.rip), V3_ULL(what));
	return -1;
}

int v3_vcpu_emulate_insn(struct v3_vcpu *vcpu, uint64_t fault_gpa)
{
	struct v3_emu_ctx ctx;
	struct v3_insn insn;

	if (v3_vcpu_fetch_decode(vcpu, &ctx, &insn, fault_gpa) != 0)
		return vcpu->vm->stop_requested ? -1 : 0;
	return run(vcpu, &ctx, &insn, fault_gpa);
}

/* The instruction is decoded rather than trusting the exit information:
 * the source segment of OUTS may be overridden (SeaBIOS uses ES:), and
 * not every SVM implementation reports it. */
int v3_vcpu_emulate_string_io(struct v3_vcpu *vcpu, uint16_t port)
{
	struct v3_emu_ctx ctx;
	struct v3_insn insn;

	if (v3_vcpu_fetch_decode(vcpu, &ctx, &insn, port) != 0)
		return vcpu->vm->stop_requested ? -1 : 0;
	if (insn.op != V3_OP_INS && insn.op != V3_OP_OUTS) {
		v3_vm_fail(vcpu, "string I/O exit on port 0x%x at an "
			   "instruction that is not INS/OUTS", port);
		return -1;
	}
	return run(vcpu, &ctx, &insn, port);
}
