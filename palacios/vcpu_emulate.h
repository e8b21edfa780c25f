/* vcpu_emulate.h - run one guest instruction in the VMM: for accesses to
 * emulated memory (MMIO, write-protected ROM/shadowed BIOS) and string
 * port I/O.  Arch-neutral: works on struct v3_vcpu_state only. */
#ifndef V3_VCPU_EMULATE_H
#define V3_VCPU_EMULATE_H

#include "v3_types.h"

struct v3_vcpu;
struct v3_emu_ctx;
struct v3_insn;

/* Fetch and decode the instruction at RIP, with 'ctx' loaded from the
 * vcpu; 0, or -1 after giving the guest its fetch fault or stopping the
 * VM ('what' names the access in the message). */
int v3_vcpu_fetch_decode(struct v3_vcpu *vcpu, struct v3_emu_ctx *ctx,
			 struct v3_insn *insn, uint64_t what);
/* Write the context's GPRs, RIP and RFLAGS back to the vcpu. */
void v3_vcpu_ctx_store(struct v3_vcpu *vcpu, const struct v3_emu_ctx *ctx);

/* Fetch, decode and execute the instruction at RIP.  0 when done (RIP
 * advanced) or when the guest was given a fault; -1 after stopping the
 * VM (unsupported instruction, unmapped address). */
int v3_vcpu_emulate_insn(struct v3_vcpu *vcpu, uint64_t fault_gpa);

/* INS/OUTS (with REP: the whole repetition) through the port hooks. */
int v3_vcpu_emulate_string_io(struct v3_vcpu *vcpu, uint16_t port);

#endif
