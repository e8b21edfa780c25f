/* vm.h - a virtual machine and its vcpus, as the core keeps them. */
#ifndef V3_VM_INTERNAL_H
#define V3_VM_INTERNAL_H

#include "arch.h"
#include "hooks.h"
#include "mem_map.h"
#include "nested.h"
#include "timer.h"
#include "v3_config.h"
#include "v3_vm.h"
#include "vcpu_state.h"

struct v3_apic_bus_rx;
struct v3_device_type;
struct v3_intr_ctrls;
struct v3_irq_sink;
struct v3_pci_bus;

/* One event the backend injects at the next entry. */
enum v3_event_type {
	V3_EVENT_INTR,
	V3_EVENT_NMI,
	V3_EVENT_EXCEPTION,
	V3_EVENT_SOFT_INTR
};
struct v3_event {
	bool valid;
	enum v3_event_type type;
	uint8_t vector;
	bool has_error;
	uint32_t error;
};

struct v3_vcpu {
	struct v3_vm *vm;
	int id;
	/* Read and write the V3_STATE_* parts of 'state' only through
	 * v3_vcpu_state(): 'state_absent' has the parts the backend has not
	 * copied in since the last exit.  'state_replaced': the core set
	 * the whole state (reset, INIT, SIPI) without reading it, so the
	 * backend writes all of it at the next entry. */
	struct v3_vcpu_state state;
	uint32_t state_absent;
	bool state_replaced;
	void *arch; /* backend private state */
	void *thread;

	/* Interrupt delivery (intr.c).  'event' is what the next entry
	 * injects; it also holds an event whose delivery an exit cut short. */
	struct v3_event event;
	/* The event the last entry injected (for the triple-fault report). */
	struct v3_event entry_event;
	uint64_t irr[4];       /* vectors raised by simple sources */
	bool want_intr_window; /* ask for an exit once IF=1 */
	volatile bool halted;
	int host_cpu; /* where the vcpu thread runs (pinned) */
	int place_cpu; /* the CPU its thread is created on (host_cpus) */
	/* Set by the local APIC model while LVT LINT0 does not take ExtINT:
	 * the 8259's INT output then does not reach this vcpu. */
	volatile bool extint_masked;
	volatile bool nmi_pending;
	/* INIT/SIPI from a local APIC (SDM vol. 3 §9.4): acted on by the
	 * vcpu's own thread before its next entry (vcpu.c). */
	volatile bool init_pending;
	volatile bool sipi_pending;
	volatile uint8_t sipi_vector;
	volatile bool wait_for_sipi; /* an AP after INIT or power-on */
	volatile bool tlb_flush;	/* nested mappings changed */
	volatile bool shadow_stale;	/* ... so shadow tables are stale */

	/* MTRRs the guest programs; with nested paging the host's memory
	 * types apply, so these are storage for the guest's view only. */
	uint64_t mtrr_def_type;
	uint64_t mtrr_var[16];	/* PHYSBASE/PHYSMASK pairs 0x200-0x20f */
	uint64_t mtrr_fixed[11];
	uint64_t nb_cfg;	/* AMD NB_CFG, storage (vcpu_msr.c) */

	/* Shadow paging (shadow.c), NULL with nested paging: the guest's
	 * CR0/CR3/CR4/EFER stay in 'state'; the hardware runs with 'hw'. */
	struct v3_shadow *shadow;
	struct {
		uint64_t cr0, cr3, cr4, efer;
	} hw;
	uint64_t pat; /* the guest's PAT when it is not the hardware's */

	struct v3_exit_stat stats[V3_EXIT_MAX];

	/* The guest's x87/SSE registers between entries (FXSAVE image). */
	uint8_t fpu[512] __attribute__((aligned(16)));
};

struct v3_dev_inst {
	const struct v3_device_type *type;
	void *priv;
};

struct v3_hook_table {
	struct v3_hook_entry *e;
	int n, cap;
	uint64_t lo, hi;	/* first start, last end (entries are sorted) */
	v3_hook_fn dflt;	/* for addresses no entry covers, or NULL */
	void *dflt_priv;
};

struct v3_vm {
	char name[V3_CFG_NAME_LEN];
	enum v3_paging_mode paging;
	enum v3_boot_mode boot;
	enum v3_reset_action on_reset;
	uint64_t entry;

	int nvcpus;
	struct v3_vcpu **vcpus;
	struct v3_mem_map mem;
	struct v3_nested nested;
	struct v3_hook_table hooks[V3_HOOK_KINDS];
	struct v3_timer_list timers;
	int ndevs;
	struct v3_dev_inst devs[V3_CFG_MAX_DEVICES];

	void *lock;
	/* Device models were written for one thread at a time: hook calls
	 * and timer callbacks of vcpus on different host CPUs take this
	 * (hooks.c).  NULL: no serialization (userspace unit tests). */
	void *dev_lock;
	volatile int dev_lock_owner; /* host CPU holding it, -1: none */
	int dev_lock_depth;
	volatile enum v3_vm_state state;
	volatile bool stop_requested;
	volatile bool pause_requested;
	volatile bool reset_requested;
	volatile int running_vcpus;
	volatile int placed_vcpus; /* vcpu threads that know their CPU */
	char stop_reason[200];
	int exit_status;
	uint64_t tsc_offset;
	uint64_t vmm_bytes; /* VMM memory charged to this VM */

	struct v3_intr_ctrls *intr_ctrls;
	int nirq_sinks;
	struct {
		const struct v3_irq_sink *ops;
		void *priv;
	} irq_sinks[4];
	uint32_t irq_levels;	/* one bit per platform interrupt line */
	uint32_t irq_replaced;	/* legacy sources cut off (irq.h) */
	uint32_t irq_legacy_levels; /* what those sources drive */
	struct {			/* apic_bus.c */
		const struct v3_apic_bus_rx *rx;
		void *rx_priv;
		void (*eoi)(struct v3_vm *vm, void *priv, uint8_t vector);
		void *eoi_priv;
	} apic_bus;
	struct v3_pci_bus *pci;	/* devices/pci.c, when configured */

	/* The host's images stay valid for the VM's lifetime. */
	const struct v3_image *images;
	int nimages;
	void (*console_in)(struct v3_vm *vm, void *priv, const char *s,
			   size_t n);
	void *console_in_priv;
	void (*console)(void *priv, const char *s, size_t n);
	void *console_priv;
};

/* Console output of the VM (debug port, UART). */
void v3_vm_console_write(struct v3_vm *vm, const char *s, size_t n);
/* The guest asked for a platform reset (0xCF9, 8042, triple fault with
 * on_reset = reboot): stop or restart the VM as its configuration says. */
void v3_vm_request_reset(struct v3_vm *vm, const char *why);
/* Done by vcpu 0 between exits; the APs go back to wait-for-SIPI. */
void v3_vm_do_reset(struct v3_vm *vm);

/* A device that takes console input (the UART) registers here. */
void v3_vm_set_console_input(struct v3_vm *vm,
			     void (*in)(struct v3_vm *vm, void *priv,
					const char *s, size_t n),
			     void *priv);
/* Stop the VM; the first reason wins and its status reaches the host. */
void v3_vm_request_stop(struct v3_vm *vm, int status, const char *reason);

/* A named image given to v3_vm_create (disk/ISO backing, BIOS). */
const struct v3_image *v3_vm_image(struct v3_vm *vm, const char *name);

/* Nested mappings changed: every vcpu flushes guest translations before
 * its next entry. */
void v3_vm_flush_tlb(struct v3_vm *vm);

/* Allocations charged to a VM (zeroed). */
void *v3_vm_zalloc(struct v3_vm *vm, size_t size);
void v3_vm_free(struct v3_vm *vm, void *p, size_t size);
uint64_t v3_vm_alloc_pages(struct v3_vm *vm, size_t npages, size_t align);
void v3_vm_free_pages(struct v3_vm *vm, uint64_t hpa, size_t npages);

/* Stop the VM with a reason, printing a register dump of 'vcpu'. */
void v3_vm_fail(struct v3_vcpu *vcpu, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void v3_vcpu_dump(struct v3_vcpu *vcpu);

/* vcpu->state with 'parts' (V3_STATE_*) current, for reading and
 * writing: the backend copies in what it left in its control block;
 * what the core then changes goes back at the next entry. */
static inline struct v3_vcpu_state *v3_vcpu_state(struct v3_vcpu *vcpu,
						   uint32_t parts)
{
	uint32_t need = vcpu->state_absent & parts;

	if (need)
		v3_arch->state_load(vcpu, need);
	return &vcpu->state;
}

/* The core is about to set the whole state without reading it. */
static inline struct v3_vcpu_state *v3_vcpu_state_replace(
    struct v3_vcpu *vcpu)
{
	vcpu->state_absent = 0;
	vcpu->state_replaced = true;
	return &vcpu->state;
}

/* 64-bit mode: EFER.LMA and CS.L (attr bit 9). */
static inline bool v3_vcpu_in_long_mode(struct v3_vcpu *vcpu)
{
	const struct v3_vcpu_state *st = v3_vcpu_state(vcpu, V3_STATE_MODE);

	return (st->efer & V3_EFER_LMA) &&
	       (st->seg[V3_SEG_CS].attr & (1u << 9));
}

int v3_vcpu_launch(struct v3_vcpu *vcpu);

void v3_vcpu_set_reset_state(struct v3_vcpu *vcpu);
void v3_vcpu_set_direct_state(struct v3_vcpu *vcpu, uint64_t entry);

/* vcpu_fpu.c: the guest's FPU state at power-on, and around one entry. */
void v3_fpu_reset(struct v3_vcpu *vcpu);
void v3_fpu_enter(struct v3_vcpu *vcpu);
void v3_fpu_leave(struct v3_vcpu *vcpu);
void v3_fpu_release(struct v3_vcpu *vcpu);

#endif
