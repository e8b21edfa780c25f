/* smp-tlb.c - TLB shootdowns between two vcpus sharing page tables, the
 * way an SMP kernel does them: the BSP remaps a page, then interrupts
 * the AP, whose handler invalidates (INVLPG in even rounds, a CR3
 * reload in odd ones) and reads the page.  The AP must see the new
 * frame every time, and its reads must set the accessed bit in the
 * shared page table (with shadow paging: each vcpu's own shadow tables
 * dropped by its own intercepted INVLPG or CR3 write; A bits set by the
 * VMM's walk).  32-bit paging: 4 MiB identity pages for the first
 * 16 MiB and the local APIC, one 4 KiB page table for the window at
 * 1 GiB. */
#include "libguest.h"

#define PTE_P  0x001u
#define PTE_RW 0x002u
#define PTE_A  0x020u
#define PTE_PS 0x080u
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)

#define WIN	0x40000000u
#define APIC_PD	(0xfee00000u >> 22) /* the local APIC's 4 MiB, identity */
#define SHOOT	0x60
#define ROUNDS	100
#define MAX_WAIT_SPINS 1000000u

static uint32_t pd[1024] __attribute__((aligned(4096)));
static uint32_t pt_win[1024] __attribute__((aligned(4096)));
static uint32_t frames[2][1024] __attribute__((aligned(4096)));

static volatile uint32_t ap_ready, acks, seen, accessed_after;

static void paging_on(void)
{
	write_cr4(read_cr4() | CR4_PSE);
	write_cr3((uint32_t)pd);
	write_cr0(read_cr0() | CR0_PG);
}

/* The AP's half of a shootdown: invalidate, read, tell the BSP. */
static void on_shoot(struct trap_frame *f)
{
	(void)f;
	if (acks % 2 == 0)
		invlpg(WIN);
	else
		write_cr3(read_cr3());
	seen = *(volatile uint32_t *)WIN;
	accessed_after = pt_win[0] & PTE_A;
	acks++;
	lapic_eoi();
}

static void ap_main(uint32_t id)
{
	(void)id;
	paging_on();
	(void)*(volatile uint32_t *)WIN; /* the old frame is cached now */
	ap_ready = 1;
	for (;;)
		sti_hlt();
}

/* The BSP polls with PAUSE: the AP's answer needs no IPI back. */
static bool wait_ack(uint32_t before)
{
	uint32_t spins = 0;

	while (acks == before && spins++ < MAX_WAIT_SPINS)
		__asm__ volatile("pause");
	return acks != before;
}

int main(void)
{
	uint32_t i, wrong = 0, lost = 0, no_a = 0;

	for (i = 0; i < 4; i++)
		pd[i] = (i << 22) | PTE_P | PTE_RW | PTE_PS;
	pd[WIN >> 22] = (uint32_t)pt_win | PTE_P | PTE_RW;
	pd[APIC_PD] = (APIC_PD << 22) | PTE_P | PTE_RW | PTE_PS;
	frames[0][0] = 0xa0a0a0a0u;
	frames[1][0] = 0xb1b1b1b1u;
	pt_win[0] = (uint32_t)frames[0] | PTE_P | PTE_RW;
	irq_set_handler(SHOOT, on_shoot);
	lapic_enable();
	paging_on();
	report(*(volatile uint32_t *)WIN == 0xa0a0a0a0u,
	       "BSP reads the first frame through the window");
	report(smp_start_aps(ap_main, 1, 5000) == 1, "AP started");
	while (!ap_ready)
		;
	for (i = 0; i < ROUNDS; i++) {
		uint32_t k = (i + 1) % 2, before = acks;

		/* Remap to the other frame with A clear; the AP's read must
		 * set it again. */
		pt_win[0] = (uint32_t)frames[k] | PTE_P | PTE_RW;
		invlpg(WIN);
		lapic_send_ipi(1, SHOOT);
		if (!wait_ack(before)) {
			lost++;
			continue;
		}
		if (seen != frames[k][0])
			wrong++;
		if (!accessed_after)
			no_a++;
	}
	report(lost == 0, "every shootdown answered (%u lost)", lost);
	report(wrong == 0,
	       "after INVLPG or a CR3 reload the AP sees the new frame "
	       "(%u of %u rounds stale)", wrong, ROUNDS);
	report(no_a == 0, "the AP's read set the accessed bit (%u rounds "
	       "without)", no_a);
	report(*(volatile uint32_t *)WIN == frames[ROUNDS % 2][0],
	       "BSP sees the last frame too");
	return report_summary();
}
