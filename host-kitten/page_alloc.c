/* page_alloc.c - physical page allocator: one bit per 4 KiB page
 * (1 = in use or not RAM) over RAM up to the highest usable address.
 *
 * Guest RAM comes in large aligned runs (e.g. 32768 pages on a 2 MiB
 * boundary), control blocks in runs of 1-4 pages.  Large runs are
 * handed out from the top of memory downward and small ones from the
 * bottom upward, which keeps small allocations from fragmenting the
 * large free space, and makes consecutive guest blocks land in
 * descending host order: a VMM that wrongly assumes guest RAM is
 * host-contiguous fails at once instead of by luck. */
#include <stdbool.h>

#include "kstring.h"
#include "mm.h"
#include "multiboot.h"
#include "power.h"
#include "printk.h"
#include "spinlock.h"

#define NONE ((uint64_t)-1)
#define LOW_LIMIT_PFN 256	/* leave the first MiB (BIOS, real mode) */
/* The identity map covers one PML4 entry: 512 GiB. */
#define MAX_PFN (512ull << (30 - PAGE_SHIFT))
#define LARGE_PAGES 16
#define PAGES(bytes) (((bytes) + PAGE_SIZE - 1) >> PAGE_SHIFT)

extern char _kernel_start[], _kernel_end[];

static struct spinlock lock;
static uint64_t *bitmap;
static uint64_t max_pfn;	/* exclusive */
static uint64_t total_pages, free_pages, used_pages;
static uint64_t low_hint;	/* no free page below this */

static bool test_bit(uint64_t pfn)
{
	return bitmap[pfn / 64] & (1ull << (pfn % 64));
}

static void set_range(uint64_t pfn, uint64_t n, bool used)
{
	for (; n; pfn++, n--) {
		if (pfn % 64 == 0 && n >= 64) {
			bitmap[pfn / 64] = used ? ~0ull : 0;
			pfn += 63;
			n -= 63;
			continue;
		}
		if (used)
			bitmap[pfn / 64] |= 1ull << (pfn % 64);
		else
			bitmap[pfn / 64] &= ~(1ull << (pfn % 64));
	}
}

static uint64_t lowest_used(uint64_t lo, uint64_t hi)
{
	while (lo < hi) {
		uint64_t w = bitmap[lo / 64] >> (lo % 64);

		if (w) {
			uint64_t p = lo + __builtin_ctzll(w);

			return p < hi ? p : NONE;
		}
		lo = (lo | 63) + 1;
	}
	return NONE;
}

static uint64_t highest_used(uint64_t lo, uint64_t hi)
{
	while (hi > lo) {
		uint64_t last = hi - 1;
		/* Move bit 'last' to bit 63, dropping the bits above it. */
		uint64_t w = bitmap[last / 64] << (63 - last % 64);

		if (w) {
			uint64_t p = last - __builtin_clzll(w);

			return p >= lo ? p : NONE;
		}
		hi = last & ~63ull;
	}
	return NONE;
}

static uint64_t find_down(uint64_t n, uint64_t ap)
{
	uint64_t start, u;

	if (n > max_pfn - LOW_LIMIT_PFN)
		return NONE;
	start = (max_pfn - n) & ~(ap - 1);
	while (start >= LOW_LIMIT_PFN) {
		u = highest_used(start, start + n);
		if (u == NONE)
			return start;
		/* The run must end at or below u. */
		if (u < n)
			return NONE;
		start = (u - n) & ~(ap - 1);
	}
	return NONE;
}

static uint64_t find_up(uint64_t n, uint64_t ap)
{
	uint64_t start = (low_hint + ap - 1) & ~(ap - 1), u;

	while (start + n <= max_pfn) {
		u = lowest_used(start, start + n);
		if (u == NONE)
			return start;
		start = (u + 1 + ap - 1) & ~(ap - 1);
	}
	return NONE;
}

uint64_t page_alloc(size_t npages, size_t align)
{
	uint64_t ap, pfn;
	unsigned long flags;

	if (!npages || align < PAGE_SIZE || (align & (align - 1)))
		return 0;
	ap = align >> PAGE_SHIFT;
	flags = spin_lock_irqsave(&lock);
	if (npages >= LARGE_PAGES || ap > 1) {
		pfn = find_down(npages, ap);
	} else {
		pfn = find_up(npages, ap);
		if (pfn == low_hint)
			low_hint += npages;
	}
	if (pfn != NONE) {
		set_range(pfn, npages, true);
		free_pages -= npages;
		used_pages += npages;
	}
	spin_unlock_irqrestore(&lock, flags);
	return pfn == NONE ? 0 : pfn << PAGE_SHIFT;
}

void page_free(uint64_t pa, size_t npages)
{
	uint64_t pfn = pa >> PAGE_SHIFT;
	unsigned long flags;

	if ((pa & (PAGE_SIZE - 1)) || pfn < LOW_LIMIT_PFN ||
	    pfn + npages > max_pfn || pfn + npages < pfn)
		panic("page_free(0x%lx, %zu): not a managed range", pa,
		      npages);
	flags = spin_lock_irqsave(&lock);
	for (uint64_t i = 0; i < npages; i++)
		if (!test_bit(pfn + i))
			panic("page_free(0x%lx, %zu): page 0x%lx is already "
			      "free", pa, npages, (pfn + i) << PAGE_SHIFT);
	set_range(pfn, npages, false);
	free_pages += npages;
	used_pages -= npages;
	if (pfn < low_hint)
		low_hint = pfn;
	spin_unlock_irqrestore(&lock, flags);
}

void page_stats(uint64_t *total, uint64_t *freep, uint64_t *used)
{
	unsigned long flags = spin_lock_irqsave(&lock);

	*total = total_pages;
	*freep = free_pages;
	*used = used_pages;
	spin_unlock_irqrestore(&lock, flags);
}

/* Ranges of usable RAM the allocator must never hand out. */
struct range {
	uint64_t start, end;
};

static int boot_reserved(struct range *r, int max)
{
	int n = 0;

	r[n].start = (uint64_t)_kernel_start;
	r[n++].end = (uint64_t)_kernel_end;
	for (int i = 0; i < boot_info.nmodules && n < max; i++) {
		r[n].start = boot_info.modules[i].start;
		r[n++].end = boot_info.modules[i].end;
	}
	return n;
}

/* The lowest page-aligned spot of 'bytes' in usable RAM between 1 MiB
 * and 4 GiB (mapped by the boot code) avoiding the reserved ranges. */
static uint64_t find_boot_space(uint64_t bytes, const struct range *res,
				int nres)
{
	for (int i = 0; i < boot_info.nregions; i++) {
		const struct mb_region *g = &boot_info.regions[i];
		uint64_t end = g->base + g->len;
		uint64_t pos = g->base < (1ull << 20) ? 1ull << 20 : g->base;
		bool moved = true;

		if (!g->usable)
			continue;
		if (end > (4ull << 30))
			end = 4ull << 30;
		pos = (pos + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		while (moved) {
			moved = false;
			for (int j = 0; j < nres; j++) {
				if (pos < res[j].end &&
				    res[j].start < pos + bytes) {
					pos = (res[j].end + PAGE_SIZE - 1) &
					      ~(PAGE_SIZE - 1);
					moved = true;
				}
			}
		}
		if (pos + bytes <= end)
			return pos;
	}
	return 0;
}

void page_alloc_init(void)
{
	struct range res[MB_MAX_MODULES + 2];
	int nres = boot_reserved(res, MB_MAX_MODULES + 1);
	uint64_t words, bytes, at;

	for (int i = 0; i < boot_info.nregions; i++) {
		const struct mb_region *g = &boot_info.regions[i];
		uint64_t end = (g->base + g->len) >> PAGE_SHIFT;

		if (g->usable && end > max_pfn)
			max_pfn = end;
	}
	if (max_pfn > MAX_PFN) {
		printk("kitten: using the first %llu GiB of RAM only\n",
		       MAX_PFN >> (30 - PAGE_SHIFT));
		max_pfn = MAX_PFN;
	}
	words = (max_pfn + 63) / 64;
	bytes = words * 8;
	at = find_boot_space(bytes, res, nres);
	if (!at)
		panic("no room below 4 GiB for the page bitmap (%lu bytes)",
		      bytes);
	bitmap = (uint64_t *)at;
	res[nres].start = at;
	res[nres++].end = at + bytes;

	/* Everything is in use until the memory map says it is RAM; then
	 * the reserved entries win over overlapping usable ones. */
	memset(bitmap, 0xff, bytes);
	for (int i = 0; i < boot_info.nregions; i++) {
		const struct mb_region *g = &boot_info.regions[i];
		uint64_t s = PAGES(g->base), e = (g->base + g->len) >> PAGE_SHIFT;

		if (!g->usable)
			continue;
		if (s < LOW_LIMIT_PFN)
			s = LOW_LIMIT_PFN;
		if (e > max_pfn)
			e = max_pfn;
		if (s < e)
			set_range(s, e - s, false);
	}
	for (int i = 0; i < boot_info.nregions; i++) {
		const struct mb_region *g = &boot_info.regions[i];
		uint64_t s = g->base >> PAGE_SHIFT, e = PAGES(g->base + g->len);

		if (g->usable || s >= max_pfn)
			continue;
		if (e > max_pfn)
			e = max_pfn;
		set_range(s, e - s, true);
	}
	for (int i = 0; i < nres; i++) {
		uint64_t s = res[i].start >> PAGE_SHIFT, e = PAGES(res[i].end);

		if (e > max_pfn)
			e = max_pfn;
		if (s < e)
			set_range(s, e - s, true);
	}
	for (uint64_t w = 0; w < words; w++)
		for (uint64_t x = ~bitmap[w]; x; x &= x - 1)
			free_pages++;
	/* Bits past max_pfn in the last word are set: nothing to fix. */
	total_pages = free_pages;
	low_hint = LOW_LIMIT_PFN;
}
