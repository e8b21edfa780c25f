/* shadow_roots.c - the shadow roots of a vcpu, one per recently used
 * guest CR3 (V3_SHADOW_ROOTS of them, least recently used evicted), so
 * that returning to an address space finds its shadow tables built. */
#include "shadow.h"
#include "vm.h"
#include "vmm.h"

int v3_shadow_roots_init(struct v3_vcpu *vcpu)
{
	struct v3_shadow *s = vcpu->shadow;
	int r;

	for (r = 0; r < V3_SHADOW_ROOTS; r++) {
		uint64_t hpa = v3_vm_alloc_pages(vcpu->vm, 1, V3_PAGE_SIZE);

		s->roots[r].hpa = hpa;
		s->roots[r].local = -1;
		/* Legacy PAE CR3 holds 32 bits: roots must lie below 4 GiB. */
		if (!hpa || (hpa >> 32))
			return -1;
	}
	s->cur = 0;
	s->roots[0].valid = true;
	s->root_hpa = s->roots[0].hpa;
	return 0;
}

void v3_shadow_roots_free(struct v3_vcpu *vcpu)
{
	struct v3_shadow *s = vcpu->shadow;
	int r;

	for (r = 0; r < V3_SHADOW_ROOTS; r++)
		v3_vm_free_pages(vcpu->vm, s->roots[r].hpa, 1);
}

static void make_current(struct v3_vcpu *vcpu, int r)
{
	struct v3_shadow *s = vcpu->shadow;

	s->cur = r;
	s->roots[r].last_use = ++s->clock;
	s->root_hpa = s->roots[r].hpa;
	vcpu->tlb_flush = true;
}

/* The least recently used valid root but the current one, or -1. */
static int lru_other(const struct v3_shadow *s)
{
	int r, best = -1;

	for (r = 0; r < V3_SHADOW_ROOTS; r++)
		if (r != s->cur && s->roots[r].valid &&
		    (best < 0 || s->roots[r].last_use < s->roots[best].last_use))
			best = r;
	return best;
}

bool v3_shadow_evict_lru(struct v3_shadow *s)
{
	int r = lru_other(s);

	if (r < 0)
		return false;
	v3_shadow_drop_root(s, r);
	s->roots[r].valid = false;
	s->root_evictions++;
	return true;
}

bool v3_shadow_switch_root(struct v3_vcpu *vcpu)
{
	struct v3_shadow *s = vcpu->shadow;
	uint64_t cr3 = vcpu->state.cr3;
	int r;

	s->cr3_writes++;
	for (r = 0; r < V3_SHADOW_ROOTS; r++) {
		if (s->roots[r].valid && s->roots[r].cr3 == cr3) {
			s->root_hits++;
			make_current(vcpu, r);
			return true;
		}
	}
	s->root_misses++;
	for (r = 0; r < V3_SHADOW_ROOTS && s->roots[r].valid; r++)
		;
	if (r == V3_SHADOW_ROOTS) {
		r = lru_other(s);
		if (r < 0)
			r = s->cur; /* a single root: it starts over */
		v3_shadow_drop_root(s, r);
		s->root_evictions++;
	}
	s->roots[r].valid = true;
	s->roots[r].cr3 = cr3;
	make_current(vcpu, r);
	return false;
}
