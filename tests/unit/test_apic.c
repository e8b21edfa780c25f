/* test_apic.c - the local APIC and I/O APIC models (devices/lapic.c,
 * devices/ioapic.c) on a fake VM, reached as a guest reaches them: MMIO
 * at 0xFEE00000 / 0xFEC00000, MSRs, platform interrupt lines, and the
 * core's injection policy (palacios/intr.c). */
#include <string.h>

#include "apic_bus.h"
#include "fake_vm.h"
#include "unit.h"

#define LAPIC 0xfee00000ull
#define IOAPIC 0xfec00000ull
#define SVR_ON 0x1ff

static struct v3_vm *make_vm(const char *devices, int nvcpus)
{
	char err[160];
	struct v3_vm *vm = fake_vm_create(devices, 16 << 20, nvcpus, err,
					  sizeof(err));

	if (!report(vm != NULL, "VM created"))
		printf("# %s\n", err);
	return vm;
}

static void done_vm(struct v3_vm *vm, const char *what)
{
	report(fake_vm_destroy(vm) == 0, "%s: nothing leaked", what);
}

static uint64_t mmio(struct v3_vm *vm, int cpu, uint64_t gpa, bool write,
		     uint64_t val, uint32_t len)
{
	struct v3_access acc = {
		.kind = V3_HOOK_MMIO, .addr = gpa, .len = len, .write = write,
		.val = {val},
	};

	if (v3_hook_call(vm->vcpus[cpu], &acc) != 0)
		return ~0ull;
	return acc.val[0];
}

static uint32_t rd(struct v3_vm *vm, int cpu, uint32_t reg)
{
	return (uint32_t)mmio(vm, cpu, LAPIC + reg, false, 0, 4);
}

static void wr(struct v3_vm *vm, int cpu, uint32_t reg, uint32_t v)
{
	mmio(vm, cpu, LAPIC + reg, true, v, 4);
}

static int msr(struct v3_vm *vm, int cpu, uint32_t index, bool write,
	       uint64_t *val)
{
	struct v3_access acc = {
		.kind = V3_HOOK_MSR, .addr = index, .len = 8, .write = write,
		.val = {*val},
	};
	int r = v3_hook_call(vm->vcpus[cpu], &acc);

	*val = acc.val[0];
	return r;
}

/* The vector the core would inject into 'cpu' now (IF=1), or -1. */
static int take(struct v3_vm *vm, int cpu)
{
	struct v3_vcpu *v = vm->vcpus[cpu];

	v->state.rflags |= V3_RFLAGS_IF;
	v->state.intr_shadow = false;
	v->event.valid = false;
	v3_intr_prepare_entry(v);
	if (!v->event.valid)
		return -1;
	v->event.valid = false;
	return v->event.type == V3_EVENT_NMI ? 0x102 : v->event.vector;
}

static bool bit(struct v3_vm *vm, int cpu, uint32_t base, unsigned v)
{
	return rd(vm, cpu, base + (v / 32) * 16) & (1u << (v % 32));
}

static void test_registers(void)
{
	struct v3_vm *vm = make_vm("device = lapic\n", 2);
	uint64_t v = 0;

	report(rd(vm, 0, 0x20) == 0 && rd(vm, 1, 0x20) == 1u << 24,
	       "each vcpu sees its own APIC ID at the same address");
	report(rd(vm, 0, 0x30) == 0x50014, "version 0x14, 6 LVT entries");
	report(rd(vm, 0, 0xf0) == 0xff, "SVR resets to 0xff (disabled)");
	report(rd(vm, 0, 0x350) == 0x700 && rd(vm, 1, 0x350) == 0x10000,
	       "BSP LINT0 in ExtINT (virtual wire), AP LINT0 masked");
	report(rd(vm, 0, 0x320) == 0x10000, "LVT timer masked at reset");
	msr(vm, 0, 0x1b, false, &v);
	report(v == 0xfee00900, "vcpu0 IA32_APIC_BASE = 0x%llx (BSP, EN)",
	       (unsigned long long)v);
	msr(vm, 1, 0x1b, false, &v);
	report(v == 0xfee00800, "vcpu1 IA32_APIC_BASE = 0x%llx (EN)",
	       (unsigned long long)v);
	v = 0xfed00800;
	report(msr(vm, 1, 0x1b, true, &v) != 0, "relocation refused (#GP)");
	v = 0xfee00c00;
	report(msr(vm, 1, 0x1b, true, &v) != 0,
	       "x2APIC mode refused without x2apic=1 (#GP)");
	wr(vm, 0, 0xe0, 0x0fffffff);
	report(rd(vm, 0, 0xe0) == 0x0fffffff, "DFR cluster model");
	wr(vm, 0, 0xd0, 0x12345678);
	report(rd(vm, 0, 0xd0) == 0x12000000, "LDR keeps bits 31:24");
	wr(vm, 0, 0x280, 0);
	report(rd(vm, 0, 0x280) == 0, "ESR clear");
	rd(vm, 0, 0x2f0); /* no CMCI entry with 6 LVTs */
	wr(vm, 0, 0x280, 0);
	report(rd(vm, 0, 0x280) == 0x80, "illegal register address in ESR");
	report(mmio(vm, 0, LAPIC + 0x21, false, 0, 1) == 0,
	       "byte read inside ID");
	report(mmio(vm, 1, LAPIC + 0x23, false, 0, 1) == 1,
	       "byte 3 of vcpu1's ID is 1");
	done_vm(vm, "registers");
}

/* Fixed interrupts through the ICR (self IPI), priorities and EOI. */
static void test_priority(void)
{
	struct v3_vm *vm = make_vm("device = lapic\n", 1);

	wr(vm, 0, 0x300, 0x40051); /* self, fixed, vector 0x51 */
	report(bit(vm, 0, 0x200, 0x51), "self IPI sets IRR 0x51");
	report(take(vm, 0) == -1, "software-disabled APIC delivers nothing");
	wr(vm, 0, 0xf0, SVR_ON);
	wr(vm, 0, 0x80, 0x60);
	report(take(vm, 0) == -1 && rd(vm, 0, 0xa0) == 0x60,
	       "TPR 0x60 masks class 5 (PPR 0x60)");
	report(vm->vcpus[0]->state.cr8 == 6, "CR8 mirrors TPR[7:4]");
	vm->vcpus[0]->state.cr8 = 0; /* the guest lowered it with CR8 */
	report(take(vm, 0) == 0x51, "CR8 write lowers the TPR: 0x51 taken");
	report(rd(vm, 0, 0x80) == 0, "TPR reads back 0 after CR8 = 0");
	report(bit(vm, 0, 0x100, 0x51) && !bit(vm, 0, 0x200, 0x51),
	       "0x51 moved from IRR to ISR");
	report(rd(vm, 0, 0xa0) == 0x50, "PPR follows the ISR class (0x50)");
	wr(vm, 0, 0x300, 0x40055);
	report(take(vm, 0) == -1, "same class 0x55 waits for the EOI");
	wr(vm, 0, 0x300, 0x40061);
	report(take(vm, 0) == 0x61, "higher class 0x61 nests");
	wr(vm, 0, 0xb0, 0);
	report(!bit(vm, 0, 0x100, 0x61) && bit(vm, 0, 0x100, 0x51),
	       "EOI retires the highest in-service vector");
	wr(vm, 0, 0xb0, 0);
	report(take(vm, 0) == 0x55, "after the second EOI 0x55 arrives");
	wr(vm, 0, 0xb0, 0);
	wr(vm, 0, 0x300, 0x40005);
	wr(vm, 0, 0x280, 0);
	report(rd(vm, 0, 0x280) == 0x20 && take(vm, 0) == -1,
	       "sending vector 5 is an illegal vector (ESR 0x20)");
	wr(vm, 0, 0x300, 0x40400); /* self NMI */
	report(take(vm, 0) == 0x102, "NMI IPI injects an NMI");
	wr(vm, 0, 0xf0, 0xff);
	report(rd(vm, 0, 0x320) & 0x10000,
	       "software disable masks the LVT entries");
	wr(vm, 0, 0x320, 0x40);
	report(rd(vm, 0, 0x320) == 0x10040,
	       "LVT stays masked while software-disabled");
	done_vm(vm, "priority");
}

static void test_ipi(void)
{
	struct v3_vm *vm = make_vm("device = lapic\n", 4);
	int i, got;

	for (i = 0; i < 4; i++)
		wr(vm, i, 0xf0, SVR_ON);
	wr(vm, 0, 0x310, 2u << 24);
	wr(vm, 0, 0x300, 0x70); /* physical, fixed, to APIC 2 */
	report(take(vm, 2) == 0x70 && take(vm, 1) == -1 && take(vm, 0) == -1,
	       "physical fixed IPI reaches APIC 2 only");
	wr(vm, 2, 0xb0, 0);
	for (i = 0; i < 4; i++)
		wr(vm, i, 0xd0, (1u << i) << 24); /* flat, one bit each */
	wr(vm, 0, 0x310, 0x0a000000);
	wr(vm, 0, 0x300, 0x871); /* logical dest 0b1010 */
	report(take(vm, 1) == 0x71 && take(vm, 3) == 0x71 &&
	       take(vm, 0) == -1 && take(vm, 2) == -1,
	       "logical flat destination 0x0a reaches APICs 1 and 3");
	wr(vm, 1, 0xb0, 0);
	wr(vm, 3, 0xb0, 0);
	for (i = 0; i < 4; i++) {
		wr(vm, i, 0xe0, 0x0fffffff); /* cluster model */
		wr(vm, i, 0xd0, ((i < 2 ? 0x10u : 0x20u) | (1u << (i & 1)))
				    << 24);
	}
	wr(vm, 0, 0x310, 0x22000000);
	wr(vm, 0, 0x300, 0x872);
	report(take(vm, 3) == 0x72 && take(vm, 1) == -1 && take(vm, 2) == -1,
	       "logical cluster 2 member 1 is APIC 3");
	wr(vm, 3, 0xb0, 0);
	wr(vm, 1, 0x300, 0xc0073); /* all excluding self */
	for (got = 0, i = 0; i < 4; i++)
		got += take(vm, i) == 0x73;
	report(got == 3 && !bit(vm, 1, 0x100, 0x73),
	       "all-but-self reaches the 3 others");
	for (i = 0; i < 4; i++)
		wr(vm, i, 0xb0, 0);
	wr(vm, 2, 0x300, 0x80074); /* all including self */
	for (got = 0, i = 0; i < 4; i++)
		got += take(vm, i) == 0x74;
	report(got == 4, "all-including-self reaches 4");
	for (i = 0; i < 4; i++) {
		wr(vm, i, 0xb0, 0);
		wr(vm, i, 0x80, i == 2 ? 0x00 : 0x30);
	}
	wr(vm, 0, 0x310, 0xff000000);
	wr(vm, 0, 0x300, 0x175); /* lowest priority, physical broadcast */
	for (got = 0, i = 0; i < 4; i++)
		got += take(vm, i) == 0x75;
	report(got == 1 && bit(vm, 2, 0x100, 0x75),
	       "lowest priority picks the one APIC with the lowest TPR");
	done_vm(vm, "ipi");
}

static void test_init_sipi(void)
{
	struct v3_vm *vm = make_vm("device = lapic\n", 2);
	struct v3_vcpu *ap = vm->vcpus[1];

	ap->wait_for_sipi = true;
	wr(vm, 1, 0xf0, SVR_ON);
	wr(vm, 0, 0x310, 1u << 24);
	wr(vm, 0, 0x300, 0x600 | 0x12); /* SIPI before INIT: waiting AP */
	report(ap->sipi_pending && ap->sipi_vector == 0x12,
	       "SIPI reaches an AP waiting since power-on");
	ap->sipi_pending = false;
	ap->wait_for_sipi = false;
	wr(vm, 0, 0x300, 0x600 | 0x13);
	report(!ap->sipi_pending, "SIPI to a running AP is ignored");
	wr(vm, 0, 0x300, 0x8500); /* INIT level de-assert */
	report(!ap->init_pending, "INIT de-assert does nothing");
	wr(vm, 0, 0x300, 0xc500); /* INIT assert */
	report(ap->init_pending && rd(vm, 1, 0xf0) == 0xff &&
	       rd(vm, 1, 0x20) == 1u << 24,
	       "INIT: AP pending INIT, APIC reset but ID kept");
	wr(vm, 0, 0x300, 0x600 | 0x9a);
	report(ap->sipi_pending && ap->sipi_vector == 0x9a,
	       "SIPI right after INIT is kept for the AP");
	done_vm(vm, "init/sipi");
}

/* Host cycles in 'n' nanoseconds (the APIC timer's 1 GHz bus). */
static uint64_t ns(uint64_t n)
{
	return n * FAKE_CPU_KHZ / 1000000;
}

static void test_timer(void)
{
	struct v3_vm *vm = make_vm("device = lapic\n", 1);
	uint64_t v;
	int fired = 0, i;

	wr(vm, 0, 0xf0, SVR_ON);
	wr(vm, 0, 0x3e0, 0xb);	   /* divide by 1 */
	wr(vm, 0, 0x320, 0x40);	   /* one-shot, vector 0x40 */
	wr(vm, 0, 0x380, 100000);  /* 100 us */
	fake_run_for(vm, ns(50000), 0);
	v = rd(vm, 0, 0x390);
	report(v > 49000 && v <= 50000, "one-shot: CCR %llu halfway",
	       (unsigned long long)v);
	report(take(vm, 0) == -1, "not fired halfway");
	fake_run_for(vm, ns(50001), 0);
	report(take(vm, 0) == 0x40, "one-shot fires after 100 us");
	wr(vm, 0, 0xb0, 0);
	fake_run_for(vm, ns(1000000), ns(10000));
	report(take(vm, 0) == -1 && rd(vm, 0, 0x390) == 0,
	       "one-shot fires once, CCR 0 after");
	wr(vm, 0, 0x3e0, 0x3);	   /* divide by 16 */
	wr(vm, 0, 0x320, 0x20041); /* periodic, vector 0x41 */
	wr(vm, 0, 0x380, 625);	   /* 10 us */
	for (i = 0; i < 1000; i++) {
		fake_run_for(vm, ns(1000), 0);
		if (take(vm, 0) == 0x41) {
			fired++;
			wr(vm, 0, 0xb0, 0);
		}
	}
	report(fired == 100, "periodic 10 us: %d ticks in 1 ms", fired);
	wr(vm, 0, 0x380, 0);
	fake_run_for(vm, ns(100000), 0);
	report(take(vm, 0) == -1, "initial count 0 stops the timer");
	wr(vm, 0, 0x320, 0x40042); /* TSC-deadline, vector 0x42 */
	v = fake_cycles() + vm->tsc_offset + 12345;
	msr(vm, 0, 0x6e0, true, &v);
	fake_run_for(vm, 12344, 0);
	report(take(vm, 0) == -1, "TSC deadline not reached");
	fake_run_for(vm, 2, 0);
	report(take(vm, 0) == 0x42, "TSC deadline fires at the deadline");
	v = 1;
	msr(vm, 0, 0x6e0, false, &v);
	report(v == 0, "deadline MSR reads 0 after it fired");
	wr(vm, 0, 0xb0, 0);
	v = fake_cycles() + vm->tsc_offset + 100;
	msr(vm, 0, 0x6e0, true, &v);
	v = 0;
	msr(vm, 0, 0x6e0, true, &v);
	fake_run_for(vm, 1000, 0);
	report(take(vm, 0) == -1, "writing 0 disarms the deadline");
	wr(vm, 0, 0x320, 0x10042);
	done_vm(vm, "timer");
}

static void rte(struct v3_vm *vm, int pin, uint64_t e)
{
	mmio(vm, 0, IOAPIC, true, 0x10 + 2 * pin, 4);
	mmio(vm, 0, IOAPIC + 0x10, true, (uint32_t)e, 4);
	mmio(vm, 0, IOAPIC, true, 0x11 + 2 * pin, 4);
	mmio(vm, 0, IOAPIC + 0x10, true, (uint32_t)(e >> 32), 4);
}

static uint32_t rte_lo(struct v3_vm *vm, int pin)
{
	mmio(vm, 0, IOAPIC, true, 0x10 + 2 * pin, 4);
	return (uint32_t)mmio(vm, 0, IOAPIC + 0x10, false, 0, 4);
}

static void test_ioapic(void)
{
	struct v3_vm *vm = make_vm("device = pic8259\ndevice = lapic\n"
				   "device = ioapic\n", 2);
	int i;

	mmio(vm, 0, IOAPIC, true, 1, 4);
	report(mmio(vm, 0, IOAPIC + 0x10, false, 0, 4) == 0x170011,
	       "IOAPICVER: 24 entries, version 0x11");
	report(rte_lo(vm, 5) == 0x10000, "entries masked at reset");
	for (i = 0; i < 2; i++)
		wr(vm, i, 0xf0, SVR_ON);
	/* The 8259's INT reaches vcpu 0 only while LINT0 takes ExtINT. */
	report(!vm->vcpus[0]->extint_masked, "virtual wire: ExtINT open");
	wr(vm, 0, 0x350, 0x10700);
	report(vm->vcpus[0]->extint_masked, "LINT0 masked: ExtINT closed");
	rte(vm, 2, 0x30);		      /* PIT: edge, to APIC 0 */
	rte(vm, 4, (1ull << 56) | 0x34);      /* UART: edge, to APIC 1 */
	v3_irq_pulse(vm, 0);
	report(take(vm, 0) == 0x30, "ISA IRQ 0 arrives on pin 2");
	v3_irq_pulse(vm, 4);
	report(take(vm, 1) == 0x34 && take(vm, 0) == -1,
	       "IRQ 4 routed to APIC 1");
	wr(vm, 0, 0xb0, 0);
	wr(vm, 1, 0xb0, 0);
	rte(vm, 9, 0x10000 | 0x8000 | 0x39); /* level, masked */
	v3_irq_raise(vm, 9);
	report(take(vm, 0) == -1, "masked pin holds its level");
	rte(vm, 9, 0x8000 | 0x39);
	report(take(vm, 0) == 0x39 && (rte_lo(vm, 9) & 0x4000),
	       "unmasking delivers, remote IRR set");
	report(bit(vm, 0, 0x180, 0x39), "level vector sets the TMR");
	report(take(vm, 0) == -1, "no second message while remote IRR");
	wr(vm, 0, 0xb0, 0);
	report(take(vm, 0) == 0x39,
	       "EOI with the line still high re-asserts");
	v3_irq_lower(vm, 9);
	wr(vm, 0, 0xb0, 0);
	report(!(rte_lo(vm, 9) & 0x4000) && take(vm, 0) == -1,
	       "EOI after the line dropped: remote IRR clear, quiet");
	rte(vm, 10, (3ull << 56) | 0x800 | 0x100 | 0x3a); /* lowest, logical */
	wr(vm, 0, 0xd0, 1u << 24);
	wr(vm, 1, 0xd0, 2u << 24);
	wr(vm, 0, 0x80, 0x20);
	v3_irq_pulse(vm, 10);
	report(take(vm, 1) == 0x3a && take(vm, 0) == -1,
	       "lowest priority, logical 0b11: the APIC with TPR 0");
	wr(vm, 1, 0xb0, 0);
	wr(vm, 0, 0x350, 0x700);
	report(!vm->vcpus[0]->extint_masked, "LINT0 ExtINT again: open");
	done_vm(vm, "ioapic");
}

/* x2APIC (device option x2apic=1): the IA32_APIC_BASE transitions, the
 * MSR interface and its #GP cases, 32-bit destinations. */
static uint64_t rdx(struct v3_vm *vm, int cpu, uint32_t index, int *r)
{
	uint64_t v = 0;

	*r = msr(vm, cpu, index, false, &v);
	return v;
}

static int wrx(struct v3_vm *vm, int cpu, uint32_t index, uint64_t v)
{
	return msr(vm, cpu, index, true, &v);
}

static void test_x2apic(void)
{
	struct v3_vm *vm = make_vm("device = lapic\n", 1);
	struct v3_access id = {.kind = V3_HOOK_CPUID, .addr = 1};
	int r, i;

	v3_hook_call(vm->vcpus[0], &id);
	report(!(id.val[2] & (1u << 21)), "x2APIC hidden by default");
	report(wrx(vm, 0, 0x1b, 0xfee00d00) != 0,
	       "EXTD refused without x2apic=1");
	done_vm(vm, "x2apic off");

	vm = make_vm("device = lapic x2apic=1\n", 3);
	id.val[2] = 0;
	v3_hook_call(vm->vcpus[0], &id);
	report(id.val[2] & (1u << 21), "CPUID.1:ECX.x2APIC with x2apic=1");
	rdx(vm, 0, 0x802, &r);
	report(r != 0, "x2APIC MSRs #GP in xAPIC mode");
	report(wrx(vm, 0, 0x1b, 0xfee00500) != 0, "EXTD without EN: #GP");
	wrx(vm, 2, 0x1b, 0xfee00000);
	report(wrx(vm, 2, 0x1b, 0xfee00c00) != 0,
	       "disabled -> x2APIC: #GP");
	report(wrx(vm, 2, 0x1b, 0xfee00800) == 0 &&
	       wrx(vm, 2, 0x1b, 0xfee00c00) == 0,
	       "disabled -> xAPIC -> x2APIC");
	for (i = 0; i < 2; i++)
		report(wrx(vm, i, 0x1b, i ? 0xfee00c00 : 0xfee00d00) == 0,
		       "vcpu%d xAPIC -> x2APIC", i);
	report(rdx(vm, 1, 0x802, &r) == 1 && r == 0, "x2APIC ID of vcpu1 is 1");
	report(rdx(vm, 2, 0x80d, &r) == 0x4 && r == 0,
	       "LDR of vcpu2: cluster 0, bit 2");
	report(rdx(vm, 0, 0x803, &r) == 0x50014, "version MSR");
	report(wrx(vm, 0, 0x802, 5) != 0 && wrx(vm, 0, 0x80d, 1) != 0 &&
	       wrx(vm, 0, 0x803, 0) != 0 && wrx(vm, 0, 0x839, 0) != 0,
	       "writes to ID, LDR, version, current count: #GP");
	rdx(vm, 0, 0x80b, &r);
	report(r != 0, "EOI read: #GP");
	rdx(vm, 0, 0x83f, &r);
	report(r != 0, "SELF IPI read: #GP");
	rdx(vm, 0, 0x80e, &r);
	report(r != 0, "no DFR in x2APIC mode");
	rdx(vm, 0, 0x831, &r);
	report(r != 0, "no ICR high half in x2APIC mode");
	rdx(vm, 0, 0x82f, &r);
	report(r != 0, "no CMCI LVT with 6 entries");
	report(wrx(vm, 0, 0x808, 0x100) != 0, "TPR reserved bits: #GP");
	report(wrx(vm, 0, 0x80b, 1) != 0, "non-zero EOI: #GP");
	report(wrx(vm, 0, 0x80b, 1ull << 32) != 0, "bits 63:32 of EOI: #GP");
	report(wrx(vm, 0, 0x830, 0x1000) != 0, "ICR delivery status: #GP");
	for (i = 0; i < 3; i++)
		report(wrx(vm, i, 0x80f, SVR_ON) == 0, "vcpu%d SVR on", i);
	report(rdx(vm, 0, 0x80f, &r) == SVR_ON, "SVR reads back");
	report(wrx(vm, 0, 0x830, (2ull << 32) | 0x60) == 0 &&
	       take(vm, 2) == 0x60 && take(vm, 1) == -1,
	       "ICR MSR: fixed IPI to x2APIC ID 2");
	report(rdx(vm, 0, 0x830, &r) == ((2ull << 32) | 0x60),
	       "ICR reads back as one 64-bit value");
	wrx(vm, 2, 0x80b, 0);
	report(wrx(vm, 0, 0x830, (0x00000006ull << 32) | 0x861) == 0 &&
	       take(vm, 1) == 0x61 && take(vm, 2) == 0x61 &&
	       take(vm, 0) == -1,
	       "logical cluster 0, members 1 and 2");
	wrx(vm, 1, 0x80b, 0);
	wrx(vm, 2, 0x80b, 0);
	report(wrx(vm, 0, 0x830, (0xffffffffull << 32) | 0x62) == 0 &&
	       take(vm, 0) == 0x62 && take(vm, 1) == 0x62 &&
	       take(vm, 2) == 0x62, "physical broadcast 0xffffffff");
	for (i = 0; i < 3; i++)
		wrx(vm, i, 0x80b, 0);
	report(wrx(vm, 1, 0x83f, 0x63) == 0 && take(vm, 1) == 0x63 &&
	       take(vm, 0) == -1 && rdx(vm, 1, 0x830, &r) == 0,
	       "SELF IPI reaches only itself and leaves the ICR alone");
	report(wrx(vm, 1, 0x83f, 0x163) != 0, "SELF IPI reserved bits: #GP");
	wrx(vm, 1, 0x80b, 0);
	report(rd(vm, 1, 0x20) == 0 && (wr(vm, 1, 0x80, 0xf0),
	       rdx(vm, 1, 0x808, &r) == 0),
	       "the xAPIC page is gone in x2APIC mode");
	report(wrx(vm, 1, 0x1b, 0xfee00800) != 0, "x2APIC -> xAPIC: #GP");
	report(wrx(vm, 1, 0x1b, 0xfee00000) == 0 &&
	       wrx(vm, 1, 0x1b, 0xfee00800) == 0 &&
	       rd(vm, 1, 0x20) == 1u << 24 && rd(vm, 1, 0xf0) == 0xff,
	       "x2APIC -> disabled -> xAPIC resets the APIC");
	wrx(vm, 0, 0x832, 0x20064); /* periodic, vector 0x64 */
	report(rdx(vm, 0, 0x832, &r) == 0x20064, "LVT timer MSR");
	report(wrx(vm, 0, 0x832, 0x80064) != 0, "LVT timer reserved bit: #GP");
	wrx(vm, 0, 0x83e, 0xb);
	wrx(vm, 0, 0x838, 1000000);
	report(rdx(vm, 0, 0x838, &r) == 1000000 &&
	       rdx(vm, 0, 0x839, &r) <= 1000000, "timer counts via MSRs");
	done_vm(vm, "x2apic");
}

static void test_refusals(void)
{
	char err[160];
	struct v3_vm *vm = fake_vm_create("device = lapic\ndevice = lapic\n",
					  16 << 20, 1, err, sizeof(err));

	report(vm == NULL && strstr(err, "lapic"), "two lapics refused: %s",
	       err);
}

int main(void)
{
	test_registers();
	test_priority();
	test_ipi();
	test_init_sipi();
	test_timer();
	test_ioapic();
	test_x2apic();
	test_refusals();
	return report_summary("test_apic");
}
