/* shadow.h - shadow paging: page tables the VMM builds, lazily on #PF,
 * from the guest's own tables (walked by guest_walk.c) and the
 * guest-physical map (the nested tables, used here as a lookup only).
 * The hardware runs on them with the control registers
 * shadow_rules.c derives from the guest's.  Per vcpu; arch-neutral.
 *
 * A vcpu keeps one shadow root per recently used guest CR3 (a virtual
 * TLB tagged by CR3).  The guest's tables are not write-protected: as on
 * a processor without PCIDs the guest may change any non-global entry of
 * an address space that is not current, so when a cached root becomes
 * current again its non-global leaves are checked against the guest's
 * tables (shadow_resync.c) and only those still exact are kept. */
#ifndef V3_SHADOW_H
#define V3_SHADOW_H

#include "v3_types.h"

struct v3_vcpu;

/* Table pages one vcpu may hold below its roots.  When they run out the
 * least recently used other root gives its pages back; when there is no
 * other, every shadow table is dropped and rebuilt on demand. */
#define V3_SHADOW_MAX_PAGES 2048
/* Guest CR3s whose shadow roots are kept. */
#define V3_SHADOW_ROOTS 8

struct v3_shadow_root {
	uint64_t hpa;	   /* its top-level table (below 4 GiB) */
	uint64_t cr3;	   /* the guest CR3 it shadows */
	uint64_t last_use; /* for eviction: least recently used goes */
	int16_t local;	   /* first table holding non-global leaves */
	bool valid;
};

struct v3_shadow {
	uint64_t root_hpa; /* the current root's table */
	int levels; /* 3: PAE (the guest is not in long mode), 4 */
	uint8_t phys_bits; /* the guest's MAXPHYADDR, for reserved bits */
	struct v3_shadow_root roots[V3_SHADOW_ROOTS];
	int cur; /* the current root */
	uint64_t clock;
	/* The pool: pages[0..npages) are allocated, nused of them in use;
	 * the others are on a free list. */
	int npages, nused, free_head;
	uint64_t pages[V3_SHADOW_MAX_PAGES];
	uint8_t page_level[V3_SHADOW_MAX_PAGES]; /* 0: page tables */
	int8_t page_owner[V3_SHADOW_MAX_PAGES];	 /* root index, -1: free */
	/* On its root's list of tables holding non-global leaves, which a
	 * CR3 write must check. */
	bool page_local[V3_SHADOW_MAX_PAGES];
	int16_t page_next[V3_SHADOW_MAX_PAGES]; /* free or local list */
	/* Entries [lo, hi) of a local table hold its non-global leaves:
	 * the part a resync reads. */
	uint16_t page_lo[V3_SHADOW_MAX_PAGES], page_hi[V3_SHADOW_MAX_PAGES];
	uint64_t page_la[V3_SHADOW_MAX_PAGES];	/* first address it maps */
	/* Host frame -> pool index (open addressing, 0 = empty, else
	 * index + 1), to find a table's index from its address. */
	uint16_t index_of[2 * V3_SHADOW_MAX_PAGES];
	/* A fault whose shadow entry already allowed the access: retried
	 * once with a TLB flush, then given to the guest. */
	uint64_t repeat_la, repeat_rip;
	/* The guest table a resync reads, one page at a time. */
	uint8_t guest_table[4096];
	/* Telemetry. */
	uint64_t fills, prefetched, guest_faults, flushes, invlpgs;
	uint64_t invlpg_refills;
	uint64_t cr3_writes, root_hits, root_misses, root_evictions;
	uint64_t resync_tables, resync_kept, resync_dropped, resync_filled;
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
/* Drop every table of every root; the current root stays, empty, for
 * the guest's current CR3. */
void v3_shadow_flush_all(struct v3_vcpu *vcpu);
/* Give root 'r''s table pages back to the pool and empty its top. */
void v3_shadow_drop_root(struct v3_shadow *s, int r);
/* The entry at 'level' (0: 4 KiB leaf, 1: 2 MiB) for 'la' in the
 * current root, creating tables above it; 'split' marks the entry at
 * that level as covering a split guest large page; 'local': the leaf
 * will not be global.  NULL when table pages ran out. */
uint64_t *v3_shadow_slot(struct v3_vcpu *vcpu, uint64_t la, int level,
			 int split_level, bool local);
/* INVLPG: drop the translations of 'la' in every root; 'pse4m' when
 * the guest uses 4 MiB pages (two shadow entries per guest page). */
void v3_shadow_invlpg(struct v3_vcpu *vcpu, uint64_t la, bool pse4m);

/* shadow_roots.c: the roots per guest CR3. */
int v3_shadow_roots_init(struct v3_vcpu *vcpu);
void v3_shadow_roots_free(struct v3_vcpu *vcpu);
/* The guest loaded CR3 (paging on): make its root current.  True when
 * the root was cached, so its non-global leaves need a resync. */
bool v3_shadow_switch_root(struct v3_vcpu *vcpu);
/* Free the pages of the least recently used root but the current one;
 * false when no other root holds any. */
bool v3_shadow_evict_lru(struct v3_shadow *s);

/* shadow_resync.c: check the current root's non-global leaves against
 * the guest's tables (after a CR3 load, as a TLB would drop them),
 * keeping the exact ones and filling used neighbours. */
void v3_shadow_resync(struct v3_vcpu *vcpu);

/* shadow_fault.c: after an INVLPG, install the guest's new translation
 * of 'la' if it is a 4 KiB page the guest has used (its A bit is set),
 * which saves the miss that would follow. */
void v3_shadow_refill(struct v3_vcpu *vcpu, uint64_t la);

#endif
