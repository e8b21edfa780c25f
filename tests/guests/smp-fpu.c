/* smp-fpu.c - each vcpu's SSE registers are its own: two vcpus that
 * share a host CPU load different patterns into XMM0-7, then take turns
 * (IPI ping-pong, HLT in between, so the host switches between their
 * threads every round) and check after every round that their
 * registers still hold their own pattern. */
#include "libguest.h"
#include "sse.h"

#define PING 0x50
#define PONG 0x51
#define ROUNDS 50
#define CR0_EM (1u << 2)
#define CR0_MP (1u << 1)
#define CR4_OSFXSR (1u << 9)

static volatile uint32_t pongs, ap_ready, ap_bad, ap_rounds;

static void sse_on(void)
{
	uint32_t cr0, cr4;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"((cr0 & ~CR0_EM) | CR0_MP));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_OSFXSR));
}

static void fill(uint32_t *buf, uint32_t seed)
{
	for (int i = 0; i < SSE_BLOCK_WORDS; i++)
		buf[i] = seed * 0x01000193u + (uint32_t)i * 0x9e3779b9u;
}

static bool xmm_holds(const uint32_t *want)
{
	uint32_t got[SSE_BLOCK_WORDS];

	xmm_store(got);
	return memcmp(got, want, sizeof(got)) == 0;
}

static uint32_t ap_pattern[SSE_BLOCK_WORDS], bsp_pattern[SSE_BLOCK_WORDS];

static void on_ping(struct trap_frame *f)
{
	(void)f;
	if (!xmm_holds(ap_pattern))
		ap_bad++;
	ap_rounds++;
	lapic_send_ipi(0, PONG);
	lapic_eoi();
}

static void on_pong(struct trap_frame *f)
{
	(void)f;
	pongs++;
	lapic_eoi();
}

static void ap_loop(uint32_t id)
{
	(void)id;
	sse_on();
	xmm_load(ap_pattern);
	ap_ready = 1;
	for (;;)
		sti_hlt();
}

int main(void)
{
	uint32_t bad = 0, i;

	fill(ap_pattern, 2);
	fill(bsp_pattern, 1);
	irq_set_handler(PING, on_ping);
	irq_set_handler(PONG, on_pong);
	lapic_enable();
	sse_on();
	xmm_load(bsp_pattern);
	report(xmm_holds(bsp_pattern), "BSP: XMM0-7 loaded");
	report(smp_start_aps(ap_loop, 1, 5000) == 1, "AP started");
	while (!ap_ready)
		;
	for (i = 0; i < ROUNDS; i++) {
		uint32_t before = pongs;

		lapic_send_ipi(1, PING);
		while (pongs == before) {
			sti_hlt();
			cli();
		}
		if (!xmm_holds(bsp_pattern))
			bad++;
	}
	report(ap_rounds == ROUNDS, "%u rounds", ap_rounds);
	report(bad == 0, "BSP's XMM registers intact after every round (%u "
	       "bad)", bad);
	report(ap_bad == 0, "AP's XMM registers intact in every round (%u "
	       "bad)", ap_bad);
	return report_summary();
}
