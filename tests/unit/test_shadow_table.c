/* test_shadow_table.c - palacios/shadow_table.c and shadow.c on a fake
 * host whose "physical" pages are heap pages: table creation in both
 * formats, INVLPG of 4 KiB, large and split pages (with the two halves
 * of a 4 MiB guest page), the CR3-write flush that keeps global leaves,
 * and the bounded pool. */
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

static struct v3_vm vm;
static struct v3_vcpu vcpu;

static uint64_t *root(void)
{
	return h_p2v(vcpu.shadow->root_hpa);
}

/* The entry at 'level' for 'la', or NULL where the tree ends. */
static uint64_t *find(uint64_t la, int level)
{
	uint64_t *t = root();
	int l;

	for (l = vcpu.shadow->levels - 1; l > level; l--) {
		uint64_t e = t[(la >> (12 + 9 * l)) & 511];

		if (!(e & V3_SPTE_P) || (e & V3_SPTE_PS))
			return NULL;
		t = h_p2v(e & V3_SPTE_ADDR);
	}
	return &t[(la >> (12 + 9 * level)) & 511];
}

static const uint64_t LEAF = 0x5000 | V3_SPTE_P | V3_SPTE_RW;

static void check_long_mode(void)
{
	uint64_t *s1, *s2;

	vcpu.shadow->levels = 4;
	v3_shadow_flush_all(&vcpu);
	s1 = v3_shadow_slot(&vcpu, 0x40001000, 0, -1, true);
	report(s1 && vcpu.shadow->nused == 4, "4-level: root + 3 tables (%d)",
	       vcpu.shadow->nused);
	*s1 = LEAF;
	s2 = v3_shadow_slot(&vcpu, 0x40001000, 0, -1, true);
	report(s2 == s1 && vcpu.shadow->nused == 4, "same address: same slot");
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
	report(s && vcpu.shadow->nused == 3, "PAE: root + PD + PT");
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

static void check_local_flush(void)
{
	uint64_t *g, *l, *big;

	vcpu.shadow->levels = 4;
	v3_shadow_flush_all(&vcpu);
	g = v3_shadow_slot(&vcpu, 0xffff800000001000ull & 0xffffffffffffull, 0,
			   -1, false);
	*g = LEAF | V3_SPTE_GLOBAL;
	l = v3_shadow_slot(&vcpu, 0x400000, 0, -1, true);
	*l = LEAF;
	big = v3_shadow_slot(&vcpu, 0x40000000, 1, -1, true);
	*big = LEAF | V3_SPTE_PS;
	v3_shadow_flush_local(&vcpu);
	report(*g == (LEAF | V3_SPTE_GLOBAL), "CR3 write keeps a global leaf");
	report(*l == 0, "and drops a local 4 KiB leaf");
	report(*big == 0, "and a local 2 MiB leaf");
	v3_shadow_flush_all(&vcpu);
	report(root()[0] == 0 && vcpu.shadow->nused == 1,
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
	check_local_flush();
	check_pool();
	v3_shadow_deinit(&vcpu);
	report(pages_out == 0, "every table page freed (%ld left)", pages_out);
	return report_summary("test_shadow_table");
}
