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

/* A dry-run walk of 'la' through the guest's page tables as they are. */
static int report_translate(struct v3_vcpu *vcpu, uint64_t la,
			    struct v3_walk_result *res)
{
	struct v3_vcpu_state *st = &vcpu->state;
	struct v3_walk_regs regs = {st->cr0, st->cr3, st->cr4, st->efer, 0};
	struct v3_walk_mem mem = {v3_gpa_walk_read, NULL, vcpu->vm};

	return v3_guest_walk(&regs, &mem, la, 0, res);
}

/* Where 'la' leads in the guest's page tables now. */
static void report_walk(struct v3_vcpu *vcpu, const char *what, uint64_t la)
{
	struct v3_walk_result res;
	int rc = report_translate(vcpu, la, &res);

	v3_print("%s: vcpu%d   %s %016llx: %s, %u levels, entry %016llx at "
		 "%llx", vcpu->vm->name, vcpu->id, what, V3_ULL(la),
		 rc == V3_WALK_OK ? "mapped" : rc == V3_WALK_PF ? "#PF"
		 : "not walkable", res.levels, V3_ULL(res.pte),
		 V3_ULL(res.pte_gpa));
}

static void report_event(struct v3_vcpu *vcpu, const char *what,
			 const struct v3_event *ev)
{
	uint64_t gpa = 0, gate[2] = {0, 0};
	struct v3_walk_result res;

	if (!ev->valid) {
		v3_print("%s: vcpu%d   %s: none", vcpu->vm->name, vcpu->id,
			 what);
		return;
	}
	/* The 16-byte long-mode gate of that vector, as the guest has it. */
	if (report_translate(vcpu, vcpu->state.idtr.base + 16 * ev->vector,
			     &res) == V3_WALK_OK) {
		gpa = res.gpa;
		v3_gpa_read(vcpu->vm, gpa, gate, sizeof(gate));
	}
	v3_print("%s: vcpu%d   %s: type %d vector %u error %x; gate at %llx: "
		 "%016llx %016llx", vcpu->vm->name, vcpu->id, what, ev->type,
		 ev->vector, ev->has_error ? ev->error : 0, V3_ULL(gpa),
		 V3_ULL(gate[0]), V3_ULL(gate[1]));
}

/* A triple fault is how a guest's memory or CPU state going wrong
 * usually ends: besides the registers, log what the last entry injected,
 * what the processor was delivering, and where the IDT, the stack, RIP
 * and CR2 lead in the guest's page tables now. */
static void report_triple_fault(struct v3_vcpu *vcpu)
{
	struct v3_vcpu_state *st = v3_vcpu_state(vcpu, V3_STATE_ALL);

	report_event(vcpu, "injected at entry", &vcpu->entry_event);
	report_event(vcpu, "being delivered", &vcpu->event);
	report_walk(vcpu, "IDT", st->idtr.base);
	report_walk(vcpu, "RSP", st->gprs.rsp);
	report_walk(vcpu, "RIP", st->seg[V3_SEG_CS].base + st->rip);
	report_walk(vcpu, "CR2", st->cr2);
}

/* We intercept no exception for its own sake: give it back to the
 * guest unchanged. */
int v3_handle_exception(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	v3_inject_exception(vcpu, exit->exc.vector, exit->exc.has_error,
			    exit->exc.error);
	return 0;
}

int v3_handle_shutdown(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	(void)exit;
	v3_vm_fail(vcpu, "triple fault");
	report_triple_fault(vcpu);
	return -1;
}

/* SVM/VMX instructions in a guest that was told there is no SVM/VMX. */
int v3_handle_virt_insn(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	(void)exit;
	v3_inject_exception(vcpu, V3_EXC_UD, false, 0);
	return 0;
}
