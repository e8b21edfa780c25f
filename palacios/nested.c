/* nested.c - builds 4-level nested page tables from the memory map.
 * Both NPT and EPT are radix trees with 512 entries a level and the same
 * index bits; only the entry encoding (v3_nested_fmt) differs. */
#include "arch.h"
#include "nested.h"
#include "vm.h"
#include "vmm.h"

#define ENTRIES 512

static const struct v3_nested_fmt *fmt(void)
{
	return v3_arch->nested_fmt;
}

static void free_level(struct v3_vm *vm, uint64_t hpa, int level);

static uint64_t *table_va(uint64_t hpa)
{
	return v3_host->phys_to_virt(hpa);
}

static uint64_t new_table(struct v3_vm *vm)
{
	uint64_t hpa = v3_host->alloc_pages(1, V3_PAGE_SIZE, -1);

	if (hpa) {
		v3_memset(table_va(hpa), 0, V3_PAGE_SIZE);
		vm->nested.table_pages++;
	}
	return hpa;
}

int v3_nested_init(struct v3_vm *vm)
{
	vm->nested.root_hpa = new_table(vm);
	return vm->nested.root_hpa ? 0 : -1;
}

static int index_at(uint64_t gpa, int level)
{
	return (gpa >> (12 + 9 * level)) & (ENTRIES - 1);
}

/* Replace a large leaf at 'level' by a table of the next level down that
 * maps the same range with the same rights, so part of it can change. */
static int split_large(struct v3_vm *vm, uint64_t *e, int level)
{
	uint64_t next = new_table(vm);
	uint64_t base =
	    *e & fmt()->addr_mask & ~((1ull << (12 + 9 * level)) - 1);
	uint64_t step = 1ull << (12 + 9 * (level - 1));
	unsigned perms = fmt()->perms(*e);
	uint64_t *t;
	int i;

	if (!next)
		return -1;
	t = table_va(next);
	for (i = 0; i < ENTRIES; i++)
		t[i] = fmt()->leaf(base + i * step, level - 1, perms);
	*e = fmt()->table(next);
	return 0;
}

/* Install one leaf of 'level' for gpa, creating tables on the way. */
static int map_one(struct v3_vm *vm, uint64_t gpa, uint64_t hpa, int level,
		   unsigned perms)
{
	uint64_t *t = table_va(vm->nested.root_hpa);
	int l;

	for (l = 3; l > level; l--) {
		uint64_t *e = &t[index_at(gpa, l)];

		if (!fmt()->present(*e)) {
			uint64_t next = new_table(vm);

			if (!next)
				return -1;
			*e = fmt()->table(next);
		} else if (fmt()->large(*e)) {
			if (split_large(vm, e, l) != 0)
				return -1;
		}
		t = table_va(*e & fmt()->addr_mask);
	}
	/* A large leaf replacing a table: the table's pages go back. */
	if (level > 0 && fmt()->present(t[index_at(gpa, level)]) &&
	    !fmt()->large(t[index_at(gpa, level)])) {
		free_level(vm, t[index_at(gpa, level)] & fmt()->addr_mask,
			   level - 1);
	}
	t[index_at(gpa, level)] = fmt()->leaf(hpa, level, perms);
	return 0;
}

int v3_nested_map(struct v3_vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size,
		  unsigned perms)
{
	while (size) {
		int level = 0;
		uint64_t step = V3_PAGE_SIZE;

		if (fmt()->has_1g && !((gpa | hpa) & (V3_PAGE_1G - 1)) &&
		    size >= V3_PAGE_1G) {
			level = 2;
			step = V3_PAGE_1G;
		} else if (!((gpa | hpa) & (V3_PAGE_2M - 1)) &&
			   size >= V3_PAGE_2M) {
			level = 1;
			step = V3_PAGE_2M;
		}
		if (map_one(vm, gpa, hpa, level, perms) != 0)
			return -1;
		gpa += step;
		hpa += step;
		size -= step;
	}
	return 0;
}

int v3_nested_lookup(struct v3_vm *vm, uint64_t gpa, uint64_t *hpa,
		     unsigned *perms, int *level)
{
	uint64_t *t = table_va(vm->nested.root_hpa);
	int l;

	if (gpa >> 48)
		return -1;
	for (l = 3; l >= 0; l--) {
		uint64_t e = t[index_at(gpa, l)];
		uint64_t size = 1ull << (12 + 9 * l);

		if (!fmt()->present(e))
			return -1;
		if (l == 0 || fmt()->large(e)) {
			*perms = fmt()->perms(e);
			*hpa = (e & fmt()->addr_mask & ~(size - 1)) |
			       (gpa & (size - 1));
			*level = l;
			return 0;
		}
		t = table_va(e & fmt()->addr_mask);
	}
	return -1;
}

static void free_level(struct v3_vm *vm, uint64_t hpa, int level)
{
	uint64_t *t = table_va(hpa);
	int i;

	if (level > 0) {
		for (i = 0; i < ENTRIES; i++)
			if (fmt()->present(t[i]) && !fmt()->large(t[i]))
				free_level(vm, t[i] & fmt()->addr_mask,
					   level - 1);
	}
	v3_host->free_pages(hpa, 1);
	vm->nested.table_pages--;
}

void v3_nested_free(struct v3_vm *vm)
{
	if (vm->nested.root_hpa)
		free_level(vm, vm->nested.root_hpa, 3);
	vm->nested.root_hpa = 0;
	vm->nested.table_pages = 0;
}
