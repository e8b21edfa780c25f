/* lapic.h - internals shared by the local APIC model (lapic.c: the
 * xAPIC page, the timer, the APIC bus) and its x2APIC MSR interface
 * (lapic_x2apic.c).  SDM vol. 3 chapter 11. */
#ifndef V3_DEVICES_LAPIC_H
#define V3_DEVICES_LAPIC_H

#include "apic_bus.h"
#include "timer.h"
#include "v3_types.h"

struct v3_vm;
struct v3_vcpu;

#define LAPIC_GPA	      0xfee00000ull
#define MSR_APIC_BASE	      0x1bu
#define APIC_BASE_BSP	      (1ull << 8)
#define APIC_BASE_EXTD	      (1ull << 10) /* x2APIC mode */
#define APIC_BASE_ENABLE      (1ull << 11)
#define APIC_BASE_ADDR	      0xffffff000ull /* MAXPHYADDR 36 as reported */

/* Register offsets (SDM vol. 3 Table 11-1); x2APIC MSR 0x800 + off/16
 * (Table 11-6). */
#define REG_ID		0x020
#define REG_VERSION	0x030
#define REG_TPR		0x080
#define REG_APR		0x090
#define REG_PPR		0x0a0
#define REG_EOI		0x0b0
#define REG_RRD		0x0c0
#define REG_LDR		0x0d0
#define REG_DFR		0x0e0
#define REG_SVR		0x0f0
#define REG_ISR		0x100
#define REG_TMR		0x180
#define REG_IRR		0x200
#define REG_ESR		0x280
#define REG_ICR_LO	0x300
#define REG_ICR_HI	0x310
#define REG_LVT_TIMER	0x320
#define REG_LVT_ERROR	0x370
#define REG_TIMER_ICR	0x380
#define REG_TIMER_CCR	0x390
#define REG_TIMER_DCR	0x3e0
#define REG_SELF_IPI	0x3f0 /* x2APIC only */

/* LVT entries in register order, 0x320 + 0x10 * index. */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR,
       LVT_N };

extern const uint32_t lapic_lvt_writable[LVT_N];
#define SVR_WRITABLE	 0x3ffu /* vector, enable, focus checking */
#define ICR_LO_WRITABLE	 0x000ccfffu
#define DCR_WRITABLE	 0xbu

struct lapic_dev;

struct lapic {
	struct lapic_dev *dev;
	struct v3_vcpu *vcpu;
	uint64_t apic_base;
	uint32_t id, tpr, ldr, dfr, svr;
	uint32_t esr, esr_pending;
	uint32_t icr_lo, icr_hi; /* icr_hi: the whole destination */
	uint32_t lvt[LVT_N];
	uint32_t irr[8], isr[8], tmr[8];
	uint32_t timer_icr, timer_dcr;
	uint64_t timer_start;	  /* host cycles at the last (re)load */
	uint64_t timer_period;	  /* host cycles of one count-down */
	uint64_t tsc_deadline;	  /* guest TSC, 0: disarmed */
	struct v3_timer timer;
};

struct lapic_dev {
	struct v3_vm *vm;
	void *lock;
	int n;
	bool x2apic;	    /* offered in CPUID (device option x2apic=1) */
	struct lapic *apic; /* one per vcpu, indexed by vcpu id */
};

/* What a register write asks of the rest of the VM, carried out by
 * lapic_write_done() once the device lock is dropped. */
struct lapic_write_fx {
	bool send;
	struct v3_apic_msg msg;
	int eoi_vector;
};

static inline bool lapic_x2apic_mode(const struct lapic *a)
{
	return (a->apic_base & APIC_BASE_EXTD) != 0;
}

/* The register model, called with the device lock held.  lapic_reg_read
 * is what the xAPIC page returns; lapic_reg_write applies a write (an
 * ICR low write sends with icr_hi as the destination). */
uint32_t lapic_reg_read(struct lapic *a, uint32_t reg);
void lapic_reg_write(struct lapic *a, uint32_t reg, uint32_t v,
		     struct lapic_write_fx *fx);
void lapic_write_done(struct lapic_dev *d, const struct lapic_write_fx *fx);
/* INIT state of the registers (the ID and IA32_APIC_BASE stay). */
void lapic_reset_regs(struct lapic *a);
void lapic_update_extint(struct lapic *a);

/* lapic_x2apic.c: IA32_APIC_BASE writes (the xAPIC/x2APIC/disabled
 * transitions) and the MSRs 0x800-0x8ff. */
int lapic_set_apic_base(struct lapic *a, uint64_t v);
uint32_t lapic_x2apic_ldr(uint32_t id);
int lapic_x2apic_attach(struct v3_vm *vm, struct lapic_dev *d);

#endif
