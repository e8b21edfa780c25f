/* vcpu_events.c - exits about events rather than instructions: host
 * interrupts, interrupt windows, intercepted exceptions, triple faults,
 * virtualization instructions, PAUSE. */
#include "exit.h"
#include "intr.h"
#include "guest_walk.h"
#include "vm.h"
#include "vmm.h"

/* The host interrupt itself was taken when the backend re-enabled
 * interrupts; this is the host's chance to run something else. */
int v3_handle_host_intr(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	(void)vcpu;
	(void)exit;
	v3_host->yield();
	return 0;
}

/* Nothing to do: v3_intr_prepare_entry injects on the way back in. */
int v3_handle_intr_window(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	(void)vcpu;
	(void)exit;
	return 0;
}

int v3_handle_pause(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	v3_skip_insn(vcpu, exit);
	v3_host->yield();
	return 0;
}

/* We intercept no exception for its own sake yet: give it back to the
 * guest unchanged. */
static int diag_read(void *o, uint64_t gpa, void *buf, uint32_t len)
{
	return v3_gpa_read(o, gpa, buf, len);
}

static void diag_walk(struct v3_vcpu *vcpu, const char *what, uint64_t la)
{
	struct v3_vcpu_state *st = &vcpu->state;
	struct v3_walk_regs regs = { st->cr0, st->cr3, st->cr4, st->efer, 0 };
	struct v3_walk_mem mem = { diag_read, NULL, vcpu->vm };
	struct v3_walk_result res;
	int r = v3_guest_walk(&regs, &mem, la, 0, &res);

	v3_print("DIAG %s la=%llx walk=%d gpa=%llx err=%x levels=%u pte=%llx at %llx",
		 what, V3_ULL(la), r, V3_ULL(res.gpa), res.error, res.levels,
		 V3_ULL(res.pte), V3_ULL(res.pte_gpa));
}

int v3_handle_exception(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	if (exit->exc.vector == 8) {
		uint64_t q[8];
		int i;

		v3_print("DIAG #DF vcpu%d event valid=%d type=%d vec=%d err=%x", vcpu->id,
			 vcpu->event.valid, vcpu->event.type, vcpu->event.vector,
			 vcpu->event.error);
		v3_vcpu_dump(vcpu);
		diag_walk(vcpu, "idt", vcpu->state.idtr.base);
		diag_walk(vcpu, "cr2", vcpu->state.cr2);
		diag_walk(vcpu, "rsp", vcpu->state.gprs.rsp);
		diag_walk(vcpu, "rip", vcpu->state.rip);
		if (v3_gpa_read(vcpu->vm, vcpu->state.cr3 & ~0xfffull, q, 8) == 0)
			v3_print("DIAG pml4[0]=%llx", V3_ULL(q[0]));
		for (i = 0; i < 8; i++) {
			uint64_t e;
			if (v3_gpa_read(vcpu->vm, (vcpu->state.cr3 & ~0xfffull) + 8 * (256 + 64 * i), &e, 8) == 0)
				v3_print("DIAG pml4[%d]=%llx", 256 + 64 * i, V3_ULL(e));
		}
		{
			uint64_t e;
			if (v3_gpa_read(vcpu->vm, (vcpu->state.cr3 & ~0xfffull) + 8 * 508, &e, 8) == 0)
				v3_print("DIAG pml4[508]=%llx", V3_ULL(e));
			if (v3_gpa_read(vcpu->vm, (vcpu->state.cr3 & ~0xfffull) + 8 * 511, &e, 8) == 0)
				v3_print("DIAG pml4[511]=%llx", V3_ULL(e));
		}
	}
	v3_inject_exception(vcpu, exit->exc.vector, exit->exc.has_error,
			    exit->exc.error);
	return 0;
}

int v3_handle_shutdown(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	(void)exit;
	v3_vm_fail(vcpu, "triple fault");
	return -1;
}

/* SVM/VMX instructions in a guest that was told there is no SVM/VMX. */
int v3_handle_virt_insn(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	(void)exit;
	v3_inject_exception(vcpu, V3_EXC_UD, false, 0);
	return 0;
}
