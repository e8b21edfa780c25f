/* vcpu.c - the vcpu thread: enter the guest, dispatch the exit, repeat
 * until the VM stops.  Also the initial register states and the dump. */
#include "arch.h"
#include "exit.h"
#include "intr.h"
#include "shadow.h"
#include "vm.h"
#include "vmm.h"
#include "timer.h"
#include "vcpu_pending.h"

/* Flat 4 GiB segments: code = execute/read accessed, data = read/write
 * accessed; P, S, DB, G set (attr in the packed SVM layout). */
#define ATTR_CODE32	0xc9b
#define ATTR_DATA32	0xc93
#define ATTR_LDT	0x082
#define ATTR_TSS32_BUSY 0x08b
#define ATTR_TSS16_BUSY 0x083

static void set_seg(struct v3_seg *s, uint16_t sel, uint64_t base,
		    uint32_t limit, uint16_t attr)
{
	s->sel = sel;
	s->base = base;
	s->limit = limit;
	s->attr = attr;
}

/* Architectural INIT/RESET state (SDM vol. 3 §9.1.1, APM vol. 2 §14.1.3):
 * real mode at F000:FFF0 with CS base 0xFFFF0000. */
void v3_vcpu_set_reset_state(struct v3_vcpu *vcpu)
{
	struct v3_vcpu_state *st = v3_vcpu_state_replace(vcpu);
	int i;

	v3_memset(st, 0, sizeof(*st));
	vcpu->pat = V3_PAT_POWER_ON;
	st->rip = 0xfff0;
	st->rflags = 0x2;
	st->cr0 = V3_CR0_ET | (1ull << 29) | (1ull << 30); /* CD, NW */
	st->dr6 = 0xffff0ff0;
	st->dr7 = 0x400;
	st->gprs.rdx = 0x600; /* processor signature family 6 */
	for (i = 0; i < V3_NSEGS; i++)
		set_seg(&st->seg[i], 0, 0, 0xffff, 0x93);
	set_seg(&st->seg[V3_SEG_CS], 0xf000, 0xffff0000, 0xffff, 0x9b);
	set_seg(&st->seg[V3_SEG_LDTR], 0, 0, 0xffff, ATTR_LDT);
	set_seg(&st->seg[V3_SEG_TR], 0, 0, 0xffff, ATTR_TSS16_BUSY);
	st->gdtr.limit = 0xffff;
	st->idtr.limit = 0xffff;
	v3_fpu_reset(vcpu);
}

/* Direct entry for test guests: 32-bit flat protected mode, paging off,
 * interrupts off, no descriptor tables in guest memory. */
void v3_vcpu_set_direct_state(struct v3_vcpu *vcpu, uint64_t entry)
{
	struct v3_vcpu_state *st = v3_vcpu_state_replace(vcpu);
	int i;

	v3_memset(st, 0, sizeof(*st));
	vcpu->pat = V3_PAT_POWER_ON;
	st->rip = entry;
	st->rflags = 0x2;
	st->cr0 = V3_CR0_PE | V3_CR0_ET | V3_CR0_NE;
	st->dr6 = 0xffff0ff0;
	st->dr7 = 0x400;
	for (i = 0; i < V3_NSEGS; i++)
		set_seg(&st->seg[i], 0x10, 0, 0xffffffff, ATTR_DATA32);
	set_seg(&st->seg[V3_SEG_CS], 0x08, 0, 0xffffffff, ATTR_CODE32);
	set_seg(&st->seg[V3_SEG_LDTR], 0, 0, 0, ATTR_LDT);
	set_seg(&st->seg[V3_SEG_TR], 0, 0, 0x67, ATTR_TSS32_BUSY);
	v3_fpu_reset(vcpu);
}

static const char *const seg_names[V3_NSEGS] = {
    "ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR",
};

void v3_vcpu_dump(struct v3_vcpu *vcpu)
{
	struct v3_vcpu_state *st = v3_vcpu_state(vcpu, V3_STATE_ALL);
	struct v3_gprs *g = &st->gprs;
	const char *n = vcpu->vm->name;
	int i;

	v3_print("%s: vcpu%d RIP=%016llx RFLAGS=%016llx CPL=%u", n, vcpu->id,
		 V3_ULL(st->rip), V3_ULL(st->rflags), st->cpl);
	v3_print("%s: vcpu%d RAX=%016llx RBX=%016llx RCX=%016llx "
		 "RDX=%016llx",
		 n, vcpu->id, V3_ULL(g->rax), V3_ULL(g->rbx), V3_ULL(g->rcx),
		 V3_ULL(g->rdx));
	v3_print("%s: vcpu%d RSI=%016llx RDI=%016llx RBP=%016llx "
		 "RSP=%016llx",
		 n, vcpu->id, V3_ULL(g->rsi), V3_ULL(g->rdi), V3_ULL(g->rbp),
		 V3_ULL(g->rsp));
	v3_print("%s: vcpu%d R8 =%016llx R9 =%016llx R10=%016llx "
		 "R11=%016llx",
		 n, vcpu->id, V3_ULL(g->r8), V3_ULL(g->r9), V3_ULL(g->r10),
		 V3_ULL(g->r11));
	v3_print("%s: vcpu%d R12=%016llx R13=%016llx R14=%016llx "
		 "R15=%016llx",
		 n, vcpu->id, V3_ULL(g->r12), V3_ULL(g->r13), V3_ULL(g->r14),
		 V3_ULL(g->r15));
	v3_print("%s: vcpu%d CR0=%016llx CR2=%016llx CR3=%016llx "
		 "CR4=%016llx EFER=%016llx",
		 n, vcpu->id, V3_ULL(st->cr0), V3_ULL(st->cr2), V3_ULL(st->cr3),
		 V3_ULL(st->cr4), V3_ULL(st->efer));
	for (i = 0; i < V3_NSEGS; i++)
		v3_print("%s: vcpu%d %-4s sel=%04x base=%016llx limit=%08x "
			 "attr=%03x",
			 n, vcpu->id, seg_names[i], st->seg[i].sel,
			 V3_ULL(st->seg[i].base), st->seg[i].limit,
			 st->seg[i].attr);
	v3_print("%s: vcpu%d GDTR base=%016llx limit=%04x IDTR "
		 "base=%016llx limit=%04x",
		 n, vcpu->id, V3_ULL(st->gdtr.base), st->gdtr.limit,
		 V3_ULL(st->idtr.base), st->idtr.limit);
}

void v3_vm_fail(struct v3_vcpu *vcpu, const char *fmt, ...)
{
	char reason[200];
	va_list ap;

	va_start(ap, fmt);
	v3_vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	v3_print("%s: vcpu%d stopping VM: %s", vcpu->vm->name, vcpu->id,
		 reason);
	v3_vcpu_dump(vcpu);
	v3_vm_request_stop(vcpu->vm, -1, reason);
}

/* Upper bound on one sleep in wait-for-SIPI: a missed kick costs little. */
#define WAIT_SIPI_SLEEP_US 10000

/* Sleep while the VM is paused; the host wakes us on resume or stop. */
static void wait_while_paused(struct v3_vm *vm)
{
	while (vm->pause_requested && !vm->stop_requested)
		v3_host->sleep(10000);
}

/* One entry: the host pins us and hands over the FPU, the guest's
 * FPU registers go in and come back out around the world switch. */
static int run_once(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	int rc;

	if (v3_host->guest_enter)
		v3_host->guest_enter();
	v3_fpu_enter(vcpu);
	rc = v3_arch->vcpu_run(vcpu, exit);
	v3_fpu_leave(vcpu);
	if (v3_host->guest_exit)
		v3_host->guest_exit();
	return rc;
}

/* Entries and their exits until one needs the run loop.  After a quick
 * exit with nothing pending the guest goes back in as the loop would
 * send it: no event, no interrupt window. */
static int run_guest(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	for (;;) {
		int rc = run_once(vcpu, exit);

		if (rc != 0)
			return rc;
		if (!v3_exit_dispatch(vcpu, exit) || !v3_vcpu_nothing_pending(vcpu))
			return 0;
		vcpu->want_intr_window = false;
		vcpu->entry_event.valid = false;
		if (vcpu->shadow)
			v3_shadow_prepare_entry(vcpu);
	}
}

/* INIT: the BSP restarts at the reset vector, an AP waits for a SIPI
 * (SDM vol. 3 §9.1.1, §9.4.1).  Pending events are dropped. */
static void do_init(struct v3_vcpu *vcpu)
{
	vcpu->init_pending = false;
	v3_vcpu_set_reset_state(vcpu);
	vcpu->event.valid = false;
	vcpu->nmi_pending = false;
	v3_memset(vcpu->irr, 0, sizeof(vcpu->irr));
	vcpu->shadow_stale = true; /* paging state starts over */
	if (vcpu->id != 0)
		vcpu->wait_for_sipi = true;
}

/* The SIPI vector VV starts the AP in real mode at VV00:0000
 * (SDM vol. 3 §9.4.4.1). */
static void do_sipi(struct v3_vcpu *vcpu)
{
	struct v3_vcpu_state *st = &vcpu->state;

	v3_vcpu_set_reset_state(vcpu);
	st->seg[V3_SEG_CS].sel = (uint16_t)(vcpu->sipi_vector << 8);
	st->seg[V3_SEG_CS].base = (uint64_t)vcpu->sipi_vector << 12;
	st->rip = 0;
	vcpu->shadow_stale = true;
	vcpu->wait_for_sipi = false;
}

/* Before an entry: act on INIT/SIPI.  Returns false while the vcpu has
 * nothing to run (it then slept a little or until kicked). */
static bool vcpu_runnable(struct v3_vcpu *vcpu)
{
	if (vcpu->init_pending)
		do_init(vcpu);
	if (!vcpu->wait_for_sipi)
		return true;
	if (__atomic_exchange_n(&vcpu->sipi_pending, false,
				__ATOMIC_SEQ_CST)) {
		do_sipi(vcpu);
		return true;
	}
	vcpu->halted = true;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* v3_vcpu_kick */
	if (!vcpu->sipi_pending && !vcpu->init_pending &&
	    !vcpu->vm->stop_requested)
		v3_host->sleep(WAIT_SIPI_SLEEP_US);
	vcpu->halted = false;
	return false;
}

/* The BSP starts the guest once every vcpu thread runs where it will
 * (their lines come before the guest's first output, and a kick to an
 * AP finds its host CPU set), or after a second at most. */
#define PLACEMENT_WAIT_US 1000000
#define PLACEMENT_POLL_US 1000

static void wait_for_placement(struct v3_vm *vm)
{
	int waited;

	for (waited = 0; waited < PLACEMENT_WAIT_US &&
			 __atomic_load_n(&vm->placed_vcpus, __ATOMIC_SEQ_CST) <
			     vm->nvcpus &&
			 !vm->stop_requested;
	     waited += PLACEMENT_POLL_US)
		v3_host->sleep(PLACEMENT_POLL_US);
}

static int vcpu_thread(void *arg)
{
	struct v3_vcpu *vcpu = arg;
	struct v3_vm *vm = vcpu->vm;
	struct v3_exit exit;

	vcpu->host_cpu = v3_host->cpu_id();
	if (vm->nvcpus > 1)
		v3_print("%s: vcpu%d runs on host cpu %d", vm->name, vcpu->id,
			 vcpu->host_cpu);
	__atomic_add_fetch(&vm->placed_vcpus, 1, __ATOMIC_SEQ_CST);
	if (vcpu->id == 0)
		wait_for_placement(vm);
	while (!vm->stop_requested) {
		wait_while_paused(vm);
		if (vm->stop_requested)
			break;
		if (vm->reset_requested && vcpu->id == 0)
			v3_vm_do_reset(vm);
		if (!vcpu_runnable(vcpu))
			continue;
		v3_timers_run(vm);
		v3_intr_prepare_entry(vcpu);
		if (vcpu->shadow)
			v3_shadow_prepare_entry(vcpu);
		vcpu->entry_event = vcpu->event;
		if (run_guest(vcpu, &exit) != 0) {
			v3_vm_fail(vcpu, "%s could not enter the guest",
				   v3_arch->name);
			break;
		}
	}
	v3_fpu_release(vcpu);
	if (__atomic_sub_fetch(&vm->running_vcpus, 1, __ATOMIC_SEQ_CST) == 0)
		vm->state = V3_VM_STOPPED;
	return 0;
}

int v3_vcpu_launch(struct v3_vcpu *vcpu)
{
	char name[48];

	v3_snprintf(name, sizeof(name), "%s-vcpu%d", vcpu->vm->name, vcpu->id);
	vcpu->thread = v3_host->thread_create(vcpu_thread, vcpu,
					      vcpu->place_cpu, name);
	return vcpu->thread ? 0 : -1;
}
