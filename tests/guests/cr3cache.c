/* cr3cache.c - many address spaces switched by CR3, as a VMM that keeps
 * shadow tables per CR3 must still honour them.  Without PCIDs a CR3
 * load flushes every non-global translation, so the guest may change the
 * tables of an address space that is not loaded without any INVLPG: a
 * PTE remapped, removed or made read-only, a PDE pointing elsewhere, all
 * must be seen when the space is loaded again (also by reloading the
 * same CR3).  Also: an INVLPG of a global page reaches every address
 * space, a page-table page is reused as data and a data page as a page
 * table, and more address spaces than a VMM would cache go round.  The
 * same checks run in 32-bit and PAE paging. */
#include "libguest.h"

#define PTE_P  0x001ull
#define PTE_RW 0x002ull
#define PTE_A  0x020ull
#define PTE_D  0x040ull
#define PTE_PS 0x080ull
#define PTE_G  0x100ull
#define PRW    (PTE_P | PTE_RW)
/* Entries as Linux writes them: already accessed and dirty. */
#define USED   (PRW | PTE_A | PTE_D)

#define CR0_WP	(1u << 16)
#define CR0_PG	(1u << 31)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_PGE (1u << 7)
#define CPUID1_EDX_PGE (1u << 13)

#define PF_P 0x01u
#define PF_W 0x02u

/* More than any VMM here caches (8 shadow roots). */
#define NAS 12
#define WIN  0x40000000u	  /* each space's own page table */
/* Its own PDE in both formats (4 MiB apart): */
#define WIN2 (WIN + (8u << 20))	  /* a page table that comes and goes */
#define GWIN (WIN + (12u << 20))  /* one page table shared, global */
#define PAGE(i) (WIN + (i) * 4096u)

#define NFRAMES 8
static uint8_t frames[NFRAMES][4096] __attribute__((aligned(4096)));
#define FRAME(k) ((uint64_t)(uint32_t)frames[k])
/* A page that serves as a page table, then as data. */
static uint8_t spare[4096] __attribute__((aligned(4096)));
#define SPARE ((uint64_t)(uint32_t)spare)

/* 32-bit paging: the first 16 MiB identity-mapped with 4 MiB pages. */
static uint32_t pd32[NAS][1024] __attribute__((aligned(4096)));
static uint32_t pt32[NAS][1024] __attribute__((aligned(4096)));
static uint32_t pt32_alt[2][1024] __attribute__((aligned(4096)));
static uint32_t pt32_glob[1024] __attribute__((aligned(4096)));

/* PAE: the first 16 MiB identity-mapped with 2 MiB pages. */
static uint64_t pdpt[NAS][4] __attribute__((aligned(32)));
static uint64_t pd_low[512] __attribute__((aligned(4096)));
static uint64_t pd[NAS][512] __attribute__((aligned(4096)));
static uint64_t pt[NAS][512] __attribute__((aligned(4096)));
static uint64_t pt_alt[2][512] __attribute__((aligned(4096)));
static uint64_t pt_glob[512] __attribute__((aligned(4096)));

static bool pae;
static const char *mname;

static void set_pte(int as, int i, uint64_t e)
{
	if (pae)
		pt[as][i] = e;
	else
		pt32[as][i] = (uint32_t)e;
}

/* The PDE of 'as' for the 2 MiB (PAE) or 4 MiB (32-bit) at 'va'. */
static void set_pde(int as, uint32_t va, uint64_t e)
{
	if (pae)
		pd[as][(va - WIN) >> 21] = e;
	else
		pd32[as][va >> 22] = (uint32_t)e;
}

static void set_glob(int i, uint64_t e)
{
	if (pae)
		pt_glob[i] = e;
	else
		pt32_glob[i] = (uint32_t)e;
}

/* Two spare page tables for WIN2. */
static void set_alt(int k, int i, uint64_t e)
{
	if (pae)
		pt_alt[k][i] = e;
	else
		pt32_alt[k][i] = (uint32_t)e;
}

static uint32_t alt(int k)
{
	return pae ? (uint32_t)pt_alt[k] : (uint32_t)pt32_alt[k];
}

static uint32_t table_of(int as)
{
	return pae ? (uint32_t)pt[as] : (uint32_t)pt32[as];
}

static void build(void)
{
	int as, i;

	for (i = 0; i < 8; i++)
		pd_low[i] = ((uint64_t)i << 21) | PRW | PTE_PS;
	for (as = 0; as < NAS; as++) {
		for (i = 0; i < 4; i++)
			pd32[as][i] = (uint32_t)(i << 22) | PRW | PTE_PS;
		pdpt[as][0] = (uint32_t)pd_low | PTE_P;
		pdpt[as][1] = (uint32_t)pd[as] | PTE_P;
		set_pde(as, WIN, table_of(as) | PRW);
		set_pde(as, GWIN, (pae ? (uint32_t)pt_glob
				       : (uint32_t)pt32_glob) | PRW);
		for (i = 0; i < 8; i++)
			set_pte(as, i, FRAME((as + i) % NFRAMES) | USED);
	}
}

static uint32_t cr3_of(int as)
{
	return pae ? (uint32_t)pdpt[as] : (uint32_t)pd32[as];
}

static void load(int as)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3_of(as)) : "memory");
}

static uint32_t word(int k)
{
	return 0xf0000000u | (uint32_t)k << 16;
}

/* Each frame's first word names it. */
static void mark_frames(void)
{
	for (int k = 0; k < NFRAMES; k++)
		*(volatile uint32_t *)frames[k] = word(k);
}

static bool pf_is(int vec, uint32_t err, uint32_t cr2)
{
	uint32_t got = read_cr2();

	if (vec == PF_VECTOR && fault_error() == err && got == cr2)
		return true;
	printf("  got vector %d error 0x%x cr2 0x%x, want #PF 0x%x at 0x%x\n",
	       vec, fault_error(), got, err, cr2);
	return false;
}

/* Use pages 0-3 of spaces 0 and 1, so both have shadow tables. */
static void touch_both(void)
{
	for (int as = 1; as >= 0; as--) {
		load(as);
		for (int i = 0; i < 4; i++)
			(void)read_or_bad(PAGE(i));
		(void)write_safe(PAGE(2), word((as + 2) % NFRAMES));
	}
}

static void check_inactive_changes(void)
{
	uint32_t v;

	set_pde(0, WIN2, alt(0) | PRW);
	set_alt(0, 0, FRAME(6) | USED);
	touch_both();
	report(read_or_bad(PAGE(0)) == word(0) && read_or_bad(PAGE(1)) == word(1) &&
	       read_or_bad(WIN2) == word(6), "%s: space 0 reads its frames", mname);
	load(1);
	report(read_or_bad(PAGE(0)) == word(1), "%s: space 1 its own", mname);

	/* Space 0 is not loaded: no INVLPG owed for any of these. */
	set_pte(0, 0, FRAME(5) | USED);
	set_pte(0, 1, 0);
	set_pte(0, 2, FRAME(2) | PTE_P | PTE_A | PTE_D);
	set_pde(0, WIN2, alt(1) | PRW);
	set_alt(1, 0, FRAME(4) | USED);
	load(0);
	report(read_or_bad(PAGE(0)) == word(5), "%s: remapped PTE seen after the "
	       "switch back", mname);
	report(pf_is(read_safe(PAGE(1) + 8, &v), 0, PAGE(1) + 8),
	       "%s: removed PTE: #PF error 0", mname);
	report(read_or_bad(PAGE(2)) == word(2), "%s: read-only PTE still reads",
	       mname);
	report(pf_is(write_safe(PAGE(2) + 4, 1), PF_P | PF_W, PAGE(2) + 4),
	       "%s: read-only PTE: write #PF P|W", mname);
	report(read_or_bad(PAGE(3)) == word(3), "%s: unchanged PTE kept", mname);
	report(read_or_bad(WIN2) == word(4), "%s: another page table behind a PDE",
	       mname);

	/* Reloading the loaded CR3 flushes as well. */
	set_pte(0, 3, FRAME(7) | USED);
	load(0);
	report(read_or_bad(PAGE(3)) == word(7), "%s: same CR3 reloaded: new PTE",
	       mname);
	load(1);
	report(read_or_bad(PAGE(0)) == word(1) && read_or_bad(PAGE(2)) == word(3),
	       "%s: space 1 untouched by all that", mname);
	set_pde(0, WIN2, 0);
	for (int i = 0; i < 4; i++)
		set_pte(0, i, FRAME(i) | USED);
	load(0);
}

static void check_active_invlpg(void)
{
	touch_both();
	load(0);
	set_pte(0, 1, FRAME(4) | USED);
	invlpg(PAGE(1));
	report(read_or_bad(PAGE(1)) == word(4), "%s: own PTE changed, INVLPG: seen",
	       mname);
	load(1);
	report(read_or_bad(PAGE(1)) == word(2), "%s: the other space keeps its own",
	       mname);
	load(0);
	report(read_or_bad(PAGE(1)) == word(4), "%s: and back again", mname);
	set_pte(0, 1, FRAME(1) | USED);
	invlpg(PAGE(1));
}

/* A global page survives CR3 loads; its change needs an INVLPG, which
 * then holds in every address space. */
static void check_global(void)
{
	uint32_t cr4 = read_cr4();

	if (!(cpuid(1).d & CPUID1_EDX_PGE)) {
		report(true, "%s: no PGE: global checks skipped", mname);
		return;
	}
	write_cr4(cr4 | CR4_PGE);
	set_glob(0, FRAME(1) | USED | PTE_G);
	load(0);
	(void)read_or_bad(GWIN);
	load(1);
	report(read_or_bad(GWIN) == word(1), "%s: global page in both spaces",
	       mname);
	load(0);
	set_glob(0, FRAME(3) | USED | PTE_G);
	invlpg(GWIN);
	load(1);
	report(read_or_bad(GWIN) == word(3), "%s: INVLPG of a global page holds in "
	       "the other space", mname);
	set_glob(0, 0);
	invlpg(GWIN);
	write_cr4(cr4);
}

static void check_table_reuse(void)
{
	volatile uint32_t *data = (volatile uint32_t *)spare;
	uint32_t v;
	int i;

	/* The spare page as space 0's table for WIN2. */
	for (i = 0; i < 1024; i++)
		data[i] = 0;
	if (pae)
		((volatile uint64_t *)spare)[0] = FRAME(4) | USED;
	else
		data[0] = (uint32_t)FRAME(4) | USED;
	load(0);
	set_pde(0, WIN2, SPARE | PRW);
	load(0);
	report(read_or_bad(WIN2) == word(4), "%s: spare page works as a page table",
	       mname);

	/* Unhooked, flushed, then written as data and mapped as a page.
	 * The data would make present entries pointing outside RAM. */
	set_pde(0, WIN2, 0);
	load(0);
	for (i = 0; i < 1024; i++)
		data[i] = 0x5a000001u | i << 4;
	set_pte(0, 5, SPARE | USED);
	invlpg(PAGE(5));
	report(read_or_bad(PAGE(5) + 8) == 0x5a000021u &&
	       write_safe(PAGE(5) + 12, 0x12345678) == NO_FAULT &&
	       data[3] == 0x12345678, "%s: old page table now data, mapped",
	       mname);
	report(pf_is(read_safe(WIN2 + 4096, &v), 0, WIN2 + 4096),
	       "%s: its old range faults", mname);
	load(1);
	load(0);
	report(read_or_bad(PAGE(5) + 16) == 0x5a000041u && data[3] == 0x12345678 &&
	       pf_is(read_safe(WIN2 + 8196, &v), 0, WIN2 + 8196),
	       "%s: and so after a switch away and back", mname);

	/* A data page of space 1 becomes space 0's page table. */
	set_pte(0, 5, FRAME(5) | USED);
	invlpg(PAGE(5));
	for (i = 0; i < 1024; i++)
		data[i] = 0;
	if (pae)
		((volatile uint64_t *)spare)[1] = FRAME(6) | USED;
	else
		data[1] = (uint32_t)FRAME(6) | USED;
	set_pte(1, 5, SPARE | USED);
	load(1);
	(void)read_or_bad(PAGE(5));
	set_pde(0, WIN2, SPARE | PRW);
	load(0);
	report(read_or_bad(WIN2 + 4096) == word(6), "%s: data page now a page "
	       "table", mname);
	set_pde(0, WIN2, 0);
	set_pte(1, 5, FRAME(6) | USED);
	load(0);
}

/* All spaces in turn, twice; then each one's PTE 7 changed while it is
 * not loaded, and round again. */
static void check_many(void)
{
	int as, round, bad = 0;

	for (round = 0; round < 2; round++)
		for (as = 0; as < NAS; as++) {
			load(as);
			if (read_or_bad(PAGE(7)) != word((as + 7) % NFRAMES) ||
			    read_or_bad(PAGE(0)) != word(as % NFRAMES))
				bad++;
		}
	report(!bad, "%s: %d spaces each see their own pages (%d wrong)",
	       mname, NAS, bad);
	load(0);
	for (as = 1; as < NAS; as++)
		set_pte(as, 7, FRAME((as + 3) % NFRAMES) | USED);
	for (round = 0; round < 2; round++)
		for (as = 1; as < NAS; as++) {
			load(as);
			if (read_or_bad(PAGE(7)) != word((as + 3) % NFRAMES))
				bad++;
		}
	report(!bad, "%s: and their PTEs changed while not loaded (%d wrong)",
	       mname, bad);
	/* Again with as few spaces as a VMM would keep cached. */
	for (as = 1; as < 5; as++) {
		load(as);
		(void)read_or_bad(PAGE(7));
	}
	load(0);
	for (as = 1; as < 5; as++)
		set_pte(as, 7, FRAME((as + 7) % NFRAMES) | USED);
	for (as = 1; as < 5; as++) {
		load(as);
		if (read_or_bad(PAGE(7)) != word((as + 7) % NFRAMES))
			bad++;
	}
	report(!bad, "%s: 4 cached spaces changed while not loaded (%d "
	       "wrong)", mname, bad);
	load(0);
}

static void run_mode(bool with_pae)
{
	uint32_t cr0 = read_cr0();

	pae = with_pae;
	mname = pae ? "PAE" : "32-bit";
	build();
	write_cr4(pae ? CR4_PAE : CR4_PSE);
	load(0);
	write_cr0(cr0 | CR0_PG | CR0_WP);
	report(read_cr0() & CR0_PG, "%s: paging on", mname);
	check_inactive_changes();
	check_active_invlpg();
	check_global();
	check_table_reuse();
	check_many();
	write_cr0(cr0);
}

int main(void)
{
	mark_frames();
	run_mode(false);
	run_mode(true);
	return report_summary();
}
