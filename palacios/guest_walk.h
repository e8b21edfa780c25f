/* guest_walk.h - translate a guest linear address through the guest's
 * own page tables, as the processor would (Intel SDM vol. 3, chapter 4;
 * AMD APM vol. 2, chapter 5).
 *
 * Pure: page-table entries are read (and accessed/dirty bits written)
 * through callbacks on guest-physical addresses.  Used by MMIO emulation
 * (which linear address is the device page?) and by shadow paging. */
#ifndef V3_GUEST_WALK_H
#define V3_GUEST_WALK_H

#include "v3_types.h"

/* #PF error code bits (SDM vol. 3, 4.7). */
#define V3_PF_P	   (1u << 0) /* 0: not present; 1: rights or reserved */
#define V3_PF_W	   (1u << 1)
#define V3_PF_U	   (1u << 2)
#define V3_PF_RSVD (1u << 3)
#define V3_PF_I	   (1u << 4)

/* The access being translated; same bits as the error code. */
#define V3_WALK_WRITE V3_PF_W
#define V3_WALK_USER  V3_PF_U /* CPL 3 (else supervisor) */
#define V3_WALK_FETCH V3_PF_I

/* Return values of v3_guest_walk. */
#define V3_WALK_OK 0
#define V3_WALK_PF 1 /* the guest takes #PF: res->error, CR2 = la */
#define V3_WALK_GP 2 /* non-canonical address: the guest takes #GP */
#define V3_WALK_ERR                                                            \
	(-1) /* a table is not readable RAM, or 5-level                        \
		paging (CR4.LA57): the VMM's problem */

/* The guest state that selects the paging mode and the rights checks. */
struct v3_walk_regs {
	uint64_t cr0, cr3, cr4, efer;
	uint8_t maxphyaddr; /* CPUID 80000008h:EAX[7:0]; 0 means 52 */
};

struct v3_walk_mem {
	/* Read 'len' (4 or 8) bytes at guest-physical 'gpa'; 0 or -1. */
	int (*read)(void *opaque, uint64_t gpa, void *buf, uint32_t len);
	/* Set the accessed/dirty bits of the entry of 'len' (4 or 8) bytes
	 * at 'gpa' by replacing 'old' with 'new' atomically, as the
	 * processor's locked update does: another vcpu may change the entry
	 * meanwhile, and a plain write would bring back what it cleared.
	 * 0 when replaced, 1 when the entry no longer holds 'old' (the walk
	 * starts over), -1 on error.  NULL leaves A/D alone (a dry run). */
	int (*update)(void *opaque, uint64_t gpa, uint64_t old, uint64_t new,
		      uint32_t len);
	void *opaque;
};

struct v3_walk_result {
	uint64_t gpa;	    /* V3_WALK_OK: the translation */
	uint64_t page_size; /* 4 KiB, 2 MiB, 4 MiB or 1 GiB */
	uint32_t error;	    /* V3_WALK_PF: the #PF error code */
	/* Rights over the whole walk (AND of R/W and U/S, OR of XD). */
	bool writable, user, nx;
	/* ... over the levels above the leaf only (shadow paging combines
	 * them with a neighbouring leaf of the same table). */
	bool up_writable, up_user, up_nx;
	uint8_t levels;	  /* entries read, 0 without paging */
	/* The leaf entry, as written back, and where it lives; after a
	 * #PF the last entry read (shadow paging reads its neighbours). */
	uint64_t pte;
	uint64_t pte_gpa;
};

/* Translate 'la' for 'access' (V3_WALK_* bits).  With paging off the
 * translation is the identity (truncated to 32 bits).  Accessed bits are
 * set on every entry used, and the dirty bit on the leaf for a write,
 * only when the translation succeeds. */
int v3_guest_walk(const struct v3_walk_regs *regs,
		  const struct v3_walk_mem *mem, uint64_t la, unsigned access,
		  struct v3_walk_result *res);

#endif
