/* mem_rom.c - firmware in guest-physical memory: the BIOS image below
 * 4 GiB and the PC legacy area 0xC0000-0xFFFFF that the chipset's PAM
 * registers switch between ROM and RAM (Intel 440FX datasheet §3.2.18).
 * SeaBIOS copies itself into the RAM behind its ROM and then write-
 * protects it, so both the read and the write side must really switch. */
#include "mem_map.h"
#include "nested.h"
#include "vm.h"
#include "vmm.h"

static int alloc_rom(struct v3_vm *vm, struct v3_mem_rom *r, uint64_t gpa,
		     uint64_t size)
{
	r->hpa = v3_vm_alloc_pages(vm, size / V3_PAGE_SIZE, V3_PAGE_SIZE);
	if (!r->hpa)
		return -1;
	r->gpa = gpa;
	r->size = size;
	r->hva = v3_host->phys_to_virt(r->hpa);
	return 0;
}

int v3_mem_add_rom(struct v3_vm *vm, uint64_t gpa, const void *data,
		   uint64_t size)
{
	struct v3_mem_map *m = &vm->mem;
	struct v3_mem_rom *r = &m->roms[m->nroms];

	if (m->nroms == (int)(sizeof(m->roms) / sizeof(m->roms[0])) ||
	    (size | gpa) & (V3_PAGE_SIZE - 1) || !size)
		return -1;
	if (alloc_rom(vm, r, gpa, size) != 0)
		return -1;
	m->nroms++;
	v3_memcpy(r->hva, data, size);
	return v3_nested_map(vm, gpa, r->hpa, size,
			     V3_NPERM_R | V3_NPERM_X);
}

/* Point one legacy page's nested mapping where its PAM state says:
 * writable only when both reads and writes go to RAM; any other write
 * faults and is emulated (to RAM, or dropped). */
static int map_legacy_page(struct v3_vm *vm, int page)
{
	struct v3_mem_map *m = &vm->mem;
	uint64_t gpa = V3_LEGACY_BASE + page * V3_PAGE_SIZE;
	uint8_t pam = m->pam[page];
	uint64_t hpa = m->legacy_rom.hpa + page * V3_PAGE_SIZE;
	unsigned perms = V3_NPERM_R | V3_NPERM_X;
	uint64_t avail;
	uint8_t *ram;

	if (pam & V3_PAM_READ_RAM) {
		ram = v3_gpa_to_hva_ram(vm, gpa, &avail);
		if (!ram)
			return -1;
		hpa = v3_host->virt_to_phys(ram);
		if (pam & V3_PAM_WRITE_RAM)
			perms |= V3_NPERM_W;
	}
	return v3_nested_map(vm, gpa, hpa, V3_PAGE_SIZE, perms);
}

int v3_mem_init_legacy(struct v3_vm *vm, const void *bios, uint64_t size)
{
	struct v3_mem_map *m = &vm->mem;
	uint64_t tail = size < 0x20000 ? size : 0x20000;
	int i;

	if (m->ram_size < V3_LEGACY_BASE + V3_LEGACY_SIZE ||
	    alloc_rom(vm, &m->legacy_rom, V3_LEGACY_BASE, V3_LEGACY_SIZE))
		return -1;
	/* Empty option-ROM space reads as all ones, like an idle bus. */
	v3_memset(m->legacy_rom.hva, 0xff, V3_LEGACY_SIZE);
	v3_memcpy(m->legacy_rom.hva + V3_LEGACY_SIZE - tail,
		  (const uint8_t *)bios + size - tail, tail);
	m->legacy_active = true;
	for (i = 0; i < (int)V3_LEGACY_PAGES; i++) {
		m->pam[i] = 0;
		if (map_legacy_page(vm, i) != 0)
			return -1;
	}
	return 0;
}

int v3_mem_set_pam(struct v3_vm *vm, uint64_t gpa, uint64_t size,
		   bool read_ram, bool write_ram)
{
	struct v3_mem_map *m = &vm->mem;
	uint8_t pam = (read_ram ? V3_PAM_READ_RAM : 0) |
		      (write_ram ? V3_PAM_WRITE_RAM : 0);
	uint64_t off;
	int changed = 0;

	if (!m->legacy_active || gpa < V3_LEGACY_BASE ||
	    gpa + size > V3_LEGACY_BASE + V3_LEGACY_SIZE)
		return -1;
	for (off = gpa - V3_LEGACY_BASE; off < gpa - V3_LEGACY_BASE + size;
	     off += V3_PAGE_SIZE) {
		int page = off / V3_PAGE_SIZE;

		if (m->pam[page] == pam)
			continue;
		m->pam[page] = pam;
		if (map_legacy_page(vm, page) != 0)
			return -1;
		changed = 1;
	}
	if (changed)
		v3_vm_flush_tlb(vm);
	return 0;
}
