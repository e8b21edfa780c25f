/* mm.h - physical pages and the kernel heap.
 *
 * Physical memory is identity mapped, so a physical address is also a
 * usable pointer (phys_to_virt is a cast). */
#ifndef KITTEN_MM_H
#define KITTEN_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12

/* Build the page bitmap from the Multiboot memory map, excluding the
 * first MiB, the kernel image and the modules. */
void page_alloc_init(void);

/* 'npages' contiguous pages aligned to 'align' bytes (a power of two,
 * at least PAGE_SIZE).  Requests of 16 pages or more, or with more than
 * page alignment, are served from the top of memory downward, small
 * ones from the bottom upward.  Returns the physical address or 0. */
uint64_t page_alloc(size_t npages, size_t align);
/* Panics on a range that is not entirely allocated (double free). */
void page_free(uint64_t pa, size_t npages);

/* Map RAM above 4 GiB (the boot code mapped 0-4 GiB). */
void paging_map_all_ram(void);
/* Unmap (or map again) the identity-mapped 4 KiB page at 'pa'; splits
 * its 2 MiB page on first use.  One CPU: no TLB shootdown. */
int paging_set_present(uint64_t pa, bool present);
/* Pages holding page tables made by the two functions above. */
uint64_t paging_table_pages(void);

/* Zeroed, 16-byte aligned; kfree(NULL) is allowed. */
void *kmalloc(size_t size);
void kfree(void *p);

struct mem_stats {
	uint64_t total_pages;	/* pages the allocator manages */
	uint64_t free_pages;
	uint64_t pages_in_use;	/* allocated, not counting the pages of
				   the heap and of kernel page tables */
	uint64_t heap_pages;	/* pages backing kmalloc */
	uint64_t heap_bytes;	/* bytes handed out by kmalloc */
	uint64_t heap_objects;
};

/* pages_in_use and heap_bytes return to their earlier values when
 * everything allocated in between has been freed: the launcher uses
 * them to catch leaks in the VMM. */
void mem_stats(struct mem_stats *s);

/* Internal: the heap's page accounting. */
void page_stats(uint64_t *total, uint64_t *free_pages, uint64_t *used);
void heap_stats(uint64_t *pages, uint64_t *bytes, uint64_t *objects);

#endif
