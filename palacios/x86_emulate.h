/* x86_emulate.h - carry out a decoded instruction (x86_decode.h) on a
 * register file and on memory and ports reached through callbacks.
 *
 * Pure: the emulator touches nothing but the context, so the VMM can run
 * it on a vcpu's state (MMIO exits, string port I/O) and userspace tests
 * can run it on fake state.  Semantics: Intel SDM vol. 2 (per
 * instruction), vol. 1 appendix A (flags); AMD APM vol. 3. */
#ifndef V3_X86_EMULATE_H
#define V3_X86_EMULATE_H

#include "v3_types.h"
#include "x86_decode.h"

struct v3_gprs;

/* RFLAGS bits the emulator reads or writes (SDM vol. 1, 3.4.3). */
#define V3_FL_CF (1ull << 0)
#define V3_FL_PF (1ull << 2)
#define V3_FL_AF (1ull << 4)
#define V3_FL_ZF (1ull << 6)
#define V3_FL_SF (1ull << 7)
#define V3_FL_DF (1ull << 10)
#define V3_FL_OF (1ull << 11)
#define V3_FL_ARITH                                                            \
	(V3_FL_CF | V3_FL_PF | V3_FL_AF | V3_FL_ZF | V3_FL_SF | V3_FL_OF)

/* Return values of v3_emulate and v3_emulate_string_io. */
#define V3_EMU_OK	   0
#define V3_EMU_UNSUPPORTED (-1) /* nothing was changed */
#define V3_EMU_FAULT	   (-2) /* a callback failed: see below */

struct v3_emu_ctx {
	/* Hardware order (V3_GPR_*): rax rcx rdx rbx rsp rbp rsi rdi r8..r15,
	 * unlike struct v3_gprs; v3_emu_load_gprs() converts. */
	uint64_t gpr[16];
	uint64_t rip, rflags;
	uint64_t seg_base[6];  /* V3_SREG_*: ES CS SS DS FS GS */
	enum v3_cpu_mode mode; /* as given to v3_decode */

	/* Move 'len' bytes between 'buf' and guest linear address 'la'.
	 * A piece never crosses a 4 KiB page, so one page walk serves it;
	 * len is 1..4096 (string instructions pass runs of whole elements,
	 * so an MMIO-backed callback may split them at the element size).
	 * Return 0, or -1 after arranging the guest's fault (#PF, #GP) or
	 * deciding the VM stops; the emulator then returns V3_EMU_FAULT. */
	int (*access)(struct v3_emu_ctx *ctx, uint64_t la, void *buf,
		      uint32_t len, bool write);
	/* Move 'count' elements of 'size' (1, 2, 4) bytes through 'port' in
	 * the order the guest would: buf[0] first.  count can be large, so
	 * a device may take a whole buffer in one call.  0 or -1 as above.
	 * May be NULL when no string I/O is emulated. */
	int (*pio)(struct v3_emu_ctx *ctx, uint16_t port, void *buf,
		   uint32_t size, uint32_t count, bool in);
	/* Elements one call may move for a REP string instruction; when it
	 * runs out, RIP stays on the instruction with rCX/rSI/rDI updated,
	 * so the guest re-executes it (as after an interrupt mid-REP).
	 * 0 = no limit: the whole repetition in one call. */
	uint64_t rep_limit;
	void *opaque; /* the caller's */
};

/* Emulate 'insn', decoded at ctx->rip in ctx->mode.  On V3_EMU_OK the
 * registers, flags and RIP are updated.  On V3_EMU_FAULT nothing is
 * committed, except that a REP string instruction keeps the elements
 * done before the failing one (rCX/rSI/rDI say how far it got), like the
 * hardware after a fault mid-REP.  Segment limits and rights are not
 * checked; in 64-bit mode only FS and GS bases apply. */
int v3_emulate(struct v3_emu_ctx *ctx, const struct v3_insn *insn);

/* One string port I/O exit, as the hardware reports it. */
struct v3_string_io {
	uint16_t port;
	uint8_t size;	   /* element: 1, 2, 4 */
	uint8_t addr_size; /* 2, 4, 8: width of rSI/rDI/rCX */
	bool in;	   /* INS (to ES:rDI), else OUTS (from seg:rSI) */
	bool rep;
	uint8_t seg;	  /* OUTS source segment (DS or the override) */
	uint8_t insn_len; /* to advance RIP */
};

/* INS/OUTS with the whole repetition (bounded by ctx->rep_limit),
 * honouring rCX at the address size, RFLAGS.DF and the segment; updates
 * rSI/rDI/rCX and RIP.  Same return values as v3_emulate. */
int v3_emulate_string_io(struct v3_emu_ctx *ctx, const struct v3_string_io *io);

/* The linear address of insn's memory operand (INVLPG's target). */
uint64_t v3_emu_mem_linear(const struct v3_emu_ctx *ctx,
			   const struct v3_insn *in);

/* struct v3_gprs (named fields) to and from the hardware-order array. */
void v3_emu_load_gprs(struct v3_emu_ctx *ctx, const struct v3_gprs *g);
void v3_emu_store_gprs(const struct v3_emu_ctx *ctx, struct v3_gprs *g);

#endif
