/* paging.c - the guest's own page tables, as the VMM must honour them
 * (with shadow paging: by rebuilding its tables from them).  The same
 * checks run in 32-bit paging (4 KiB pages and 4 MiB PSE pages) and in
 * PAE paging (4 KiB and 2 MiB pages, NX): map, remap after INVLPG,
 * unmap, write protection with CR0.WP on and off, accessed and dirty
 * bits, large pages, two address spaces switched by CR3, page faults
 * with the architectural CR2 and error code (SDM vol. 3, 4.7), reserved
 * bits, global pages (CR4.PGE), the U/S bit as SMEP and SMAP see it from
 * supervisor mode, and an INT n whose delivery finds the VMM's tables
 * empty.
 * Identity paging covers the first 16 MiB; tests use the window at
 * 1 GiB. */
#include "libguest.h"

#define PTE_P  0x001ull
#define PTE_RW 0x002ull
#define PTE_A  0x020ull
#define PTE_D  0x040ull
#define PTE_PS 0x080ull
#define PTE_G  0x100ull
#define PTE_US 0x004ull
#define PTE_XD (1ull << 63)
#define PRW    (PTE_P | PTE_RW)

#define CR0_WP	 (1u << 16)
#define CR0_PG	 (1u << 31)
#define CR4_PSE	 (1u << 4)
#define CR4_PAE	 (1u << 5)
#define CR4_PGE	 (1u << 7)
#define CPUID1_EDX_PGE (1u << 13)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)
#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)
#define EFLAGS_AC (1u << 18)
#define MSR_EFER 0xc0000080u
#define EFER_NXE (1ull << 11)

/* #PF error code bits */
#define PF_P	0x01u
#define PF_W	0x02u
#define PF_RSVD 0x08u
#define PF_I	0x10u

#define WIN	  0x40000000u /* 4 KiB test pages */
#define NX_PAGE	  5
#define NX_VA	  (WIN + NX_PAGE * 4096u)
#define BIG	  0x40400000u /* one large test page */
#define BIG_PA	  0x800000u   /* ... mapped to 8 MiB, then 12 MiB */
#define BIG_PA2	  0xc00000u
#define SOFT_VEC  0x42

/* Test frames, identity-mapped (the image runs at its physical address). */
static uint8_t frames[4][4096] __attribute__((aligned(4096)));
#define FRAME(k) ((uint64_t)(uint32_t)frames[k])

/* 32-bit paging: two page directories (address spaces) sharing the
 * identity map; each has its own window page table. */
static uint32_t pd32[2][1024] __attribute__((aligned(4096)));
static uint32_t pt32_low[1024] __attribute__((aligned(4096)));
static uint32_t pt32_win[2][1024] __attribute__((aligned(4096)));

/* PAE: two PDPTs; the first GiB is shared, the second has the window. */
static uint64_t pdpt[2][4] __attribute__((aligned(32)));
static uint64_t pd_low[512] __attribute__((aligned(4096)));
static uint64_t pt_low[512] __attribute__((aligned(4096)));
static uint64_t pd_win[2][512] __attribute__((aligned(4096)));
static uint64_t pt_win[2][512] __attribute__((aligned(4096)));

struct mode {
	const char *name;
	bool pae;
	uint32_t cr3[2];
	uint32_t big_size;
};

static const struct mode *m;

static uint64_t get_pte(int as, int i)
{
	return m->pae ? pt_win[as][i] : pt32_win[as][i];
}

static void set_pte(int as, int i, uint64_t e)
{
	if (m->pae)
		pt_win[as][i] = e;
	else
		pt32_win[as][i] = (uint32_t)e;
}

static uint64_t get_big(void)
{
	return m->pae ? pd_win[0][(BIG - WIN) >> 21] : pd32[0][BIG >> 22];
}

static void set_big(uint64_t e)
{
	if (m->pae)
		pd_win[0][(BIG - WIN) >> 21] = e;
	else
		pd32[0][BIG >> 22] = pd32[1][BIG >> 22] = (uint32_t)e;
}

static void build_32(void)
{
	int as, i;

	for (i = 0; i < 1024; i++)
		pt32_low[i] = (uint32_t)(i << 12) | PRW;
	for (as = 0; as < 2; as++) {
		pd32[as][0] = (uint32_t)pt32_low | PRW;
		for (i = 1; i < 4; i++)
			pd32[as][i] = (uint32_t)(i << 22) | PRW | PTE_PS;
		/* U/S at the upper level: each window leaf decides. */
		pd32[as][WIN >> 22] = (uint32_t)pt32_win[as] | PRW | PTE_US;
		pd32[as][BIG >> 22] = BIG_PA | PRW | PTE_PS;
	}
}

static void build_pae(void)
{
	int as, i;

	for (i = 0; i < 512; i++)
		pt_low[i] = ((uint64_t)i << 12) | PRW;
	pd_low[0] = (uint32_t)pt_low | PRW;
	for (i = 1; i < 8; i++)
		pd_low[i] = ((uint64_t)i << 21) | PRW | PTE_PS;
	for (as = 0; as < 2; as++) {
		pdpt[as][0] = (uint32_t)pd_low | PTE_P;
		pdpt[as][1] = (uint32_t)pd_win[as] | PTE_P;
		pd_win[as][0] = (uint32_t)pt_win[as] | PRW | PTE_US;
		pd_win[as][(BIG - WIN) >> 21] = BIG_PA | PRW | PTE_PS;
	}
}

static const struct mode mode32 = {
	"32-bit", false,
	{(uint32_t)pd32[0], (uint32_t)pd32[1]}, 4u << 20,
};
static const struct mode mode_pae = {
	"PAE", true,
	{(uint32_t)pdpt[0], (uint32_t)pdpt[1]}, 2u << 20,
};

/* The page fault a test provoked: vector, error code and CR2. */
static bool pf_is(int vec, uint32_t err, uint32_t cr2)
{
	uint32_t got = read_cr2();

	if (vec == PF_VECTOR && fault_error() == err && got == cr2)
		return true;
	printf("  got vector %d error 0x%x cr2 0x%x, want #PF 0x%x at 0x%x\n",
	       vec, fault_error(), got, err, cr2);
	return false;
}

static void fill_frames(void)
{
	for (int k = 0; k < 4; k++)
		for (int i = 0; i < 1024; i++)
			((volatile uint32_t *)frames[k])[i] =
			    0xf0000000u | (k << 16) | i;
	/* The large page's two targets, through the identity map. */
	for (uint32_t off = 0; off < (4u << 20); off += 0x1000) {
		*(volatile uint32_t *)(BIG_PA + off) = 0xb1000000u | off >> 12;
		*(volatile uint32_t *)(BIG_PA2 + off) = 0xb2000000u | off >> 12;
	}
}

static uint32_t frame_word(int k, int i)
{
	return 0xf0000000u | (k << 16) | i;
}

static void check_map_ad(void)
{
	uint64_t e;

	/* Neighbours of page 0, one never used (A clear) and one used but
	 * clean: a VMM that maps them ahead must still set A and D. */
	set_pte(0, 10, FRAME(2) | PRW);
	set_pte(0, 11, FRAME(3) | PRW | PTE_A);
	set_pte(0, 0, FRAME(0) | PRW);
	report(read_or_bad(WIN + 8) == frame_word(0, 2), "%s: mapped page reads its "
	       "frame", m->name);
	e = get_pte(0, 0);
	report((e & PTE_A) && !(e & PTE_D), "%s: read sets A, not D (pte "
	       "0x%llx)", m->name, (unsigned long long)e);
	report(write_safe(WIN + 12, 0x1234) == NO_FAULT &&
	       ((volatile uint32_t *)frames[0])[3] == 0x1234,
	       "%s: write after read reaches the frame", m->name);
	report(get_pte(0, 0) & PTE_D, "%s: the write sets D", m->name);

	/* The guest cleans its entry and invalidates: D again on the next
	 * write, not before. */
	set_pte(0, 0, FRAME(0) | PRW);
	invlpg(WIN);
	(void)read_or_bad(WIN);
	e = get_pte(0, 0);
	report((e & PTE_A) && !(e & PTE_D), "%s: cleaned entry: read sets only "
	       "A again", m->name);
	(void)write_safe(WIN + 12, 0x5678);
	report(get_pte(0, 0) & PTE_D, "%s: cleaned entry: write sets D again",
	       m->name);

	report(read_or_bad(WIN + 10 * 4096) == frame_word(2, 0) &&
	       (get_pte(0, 10) & PTE_A), "%s: neighbour read sets A", m->name);
	report(read_or_bad(WIN + 11 * 4096) == frame_word(3, 0) &&
	       !(get_pte(0, 11) & PTE_D), "%s: used neighbour reads, still "
	       "clean", m->name);
	report(write_safe(WIN + 11 * 4096 + 4, frame_word(3, 1)) == NO_FAULT &&
	       (get_pte(0, 11) & PTE_D), "%s: neighbour write sets D", m->name);
	set_pte(0, 10, 0);
	set_pte(0, 11, 0);
	invlpg(WIN + 10 * 4096);
	invlpg(WIN + 11 * 4096);
}

static void check_remap_unmap(void)
{
	uint32_t v;
	int i;

	set_pte(0, 0, FRAME(1) | PRW);
	invlpg(WIN);
	report(read_or_bad(WIN + 16) == frame_word(1, 4), "%s: remapped after "
	       "INVLPG", m->name);

	set_pte(0, 0, 0);
	invlpg(WIN);
	report(pf_is(read_safe(WIN + 0x10, &v), 0, WIN + 0x10),
	       "%s: unmapped read: #PF error 0, CR2", m->name);
	report(pf_is(write_safe(WIN + 0x24, 1), PF_W, WIN + 0x24),
	       "%s: unmapped write: #PF error W, CR2", m->name);

	/* Pages never touched before: misses in a shadow that must not
	 * change the guest's CR2. */
	for (i = 1; i <= 4; i++)
		set_pte(0, i, FRAME(i % 4) | PRW);
	for (i = 1; i <= 4; i++)
		(void)read_or_bad(WIN + i * 4096);
	report(read_cr2() == WIN + 0x24, "%s: CR2 kept across later accesses",
	       m->name);
	set_pte(0, 0, FRAME(1) | PRW);
	invlpg(WIN);
}

static void check_write_protect(void)
{
	uint32_t cr0 = read_cr0();

	set_pte(0, 6, FRAME(2) | PTE_P);
	report(read_or_bad(WIN + 6 * 4096) == frame_word(2, 0), "%s: read-only page "
	       "reads", m->name);
	report(pf_is(write_safe(WIN + 6 * 4096 + 4, 7), PF_P | PF_W, WIN + 6 * 4096 + 4),
	       "%s: CR0.WP=1: supervisor write faults with P|W", m->name);
	write_cr0(cr0 & ~CR0_WP);
	report(write_safe(WIN + 6 * 4096 + 4, 0x77) == NO_FAULT &&
	       ((volatile uint32_t *)frames[2])[1] == 0x77,
	       "%s: CR0.WP=0: supervisor write allowed", m->name);
	report(get_pte(0, 6) & PTE_D, "%s: CR0.WP=0 write sets D", m->name);
	write_cr0(cr0);
	report(pf_is(write_safe(WIN + 6 * 4096 + 8, 8), PF_P | PF_W, WIN + 6 * 4096 + 8),
	       "%s: CR0.WP=1 again: write faults again", m->name);
	((volatile uint32_t *)frames[2])[1] = frame_word(2, 1);
}

static void check_large(void)
{
	uint32_t last = m->big_size - 0x1000;
	uint64_t e;

	report(read_or_bad(BIG) == 0xb1000000u &&
	       read_or_bad(BIG + last) == (0xb1000000u | last >> 12),
	       "%s: %u MiB page: first and last 4 KiB", m->name,
	       m->big_size >> 20);
	e = get_big();
	report((e & PTE_A) && !(e & PTE_D), "%s: large page read sets A",
	       m->name);
	(void)write_safe(BIG + 0x40, 0xb1000000u);
	report(get_big() & PTE_D, "%s: large page write sets D", m->name);

	/* INVLPG of any address inside drops the whole page. */
	set_big(BIG_PA2 | PRW | PTE_PS);
	invlpg(BIG + m->big_size - 0x10);
	report(read_or_bad(BIG) == 0xb2000000u &&
	       read_or_bad(BIG + last) == (0xb2000000u | last >> 12),
	       "%s: large page remapped by one INVLPG", m->name);
	set_big(BIG_PA | PRW | PTE_PS);
	invlpg(BIG);
}

/* SDM vol. 3, 4.7: RSVD implies P.  QEMU's TCG reports RSVD without P,
 * so only RSVD, W, U and I are compared here. */
static bool rsvd_pf_is(int vec, uint32_t err, uint32_t cr2)
{
	uint32_t got = read_cr2();

	if (vec == PF_VECTOR && (fault_error() & ~PF_P) == err && got == cr2)
		return true;
	printf("  got vector %d error 0x%x cr2 0x%x, want #PF 0x%x at 0x%x\n",
	       vec, fault_error(), got, err, cr2);
	return false;
}

static void check_reserved(void)
{
	uint32_t v;
	uint64_t rsvd = m->pae ? 1ull << 51 : 1ull << 21; /* PSE: bit 21 */

	if (m->pae) {
		set_pte(0, 7, FRAME(3) | PRW | rsvd);
		report(rsvd_pf_is(read_safe(WIN + 7 * 4096, &v), PF_RSVD,
				  WIN + 7 * 4096),
		       "%s: reserved bit 51: #PF RSVD", m->name);
		set_pte(0, 7, 0);
	} else {
		set_big(BIG_PA | PRW | PTE_PS | rsvd);
		invlpg(BIG);
		report(rsvd_pf_is(read_safe(BIG + 4, &v), PF_RSVD, BIG + 4),
		       "%s: 4 MiB page with bit 21: #PF RSVD", m->name);
		set_big(BIG_PA | PRW | PTE_PS);
		invlpg(BIG);
	}
}

static void check_cr3_switch(void)
{
	set_pte(1, 0, FRAME(3) | PRW);
	write_cr3(m->cr3[1]);
	report(read_cr3() == m->cr3[1], "%s: CR3 reads back", m->name);
	report(read_or_bad(WIN) == frame_word(3, 0), "%s: second address space",
	       m->name);
	write_cr3(m->cr3[0]);
	report(read_or_bad(WIN) == frame_word(1, 0), "%s: first address space "
	       "again", m->name);
	write_cr3(m->cr3[1]);
	report(read_or_bad(WIN + 4) == frame_word(3, 1), "%s: and the second again",
	       m->name);
	write_cr3(m->cr3[0]);
}

static int call_window(uint32_t *ret);

static inline void set_ac(bool on)
{
	uint32_t f = read_eflags();

	f = on ? f | EFLAGS_AC : f & ~EFLAGS_AC;
	__asm__ volatile("pushl %0; popfl" : : "r"(f) : "memory", "cc");
}

/* U/S without ring 3: SMEP forbids supervisor fetches from user pages,
 * SMAP supervisor data accesses unless EFLAGS.AC (SDM vol. 3, 4.6.1).
 * The user bit must reach the VMM's entries through every level. */
static void check_user_bits(void)
{
	struct cpuid_regs c7 = cpuid_sub(7, 0);
	uint32_t cr4 = read_cr4(), r, v;

	if (c7.b & CPUID7_EBX_SMEP) {
		for (unsigned i = 0; i < 6; i++)
			frames[3][i] = (uint8_t[]){0xb8, 0x34, 0x12, 0, 0,
						   0xc3}[i];
		write_cr4(cr4 | CR4_SMEP);
		set_pte(0, NX_PAGE, FRAME(3) | PRW);
		invlpg(NX_VA);
		report(call_window(&r) == NO_FAULT && r == 0x1234,
		       "%s: SMEP: supervisor page runs", m->name);
		set_pte(0, NX_PAGE, FRAME(3) | PRW | PTE_US);
		invlpg(NX_VA);
		report(pf_is(call_window(&r), PF_P | PF_I, NX_VA),
		       "%s: SMEP: user page fetch #PF P|I", m->name);
		write_cr4(cr4);
		set_pte(0, NX_PAGE, 0);
		invlpg(NX_VA);
		for (unsigned i = 0; i < 2; i++)
			((volatile uint32_t *)frames[3])[i] = frame_word(3, i);
	} else {
		report(true, "%s: no SMEP: skipped", m->name);
	}
	if (c7.b & CPUID7_EBX_SMAP) {
		set_pte(0, 12, FRAME(1) | PRW | PTE_US);
		write_cr4(cr4 | CR4_SMAP);
		report(pf_is(read_safe(WIN + 12 * 4096 + 8, &v), PF_P, WIN + 12 * 4096 + 8),
		       "%s: SMAP: user page read #PF P", m->name);
		set_ac(true);
		report(read_or_bad(WIN + 12 * 4096 + 8) == frame_word(1, 2),
		       "%s: SMAP with EFLAGS.AC: allowed", m->name);
		set_ac(false);
		set_pte(0, 12, FRAME(1) | PRW);
		invlpg(WIN + 12 * 4096);
		report(read_or_bad(WIN + 12 * 4096 + 8) == frame_word(1, 2),
		       "%s: SMAP: supervisor page allowed", m->name);
		write_cr4(cr4);
		set_pte(0, 12, 0);
		invlpg(WIN + 12 * 4096);
	} else {
		report(true, "%s: no SMAP: skipped", m->name);
	}
}

/* With CR4.PGE a CR3 write must still drop non-global translations;
 * global ones go with INVLPG or with clearing PGE (SDM vol. 3,
 * 4.10.4.1). */
static void check_global(void)
{
	uint32_t cr4 = read_cr4();

	if (!(cpuid(1).d & CPUID1_EDX_PGE)) {
		report(true, "%s: no PGE, global pages skipped", m->name);
		return;
	}
	write_cr4(cr4 | CR4_PGE);
	set_pte(0, 8, FRAME(0) | PRW);
	(void)read_or_bad(WIN + 8 * 4096);
	set_pte(0, 8, FRAME(1) | PRW);
	write_cr3(m->cr3[0]);
	report(read_or_bad(WIN + 8 * 4096) == frame_word(1, 0),
	       "%s: PGE on: CR3 write drops a non-global page", m->name);

	set_pte(0, 9, FRAME(0) | PRW | PTE_G);
	(void)read_or_bad(WIN + 9 * 4096);
	set_pte(0, 9, FRAME(2) | PRW | PTE_G);
	invlpg(WIN + 9 * 4096);
	report(read_or_bad(WIN + 9 * 4096) == frame_word(2, 0),
	       "%s: INVLPG drops a global page", m->name);
	set_pte(0, 9, FRAME(3) | PRW | PTE_G);
	write_cr4(cr4);
	report(read_or_bad(WIN + 9 * 4096) == frame_word(3, 0),
	       "%s: clearing PGE drops global pages", m->name);
	set_pte(0, 8, 0);
	set_pte(0, 9, 0);
}

/* After a CR3 reload a shadow holds nothing: delivering INT n reads
 * the IDT and the stack through empty tables first.  The handler must
 * still run exactly once. */
static volatile uint32_t soft_hits;

static void on_soft(struct trap_frame *f)
{
	(void)f;
	soft_hits++;
}

static void check_int_after_flush(void)
{
	soft_hits = 0;
	write_cr3(m->cr3[0]);
	__asm__ volatile("int %0" : : "i"(SOFT_VEC) : "memory");
	report(soft_hits == 1, "%s: INT n after a CR3 reload runs once (%u)",
	       m->name, soft_hits);
}

/* Code in a page the guest marks no-execute (PAE with EFER.NXE). */
static volatile uint32_t nx_esp __attribute__((used));

static int call_window(uint32_t *ret)
{
	uint32_t r = 0;

	fault_reset();
	__asm__ volatile("movl %%esp, nx_esp\n\t"
			 "call *%1\n"
			 "1:\n\t"
			 "movl nx_esp, %%esp\n\t"
			 ".pushsection .fixup_table, \"a\"\n\t"
			 ".long %c2, 1b\n\t"
			 ".popsection"
			 : "=a"(r)
			 : "r"(NX_VA), "i"(NX_VA)
			 : "memory", "ecx", "edx");
	*ret = r;
	return fault_vector();
}

static void check_nx(void)
{
	static const uint8_t code[] = {0xb8, 0x34, 0x12, 0x00, 0x00, 0xc3};
	uint32_t r;

	for (unsigned i = 0; i < sizeof(code); i++)
		frames[3][i] = code[i];
	set_pte(0, NX_PAGE, FRAME(3) | PRW);
	report(call_window(&r) == NO_FAULT && r == 0x1234,
	       "%s: code in an executable page runs", m->name);
	set_pte(0, NX_PAGE, FRAME(3) | PRW | PTE_XD);
	invlpg(NX_VA);
	report(pf_is(call_window(&r), PF_P | PF_I, NX_VA),
	       "%s: XD page: fetch #PF P|I", m->name);
	report(read_or_bad(NX_VA) == 0x001234b8u, "%s: XD page still reads",
	       m->name);
}

static void run_mode(const struct mode *mode)
{
	uint32_t cr0 = read_cr0();

	m = mode;
	if (m->pae) {
		build_pae();
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		write_cr4(CR4_PAE);
	} else {
		build_32();
		write_cr4(CR4_PSE);
	}
	write_cr3(m->cr3[0]);
	write_cr0(cr0 | CR0_PG | CR0_WP);
	report(read_cr0() & CR0_PG, "%s: paging on", m->name);

	check_map_ad();
	check_remap_unmap();
	check_write_protect();
	check_large();
	check_reserved();
	check_cr3_switch();
	check_global();
	check_user_bits();
	check_int_after_flush();
	if (m->pae)
		check_nx();

	write_cr0(cr0);
	report(!(read_cr0() & CR0_PG), "%s: paging off again", m->name);
}

int main(void)
{
	irq_set_handler(SOFT_VEC, on_soft);
	fill_frames();
	run_mode(&mode32);
	run_mode(&mode_pae);
	return report_summary();
}
