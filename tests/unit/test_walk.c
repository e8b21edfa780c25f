/* test_walk.c - palacios/guest_walk.c on page tables built in a fake
 * guest-physical memory: every paging mode, page size and fault kind,
 * with the #PF error codes of SDM vol. 3, 4.7. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_mem.h"
#include "guest_walk.h"
#include "unit.h"
#include "vcpu_state.h"

#define GMEM (32u << 20)

static uint8_t gm[GMEM];
static unsigned writes;

static int gread(void *opaque, uint64_t gpa, void *buf, uint32_t len)
{
	(void)opaque;
	return fake_mem_read(gm, GMEM, gpa, buf, len);
}

static int gupdate(void *opaque, uint64_t gpa, uint64_t old, uint64_t new,
		   uint32_t len)
{
	uint64_t now = 0;

	(void)opaque;
	if (fake_mem_read(gm, GMEM, gpa, &now, len))
		return -1;
	if (now != old)
		return 1;
	if (fake_mem_write(gm, GMEM, gpa, &new, len))
		return -1;
	writes++;
	return 0;
}

static const struct v3_walk_mem mem = {gread, gupdate, NULL};
static const struct v3_walk_mem mem_ro = {gread, NULL, NULL};

/* CR0.PE/PG and EFER.LME/LMA come from vcpu_state.h; the core exports
 * no names for the other control-register and page-table bits, which
 * guest_walk.c keeps to itself. */
#define CR0_WP	 (1ull << 16)
#define CR4_PSE	 (1ull << 4)
#define CR4_PAE	 (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define CR4_SMEP (1ull << 20)
#define EFER_NXE (1ull << 11)

#define P  (1ull << 0)
#define RW (1ull << 1)
#define US (1ull << 2)
#define A  (1ull << 5)
#define D  (1ull << 6)
#define PS (1ull << 7)
#define XD (1ull << 63)

#define R 0
#define W V3_WALK_WRITE
#define U V3_WALK_USER
#define X V3_WALK_FETCH

static void put32(uint64_t gpa, uint64_t v)
{
	uint32_t x = (uint32_t)v;

	memcpy(gm + gpa, &x, 4);
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(gm + gpa, &v, 8);
}

static uint64_t get32(uint64_t gpa)
{
	uint32_t x;

	memcpy(&x, gm + gpa, 4);
	return x;
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t x;

	memcpy(&x, gm + gpa, 8);
	return x;
}

static void clear(void)
{
	memset(gm, 0, sizeof(gm));
	writes = 0;
}

/* Expect a translation to 'gpa' with 'size' pages. */
static void ok_at(const char *file, int line, const char *what,
		  const struct v3_walk_regs *r, uint64_t la, unsigned acc,
		  uint64_t gpa, uint64_t size)
{
	struct v3_walk_result res;
	int rc = v3_guest_walk(r, &mem, la, acc, &res);

	if (!report_at(file, line,
		       rc == V3_WALK_OK && res.gpa == gpa &&
			   res.page_size == size,
		       "%s", what))
		diag("rc %d gpa %#llx size %#llx error %#x", rc,
		     (unsigned long long)res.gpa,
		     (unsigned long long)res.page_size, res.error);
}
#define OK(what, r, la, acc, gpa, size)                                        \
	ok_at(__FILE__, __LINE__, what, r, la, acc, gpa, size)

/* Expect #PF with error code 'err'. */
static void pf_at(const char *file, int line, const char *what,
		  const struct v3_walk_regs *r, uint64_t la, unsigned acc,
		  uint32_t err)
{
	struct v3_walk_result res;
	int rc = v3_guest_walk(r, &mem, la, acc, &res);

	if (!report_at(file, line, rc == V3_WALK_PF && res.error == err,
		       "%s: #PF error %#x", what, err))
		diag("rc %d error %#x gpa %#llx", rc, res.error,
		     (unsigned long long)res.gpa);
}
#define PF(what, r, la, acc, err)                                              \
	pf_at(__FILE__, __LINE__, what, r, la, acc, err)

static void test_no_paging(void)
{
	struct v3_walk_regs r = {.cr0 = V3_CR0_PE};

	OK("paging off: identity", &r, 0x12345678, W | U | X, 0x12345678, 4096);
	OK("paging off: 32-bit linear", &r, 0x100001000ull, R, 0x1000, 4096);
}

/* 32-bit paging: CR3 at 0x1000, PD entries point to PTs at 0x2000. */
static void test_32bit(void)
{
	struct v3_walk_regs r = {.cr0 = V3_CR0_PE | V3_CR0_PG, .cr3 = 0x1000};
	struct v3_walk_result res;
	uint64_t la = 0x00403123; /* PDE 1, PTE 3, offset 0x123 */

	clear();
	put32(0x1000 + 1 * 4, 0x2000 | P | RW | US);
	put32(0x2000 + 3 * 4, 0x55000 | P | RW | US);
	OK("32-bit: 4 KiB page", &r, la, R, 0x55123, 4096);
	report(get32(0x1004) == (0x2000 | P | RW | US | A) &&
		   get32(0x200c) == (0x55000 | P | RW | US | A),
	       "32-bit: read sets A on PDE and PTE, not D");
	OK("32-bit: write", &r, la, W, 0x55123, 4096);
	report(get32(0x200c) == (0x55000 | P | RW | US | A | D) &&
		   get32(0x1004) == (0x2000 | P | RW | US | A),
	       "32-bit: write sets D on the PTE only");
	writes = 0;
	OK("32-bit: again", &r, la, W, 0x55123, 4096);
	report(writes == 0, "32-bit: nothing written when A/D already set");

	PF("32-bit: PDE not present", &r, 0x00800000, R, 0);
	PF("32-bit: PDE not present, user write", &r, 0x00800000, W | U,
	   V3_PF_W | V3_PF_U);
	PF("32-bit: PTE not present, write", &r, 0x00404000, W, V3_PF_W);

	/* Supervisor-only, read-only page: PDE 2 */
	put32(0x1000 + 2 * 4, 0x3000 | P | RW);
	put32(0x3000, 0x66000 | P);
	PF("32-bit: user read of supervisor page", &r, 0x00800000, U,
	   V3_PF_P | V3_PF_U);
	OK("32-bit: supervisor write to RO page, WP=0", &r, 0x00800000, W,
	   0x66000, 4096);
	r.cr0 |= CR0_WP;
	PF("32-bit: supervisor write to RO page, WP=1", &r, 0x00800000, W,
	   V3_PF_P | V3_PF_W);
	r.cr0 &= ~CR0_WP;
	put32(0x1000 + 2 * 4, 0x3000 | P | RW | US);
	PF("32-bit: user write to RO page", &r, 0x00800000, W | U,
	   V3_PF_P | V3_PF_W | V3_PF_U);
	PF("32-bit: fetch, no I bit without SMEP/NXE", &r, 0x00c00000, X, 0);

	/* 4 MiB pages: PDE 3 */
	put32(0x1000 + 3 * 4, 0x01c00000 | P | RW | PS);
	r.cr4 = CR4_PSE;
	OK("32-bit: 4 MiB PSE page", &r, 0x00fedcba, R, 0x01fedcba, 4u << 20);
	r.cr4 = 0;
	put32(0x01c00000 + 0x3ed * 4, 0x77000 | P);
	v3_guest_walk(&r, &mem, 0x00fedcba, R, &res);
	report(res.page_size == 4096 && res.levels == 2 && res.gpa == 0x77cba,
	       "32-bit: PS ignored without CR4.PSE: the PDE points to a PT");
	r.cr4 = CR4_PSE;
	r.maxphyaddr = 40;
	put32(0x1000 + 3 * 4, 0x01c00000 | P | PS | (0x5ull << 13));
	OK("32-bit: PSE-36 high address bits", &r, 0x00c00010, R,
	   0x501c00010ull, 4u << 20);
	r.maxphyaddr = 36;
	put32(0x1000 + 3 * 4, 0x01c00000 | P | PS | (0x10ull << 13));
	PF("32-bit: PSE-36 bit past MAXPHYADDR", &r, 0x00c00010, R,
	   V3_PF_P | V3_PF_RSVD);
	put32(0x1000 + 3 * 4, 0x01c00000 | P | PS | (1ull << 21));
	PF("32-bit: 4 MiB PDE bit 21 reserved", &r, 0x00c00010, W,
	   V3_PF_P | V3_PF_RSVD | V3_PF_W);

	/* SMEP: supervisor fetch from a user page */
	r.cr4 = CR4_SMEP;
	PF("32-bit: SMEP", &r, la, X, V3_PF_P | V3_PF_I);
	OK("32-bit: user fetch with SMEP", &r, la, X | U, 0x55123, 4096);

	clear();
	put32(0x1000 + 1 * 4, 0x2000 | P | RW | US);
	put32(0x2000 + 3 * 4, 0x55000 | P | RW | US);
	r.cr4 = 0;
	v3_guest_walk(&r, &mem_ro, la, W, &res);
	report(res.gpa == 0x55123 && get32(0x200c) == (0x55000 | P | RW | US) &&
		   res.pte_gpa == 0x200c,
	       "32-bit: no write callback: A/D untouched");
}

/* PAE: CR3 -> 4 PDPTEs at 0x1020, PD at 0x2000, PT at 0x3000. */
static void test_pae(void)
{
	struct v3_walk_regs r = {.cr0 = V3_CR0_PE | V3_CR0_PG,
				 .cr3 = 0x1020,
				 .cr4 = CR4_PAE,
				 .maxphyaddr = 36};
	struct v3_walk_result res;
	/* PDPTE 1, PDE 2, PTE 3, offset 0x456 */
	uint64_t la = (1ull << 30) | (2ull << 21) | (3ull << 12) | 0x456;

	clear();
	put64(0x1020 + 8, 0x2000 | P);
	put64(0x2000 + 2 * 8, 0x3000 | P | RW | US);
	put64(0x3000 + 3 * 8, 0x87654000ull | P | RW | US);
	OK("PAE: 4 KiB page", &r, la, W, 0x87654456ull, 4096);
	report(get64(0x1028) == (0x2000 | P) &&
		   get64(0x3018) == (0x87654000ull | P | RW | US | A | D),
	       "PAE: no A bit in the PDPTE, A/D in the PTE");

	put64(0x2000 + 4 * 8, 0x40000000ull | P | RW | PS);
	OK("PAE: 2 MiB page", &r, (1ull << 30) | (4ull << 21) | 0x12345, R,
	   0x40012345ull, 2u << 20);
	put64(0x2000 + 5 * 8, 0x40000000ull | P | PS | (1ull << 13));
	PF("PAE: 2 MiB PDE bit 13 reserved", &r, (1ull << 30) | (5ull << 21), R,
	   V3_PF_P | V3_PF_RSVD);

	PF("PAE: PDPTE not present", &r, 2ull << 30, R, 0);
	put64(0x1020 + 16, 0x2000 | P | RW);
	PF("PAE: PDPTE R/W bit reserved", &r, 2ull << 30, R,
	   V3_PF_P | V3_PF_RSVD);

	put64(0x3000 + 4 * 8, 0x88000000ull | P | XD);
	PF("PAE: XD set without NXE is reserved", &r,
	   (1ull << 30) | (2ull << 21) | (4ull << 12), R, V3_PF_P | V3_PF_RSVD);
	r.efer = EFER_NXE;
	OK("PAE: read of an XD page", &r,
	   (1ull << 30) | (2ull << 21) | (4ull << 12), R, 0x88000000ull, 4096);
	PF("PAE: fetch of an XD page", &r,
	   (1ull << 30) | (2ull << 21) | (4ull << 12), X, V3_PF_P | V3_PF_I);
	PF("PAE: user fetch, not present, NXE: I and U", &r,
	   (1ull << 30) | (2ull << 21) | (9ull << 12), X | U,
	   V3_PF_I | V3_PF_U);

	put64(0x3000 + 5 * 8, (1ull << 40) | P);
	PF("PAE: address bit past MAXPHYADDR", &r,
	   (1ull << 30) | (2ull << 21) | (5ull << 12), R, V3_PF_P | V3_PF_RSVD);

	v3_guest_walk(&r, &mem, la, R, &res);
	report(res.writable && res.user && !res.nx && res.levels == 3,
	       "PAE: effective rights reported");
}

/* 4-level: PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
static void test_long(void)
{
	struct v3_walk_regs r = {.cr0 = V3_CR0_PE | V3_CR0_PG | CR0_WP,
				 .cr3 = 0x1000,
				 .cr4 = CR4_PAE,
				 .efer = V3_EFER_LME | V3_EFER_LMA | EFER_NXE};
	struct v3_walk_result res;
	uint64_t la = 0xffff800000000000ull | (5ull << 30) | (6ull << 21) |
		      (7ull << 12) | 0xabc; /* PML4 256 */

	clear();
	put64(0x1000 + 256 * 8, 0x2000 | P | RW | US);
	put64(0x2000 + 5 * 8, 0x3000 | P | RW | US);
	put64(0x3000 + 6 * 8, 0x4000 | P | RW | US);
	put64(0x4000 + 7 * 8, 0x123456789000ull | P | RW | US);
	OK("long: 4 KiB page at a high canonical address", &r, la, W | U,
	   0x123456789abcull, 4096);
	report(get64(0x1800) & A && get64(0x2028) & A && get64(0x3030) & A &&
		   (get64(0x4038) & (A | D)) == (A | D) && !(get64(0x3030) & D),
	       "long: A on every level, D on the leaf");
	v3_guest_walk(&r, &mem, la, R, &res);
	report(res.pte == get64(0x4038) && res.pte_gpa == 0x4038 &&
		   res.levels == 4,
	       "long: leaf entry and its address reported");

	put64(0x3000 + 8 * 8, 0x7fe00000ull | P | RW | PS);
	OK("long: 2 MiB page", &r,
	   0xffff800000000000ull | (5ull << 30) | (8ull << 21) | 0x1fffff, W,
	   0x7fffffffull, 2u << 20);
	report((get64(0x3040) & (A | D)) == (A | D),
	       "long: write sets D on a 2 MiB PDE");

	put64(0x2000 + 9 * 8, 0x80000000ull | P | RW | PS);
	OK("long: 1 GiB page", &r,
	   0xffff800000000000ull | (9ull << 30) | 0x3fffffff, R, 0xbfffffffull,
	   1u << 30);
	put64(0x2000 + 10 * 8, 0x80000000ull | P | PS | (1ull << 20));
	PF("long: 1 GiB PDPTE bit 20 reserved", &r,
	   0xffff800000000000ull | (10ull << 30), R, V3_PF_P | V3_PF_RSVD);

	put64(0x1000 + 1 * 8, 0x2000 | P | RW | PS);
	PF("long: PS in a PML4E is reserved", &r, 1ull << 39, R,
	   V3_PF_P | V3_PF_RSVD);

	{
		struct v3_walk_result g;

		report(v3_guest_walk(&r, &mem, 0x0000800000000000ull, R, &g) ==
			   V3_WALK_GP,
		       "long: non-canonical address is #GP");
	}

	/* XD in the PDPTE covers the whole 1 GiB below it */
	put64(0x1000 + 2 * 8, 0x5000 | P | RW | US);
	put64(0x5000, 0x6000 | P | RW | US | XD);
	put64(0x6000, 0x7000 | P | RW | US);
	put64(0x7000, 0x9000 | P | RW | US);
	v3_guest_walk(&r, &mem, 2ull << 39, R, &res);
	report(res.nx && res.gpa == 0x9000, "long: XD inherited from above");
	PF("long: fetch under an XD PDPTE", &r, 2ull << 39, X,
	   V3_PF_P | V3_PF_I);

	/* U/S clear in the PML4E: user access fails */
	put64(0x1000 + 3 * 8, 0x5000 | P | RW);
	PF("long: user read under a supervisor PML4E", &r, 3ull << 39, U,
	   V3_PF_P | V3_PF_U);
	/* R/W clear at the PD level: supervisor write with WP=1 fails */
	put64(0x6000 + 8, 0x7000 | P | US);
	PF("long: write under a read-only PDE, WP=1", &r,
	   (2ull << 39) | (1ull << 21), W, V3_PF_P | V3_PF_W);
	v3_guest_walk(&r, &mem, (2ull << 39) | (1ull << 21), R, &res);
	report(!res.writable && res.user, "long: R/W is the AND of levels");

	r.cr4 |= CR4_LA57;
	report(v3_guest_walk(&r, &mem, la, R, &res) == V3_WALK_ERR,
	       "long: 5-level paging refused");
	r.cr4 &= ~CR4_LA57;
	r.cr3 = 0x40000000;
	report(v3_guest_walk(&r, &mem, la, R, &res) == V3_WALK_ERR,
	       "long: unreadable table is the VMM's error");
	report(v3_guest_walk(NULL, &mem, la, R, &res) == V3_WALK_ERR &&
		   v3_guest_walk(&r, &mem, la, R, NULL) == V3_WALK_ERR,
	       "NULL arguments refused");
}

/* Random tables and registers: no crash, and answers that fit the
 * question (ASan/UBSan watch the rest). */
static void test_random(void)
{
	unsigned i, bad = 0;
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	for (i = 0; i < 200000; i++) {
		struct v3_walk_regs r;
		struct v3_walk_result res;
		uint64_t la;
		unsigned acc;
		int rc;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		if (i % 1000 == 0) {
			unsigned k;

			for (k = 0; k < 0x8000; k += 8) {
				seed = seed * 6364136223846793005ull + 1;
				put64(k, (seed & 0x7f0fff) |
					     ((seed >> 40) & 1 ? XD : 0));
			}
		}
		r.cr0 = V3_CR0_PE | ((seed >> 3) & 7 ? V3_CR0_PG : 0) |
			((seed >> 6) & 1 ? CR0_WP : 0);
		r.cr3 = (seed >> 8) & 0x7fe0;
		r.cr4 = ((seed >> 20) & 1 ? CR4_PAE : 0) |
			((seed >> 21) & 1 ? CR4_PSE : 0) |
			((seed >> 22) & 1 ? CR4_SMEP : 0);
		r.efer = ((seed >> 23) & 1 ? V3_EFER_LME | V3_EFER_LMA : 0) |
			 ((seed >> 24) & 1 ? EFER_NXE : 0);
		r.maxphyaddr = (uint8_t)(32 + (seed >> 25) % 21);
		acc = (unsigned)(seed >> 30) & (W | U | X);
		if (acc & X)
			acc &= ~W;
		la = seed * 0x2545f4914f6cdd1dull;
		if ((seed >> 33) & 1)
			la = (uint64_t)((int64_t)(la << 16) >> 16);
		rc = v3_guest_walk(&r, (seed >> 35) & 1 ? &mem : &mem_ro, la,
				   acc, &res);
		if (rc == V3_WALK_OK &&
		    ((res.gpa ^ la) & (res.page_size - 1) & 0xffffffff))
			bad++;
		if (rc == V3_WALK_PF &&
		    (res.error & (V3_PF_W | V3_PF_U)) != (acc & (W | U)))
			bad++;
		if (rc != V3_WALK_OK && rc != V3_WALK_PF && rc != V3_WALK_GP &&
		    rc != V3_WALK_ERR)
			bad++;
	}
	report(bad == 0, "200000 random walks: offsets kept, error codes "
			 "describe the access");
}

/* Another vcpu clears the leaf between our read and our A/D update: the
 * update must fail and the walk see the cleared entry, never write the
 * old one back. */
static unsigned races;

static int racing_update(void *opaque, uint64_t gpa, uint64_t old,
			 uint64_t new, uint32_t len)
{
	if (races && gpa == 0x4038) {
		races--;
		put64(gpa, 0);
	}
	return gupdate(opaque, gpa, old, new, len);
}

static void test_ad_race(void)
{
	static const struct v3_walk_mem racing = {gread, racing_update, NULL};
	struct v3_walk_regs r = {.cr0 = V3_CR0_PE | V3_CR0_PG,
				 .cr3 = 0x1000,
				 .cr4 = CR4_PAE,
				 .efer = V3_EFER_LME | V3_EFER_LMA};
	struct v3_walk_result res;
	uint64_t la = (7ull << 12) | 0x10;
	int rc;

	clear();
	put64(0x1000, 0x2000 | P | RW | A);
	put64(0x2000, 0x3000 | P | RW | A);
	put64(0x3000, 0x4000 | P | RW | A);
	put64(0x4038, 0x9000 | P | RW);
	races = 1;
	rc = v3_guest_walk(&r, &racing, la, W, &res);
	report(rc == V3_WALK_PF && !(res.error & V3_PF_P) && get64(0x4038) == 0,
	       "A/D update racing a cleared entry: walk again, #PF, "
	       "entry stays clear");
	put64(0x4038, 0x9000 | P | RW);
	races = 0;
	rc = v3_guest_walk(&r, &racing, la, W, &res);
	report(rc == V3_WALK_OK && get64(0x4038) == (0x9000 | P | RW | A | D),
	       "A/D update without a race sets A and D");
}

int main(void)
{
	test_no_paging();
	test_32bit();
	test_pae();
	test_long();
	test_random();
	test_ad_race();
	return report_summary("test_walk");
}
