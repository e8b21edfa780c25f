/* shadow.h - shadow paging: page tables the VMM builds, lazily on #PF,
 * from the guest's own tables (walked by guest_walk.c) and the
 * guest-physical map (the nested tables, used here as a lookup only).
 * The hardware runs on them with the control registers
 * shadow_rules.c derives from the guest's.  Per vcpu; arch-neutral. */
#ifndef V3_SHADOW_H
#define V3_SHADOW_H

#include "v3_types.h"

struct v3_vcpu;

/* Table pages one vcpu may hold; when they run out every shadow table is
 * dropped and rebuilt on demand. */
#define V3_SHADOW_MAX_PAGES 2048

struct v3_shadow {
	uint64_t root_hpa;
	int levels; /* 3: PAE (the guest is not in long mode), 4 */
	uint8_t phys_bits; /* the guest's MAXPHYADDR, for reserved bits */
	int npages, nused; /* pages[0] is the root */
	uint64_t pages[V3_SHADOW_MAX_PAGES];
	uint8_t page_level[V3_SHADOW_MAX_PAGES]; /* 0: page tables */
	/* Pages holding leaves a CR3 write must drop (not global). */
	bool page_local[V3_SHADOW_MAX_PAGES];
	/* Host frame -> pool index (open addressing, 0 = empty, else
	 * index + 1), to find a table's index from its address. */
	uint16_t index_of[2 * V3_SHADOW_MAX_PAGES];
	/* A fault whose shadow entry already allowed the access: retried
	 * once with a TLB flush, then given to the guest. */
	uint64_t repeat_la, repeat_rip;
	/* Telemetry. */
	uint64_t fills, prefetched, guest_faults, flushes, local_flushes;
	uint64_t invlpgs;
};

int v3_shadow_init(struct v3_vcpu *vcpu);
void v3_shadow_deinit(struct v3_vcpu *vcpu);
/* Before each entry: drop stale tables if the VM's guest-physical map
 * changed, and compute the hardware's control registers. */
void v3_shadow_prepare_entry(struct v3_vcpu *vcpu);
/* The guest changed CR0/CR4/EFER from 'old' (CR3 reloads too): update
 * the hardware view and drop what no longer translates. */
struct v3_ctrl_regs;
void v3_shadow_ctrl_changed(struct v3_vcpu *vcpu,
			    const struct v3_ctrl_regs *old, bool cr3_changed);

/* shadow_table.c: the tables themselves. */
void v3_shadow_flush_all(struct v3_vcpu *vcpu);
/* A CR3 write with CR4.PGE: drop every leaf but the global ones. */
void v3_shadow_flush_local(struct v3_vcpu *vcpu);
/* The entry at 'level' (0: 4 KiB leaf, 1: 2 MiB) for 'la', creating
 * tables above it; 'split' marks the entry at that level as covering a
 * split guest large page; 'local': the leaf will not be global.  NULL
 * when table pages ran out. */
uint64_t *v3_shadow_slot(struct v3_vcpu *vcpu, uint64_t la, int level,
			 int split_level, bool local);
void v3_shadow_index_add(struct v3_shadow *s, uint64_t hpa, int index);
/* INVLPG: drop the translations of 'la'; 'pse4m' when the guest uses
 * 4 MiB pages (two shadow entries per guest page). */
void v3_shadow_invlpg(struct v3_vcpu *vcpu, uint64_t la, bool pse4m);

#endif
