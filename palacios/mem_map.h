/* mem_map.h - guest-physical RAM as a list of host-contiguous base
 * blocks.  Everything that is not RAM is either hooked MMIO or unmapped. */
#ifndef V3_MEM_MAP_H
#define V3_MEM_MAP_H

#include "v3_types.h"

struct v3_vm;

struct v3_mem_block {
	uint64_t gpa, size, hpa;
	uint8_t *hva;
};

/* Read-only firmware (the BIOS below 4 GiB): guest writes are dropped. */
struct v3_mem_rom {
	uint64_t gpa, size, hpa;
	uint8_t *hva;
};

#define V3_LEGACY_BASE 0xc0000ull
#define V3_LEGACY_SIZE 0x40000ull
#define V3_LEGACY_PAGES (V3_LEGACY_SIZE / 4096)
#define V3_PAM_READ_RAM 1
#define V3_PAM_WRITE_RAM 2

struct v3_mem_map {
	struct v3_mem_block *blocks;
	int nblocks, cap;
	uint64_t ram_size;
	int nroms;
	struct v3_mem_rom roms[2];
	/* 0xC0000-0xFFFFF as the chipset's PAM registers route it: reads
	 * from RAM or from the ROM image (option ROM space and the BIOS's
	 * last 128 KiB), writes to RAM or nowhere.  Inactive without a
	 * BIOS: then it is plain RAM. */
	bool legacy_active;
	uint8_t pam[V3_LEGACY_PAGES];
	struct v3_mem_rom legacy_rom;
};

int v3_mem_init(struct v3_vm *vm, uint64_t ram_size, uint64_t block_size);
void v3_mem_deinit(struct v3_vm *vm);
/* Firmware: 'data' becomes read-only memory at gpa (4 KiB multiple). */
int v3_mem_add_rom(struct v3_vm *vm, uint64_t gpa, const void *data,
		   uint64_t size);
/* The PC's legacy area: ROM with the BIOS's last 128 KiB at 0xE0000,
 * until the guest's PAM programming moves pages to RAM. */
int v3_mem_init_legacy(struct v3_vm *vm, const void *bios, uint64_t size);
/* Route [gpa, gpa+size) of the legacy area (i440FX PAM semantics). */
int v3_mem_set_pam(struct v3_vm *vm, uint64_t gpa, uint64_t size,
		   bool read_ram, bool write_ram);

/* What a guest access to 'gpa' touches: memory (hva, with 'avail' bytes
 * up to the next boundary), a dropped write, or nothing (MMIO or
 * unmapped). */
enum v3_phys_kind { V3_PHYS_NONE, V3_PHYS_MEM, V3_PHYS_DISCARD };
enum v3_phys_kind v3_gpa_resolve(struct v3_vm *vm, uint64_t gpa, bool write,
				 uint8_t **hva, uint64_t *avail);

/* Host pointer for 'gpa' and how many bytes follow it in the same block;
 * NULL if gpa is not memory.  This is the guest's read view (ROM
 * included). */
void *v3_gpa_to_hva(struct v3_vm *vm, uint64_t gpa, uint64_t *avail);
/* RAM only, whatever the legacy area's routing. */
uint8_t *v3_gpa_to_hva_ram(struct v3_vm *vm, uint64_t gpa, uint64_t *avail);
/* Copy across block boundaries; -1 if any byte is not RAM. */
int v3_gpa_read(struct v3_vm *vm, uint64_t gpa, void *buf, uint64_t len);
int v3_gpa_write(struct v3_vm *vm, uint64_t gpa, const void *buf, uint64_t len);
/* v3_gpa_read shaped as struct v3_walk_mem's read callback ('vm' is
 * the struct v3_vm). */
int v3_gpa_walk_read(void *vm, uint64_t gpa, void *buf, uint32_t len);
/* Replace the naturally aligned 4- or 8-byte value 'old' at 'gpa' by
 * 'new' atomically (a guest page-table entry other vcpus may be
 * changing): 0 done (or dropped: ROM), 1 the value was not 'old', -1
 * not RAM.  Fits struct v3_walk_mem's update callback. */
int v3_gpa_cmpxchg(void *vm, uint64_t gpa, uint64_t old, uint64_t new,
		   uint32_t len);

#endif
