/* guest_walk.c - the guest page-table walk: 32-bit paging (with 4 MiB
 * PSE pages), PAE, and 4-level paging (SDM vol. 3, 4.3-4.5; APM vol. 2,
 * 5.2-5.3), with rights checks (SDM vol. 3, 4.6) and #PF error codes
 * (4.7). */
#include "guest_walk.h"
#include "lib.h"

#define CR0_WP	 (1ull << 16)
#define CR0_PG	 (1ull << 31)
#define CR4_PSE	 (1ull << 4)
#define CR4_PAE	 (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define CR4_SMEP (1ull << 20)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_A  (1ull << 5)
#define PTE_D  (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_XD (1ull << 63)

/* Bits hi..lo set. */
#define BITS(hi, lo) ((~0ull >> (63 - (hi))) & ~((1ull << (lo)) - 1))

#define MAX_LEVELS 4
/* Another vcpu changed an entry while we set its A/D bits: walk again,
 * a bounded number of times. */
#define WALK_AGAIN 3
#define WALK_TRIES 64

/* One level of a paging structure. */
struct level {
	uint8_t shift;	   /* linear-address bits below this level */
	uint8_t idx_bits;  /* index width */
	bool large_ok;	   /* PS maps a page here */
	bool rights;	   /* carries R/W, U/S, XD (not a PAE PDPTE) */
	uint64_t rsvd;	   /* must-be-zero bits of a table entry */
	uint64_t rsvd_big; /* ... of a large-page entry */
};

struct format {
	unsigned nlevels, entry_size;
	uint64_t root;	    /* first table, from CR3 */
	uint64_t addr_mask; /* address bits of a table entry */
	uint64_t la;	    /* truncated to the mode's width */
	struct level lv[MAX_LEVELS];
};

static unsigned phys_bits(const struct v3_walk_regs *r)
{
	return (r->maxphyaddr && r->maxphyaddr < 52) ? r->maxphyaddr : 52;
}

/* 32-bit paging: two levels of 4-byte entries (SDM vol. 3, 4.3).  A
 * 4 MiB PDE holds PA[39:32] in bits 20:13 (PSE-36); bit 21 and the
 * bits beyond MAXPHYADDR are reserved. */
static void format_32(const struct v3_walk_regs *r, uint64_t la,
		      struct format *f)
{
	unsigned pb = phys_bits(r);
	uint64_t rsvd_big = 1ull << 21;

	if (pb < 40)
		rsvd_big |= BITS(20, 13 + (pb > 32 ? pb - 32 : 0));
	f->nlevels = 2;
	f->entry_size = 4;
	f->root = r->cr3 & 0xfffff000ull;
	f->addr_mask = 0xfffff000ull;
	f->la = la & 0xffffffffull;
	f->lv[0] = (struct level){.shift = 22,
				  .idx_bits = 10,
				  .large_ok = (r->cr4 & CR4_PSE) != 0,
				  .rights = true,
				  .rsvd_big = rsvd_big};
	f->lv[1] = (struct level){.shift = 12, .idx_bits = 10, .rights = true};
}

/* PAE and 4-level paging share 8-byte entries: address bits past
 * MAXPHYADDR are reserved, and so is XD unless EFER.NXE (4.4, 4.5). */
static void format_64(const struct v3_walk_regs *r, uint64_t la, bool lm,
		      struct format *f)
{
	uint64_t addr = BITS(phys_bits(r) - 1, 12);
	uint64_t rsvd = phys_bits(r) < 52 ? BITS(51, phys_bits(r)) : 0;
	uint64_t big2m = BITS(20, 13), big1g = BITS(29, 13);
	unsigned i = 0;

	if (!(r->efer & EFER_NXE))
		rsvd |= PTE_XD;
	f->entry_size = 8;
	f->addr_mask = addr;
	if (lm) {
		f->nlevels = 4;
		f->root = r->cr3 & addr;
		f->la = la;
		/* PML4E: PS is reserved. */
		f->lv[i++] = (struct level){.shift = 39,
					    .idx_bits = 9,
					    .rights = true,
					    .rsvd = rsvd | PTE_PS};
		f->lv[i++] = (struct level){.shift = 30,
					    .idx_bits = 9,
					    .large_ok = true,
					    .rights = true,
					    .rsvd = rsvd,
					    .rsvd_big = rsvd | big1g};
	} else {
		/* The four PDPTEs: no rights; bits 2:1, 8:5, 63 reserved
		 * (4.4.1). */
		f->nlevels = 3;
		f->root = r->cr3 & 0xffffffe0ull;
		f->la = la & 0xffffffffull;
		f->lv[i++] = (struct level){.shift = 30,
					    .idx_bits = 2,
					    .rsvd = rsvd | PTE_XD | BITS(2, 1) |
						    BITS(8, 5)};
	}
	f->lv[i++] = (struct level){.shift = 21,
				    .idx_bits = 9,
				    .large_ok = true,
				    .rights = true,
				    .rsvd = rsvd,
				    .rsvd_big = rsvd | big2m};
	f->lv[i] = (struct level){
	    .shift = 12, .idx_bits = 9, .rights = true, .rsvd = rsvd};
}

static int read_entry(const struct v3_walk_mem *mem, uint64_t gpa,
		      unsigned size, uint64_t *e)
{
	uint8_t b[8];
	unsigned i;

	if (!mem->read || mem->read(mem->opaque, gpa, b, size))
		return -1;
	*e = 0;
	for (i = 0; i < size; i++)
		*e |= (uint64_t)b[i] << (8 * i);
	return 0;
}

/* I/D is reported only where execute rights exist: SMEP, or PAE-format
 * tables with NXE (SDM vol. 3, 4.7). */
static uint32_t base_error(const struct v3_walk_regs *r, unsigned access)
{
	uint32_t err = access & (V3_PF_W | V3_PF_U);

	if ((access & V3_WALK_FETCH) &&
	    ((r->cr4 & CR4_SMEP) ||
	     ((r->cr4 & CR4_PAE) && (r->efer & EFER_NXE))))
		err |= V3_PF_I;
	return err;
}

/* SDM vol. 3, 4.6.1.  SMAP needs RFLAGS.AC and is not modelled. */
static bool rights_ok(const struct v3_walk_regs *r,
		      const struct v3_walk_result *res, unsigned access)
{
	bool user = access & V3_WALK_USER;

	if (user && !res->user)
		return false;
	if ((access & V3_WALK_WRITE) && !res->writable &&
	    (user || (r->cr0 & CR0_WP)))
		return false;
	if (access & V3_WALK_FETCH) {
		if (res->nx)
			return false;
		if (!user && res->user && (r->cr4 & CR4_SMEP))
			return false;
	}
	return true;
}

/* Set A on every entry used and D on the leaf of a write, writing back
 * only what changed.  PAE PDPTEs have no A bit (bit 5 is reserved).
 * 1: an entry changed under us, walk again. */
static int set_accessed(const struct v3_walk_mem *mem, const struct format *f,
			const uint64_t *ent, const uint64_t *gpa, unsigned n,
			unsigned access, struct v3_walk_result *res)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		uint64_t e = ent[i];

		if (!f->lv[i].rights)
			continue;
		e |= PTE_A;
		if (i == n - 1 && (access & V3_WALK_WRITE))
			e |= PTE_D;
		if (e != ent[i] && mem->update) {
			int rc = mem->update(mem->opaque, gpa[i], ent[i], e,
					     f->entry_size);

			if (rc)
				return rc;
		}
		if (i == n - 1 && mem->update)
			res->pte = e;
	}
	return 0;
}

static int walk(const struct v3_walk_regs *r, const struct v3_walk_mem *mem,
		const struct format *f, unsigned access,
		struct v3_walk_result *res)
{
	uint64_t ent[MAX_LEVELS], gpa[MAX_LEVELS];
	uint64_t table = f->root, frame = 0;
	unsigned i;

	res->writable = res->user = true;
	for (i = 0; i < f->nlevels; i++) {
		const struct level *lv = &f->lv[i];
		uint64_t idx =
		    (f->la >> lv->shift) & ((1ull << lv->idx_bits) - 1);
		uint64_t e;
		bool last = i == f->nlevels - 1;
		bool big;

		gpa[i] = table + idx * f->entry_size;
		if (read_entry(mem, gpa[i], f->entry_size, &e))
			return V3_WALK_ERR;
		ent[i] = e;
		res->levels = (uint8_t)(i + 1);
		res->pte = e;
		res->pte_gpa = gpa[i];
		res->up_writable = res->writable;
		res->up_user = res->user;
		res->up_nx = res->nx;
		if (!(e & PTE_P)) {
			res->error = base_error(r, access);
			return V3_WALK_PF;
		}
		big = !last && lv->large_ok && (e & PTE_PS);
		if (e & (big ? lv->rsvd_big : lv->rsvd)) {
			res->error =
			    base_error(r, access) | V3_PF_P | V3_PF_RSVD;
			return V3_WALK_PF;
		}
		if (lv->rights) {
			res->writable = res->writable && (e & PTE_RW);
			res->user = res->user && (e & PTE_US);
			res->nx =
			    res->nx || ((r->efer & EFER_NXE) &&
					f->entry_size == 8 && (e & PTE_XD));
		}
		if (big || last) {
			res->page_size = 1ull << lv->shift;
			if (f->entry_size == 4 && big)
				frame = (e & 0xffc00000ull) |
					(((e >> 13) & 0xff) << 32);
			else
				frame =
				    e & f->addr_mask & ~(res->page_size - 1);
			break;
		}
		table = e & f->addr_mask;
	}

	if (!rights_ok(r, res, access)) {
		res->error = base_error(r, access) | V3_PF_P;
		return V3_WALK_PF;
	}
	res->pte = ent[res->levels - 1];
	res->pte_gpa = gpa[res->levels - 1];
	switch (set_accessed(mem, f, ent, gpa, res->levels, access, res)) {
	case 0: break;
	case 1: return WALK_AGAIN;
	default: return V3_WALK_ERR;
	}
	res->gpa = frame | (f->la & (res->page_size - 1));
	return V3_WALK_OK;
}

int v3_guest_walk(const struct v3_walk_regs *regs,
		  const struct v3_walk_mem *mem, uint64_t la, unsigned access,
		  struct v3_walk_result *res)
{
	struct format f;
	bool lm;
	int tries;

	if (!regs || !mem || !res)
		return V3_WALK_ERR;
	v3_memset(res, 0, sizeof(*res));
	if (!(regs->cr0 & CR0_PG)) {
		res->gpa = la & 0xffffffffull;
		res->page_size = 4096;
		res->writable = res->user = true;
		return V3_WALK_OK;
	}
	v3_memset(&f, 0, sizeof(f));
	lm = (regs->efer & (EFER_LMA | EFER_LME)) && (regs->cr4 & CR4_PAE);
	if (!(regs->cr4 & CR4_PAE)) {
		format_32(regs, la, &f);
	} else if (lm) {
		if (regs->cr4 & CR4_LA57)
			return V3_WALK_ERR;
		/* Bits 63:47 must all equal bit 47 (SDM vol. 1, 3.3.7.1). */
		if ((uint64_t)((int64_t)(la << 16) >> 16) != la)
			return V3_WALK_GP;
		format_64(regs, la, true, &f);
	} else {
		format_64(regs, la, false, &f);
	}
	for (tries = 0; tries < WALK_TRIES; tries++) {
		int rc = walk(regs, mem, &f, access, res);

		if (rc != WALK_AGAIN)
			return rc;
		v3_memset(res, 0, sizeof(*res));
	}
	return V3_WALK_ERR; /* entries that never stop changing */
}
