/* test_shadow_table.c - palacios/shadow_table.c and shadow.c on a fake
 * host whose "physical" pages are heap pages: table creation in both
 * formats, INVLPG of 4 KiB, large and split pages (with the two halves
 * of a 4 MiB guest page), the roots cached per guest CR3 with their
 * resync against guest tables changed meanwhile (global leaves kept),
 * eviction, and the bounded pool. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "exit.h"
#include "shadow.h"
#include "shadow_rules.h"
#include "unit.h"
#include "vm.h"
#include "vmm.h"

static long pages_out;

static void h_print(const char *s, size_t n)
{
	fwrite(s, 1, n, stdout);
	putchar('\n');
}

static void *h_p2v(uint64_t hpa)
{
	return (void *)(uintptr_t)hpa;
}

static const struct v3_host_ops host = {
	.print = h_print,
	.phys_to_virt = h_p2v,
};
const struct v3_host_ops *v3_host = &host;

/* What vm.c would do, with zeroed pages below 4 GiB (a PAE root must
 * be there); counted so leaks show. */
uint64_t v3_vm_alloc_pages(struct v3_vm *vm, size_t npages, size_t align)
{
	void *p = mmap(NULL, npages * V3_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	(void)vm;
	(void)align; /* mmap gives page alignment, all that is asked */
	if (p == MAP_FAILED)
		return 0;
	pages_out += npages;
	return (uint64_t)(uintptr_t)p;
}

void v3_vm_free_pages(struct v3_vm *vm, uint64_t hpa, size_t npages)
{
	(void)vm;
	pages_out -= npages;
	munmap((void *)(uintptr_t)hpa, npages * V3_PAGE_SIZE);
}

void *v3_vm_zalloc(struct v3_vm *vm, size_t size)
{
	(void)vm;
	return calloc(1, size);
}

void v3_vm_free(struct v3_vm *vm, void *p, size_t size)
{
	(void)vm;
	(void)size;
	free(p);
}

void v3_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

uint8_t v3_cpuid_phys_bits(void)
{
	return 40;
}

/* Guest RAM: 1 MiB at guest-physical 0, "host" frames at HOST_BASE + gpa. */
#define GUEST_RAM (1u << 20)
#define HOST_BASE 0x10000000ull
static uint8_t gmem[GUEST_RAM];

int v3_gpa_read(struct v3_vm *vm, uint64_t gpa, void *buf, uint64_t len)
{
	(void)vm;
	if (gpa >= GUEST_RAM || len > GUEST_RAM - gpa)
		return -1;
	memcpy(buf, gmem + gpa, len);
	return 0;
}

/* As palacios/mem_map.c has it, over the fake above. */
int v3_gpa_walk_read(void *vm, uint64_t gpa, void *buf, uint32_t len)
{
	return v3_gpa_read(vm, gpa, buf, len);
}

int v3_nested_lookup(struct v3_vm *vm, uint64_t gpa, uint64_t *hpa,
		     unsigned *perms, int *level)
{
	(void)vm;
	if (gpa >= GUEST_RAM)
		return -1;
	*hpa = HOST_BASE + (gpa & ~0xfffull);
	*perms = V3_NPERM_RWX;
	*level = 0;
	return 0;
}

static void gset(uint64_t gpa, uint64_t e)
{
	memcpy(gmem + gpa, &e, 8);
}

static struct v3_vm vm;
static struct v3_vcpu vcpu;

static uint64_t *root(void)
{
	return h_p2v(vcpu.shadow->root_hpa);
}

/* The entry at 'level' for 'la' under 'top', or NULL where the tree
 * ends. */
static uint64_t *find_in(uint64_t top, uint64_t la, int level)
{
	uint64_t *t = h_p2v(top);
	int l;

	for (l = vcpu.shadow->levels - 1; l > level; l--) {
		uint64_t e = t[(la >> (12 + 9 * l)) & 511];

		if (!(e & V3_SPTE_P) || (e & V3_SPTE_PS))
			return NULL;
		t = h_p2v(e & V3_SPTE_ADDR);
	}
	return &t[(la >> (12 + 9 * level)) & 511];
}

static uint64_t *find(uint64_t la, int level)
{
	return find_in(vcpu.shadow->root_hpa, la, level);
}

static const uint64_t LEAF = 0x5000 | V3_SPTE_P | V3_SPTE_RW;

static void check_long_mode(void)
{
	uint64_t *s1, *s2;

	vcpu.shadow->levels = 4;
	v3_shadow_flush_all(&vcpu);
	s1 = v3_shadow_slot(&vcpu, 0x40001000, 0, -1, true);
	report(s1 && vcpu.shadow->nused == 3, "4-level: 3 tables below the "
	       "root (%d)", vcpu.shadow->nused);
	*s1 = LEAF;
	s2 = v3_shadow_slot(&vcpu, 0x40001000, 0, -1, true);
	report(s2 == s1 && vcpu.shadow->nused == 3, "same address: same slot");
	report((root()[0] & (V3_SPTE_RW | V3_SPTE_US)) ==
	       (V3_SPTE_RW | V3_SPTE_US), "PML4E grants everything");

	/* A 2 MiB leaf next to the table; INVLPG inside drops it. */
	s2 = v3_shadow_slot(&vcpu, 0x40200000, 1, -1, true);
	*s2 = LEAF | V3_SPTE_PS;
	v3_shadow_invlpg(&vcpu, 0x40200000 + 0x1ff000, false);
	report(*s2 == 0 && *s1 == LEAF, "INVLPG in a 2 MiB page drops only it");

	/* A split guest large page: INVLPG anywhere drops the table. */
	s2 = v3_shadow_slot(&vcpu, 0x80003000, 0, 1, true);
	*s2 = LEAF;
	report(*find(0x80000000, 1) & V3_SPTE_SPLIT, "split entry marked");
	v3_shadow_invlpg(&vcpu, 0x801ff000, false);
	report(*find(0x80000000, 1) == 0, "INVLPG elsewhere in it drops it");

	/* 1 GiB split: the PDPTE. */
	s2 = v3_shadow_slot(&vcpu, 0xc0005000, 0, 2, true);
	*s2 = LEAF;
	v3_shadow_invlpg(&vcpu, 0xc0000000 + 0x3ff00000, false);
	report(*find(0xc0000000, 2) == 0, "split 1 GiB page: PDPTE dropped");

	v3_shadow_invlpg(&vcpu, 0x40001000, false);
	report(*s1 == 0, "INVLPG of a 4 KiB page");
}

static void check_pae(void)
{
	uint64_t *s, *a, *b;

	vcpu.shadow->levels = 3;
	v3_shadow_flush_all(&vcpu);
	s = v3_shadow_slot(&vcpu, 0xc0001000, 0, -1, true);
	report(s && vcpu.shadow->nused == 2, "PAE: PD + PT below the root");
	report((root()[3] & ~V3_SPTE_ADDR) == V3_SPTE_P,
	       "PDPTE has P only (0x%llx)", (unsigned long long)root()[3]);

	/* A 4 MiB guest page split into two 2 MiB halves. */
	a = v3_shadow_slot(&vcpu, 0x00400000, 0, 1, true);
	b = v3_shadow_slot(&vcpu, 0x00600000, 0, 1, true);
	*a = *b = LEAF;
	v3_shadow_invlpg(&vcpu, 0x00500000, true);
	report(!find(0x00400000, 1) || *find(0x00400000, 1) == 0,
	       "4 MiB: the half INVLPG named");
	report(*find(0x00600000, 1) == 0, "4 MiB: and its buddy");
	a = v3_shadow_slot(&vcpu, 0x00400000, 0, 1, true);
	b = v3_shadow_slot(&vcpu, 0x00600000, 0, 1, true);
	*a = *b = LEAF;
	v3_shadow_invlpg(&vcpu, 0x00500000, false);
	report(*find(0x00600000, 1) != 0, "without PSE 4 MiB: buddy kept");
}

/* Guest entry bits. */
#define G_P 1ull
#define G_RW 2ull
#define G_A (1ull << 5)
#define G_D (1ull << 6)
#define G_PS (1ull << 7)
#define G_G (1ull << 8)
#define TBL (G_P | G_RW | G_A)

static struct v3_ctrl_regs regs_now(void)
{
	struct v3_ctrl_regs r = {vcpu.state.cr0, vcpu.state.cr4,
				 vcpu.state.efer};

	return r;
}

static void load_cr3(uint64_t cr3)
{
	struct v3_ctrl_regs old = regs_now();

	vcpu.state.cr3 = cr3;
	v3_shadow_ctrl_changed(&vcpu, &old, true);
}

/* Two address spaces: CR3 0x1000 maps 0x400000.. through the page table
 * at 0x4000, CR3 0x5000 through 0x8000; both map 0x40000000 as one
 * 2 MiB page and share the PD at 0x9000 for 0x8000000000 (like a
 * kernel half). */
static void guest_tables(void)
{
	memset(gmem, 0, sizeof(gmem));
	gset(0x1000, 0x2000 | TBL);
	gset(0x2000, 0x3000 | TBL);
	gset(0x2008, 0xa000 | TBL);
	gset(0x3000 + 2 * 8, 0x4000 | TBL);
	gset(0x4000, 0x10000 | G_P | G_RW | G_A | G_D);
	gset(0x4008, 0x11000 | G_P | G_A);
	gset(0x4010, 0x12000 | G_P); /* never used: A clear */
	gset(0x4020, 0x16000 | G_P | G_A);
	gset(0x1008, 0x9000 | TBL);  /* PML4[1] */
	gset(0x5000, 0x6000 | TBL);
	gset(0x5008, 0x9000 | TBL);
	gset(0x6000, 0x7000 | TBL);
	gset(0x7000 + 2 * 8, 0x8000 | TBL);
	gset(0x8000, 0x20000 | G_P | G_A);
	gset(0x9000, 0xb000 | TBL);
	gset(0xb000, 0xc000 | TBL);
	gset(0xc000, 0x30000 | G_P | G_RW | G_A | G_D | G_G);
	gset(0xa000, 0x200000 | G_P | G_A | G_PS); /* 2 MiB at 1 GiB */
}

#define HL(gpa) (HOST_BASE + (gpa))
#define KLA 0x8000000000ull /* PML4[1] */

static void check_roots(void)
{
	struct v3_shadow *s = vcpu.shadow;
	uint64_t *a0, *a1, *a3, *g, *big, root_a, root_b, ro = V3_SPTE_P | V3_SPTE_A;
	int i;

	guest_tables();
	vcpu.state.cr0 = V3_CR0_PE | V3_CR0_PG | V3_CR0_WP;
	vcpu.state.cr4 = V3_CR4_PAE | V3_CR4_PGE;
	vcpu.state.efer = V3_EFER_LME | V3_EFER_LMA;
	vcpu.state.cr3 = 0x1000;
	s->levels = 4;
	v3_shadow_flush_all(&vcpu);
	root_a = s->root_hpa;
	/* What fills would have installed while CR3 0x1000 ran. */
	a0 = v3_shadow_slot(&vcpu, 0x400000, 0, -1, true);
	*a0 = HL(0x10000) | ro | V3_SPTE_RW | V3_SPTE_D;
	a1 = v3_shadow_slot(&vcpu, 0x401000, 0, -1, true);
	*a1 = HL(0x11000) | ro;
	*v3_shadow_slot(&vcpu, 0x404000, 0, -1, true) = HL(0x16000) | ro;
	g = v3_shadow_slot(&vcpu, KLA, 0, -1, false);
	*g = HL(0x30000) | ro | V3_SPTE_RW | V3_SPTE_D | V3_SPTE_GLOBAL;
	big = v3_shadow_slot(&vcpu, 0x40000000, 1, -1, true);
	*big = HL(0x200000) | ro | V3_SPTE_PS;

	load_cr3(0x5000);
	report(s->root_hpa != root_a && s->root_misses == 1,
	       "a new CR3 gets a root of its own");
	report(!find(0x400000, 0) || *find(0x400000, 0) == 0,
	       "which starts empty");

	/* Legal without INVLPG: CR3 0x1000 is not loaded. */
	gset(0x4000, 0x13000 | G_P | G_RW | G_A | G_D);
	gset(0x4018, 0x14000 | G_P | G_A);
	load_cr3(0x1000);
	report(s->root_hpa == root_a && s->root_hits == 1,
	       "the old CR3 finds its root again");
	report(*a0 == (HL(0x13000) | ro | V3_SPTE_RW | V3_SPTE_D),
	       "a leaf changed meanwhile is rebuilt (0x%llx)",
	       (unsigned long long)*a0);
	report(*a1 == (HL(0x11000) | ro), "an unchanged one is kept");
	a3 = find(0x403000, 0);
	report(a3 && *a3 == (HL(0x14000) | ro),
	       "a used neighbour among them is filled");
	report(*find(0x402000, 0) == 0, "an unused one (A clear) is not");
	report(*g == (HL(0x30000) | ro | V3_SPTE_RW | V3_SPTE_D |
		      V3_SPTE_GLOBAL), "a global leaf survives");
	report(*big == 0, "a 2 MiB leaf is dropped");

	/* The guest drops the page table's PDE while elsewhere. */
	load_cr3(0x5000);
	gset(0x3000 + 2 * 8, 0);
	load_cr3(0x1000);
	report(*a0 == 0 && *a1 == 0, "a PDE gone: its leaves are dropped");
	report(s->roots[s->cur].local < 0,
	       "and the table leaves the resync list");

	/* Reloading the same CR3 is a flush too. */
	gset(0x3000 + 2 * 8, 0x4000 | TBL);
	a0 = v3_shadow_slot(&vcpu, 0x400000, 0, -1, true);
	*a0 = HL(0x13000) | ro | V3_SPTE_RW | V3_SPTE_D;
	gset(0x4000, 0x15000 | G_P | G_A | G_D); /* now read-only */
	load_cr3(0x1000);
	report(*a0 == (HL(0x15000) | ro), "same CR3 reloaded: rights follow");

	/* INVLPG reaches every root. */
	load_cr3(0x5000);
	a0 = v3_shadow_slot(&vcpu, 0x400000, 0, -1, true);
	*a0 = HL(0x20000) | ro;
	root_b = s->root_hpa;
	load_cr3(0x1000);
	v3_shadow_invlpg(&vcpu, 0x400000, false);
	report(*find_in(root_b, 0x400000, 0) == 0 && *find(0x400000, 0) == 0,
	       "INVLPG drops the entry in all roots");

	/* More CR3s than roots: the least recently used goes. */
	for (i = 0; i < V3_SHADOW_ROOTS; i++)
		load_cr3(0x100000 + i * 0x1000);
	report(s->root_evictions == 2, "%d roots kept, the oldest evicted "
	       "(%llu evictions)", V3_SHADOW_ROOTS,
	       (unsigned long long)s->root_evictions);
	load_cr3(0x1000);
	report(s->root_misses == 1 + V3_SHADOW_ROOTS + 1,
	       "an evicted CR3 starts over");
	v3_shadow_flush_all(&vcpu);
	report(root()[0] == 0 && s->nused == 0,
	       "flush_all: empty root, pool reset");
}

static void check_pool(void)
{
	uint64_t la = 0;
	int n = 0, before;

	vcpu.shadow->levels = 4;
	v3_shadow_flush_all(&vcpu);
	/* Each new 2 MiB region needs a page table; each GiB a PD too. */
	while (v3_shadow_slot(&vcpu, la, 0, -1, true) && n < 100000) {
		la += V3_PAGE_2M;
		n++;
	}
	report(vcpu.shadow->npages == V3_SHADOW_MAX_PAGES,
	       "pool bounded at %d pages (%d slots)", vcpu.shadow->npages, n);
	before = vcpu.shadow->npages;
	v3_shadow_flush_all(&vcpu);
	report(v3_shadow_slot(&vcpu, 0x1000, 0, -1, true) &&
	       vcpu.shadow->npages == before, "after a flush pages are reused");
}

int main(void)
{
	vcpu.vm = &vm;
	strcpy(vm.name, "unit");
	report(v3_shadow_init(&vcpu) == 0, "shadow init");
	check_long_mode();
	check_pae();
	check_roots();
	check_pool();
	v3_shadow_deinit(&vcpu);
	report(pages_out == 0, "every table page freed (%ld left)", pages_out);
	return report_summary("test_shadow_table");
}
