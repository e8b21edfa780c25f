/* exit_dispatch.c - the one table from exit reason to handler, and the
 * per-vcpu telemetry (count and host cycles spent per reason). */
#include "exit.h"
#include "vm.h"
#include "vmm.h"
#include "host_cpu.h"

static const v3_exit_handler handlers[V3_EXIT_MAX] = {
    [V3_EXIT_CPUID] = v3_handle_cpuid,
    [V3_EXIT_IO] = v3_handle_io,
    [V3_EXIT_MSR_READ] = v3_handle_msr_read,
    [V3_EXIT_MSR_WRITE] = v3_handle_msr_write,
    [V3_EXIT_HYPERCALL] = v3_handle_hypercall,
    [V3_EXIT_HLT] = v3_handle_hlt,
    [V3_EXIT_NESTED_FAULT] = v3_handle_nested_fault,
    [V3_EXIT_INTR] = v3_handle_host_intr,
    [V3_EXIT_INTR_WINDOW] = v3_handle_intr_window,
    [V3_EXIT_EXCEPTION] = v3_handle_exception,
    [V3_EXIT_SHUTDOWN] = v3_handle_shutdown,
    [V3_EXIT_CR_ACCESS] = v3_handle_cr_access,
    [V3_EXIT_INVLPG] = v3_handle_invlpg,
    [V3_EXIT_PAUSE] = v3_handle_pause,
    [V3_EXIT_NMI] = v3_handle_host_intr,
    [V3_EXIT_VIRT_INSN] = v3_handle_virt_insn,
    [V3_EXIT_ENTRY_FAIL] = v3_handle_fatal,
    [V3_EXIT_UNKNOWN] = v3_handle_fatal,
    [V3_EXIT_PAGE_FAULT] = v3_handle_page_fault,
    [V3_EXIT_TASK_SWITCH] = v3_handle_task_switch,
};

static const char *const reason_names[V3_EXIT_MAX] = {
    [V3_EXIT_CPUID] = "cpuid",
    [V3_EXIT_IO] = "io",
    [V3_EXIT_MSR_READ] = "msr_read",
    [V3_EXIT_MSR_WRITE] = "msr_write",
    [V3_EXIT_HYPERCALL] = "hypercall",
    [V3_EXIT_HLT] = "hlt",
    [V3_EXIT_NESTED_FAULT] = "nested_fault",
    [V3_EXIT_INTR] = "host_intr",
    [V3_EXIT_INTR_WINDOW] = "intr_window",
    [V3_EXIT_EXCEPTION] = "exception",
    [V3_EXIT_SHUTDOWN] = "shutdown",
    [V3_EXIT_CR_ACCESS] = "cr_access",
    [V3_EXIT_INVLPG] = "invlpg",
    [V3_EXIT_PAUSE] = "pause",
    [V3_EXIT_NMI] = "nmi",
    [V3_EXIT_VIRT_INSN] = "virt_insn",
    [V3_EXIT_ENTRY_FAIL] = "entry_fail",
    [V3_EXIT_UNKNOWN] = "unknown",
    [V3_EXIT_PAGE_FAULT] = "page_fault",
    [V3_EXIT_TASK_SWITCH] = "task_switch",
};

/* Exits whose handlers never sleep, yield, halt or change the paging
 * mode: the guest may be entered again right after them when nothing
 * else waits for the run loop (vcpu.c). */
static const bool quick[V3_EXIT_MAX] = {
    [V3_EXIT_CPUID] = true,	[V3_EXIT_IO] = true,
    [V3_EXIT_MSR_READ] = true,	[V3_EXIT_MSR_WRITE] = true,
    [V3_EXIT_HYPERCALL] = true,
};

const char *v3_exit_reason_name(int reason)
{
	if (reason < 0 || reason >= V3_EXIT_MAX)
		return "invalid";
	return reason_names[reason];
}

/* The handler, counted before it runs so a guest reading its own
 * counter through a hypercall sees this exit too. */
static inline __attribute__((__always_inline__)) int
run_handler(struct v3_vcpu *vcpu, struct v3_exit *exit, unsigned r)
{
	struct v3_exit_stat *st = &vcpu->stats[r];
	uint64_t start = v3_rdtsc();
	int rc;

	st->count++;
	rc = handlers[r](vcpu, exit);
	st->cycles += v3_rdtsc() - start;
	return rc;
}

bool v3_exit_dispatch(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	unsigned r =
	    exit->reason < V3_EXIT_MAX ? exit->reason : V3_EXIT_UNKNOWN;

	return run_handler(vcpu, exit, r) == 0 && quick[r];
}

/* Exits that must not happen with the intercepts we set, or that mean the
 * hardware refused the guest: stop this VM, never the host. */
int v3_handle_fatal(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	if (exit->info.what) {
		v3_vm_fail(vcpu, "%s (%s %s exit, code 0x%llx info 0x%llx)",
			   exit->info.what, v3_arch->name,
			   v3_exit_reason_name(exit->reason),
			   (unsigned long long)exit->hw_code,
			   (unsigned long long)exit->hw_info1);
		return -1;
	}
	v3_vm_fail(vcpu, "%s exit (%s code 0x%llx info 0x%llx/0x%llx)",
		   v3_exit_reason_name(exit->reason), v3_arch->name,
		   (unsigned long long)exit->hw_code,
		   (unsigned long long)exit->hw_info1,
		   (unsigned long long)exit->hw_info2);
	return -1;
}
