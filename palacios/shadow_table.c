/* shadow_table.c - the shadow page tables of one vcpu: a radix tree in
 * the PAE / long-mode format (APM vol. 2, 5.2-5.3) whose pages come from
 * a bounded per-vcpu pool.  Dropping everything is cheap (the pool is
 * reset), so stale state is always dropped rather than repaired. */
#include "shadow.h"
#include "shadow_rules.h"
#include "vm.h"
#include "vmm.h"

#define ENTRIES 512
/* Table entries grant everything; a leaf carries the guest's rights. */
#define TABLE_BITS (V3_SPTE_P | V3_SPTE_RW | V3_SPTE_US | V3_SPTE_A)

static uint64_t *table_va(uint64_t hpa)
{
	return v3_host->phys_to_virt(hpa);
}

static int index_at(uint64_t la, int level)
{
	return (la >> (12 + 9 * level)) & (ENTRIES - 1);
}

static unsigned hash_slot(uint64_t hpa)
{
	return (unsigned)((hpa >> 12) * 2654435761u) %
	       (2 * V3_SHADOW_MAX_PAGES);
}

/* Pages are never returned to the host before the vcpu goes, so the
 * table only grows. */
void v3_shadow_index_add(struct v3_shadow *s, uint64_t hpa, int index)
{
	unsigned h = hash_slot(hpa);

	while (s->index_of[h])
		h = (h + 1) % (2 * V3_SHADOW_MAX_PAGES);
	s->index_of[h] = (uint16_t)(index + 1);
}

static int index_find(struct v3_shadow *s, uint64_t hpa)
{
	unsigned h = hash_slot(hpa);

	while (s->index_of[h]) {
		int i = s->index_of[h] - 1;

		if (s->pages[i] == hpa)
			return i;
		h = (h + 1) % (2 * V3_SHADOW_MAX_PAGES);
	}
	return -1;
}

/* A zeroed table page, or 0 when the pool is exhausted. */
static uint64_t take_page(struct v3_vcpu *vcpu, int level)
{
	struct v3_shadow *s = vcpu->shadow;
	uint64_t hpa;

	if (s->nused == V3_SHADOW_MAX_PAGES)
		return 0;
	if (s->nused < s->npages) {
		hpa = s->pages[s->nused];
		v3_memset(table_va(hpa), 0, V3_PAGE_SIZE);
	} else {
		hpa = v3_vm_alloc_pages(vcpu->vm, 1, V3_PAGE_SIZE);
		if (!hpa)
			return 0;
		v3_shadow_index_add(s, hpa, s->npages);
		s->pages[s->npages++] = hpa;
	}
	s->page_level[s->nused] = (uint8_t)level;
	s->page_local[s->nused] = false;
	s->nused++;
	return hpa;
}

void v3_shadow_flush_all(struct v3_vcpu *vcpu)
{
	struct v3_shadow *s = vcpu->shadow;

	s->nused = 1;
	v3_memset(table_va(s->root_hpa), 0, V3_PAGE_SIZE);
	s->flushes++;
	vcpu->tlb_flush = true;
}

void v3_shadow_flush_local(struct v3_vcpu *vcpu)
{
	struct v3_shadow *s = vcpu->shadow;
	int i, j;

	/* The root holds no leaves; every other pool page in use is a
	 * table of a known level (a leaf there is a 4 KiB entry, or PS). */
	for (i = 1; i < s->nused; i++) {
		uint64_t *t = table_va(s->pages[i]);
		bool leaves = s->page_level[i] == 0;

		if (!s->page_local[i])
			continue;
		s->page_local[i] = false;
		for (j = 0; j < ENTRIES; j++)
			if ((t[j] & V3_SPTE_P) &&
			    (leaves || (t[j] & V3_SPTE_PS)) &&
			    !(t[j] & V3_SPTE_GLOBAL))
				t[j] = 0;
	}
	s->local_flushes++;
	vcpu->tlb_flush = true;
}

uint64_t *v3_shadow_slot(struct v3_vcpu *vcpu, uint64_t la, int level,
			 int split_level, bool local)
{
	struct v3_shadow *s = vcpu->shadow;
	uint64_t *t = table_va(s->root_hpa), table = s->root_hpa;
	int l;

	for (l = s->levels - 1; l > level; l--) {
		uint64_t *e = &t[index_at(la, l)];

		/* A large shadow page where a table is wanted now: the
		 * guest's rights differ inside it; it is only a cache. */
		if (!(*e & V3_SPTE_P) || (*e & V3_SPTE_PS)) {
			uint64_t next = take_page(vcpu, l - 1);

			if (!next)
				return NULL;
			if (*e)
				vcpu->tlb_flush = true;
			/* A PAE PDPTE has only P among these bits: RW, US
			 * and A are reserved there (APM vol. 2, 5.2.3). */
			*e = next | (s->levels == 3 && l == 2 ? V3_SPTE_P
							      : TABLE_BITS);
		}
		if (l == split_level)
			*e |= V3_SPTE_SPLIT;
		table = *e & V3_SPTE_ADDR;
		t = table_va(table);
	}
	if (local) {
		int i = index_find(s, table);

		if (i > 0)
			s->page_local[i] = true;
	}
	return &t[index_at(la, level)];
}

void v3_shadow_invlpg(struct v3_vcpu *vcpu, uint64_t la, bool pse4m)
{
	struct v3_shadow *s = vcpu->shadow;
	uint64_t *t = table_va(s->root_hpa);
	int l;

	s->invlpgs++;
	vcpu->tlb_flush = true;
	for (l = s->levels - 1; l >= 0; l--) {
		uint64_t *e = &t[index_at(la, l)];

		if (!(*e & V3_SPTE_P))
			return;
		if (l == 0 || (*e & (V3_SPTE_PS | V3_SPTE_SPLIT))) {
			*e = 0;
			/* A 4 MiB guest page is two 2 MiB shadow entries,
			 * both in this table. */
			if (pse4m && l == 1) {
				uint64_t *b = &t[index_at(la ^ V3_PAGE_2M, 1)];

				if (*b & (V3_SPTE_PS | V3_SPTE_SPLIT))
					*b = 0;
			}
			return;
		}
		t = table_va(*e & V3_SPTE_ADDR);
	}
}
