/* memory.c - guest RAM built from 1 MiB host blocks (memory = 16M,
 * block = 1M): patterns written across every block boundary from 2 MiB
 * to 15 MiB read back intact, accesses that straddle a boundary work,
 * and the VMM's checksums of each boundary match the guest's, so guest
 * pages map to the host memory the VMM believes they do. */
#include "libguest.h"

#define MIB 0x100000u
#define FIRST_BOUNDARY (2 * MIB)
#define LAST_BOUNDARY (15 * MIB)
#define RAM_END (16 * MIB)
/* Bytes checked on each side of a boundary. */
#define SPAN 8192u

/* Differs for every word and every pass, so a stale or aliased page
 * shows up as a mismatch. */
static uint32_t pattern(uint32_t addr, uint32_t seed)
{
	uint32_t x = addr ^ seed;

	x ^= x >> 13;
	x *= 0x5bd1e995u;
	return x ^ (x >> 15);
}

static void fill(uint32_t start, uint32_t end, uint32_t seed)
{
	for (uint32_t a = start; a < end; a += 4)
		*(volatile uint32_t *)a = pattern(a, seed);
}

/* Returns the first bad address, or 0. */
static uint32_t verify(uint32_t start, uint32_t end, uint32_t seed)
{
	for (uint32_t a = start; a < end; a += 4)
		if (*(volatile uint32_t *)a != pattern(a, seed))
			return a;
	return 0;
}

static void test_boundaries(void)
{
	for (uint32_t b = FIRST_BOUNDARY; b <= LAST_BOUNDARY; b += MIB) {
		uint32_t lo = b - SPAN, hi = b + SPAN, bad;
		uint32_t vmm, mine;

		fill(lo, hi, b);
		bad = verify(lo, hi, b);
		report(!bad, "boundary %2u MiB: pattern reads back%s", b / MIB,
		       bad ? " (mismatch)" : "");
		if (bad)
			printf("  first mismatch at 0x%x: 0x%x != 0x%x\n", bad,
			       *(volatile uint32_t *)bad, pattern(bad, b));
		vmm = gpa_checksum(lo, hi - lo);
		mine = fnv1a((const void *)lo, hi - lo);
		report(vmm == mine, "boundary %2u MiB: checksum vmm 0x%08x "
		       "guest 0x%08x", b / MIB, vmm, mine);
	}
}

/* An unaligned 8-byte access whose halves live in different host
 * blocks. */
static void test_straddle(void)
{
	for (uint32_t b = FIRST_BOUNDARY; b <= LAST_BOUNDARY; b += MIB) {
		volatile uint64_t *p = (volatile uint64_t *)(b - 3);
		uint64_t v = 0x0102030405060708ull * (b / MIB);
		volatile uint8_t *bytes = (volatile uint8_t *)(b - 3);
		bool ok;

		*p = v;
		ok = *p == v;
		for (int i = 0; i < 8; i++)
			ok = ok && bytes[i] == (uint8_t)(v >> (8 * i));
		report(ok, "boundary %2u MiB: 8-byte write at 0x%x straddles "
		       "it intact", b / MIB, b - 3);
	}
}

/* Every word from 2 MiB to the end of RAM, then one checksum: a page
 * mapped twice or to the wrong block cannot survive this. */
static void test_whole_range(void)
{
	uint32_t bad, vmm, mine;

	fill(FIRST_BOUNDARY, RAM_END, 0x600dcafe);
	bad = verify(FIRST_BOUNDARY, RAM_END, 0x600dcafe);
	report(!bad, "2 MiB..16 MiB pattern reads back (first bad 0x%x)",
	       bad);
	vmm = gpa_checksum(FIRST_BOUNDARY, RAM_END - FIRST_BOUNDARY);
	mine = fnv1a((const void *)FIRST_BOUNDARY, RAM_END - FIRST_BOUNDARY);
	report(vmm == mine, "2 MiB..16 MiB checksum vmm 0x%08x guest 0x%08x",
	       vmm, mine);
}

int main(void)
{
	test_boundaries();
	test_straddle();
	test_whole_range();
	return report_summary();
}
