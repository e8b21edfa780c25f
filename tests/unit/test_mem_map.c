/* test_mem_map.c - guest RAM blocks (palacios/mem_map.c) on a host whose
 * allocator tops out at a given size, as Linux's does at 4 MiB: the
 * blocks halve down to 2 MiB, cover RAM exactly, stay aligned, and are
 * all given back. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_map.h"
#include "unit.h"
#include "vm.h"
#include "vmm.h"

static uint64_t max_alloc;	/* bytes; larger requests fail */
static long pages_out, allocs, failed_allocs;

static uint64_t host_alloc_pages(size_t npages, size_t align, int node)
{
	void *p;

	(void)node;
	if (npages * V3_PAGE_SIZE > max_alloc) {
		failed_allocs++;
		return 0;
	}
	p = aligned_alloc(align, npages * V3_PAGE_SIZE);
	if (!p)
		return 0;
	pages_out += npages;
	allocs++;
	return (uint64_t)(uintptr_t)p;
}

static void host_free_pages(uint64_t hpa, size_t npages)
{
	pages_out -= npages;
	free((void *)(uintptr_t)hpa);
}

static void *host_phys_to_virt(uint64_t hpa)
{
	return (void *)(uintptr_t)hpa;
}

static void host_print(const char *s, size_t len)
{
	fwrite(s, 1, len, stdout);
}

static const struct v3_host_ops host = {
    .print = host_print,
    .alloc_pages = host_alloc_pages,
    .free_pages = host_free_pages,
    .phys_to_virt = host_phys_to_virt,
};
const struct v3_host_ops *v3_host = &host;

void v3_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void *v3_vm_zalloc(struct v3_vm *vm, size_t size)
{
	vm->vmm_bytes += size;
	return calloc(1, size);
}

void v3_vm_free(struct v3_vm *vm, void *p, size_t size)
{
	if (!p)
		return;
	vm->vmm_bytes -= size;
	free(p);
}

void v3_vm_free_pages(struct v3_vm *vm, uint64_t hpa, size_t npages)
{
	(void)vm;
	if (hpa)
		host_free_pages(hpa, npages);
}

void *v3_memset(void *d, int c, size_t n) { return memset(d, c, n); }
void *v3_memcpy(void *d, const void *s, size_t n) { return memcpy(d, s, n); }

/* RAM of 'ram' bytes in blocks of 'block' on a host that gives at most
 * 'max' bytes at once; 'want' blocks expected (0: must fail). */
static void check(uint64_t ram, uint64_t block, uint64_t max, int want)
{
	struct v3_vm *vm = calloc(1, sizeof(*vm));
	uint64_t gpa = 0;
	int rc, i, aligned = 1;

	max_alloc = max;
	pages_out = allocs = failed_allocs = 0;
	rc = v3_mem_init(vm, ram, block);
	if (!want) {
		v3_mem_deinit(vm);
		report(rc != 0 && pages_out == 0 && vm->vmm_bytes == 0,
		       "%llu MiB with a %llu KiB host limit refused, nothing "
		       "kept", V3_ULL(ram >> 20), V3_ULL(max >> 10));
		free(vm);
		return;
	}
	report(rc == 0 && vm->mem.nblocks == want,
	       "%llu MiB, block %llu MiB, host limit %llu MiB: %d blocks "
	       "(want %d)", V3_ULL(ram >> 20), V3_ULL(block >> 20),
	       V3_ULL(max >> 20), vm->mem.nblocks, want);
	for (i = 0; i < vm->mem.nblocks; i++) {
		struct v3_mem_block *b = &vm->mem.blocks[i];

		if (b->gpa != gpa)
			break;
		gpa += b->size;
		if (b->size >= V3_PAGE_2M && b->hpa % V3_PAGE_2M)
			aligned = 0;
	}
	report(gpa == ram && vm->mem.ram_size == ram,
	       "blocks cover RAM contiguously (%llu of %llu bytes)",
	       V3_ULL(gpa), V3_ULL(ram));
	report(aligned, "blocks of 2 MiB and more are 2 MiB aligned");
	v3_mem_deinit(vm);
	report(pages_out == 0 && vm->vmm_bytes == 0,
	       "all pages (%ld left) and VMM bytes (%llu left) given back",
	       pages_out, V3_ULL(vm->vmm_bytes));
	free(vm);
}

int main(void)
{
	const uint64_t M = 1ull << 20;

	check(16 * M, 128 * M, 1024 * M, 1);	/* one block, no fallback */
	check(16 * M, 128 * M, 4 * M, 4);	/* Linux: 4 MiB at most */
	check(256 * M, 128 * M, 4 * M, 64);	/* the array grows */
	check(10 * M, 128 * M, 4 * M, 3);	/* 4 + 4 + 2 */
	check(16 * M, 1 * M, 4 * M, 16);	/* small blocks: untouched */
	check(64 * M, 64 * M, 2 * M, 32);	/* down to 2 MiB */
	check(16 * M, 128 * M, 1 * M, 0);	/* below 2 MiB: refused */
	return report_summary("test_mem_map");
}
