/* vmx.h - internals shared by the files of the Intel VMX backend. */
#ifndef V3_VMX_H
#define V3_VMX_H

#include "arch.h"
#include "host_cpu.h"
#include "vcpu_state.h"
#include "vmcs.h"
#include "vmx_caps.h"

struct v3_gprs;

/* What detect() learned from the capability MSRs (SDM vol. 3 app. A). */
struct vmx_caps {
	uint32_t revision;
	uint32_t pin, proc, proc2, exit, entry; /* our control words */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t cr0_forced, cr4_forced; /* bits the guest runs with */
	bool vpid;
	bool nmi_window; /* NMI-window exiting is available */
	/* Shadow paging: primary controls with CR3 and INVLPG exiting,
	 * when the CPU has them. */
	uint32_t proc_shadow;
	bool shadow;
};
extern struct vmx_caps vmx_caps;

/* MSRs no VMCS field holds, switched through the VM-entry/VM-exit MSR
 * areas (SDM vol. 3 §24.7.2, §24.8.2).  The first (KERNEL_GS_BASE, which
 * SWAPGS changes without an exit) always; the SYSCALL ones only while
 * the guest's values differ from the host's: guest RDMSR/WRMSR of them
 * exit and the backend keeps the guest's values. */
struct vmx_msr_entry {
	uint32_t index;
	uint32_t reserved;
	uint64_t value;
};
/* Parts read on demand; the interruptibility state is read at every
 * exit, as stepping over an instruction needs it. */
#define VMX_ON_DEMAND (V3_STATE_ALL & ~V3_STATE_INTR)

#define VMX_SWITCHED_MSRS 5
#define VMX_ALWAYS_SWITCHED 1
extern const uint32_t vmx_switched_msrs[VMX_SWITCHED_MSRS];

struct vmx_vcpu {
	uint64_t vmcs_pa;
	uint64_t msr_bitmap_pa;
	uint64_t msr_area_pa; /* guest area, then the host area */
	struct vmx_msr_entry *guest_msrs, *host_msrs;
	uint32_t nmsrs; /* entries of the MSR areas in use */
	uint16_t vpid;
	int cpu;	    /* -1 until the VMCS is set up on a CPU */
	bool launched;	    /* VMRESUME from now on */
	uint32_t proc;	    /* primary controls as last written */
	uint32_t entry;	    /* entry controls as last written or read */
	uint32_t interruptibility; /* as the last exit left it */
	bool injected;	    /* this entry injected vcpu->event */
	uint32_t reinject_info, reinject_len; /* IDT vectoring, raw */
	uint32_t bare_cpuid; /* CPUID exits left for the bare loop */
	char why[200];	    /* text behind exit->info.what */
	/* What the VMCS guest-state area holds, in the core's terms, for
	 * the parts copied in since the last exit (vmx_state.c), so an
	 * entry writes only the fields the core changed.  !hw_valid: write
	 * them all. */
	struct v3_vcpu_state hw;
	uint32_t hw_intr; /* interruptibility field as in the VMCS */
	bool hw_valid;
};

extern struct v3_nested_fmt vmx_ept_fmt;
extern struct v3_arch_ops v3_vmx_ops;

/* vmx_entry.S: 0 after a VM exit, 1 VMfailInvalid, 2 VMfailValid. */
int vmx_enter(struct v3_gprs *gprs, int launched);
void vmx_exit_point(void);

void vmx_vmcs_setup(struct v3_vcpu *vcpu, struct vmx_vcpu *s);
/* vmx_shadow.c: the intercepts of shadow paging, and the hardware's
 * control registers under it. */
void vmx_shadow_setup(struct vmx_vcpu *s);
void vmx_shadow_write_ctrl(struct v3_vcpu *vcpu, struct vmx_vcpu *s);
/* vmx_state.c: the VMCS must be current on this CPU. */
void vmx_state_to_vmcs(struct v3_vcpu *vcpu, struct vmx_vcpu *s);
void vmx_state_after_exit(struct v3_vcpu *vcpu, struct vmx_vcpu *s);
/* Copies in the 'parts' (V3_STATE_*) still absent from vcpu->state. */
void vmx_state_copy_in(struct v3_vcpu *vcpu, struct vmx_vcpu *s,
		       uint32_t parts);
/* RDMSR/WRMSR of a switched MSR: 1 done, 0 'msr' is not one, -1 a
 * value WRMSR refuses (#GP). */
int vmx_switched_msr_access(struct vmx_vcpu *s, uint32_t msr, bool write,
			    uint64_t *val);
/* Fills *exit for the basic exit 'reason' (the low 16 bits of the
 * exit-reason field); returns true when the exit was the backend's own
 * business (a CR0/CR4 write touching a bit VMX forces) and is done. */
bool vmx_decode_exit(struct v3_vcpu *vcpu, struct vmx_vcpu *s,
		     uint32_t reason, struct v3_exit *exit);
/* An entry that failed (VMfail, or an exit with bit 31 set). */
void vmx_entry_failure(struct v3_vcpu *vcpu, struct vmx_vcpu *s, int fail,
		       struct v3_exit *exit);

static inline uint64_t vmread(uint64_t field)
{
	uint64_t v;

	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"(field) : "cc");
	return v;
}

static inline void vmwrite(uint64_t field, uint64_t v)
{
	__asm__ volatile("vmwrite %1, %0" ::"r"(field), "r"(v) : "cc");
}

#endif
