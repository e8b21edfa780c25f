/* trap.c - the IDT, the exception panic with its register dump, and
 * legacy IRQ dispatch.
 *
 * Every vector gets an interrupt gate (IF cleared on entry, SDM vol. 3
 * §6.12.1.3).  Exceptions are always fatal in this kernel: the VMM
 * handles guest faults through VM exits, so a host exception is a bug
 * and the run must end loudly, with a non-zero exit status. */
#include "gdt.h"
#include "pic.h"
#include "power.h"
#include "printk.h"
#include "sched.h"
#include "serial.h"
#include "trap.h"
#include "smp.h"
#include "x86.h"

#define NR_VECTORS 256
#define STUB_SIZE 16	/* isr.S aligns every stub to 16 bytes */
#define GATE_INTR64 0x8e	/* P, DPL 0, 64-bit interrupt gate */

/* 64-bit IDT gate descriptor (SDM vol. 3 §6.14.1, figure 6-8). */
struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const char isr_stubs[];

static struct idt_gate idt[NR_VECTORS] __attribute__((aligned(16)));
static void (*irq_handlers[NR_IRQS])(int irq);
static uint8_t unexpected_seen[NR_VECTORS];
static volatile int in_panic;

/* SDM vol. 3 table 6-1. */
static const char *const exc_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"BOUND range exceeded", "invalid opcode", "device not available",
	"double fault", "coprocessor segment overrun", "invalid TSS",
	"segment not present", "stack-segment fault", "general protection",
	"page fault", "reserved 15", "x87 FPU error", "alignment check",
	"machine check", "SIMD floating-point", "virtualization",
	"control protection", "reserved 22", "reserved 23", "reserved 24",
	"reserved 25", "reserved 26", "reserved 27", "hypervisor injection",
	"VMM communication", "security", "reserved 31",
};

static void set_gate(int vec, int ist)
{
	uint64_t a = (uint64_t)(isr_stubs + vec * STUB_SIZE);

	idt[vec].off_lo = a & 0xffff;
	idt[vec].sel = KERNEL_CS;
	idt[vec].ist = ist;
	idt[vec].type = GATE_INTR64;
	idt[vec].off_mid = (a >> 16) & 0xffff;
	idt[vec].off_hi = a >> 32;
}

void idt_init(void)
{
	struct idt_ptr p = { sizeof(idt) - 1, (uint64_t)idt };

	for (int v = 0; v < NR_VECTORS; v++)
		set_gate(v, 0);
	set_gate(2, IST_NMI_MCE);
	set_gate(8, IST_DOUBLE_FAULT);
	set_gate(18, IST_NMI_MCE);
	__asm__ volatile("lidt %0" ::"m"(p));
}

void idt_load(void)
{
	struct idt_ptr p = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" ::"m"(p));
}

void irq_set_handler(int irq, void (*handler)(int irq))
{
	irq_handlers[irq] = handler;
}

/* Follow the saved-RBP chain (we build with frame pointers) while it
 * stays inside the stack the fault happened on. */
static void backtrace(uint64_t rbp, uint64_t rsp)
{
	uint64_t lo, hi;

	current_stack_bounds(&lo, &hi);
	if (rsp < lo || rsp >= hi)
		return;	/* not on the thread's stack: do not guess */
	lo = rsp;

	printk("kitten: backtrace:");
	for (int i = 0; i < 16; i++) {
		const uint64_t *frame = (const uint64_t *)rbp;

		if (rbp < lo || rbp + 16 > hi || (rbp & 7))
			break;
		printk(" %lx", frame[1]);
		lo = rbp + 16;
		rbp = frame[0];
	}
	printk("\n");
}

static void panic_dump(struct trap_frame *f)
{
	const char *thread = current_thread_name();

	printk("kitten: PANIC: exception %lu (%s) err=0x%lx rip=0x%lx\n",
	       f->vector, exc_names[f->vector], f->error, f->rip);
	printk("kitten: thread %s cs=%lx rflags=%016lx rsp=%016lx ss=%lx\n",
	       thread, f->cs, f->rflags, f->rsp, f->ss);
	printk("kitten: rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n",
	       f->rax, f->rbx, f->rcx, f->rdx);
	printk("kitten: rsi=%016lx rdi=%016lx rbp=%016lx r8 =%016lx\n",
	       f->rsi, f->rdi, f->rbp, f->r8);
	printk("kitten: r9 =%016lx r10=%016lx r11=%016lx r12=%016lx\n",
	       f->r9, f->r10, f->r11, f->r12);
	printk("kitten: r13=%016lx r14=%016lx r15=%016lx\n", f->r13, f->r14,
	       f->r15);
	printk("kitten: cr0=%016lx cr2=%016lx cr3=%016lx cr4=%016lx\n",
	       read_cr0(), read_cr2(), read_cr3(), read_cr4());
	if (f->vector == 8 || f->vector == 14) {
		uint64_t lo, hi, cr2 = read_cr2();

		current_stack_bounds(&lo, &hi);
		if (cr2 < lo && cr2 >= lo - 4096)
			printk("kitten: thread %s overflowed its stack (%lu "
			       "KiB) into the guard page\n", thread,
			       (unsigned long)((hi - lo) >> 10));
	}
	backtrace(f->rbp, f->rsp);
}

static void exception(struct trap_frame *f)
{
	serial_panic_mode();
	serial_start_line();
	if (__atomic_exchange_n(&in_panic, 1, __ATOMIC_SEQ_CST)) {
		/* A fault while dumping: keep it short. */
		printk("kitten: PANIC: exception %lu during panic, rip=0x%lx\n",
		       f->vector, f->rip);
		poweroff(1);
	}
	panic_dump(f);
	poweroff(1);
}

static void irq(int n)
{
	if ((n == 7 || n == 15) && pic_spurious(n))
		return;
	if (irq_handlers[n]) {
		irq_handlers[n](n);
	} else {
		if (!unexpected_seen[IRQ_BASE + n]++)
			printk("kitten: unexpected IRQ %d, masking it\n", n);
		pic_mask(n);
	}
	pic_eoi(n);
}

void trap_dispatch(struct trap_frame *f)
{
	uint64_t v = f->vector;

	if (v < 32) {
		exception(f);
	} else if (v >= IRQ_BASE && v < IRQ_BASE + NR_IRQS) {
		irq(v - IRQ_BASE);
	} else if (v == SMP_CALL_VECTOR) {
		smp_call_interrupt();
	} else if (!unexpected_seen[v]++) {
		/* Nothing we programmed raises these (e.g. a local APIC
		 * spurious vector); not worth dying for. */
		printk("kitten: unexpected interrupt vector %lu\n", v);
	}
}
