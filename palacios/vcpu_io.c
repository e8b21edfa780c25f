/* vcpu_io.c - port I/O exits: hooked ports go to their device, others
 * behave like an empty ISA bus (reads float high, writes vanish). */
#include "exit.h"
#include "vcpu_emulate.h"
#include "vm.h"
#include "vmm.h"

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static void io_one(struct v3_vcpu *vcpu, uint16_t port, unsigned size, bool in,
		   uint64_t *val)
{
	struct v3_access acc = {
	    .kind = V3_HOOK_IO,
	    .addr = port,
	    .len = size,
	    .write = !in,
	    .val = {*val & size_mask(size)},
	};

	if (v3_hook_call(vcpu, &acc) != 0)
		acc.val[0] = ~0ull;
	if (in)
		*val = acc.val[0] & size_mask(size);
}

int v3_handle_io(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	struct v3_gprs *g = &vcpu->state.gprs;
	unsigned size = exit->io.size;
	uint64_t val = g->rax;

	if (exit->io.string)
		return v3_vcpu_emulate_string_io(vcpu, exit->io.port);
	io_one(vcpu, exit->io.port, size, exit->io.in, &val);
	if (exit->io.in) {
		/* A 32-bit IN zero-extends into RAX; 8/16-bit keep the rest. */
		if (size == 4)
			g->rax = val;
		else
			g->rax = (g->rax & ~size_mask(size)) | val;
	}
	v3_skip_insn(vcpu, exit);
	return 0;
}
