/* nested.h - nested page tables (AMD NPT, Intel EPT) built from the guest
 * memory map.  The walk is shared; a backend only supplies the entry
 * format. */
#ifndef V3_NESTED_H
#define V3_NESTED_H

#include "v3_types.h"

struct v3_vm;

#define V3_NPERM_R   1
#define V3_NPERM_W   2
#define V3_NPERM_X   4
#define V3_NPERM_RWX 7

struct v3_nested_fmt {
	/* Entry pointing to a next-level table at 'hpa'. */
	uint64_t (*table)(uint64_t hpa);
	/* Leaf mapping 'hpa' at 'level' (0: 4 KiB, 1: 2 MiB, 2: 1 GiB). */
	uint64_t (*leaf)(uint64_t hpa, int level, unsigned perms);
	bool (*present)(uint64_t e);
	bool (*large)(uint64_t e);     /* a leaf above level 0 */
	unsigned (*perms)(uint64_t e); /* V3_NPERM_* of a leaf */
	uint64_t addr_mask;
	bool has_1g;
};

struct v3_nested {
	uint64_t root_hpa; /* 4-level root, backend loads it */
	uint64_t table_pages;
};

int v3_nested_init(struct v3_vm *vm);
/* Map [gpa, gpa+size) to [hpa, ...) with the largest pages alignment
 * allows, replacing what was there (large pages are split).  Everything
 * 4 KiB aligned.  Changing a live mapping needs v3_vm_flush_tlb(). */
int v3_nested_map(struct v3_vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size,
		  unsigned perms);
/* What the nested tables say about 'gpa': 0 with the host address, the
 * rights and the leaf's level (0: 4 KiB, 1: 2 MiB, 2: 1 GiB), or -1 when
 * nothing is mapped there (MMIO, unmapped).  Shadow paging uses this as
 * its guest-physical map, so both paging modes see the same memory. */
int v3_nested_lookup(struct v3_vm *vm, uint64_t gpa, uint64_t *hpa,
		     unsigned *perms, int *level);
void v3_nested_free(struct v3_vm *vm);

#endif
