/* shadow_rules.h - the pure decisions of shadow paging: which control
 * registers the hardware runs with for a guest's, how a guest's writes
 * to CR0/CR4 are checked, and what shadow entry a successful guest walk
 * becomes.  No host calls: unit-tested in userspace. */
#ifndef V3_SHADOW_RULES_H
#define V3_SHADOW_RULES_H

#include "guest_walk.h"
#include "v3_types.h"

/* Control-register bits (SDM vol. 3, 2.5; APM vol. 2, 3.1). */
#define V3_CR0_MP (1ull << 1)
#define V3_CR0_EM (1ull << 2)
#define V3_CR0_TS (1ull << 3)
#define V3_CR0_WP (1ull << 16)
#define V3_CR0_AM (1ull << 18)
#define V3_CR0_NW (1ull << 29)
#define V3_CR0_CD (1ull << 30)
#define V3_CR4_PSE  (1ull << 4)
#define V3_CR4_PAE  (1ull << 5)
#define V3_CR4_PGE  (1ull << 7)
#define V3_CR4_PCIDE (1ull << 17)
#define V3_CR4_SMEP (1ull << 20)
#define V3_CR4_SMAP (1ull << 21)
#define V3_EFER_SCE (1ull << 0)
#define V3_EFER_NXE (1ull << 11)
#define V3_EFER_SVME (1ull << 12)

/* Shadow entries use the 8-byte format of PAE and long mode. */
#define V3_SPTE_P   (1ull << 0)
#define V3_SPTE_RW  (1ull << 1)
#define V3_SPTE_US  (1ull << 2)
#define V3_SPTE_A   (1ull << 5)
#define V3_SPTE_D   (1ull << 6)
#define V3_SPTE_PS  (1ull << 7)
/* An available bit (ignored by the CPU): this table entry covers a
 * guest large page split into smaller shadow pages, so INVLPG of any
 * address inside drops the whole entry. */
#define V3_SPTE_SPLIT (1ull << 9)
/* Another available bit, on leaves: made from a global guest page
 * (CR4.PGE), so it survives CR3 writes as the TLB entry would (SDM
 * vol. 3, 4.10.2.4). */
#define V3_SPTE_GLOBAL (1ull << 10)
#define V3_SPTE_NX  (1ull << 63)
#define V3_SPTE_ADDR 0x000ffffffffff000ull

struct v3_ctrl_regs {
	uint64_t cr0, cr4, efer;
};

/* The hardware's CR0/CR4/EFER for a guest's: paging always on (PAE
 * format; long mode only when the guest is in it), WP on so that
 * read-only shadow entries catch supervisor writes, NX on so shadow
 * entries can carry it.  Everything else is the guest's own. */
void v3_shadow_hw_regs(const struct v3_ctrl_regs *guest,
		       struct v3_ctrl_regs *hw);

/* CR4 bits a guest may set under shadow paging. */
#define V3_SHADOW_CR4_OK                                                       \
	(0x7ffull /* VME..OSXMMEXCPT */ | (1ull << 16) /* FSGSBASE */ |        \
	 V3_CR4_SMEP | V3_CR4_SMAP)

/* A MOV to CR0 (or CLTS, LMSW): 0 with the new CR0 and EFER (LMA follows
 * PG when EFER.LME), or -1: the guest takes #GP(0) (SDM vol. 3, 2.5 and
 * vol. 2 MOV CR; APM vol. 2, 14.6.1). */
int v3_shadow_cr0_write(const struct v3_ctrl_regs *cur, uint64_t val,
			uint64_t *cr0, uint64_t *efer);
/* A MOV to CR4: 0 or -1 for #GP(0). */
int v3_shadow_cr4_write(const struct v3_ctrl_regs *cur, uint64_t val);
/* Does going from 'a' to 'b' change how linear addresses translate
 * (then every shadow table is stale)? */
bool v3_shadow_regs_retranslate(const struct v3_ctrl_regs *a,
				const struct v3_ctrl_regs *b);

/* The shadow leaf for a successful guest walk 'res' of an 'access'
 * (V3_WALK_* bits), the guest-physical page being host page 'hpa' with
 * nested rights 'nperms' (V3_NPERM_*).  Writable only once the guest's
 * entry is dirty, so the first write faults and sets D (SDM vol. 3,
 * 4.8).  With guest CR0.WP = 0 a supervisor write to a read-only page is
 * allowed: the entry becomes writable but supervisor-only, so user
 * accesses still fault and are checked again.  'guest_pge': CR4.PGE, so
 * a global guest leaf makes a global shadow leaf. */
uint64_t v3_shadow_leaf(const struct v3_walk_result *res, unsigned access,
			bool guest_wp, bool guest_pge, uint64_t hpa,
			unsigned nperms);

/* The walk result for 'e', another 4 KiB entry of the guest page table
 * whose entry 'res' read last (the levels above, and their rights, are
 * the same).  False unless the processor could use 'e' as it is:
 * present, accessed (so installing it changes nothing the guest can
 * see) and without reserved bits. */
bool v3_shadow_neighbour(const struct v3_walk_regs *regs,
			 const struct v3_walk_result *res, uint64_t e,
			 struct v3_walk_result *out);

#endif
