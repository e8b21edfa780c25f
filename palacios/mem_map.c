/* mem_map.c - guest RAM from the host in contiguous base blocks. */
#include "mem_map.h"
#include "vm.h"
#include "vmm.h"

/* Room for one more block: the array grows when blocks got smaller than
 * planned. */
static int grow_blocks(struct v3_vm *vm, struct v3_mem_map *m)
{
	struct v3_mem_block *nb;
	int cap = m->cap * 2;

	nb = v3_vm_zalloc(vm, cap * sizeof(*nb));
	if (!nb)
		return -1;
	v3_memcpy(nb, m->blocks, m->nblocks * sizeof(*nb));
	v3_vm_free(vm, m->blocks, m->cap * sizeof(*m->blocks));
	m->blocks = nb;
	m->cap = cap;
	return 0;
}

/* Blocks are 'block_size' when the host has such contiguous runs; a host
 * whose allocator tops out lower (Linux: 4 MiB) gets halved requests,
 * down to 2 MiB, the smallest block nested large pages can use. */
int v3_mem_init(struct v3_vm *vm, uint64_t ram_size, uint64_t block_size)
{
	struct v3_mem_map *m = &vm->mem;
	uint64_t nblocks = (ram_size + block_size - 1) / block_size;
	/* 2 MiB alignment lets the nested tables use large pages. */
	size_t align = block_size < V3_PAGE_2M ? block_size : V3_PAGE_2M;
	uint64_t gpa = 0;
	int i;

	m->blocks = v3_vm_zalloc(vm, nblocks * sizeof(*m->blocks));
	if (!m->blocks)
		return -1;
	m->cap = nblocks;
	for (i = 0; gpa < ram_size; i++) {
		struct v3_mem_block *b;
		uint64_t size =
		    ram_size - gpa < block_size ? ram_size - gpa : block_size;
		uint64_t hpa;

		while (!(hpa = v3_host->alloc_pages(size / V3_PAGE_SIZE, align,
						    -1)) &&
		       size > V3_PAGE_2M) {
			size = (size / 2 + V3_PAGE_2M - 1) & ~(V3_PAGE_2M - 1);
			block_size = size;
		}
		if (!hpa) {
			v3_print(
			    "%s: host has no %llu KiB contiguous block for "
			    "guest RAM at 0x%llx",
			    vm->name, V3_ULL(size >> 10), V3_ULL(gpa));
			return -1;
		}
		if (i == m->cap && grow_blocks(vm, m) != 0) {
			v3_host->free_pages(hpa, size / V3_PAGE_SIZE);
			return -1;
		}
		b = &m->blocks[i];
		m->nblocks = i + 1;
		b->hpa = hpa;
		b->gpa = gpa;
		b->size = size;
		b->hva = v3_host->phys_to_virt(b->hpa);
		v3_memset(b->hva, 0, size);
		gpa += size;
	}
	m->ram_size = ram_size;
	return 0;
}

void v3_mem_deinit(struct v3_vm *vm)
{
	struct v3_mem_map *m = &vm->mem;
	int i;

	for (i = 0; i < m->nroms; i++)
		v3_vm_free_pages(vm, m->roms[i].hpa,
				 m->roms[i].size / V3_PAGE_SIZE);
	m->nroms = 0;
	v3_vm_free_pages(vm, m->legacy_rom.hpa, V3_LEGACY_PAGES);
	m->legacy_rom.hpa = 0;
	m->legacy_active = false;

	for (i = 0; i < m->nblocks; i++)
		v3_host->free_pages(m->blocks[i].hpa,
				    m->blocks[i].size / V3_PAGE_SIZE);
	v3_vm_free(vm, m->blocks, m->cap * sizeof(*m->blocks));
	m->blocks = NULL;
	m->nblocks = 0;
	m->cap = 0;
}

static struct v3_mem_block *find_block(struct v3_mem_map *m, uint64_t gpa)
{
	int lo = 0, hi = m->nblocks - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		struct v3_mem_block *b = &m->blocks[mid];

		if (gpa < b->gpa)
			hi = mid - 1;
		else if (gpa >= b->gpa + b->size)
			lo = mid + 1;
		else
			return b;
	}
	return NULL;
}

uint8_t *v3_gpa_to_hva_ram(struct v3_vm *vm, uint64_t gpa, uint64_t *avail)
{
	struct v3_mem_block *b = find_block(&vm->mem, gpa);

	if (!b)
		return NULL;
	*avail = b->gpa + b->size - gpa;
	return b->hva + (gpa - b->gpa);
}

static enum v3_phys_kind legacy_resolve(struct v3_mem_map *m,
					struct v3_vm *vm, uint64_t gpa,
					bool write, uint8_t **hva,
					uint64_t *avail)
{
	uint64_t off = gpa - V3_LEGACY_BASE;
	uint8_t pam = m->pam[off / V3_PAGE_SIZE];
	uint64_t ram_avail;

	*avail = V3_PAGE_SIZE - (off % V3_PAGE_SIZE);
	if (write && !(pam & V3_PAM_WRITE_RAM))
		return V3_PHYS_DISCARD;
	if (write || (pam & V3_PAM_READ_RAM)) {
		*hva = v3_gpa_to_hva_ram(vm, gpa, &ram_avail);
		return *hva ? V3_PHYS_MEM : V3_PHYS_NONE;
	}
	*hva = m->legacy_rom.hva + off;
	return V3_PHYS_MEM;
}

enum v3_phys_kind v3_gpa_resolve(struct v3_vm *vm, uint64_t gpa, bool write,
				 uint8_t **hva, uint64_t *avail)
{
	struct v3_mem_map *m = &vm->mem;
	int i;

	if (m->legacy_active && gpa - V3_LEGACY_BASE < V3_LEGACY_SIZE)
		return legacy_resolve(m, vm, gpa, write, hva, avail);
	for (i = 0; i < m->nroms; i++) {
		struct v3_mem_rom *r = &m->roms[i];

		if (gpa - r->gpa < r->size) {
			*avail = r->gpa + r->size - gpa;
			*hva = r->hva + (gpa - r->gpa);
			return write ? V3_PHYS_DISCARD : V3_PHYS_MEM;
		}
	}
	*hva = v3_gpa_to_hva_ram(vm, gpa, avail);
	return *hva ? V3_PHYS_MEM : V3_PHYS_NONE;
}

void *v3_gpa_to_hva(struct v3_vm *vm, uint64_t gpa, uint64_t *avail)
{
	uint8_t *hva;
	uint64_t n;

	if (v3_gpa_resolve(vm, gpa, false, &hva, &n) != V3_PHYS_MEM)
		return NULL;
	if (avail)
		*avail = n;
	return hva;
}

static int copy_gpa(struct v3_vm *vm, uint64_t gpa, uint8_t *buf, uint64_t len,
		    bool to_guest)
{
	while (len) {
		uint64_t avail, n;
		uint8_t *hva;
		enum v3_phys_kind k =
			v3_gpa_resolve(vm, gpa, to_guest, &hva, &avail);

		if (k == V3_PHYS_NONE)
			return -1;
		n = len < avail ? len : avail;
		if (k == V3_PHYS_DISCARD)
			;	/* a write to ROM goes nowhere */
		else if (to_guest)
			v3_memcpy(hva, buf, n);
		else
			v3_memcpy(buf, hva, n);
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int v3_gpa_read(struct v3_vm *vm, uint64_t gpa, void *buf, uint64_t len)
{
	return copy_gpa(vm, gpa, buf, len, false);
}

int v3_gpa_write(struct v3_vm *vm, uint64_t gpa, const void *buf, uint64_t len)
{
	return copy_gpa(vm, gpa, (uint8_t *)buf, len, true);
}

int v3_gpa_walk_read(void *vm, uint64_t gpa, void *buf, uint32_t len)
{
	return v3_gpa_read(vm, gpa, buf, len);
}

int v3_gpa_cmpxchg(void *vm, uint64_t gpa, uint64_t old, uint64_t new,
		   uint32_t len)
{
	uint64_t avail;
	uint8_t *hva;
	enum v3_phys_kind k = v3_gpa_resolve(vm, gpa, true, &hva, &avail);

	if (k == V3_PHYS_DISCARD)
		return 0;
	if (k == V3_PHYS_NONE || avail < len || (gpa & (len - 1)))
		return -1;
	if (len == 8)
		return __atomic_compare_exchange_n((uint64_t *)hva, &old, new,
						   false, __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST) ? 0 : 1;
	if (len == 4) {
		uint32_t o = (uint32_t)old;

		return __atomic_compare_exchange_n((uint32_t *)hva, &o,
						   (uint32_t)new, false,
						   __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST) ? 0 : 1;
	}
	return -1;
}
