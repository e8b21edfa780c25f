/* smp.c - see smp.h.  The boot CPU probes APIC IDs 1, 2, ... one at a
 * time with INIT-SIPI-SIPI (SDM vol. 3 §9.4.4.1, "Typical BSP
 * Initialization Sequence") and stops at the first that does not
 * answer: QEMU numbers its CPUs densely from 0. */
#include "gdt.h"
#include "kstring.h"
#include "mm.h"
#include "printk.h"
#include "sched.h"
#include "smp.h"
#include "time.h"
#include "trap.h"
#include "x86.h"

#define LAPIC_BASE 0xfee00000ull
#define APIC_ID 0x020
#define APIC_EOI 0x0b0
#define APIC_SVR 0x0f0
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_ICR 0x380
#define APIC_TIMER_CCR 0x390
#define APIC_TIMER_DCR 0x3e0
#define LVT_MASKED (1u << 16)
#define DCR_DIV1 0xb
#define SVR_ENABLE 0x100
#define ICR_PENDING (1u << 12)
#define ICR_INIT 0x4500 /* INIT, level assert */
#define ICR_SIPI 0x4600
#define ICR_FIXED 0x4000
#define CPUID1_EDX_APIC (1u << 9)
#define MSR_EFER 0xc0000080u
#define EFER_LMA (1ull << 10)

#define SMP_TRAMPOLINE 0x8000ull
#define AP_STACK_PAGES 4
#define INIT_WAIT_US 10000
#define SIPI_WAIT_US 50000

extern const char smp_tramp_start[], smp_tramp_end[];
extern const char smp_tramp_cr3[], smp_tramp_efer[], smp_tramp_stack[];
extern const char smp_tramp_entry[], smp_tramp_arg[];

struct smp_cpu {
	uint32_t apic_id;
	volatile int online;
	void (*volatile fn)(void *arg);
	void *arg;
	volatile int done;
};

static struct smp_cpu cpus[GDT_MAX_CPUS];
/* Local APIC timer counts per ms (divide by 1), measured against the
 * TSC by each AP: the APs' wake-up alarm, as only CPU 0 has a tick. */
static uint64_t apic_counts_per_ms;
static volatile int ncpus = 1;

static uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = v;
}

static void delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + usec_to_cycles(us);

	while (rdtsc() < end)
		cpu_relax();
}

static void send_ipi(uint32_t apic_id, uint32_t icr)
{
	lapic_write(APIC_ICR_HI, apic_id << 24);
	lapic_write(APIC_ICR_LO, icr);
	while (lapic_read(APIC_ICR_LO) & ICR_PENDING)
		cpu_relax();
}

/* The trampoline's data words, in its copy at SMP_TRAMPOLINE. */
static void *tramp_word(const char *sym)
{
	return (void *)(SMP_TRAMPOLINE + (uint64_t)(sym - smp_tramp_start));
}

int smp_cpus_online(void)
{
	return ncpus;
}

/* Index of the calling CPU (0 = boot CPU), from the TSS it loaded
 * (gdt.c gives CPU n the selector KERNEL_TSS + 16 n): STR is cheap,
 * while reading the local APIC ID is MMIO, which an emulator may
 * serialize across all its CPUs. */
int smp_cpu_index(void)
{
	uint16_t tr;

	__asm__ volatile("str %0" : "=r"(tr));
	return tr < KERNEL_TSS ? 0 : (tr - KERNEL_TSS) / 16;
}

/* First C code of an AP, on its own stack, interrupts off. */
static void ap_main(uint64_t idx)
{
	gdt_init_cpu((int)idx);
	idt_load();
	cpu_setup();
	lapic_write(APIC_SVR, SVR_ENABLE | 0xff);
	cpus[idx].apic_id = lapic_read(APIC_ID) >> 24;
	if (!apic_counts_per_ms) {
		lapic_write(APIC_LVT_TIMER, LVT_MASKED);
		lapic_write(APIC_TIMER_DCR, DCR_DIV1);
		lapic_write(APIC_TIMER_ICR, 0xffffffffu);
		delay_us(1000);
		apic_counts_per_ms = 0xffffffffu - lapic_read(APIC_TIMER_CCR);
	}
	lapic_write(APIC_TIMER_DCR, DCR_DIV1);
	lapic_write(APIC_LVT_TIMER, SMP_CALL_VECTOR); /* one-shot */
	sched_init_cpu((int)idx);
	__atomic_store_n(&cpus[idx].online, 1, __ATOMIC_SEQ_CST);
	/* Threads placed here run from now on; SMP_CALL_VECTOR IPIs wake
	 * the idle loop and run call_on_cpu() requests. */
	sched_idle_loop();
}

bool smp_have_alarm(void)
{
	return apic_counts_per_ms != 0;
}

void smp_arm_wakeup(uint64_t tsc_deadline)
{
	uint64_t now = rdtsc(), counts = 1;

	if (tsc_deadline > now && apic_counts_per_ms)
		counts = (tsc_deadline - now) * apic_counts_per_ms /
			 usec_to_cycles(1000) + 1;
	if (counts > 0xffffffffu)
		counts = 0xffffffffu;
	lapic_write(APIC_TIMER_ICR, (uint32_t)counts);
}

void smp_kick(int cpu)
{
	if (cpu > 0 && cpu < ncpus)
		send_ipi(cpus[cpu].apic_id, ICR_FIXED | SMP_CALL_VECTOR);
	else if (cpu == 0 && ncpus > 1 && smp_cpu_index() != 0)
		send_ipi(cpus[0].apic_id, ICR_FIXED | SMP_CALL_VECTOR);
}

void smp_call_interrupt(void)
{
	struct smp_cpu *c = &cpus[smp_cpu_index()];
	void (*fn)(void *arg) = c->fn;

	if (fn) {
		c->fn = NULL;
		fn(c->arg);
		__atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
	}
	lapic_write(APIC_EOI, 0);
}

int smp_call_on_cpu(int cpu, void (*fn)(void *arg), void *arg)
{
	struct smp_cpu *c;

	if (cpu < 0 || cpu >= ncpus)
		return -1;
	if (cpu == smp_cpu_index()) {
		fn(arg);
		return 0;
	}
	c = &cpus[cpu];
	c->done = 0;
	c->arg = arg;
	__atomic_store_n(&c->fn, fn, __ATOMIC_SEQ_CST);
	send_ipi(c->apic_id, ICR_FIXED | SMP_CALL_VECTOR);
	while (!__atomic_load_n(&c->done, __ATOMIC_SEQ_CST))
		cpu_relax();
	return 0;
}

static bool wait_online(int idx, uint64_t us)
{
	uint64_t end = rdtsc() + usec_to_cycles(us);

	while (rdtsc() < end)
		if (__atomic_load_n(&cpus[idx].online, __ATOMIC_SEQ_CST))
			return true;
	return false;
}

static bool start_ap(uint32_t apic_id, int idx)
{
	uint64_t stack = page_alloc(AP_STACK_PAGES, PAGE_SIZE);
	uint32_t sipi = ICR_SIPI | (uint32_t)(SMP_TRAMPOLINE >> 12);

	if (!stack)
		return false;
	*(uint64_t *)tramp_word(smp_tramp_stack) =
		stack + AP_STACK_PAGES * PAGE_SIZE;
	*(uint64_t *)tramp_word(smp_tramp_arg) = (uint64_t)idx;
	send_ipi(apic_id, ICR_INIT);
	delay_us(INIT_WAIT_US);
	for (int attempt = 0; attempt < 2; attempt++) {
		send_ipi(apic_id, sipi);
		if (wait_online(idx, SIPI_WAIT_US))
			return true;
	}
	page_free(stack, AP_STACK_PAGES);
	return false;
}

int smp_init(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	if (!(r[3] & CPUID1_EDX_APIC))
		return ncpus;
	lapic_write(APIC_SVR, SVR_ENABLE | 0xff);
	cpus[0].apic_id = lapic_read(APIC_ID) >> 24;
	cpus[0].online = 1;
	memcpy((void *)SMP_TRAMPOLINE, smp_tramp_start,
	       (size_t)(smp_tramp_end - smp_tramp_start));
	*(uint32_t *)tramp_word(smp_tramp_cr3) = (uint32_t)read_cr3();
	*(uint32_t *)tramp_word(smp_tramp_efer) =
		(uint32_t)(rdmsr(MSR_EFER) & ~EFER_LMA);
	*(uint64_t *)tramp_word(smp_tramp_entry) = (uint64_t)ap_main;
	for (int idx = 1; idx < GDT_MAX_CPUS; idx++) {
		uint32_t id = cpus[0].apic_id + (uint32_t)idx;

		if (!start_ap(id, idx))
			break;
		ncpus = idx + 1;
	}
	/* With APs the boot CPU sleeps on its local APIC timer too rather
	 * than polling the TSC: a polling CPU would slow the others down
	 * in an emulator that serializes its CPUs' device accesses. */
	if (apic_counts_per_ms) {
		lapic_write(APIC_TIMER_DCR, DCR_DIV1);
		lapic_write(APIC_LVT_TIMER, SMP_CALL_VECTOR);
	}
	return ncpus;
}
