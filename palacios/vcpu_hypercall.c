/* vcpu_hypercall.c - VMMCALL/VMCALL: the core's own calls (see v3_abi.h),
 * then hooks; an unknown number returns all ones, like an unknown KVM
 * hypercall returns -ENOSYS. */
#include "exit.h"
#include "vm.h"
#include "vmm.h"

/* FNV-1a 32: tiny and good enough to compare two views of memory. */
static uint32_t fnv1a(uint32_t h, const uint8_t *p, uint64_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 0x01000193u;
	}
	return h;
}

static uint64_t gpa_checksum(struct v3_vm *vm, uint64_t gpa, uint64_t len)
{
	uint32_t h = 0x811c9dc5u;

	while (len) {
		uint64_t avail, n;
		const uint8_t *p = v3_gpa_to_hva(vm, gpa, &avail);

		if (!p)
			return V3_HC_UNKNOWN_RESULT;
		n = len < avail ? len : avail;
		h = fnv1a(h, p, n);
		gpa += n;
		len -= n;
	}
	return h;
}

int v3_handle_hypercall(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	struct v3_gprs *g = &vcpu->state.gprs;
	/* Outside 64-bit mode the upper register halves are undefined. */
	uint64_t mask = v3_vcpu_in_long_mode(vcpu) ? ~0ull : 0xffffffffull;
	struct v3_access acc = {
	    .kind = V3_HOOK_HYPERCALL,
	    .addr = g->rax & mask,
	    .val = {g->rbx & mask, g->rcx & mask, g->rdx & mask, g->rsi & mask},
	};

	switch (acc.addr) {
	case V3_HC_NOP: acc.val[0] = 0; break;
	case V3_HC_EXIT_COUNT:
		acc.val[0] = acc.val[0] < V3_EXIT_MAX
				 ? vcpu->stats[acc.val[0]].count

				 : V3_HC_UNKNOWN_RESULT;
		break;
	case V3_HC_GPA_CHECKSUM:
		acc.val[0] = gpa_checksum(vcpu->vm, acc.val[0], acc.val[1]);
		break;
	case V3_HC_BARE_CPUID:
		if (!v3_arch->bare_cpuid || !acc.val[0] ||
		    acc.val[0] > V3_HC_BARE_CPUID_MAX) {
			acc.val[0] = V3_HC_UNKNOWN_RESULT;
			break;
		}
		v3_arch->bare_cpuid(vcpu, (uint32_t)acc.val[0]);
		acc.val[0] = 0;
		break;
	default:
		if (v3_hook_call(vcpu, &acc) != 0)
			acc.val[0] = V3_HC_UNKNOWN_RESULT;
	}
	g->rax = acc.val[0];
	v3_skip_insn(vcpu, exit);
	return 0;
}
