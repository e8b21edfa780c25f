/* shadow_table.c - the shadow page tables of one vcpu: radix trees in
 * the PAE / long-mode format (APM vol. 2, 5.2-5.3), one per cached root,
 * whose pages come from a bounded per-vcpu pool.  Dropping a root or
 * everything is cheap (its pages go back to the pool), so stale state
 * is dropped rather than repaired. */
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
static void index_add(struct v3_shadow *s, uint64_t hpa, int index)
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

static void free_page(struct v3_shadow *s, int i)
{
	s->page_owner[i] = -1;
	s->page_local[i] = false;
	s->page_next[i] = (int16_t)s->free_head;
	s->free_head = i;
	s->nused--;
}

/* A zeroed table page for the current root, or 0 when the pool is
 * exhausted even after the other roots gave theirs back. */
static uint64_t take_page(struct v3_vcpu *vcpu, int level, uint64_t la)
{
	struct v3_shadow *s = vcpu->shadow;
	uint64_t hpa;
	int i;

	while (s->free_head < 0 && s->npages == V3_SHADOW_MAX_PAGES)
		if (!v3_shadow_evict_lru(s))
			return 0;
	if (s->free_head >= 0) {
		i = s->free_head;
		s->free_head = s->page_next[i];
		hpa = s->pages[i];
		v3_memset(table_va(hpa), 0, V3_PAGE_SIZE);
	} else {
		hpa = v3_vm_alloc_pages(vcpu->vm, 1, V3_PAGE_SIZE);
		if (!hpa)
			return 0;
		i = s->npages++;
		index_add(s, hpa, i);
		s->pages[i] = hpa;
	}
	s->page_level[i] = (uint8_t)level;
	s->page_owner[i] = (int8_t)s->cur;
	s->page_local[i] = false;
	s->page_la[i] = la & ~((1ull << (12 + 9 * (level + 1))) - 1);
	s->nused++;
	return hpa;
}

void v3_shadow_drop_root(struct v3_shadow *s, int r)
{
	int i;

	for (i = 0; i < s->npages; i++)
		if (s->page_owner[i] == r)
			free_page(s, i);
	s->roots[r].local = -1;
	v3_memset(table_va(s->roots[r].hpa), 0, V3_PAGE_SIZE);
}

void v3_shadow_flush_all(struct v3_vcpu *vcpu)
{
	struct v3_shadow *s = vcpu->shadow;
	int i;

	for (i = 0; i < s->npages; i++)
		if (s->page_owner[i] >= 0)
			free_page(s, i);
	for (i = 0; i < V3_SHADOW_ROOTS; i++) {
		if (s->roots[i].valid || i == s->cur)
			v3_memset(table_va(s->roots[i].hpa), 0, V3_PAGE_SIZE);
		s->roots[i].valid = false;
		s->roots[i].local = -1;
	}
	s->roots[s->cur].valid = true;
	s->roots[s->cur].cr3 = vcpu->state.cr3;
	s->flushes++;
	vcpu->tlb_flush = true;
}

/* Entry 'idx' of 'table' gets a non-global leaf: the table goes on its
 * root's list, the entry into its range. */
static void mark_local(struct v3_shadow *s, uint64_t table, int idx)
{
	int i = index_find(s, table);

	if (i < 0 || s->page_owner[i] < 0)
		return;
	if (s->page_local[i]) {
		if (idx < s->page_lo[i])
			s->page_lo[i] = (uint16_t)idx;
		if (idx >= s->page_hi[i])
			s->page_hi[i] = (uint16_t)(idx + 1);
		return;
	}
	s->page_local[i] = true;
	s->page_lo[i] = (uint16_t)idx;
	s->page_hi[i] = (uint16_t)(idx + 1);
	s->page_next[i] = s->roots[s->page_owner[i]].local;
	s->roots[s->page_owner[i]].local = (int16_t)i;
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
			uint64_t next = take_page(vcpu, l - 1, la);

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
	if (local)
		mark_local(s, table, index_at(la, level));
	return &t[index_at(la, level)];
}

static void invlpg_in(struct v3_shadow *s, uint64_t root, uint64_t la,
		      bool pse4m)
{
	uint64_t *t = table_va(root);
	int l;

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

/* A global translation lives in every root, and the other roots'
 * non-global ones are checked when they become current anyway; dropping
 * 'la' everywhere is the simple rule that covers both. */
void v3_shadow_invlpg(struct v3_vcpu *vcpu, uint64_t la, bool pse4m)
{
	struct v3_shadow *s = vcpu->shadow;
	int r;

	s->invlpgs++;
	vcpu->tlb_flush = true;
	for (r = 0; r < V3_SHADOW_ROOTS; r++)
		if (s->roots[r].valid)
			invlpg_in(s, s->roots[r].hpa, la, pse4m);
}
