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

struct v3_mem_map {
	struct v3_mem_block *blocks;
	int nblocks, cap;
	uint64_t ram_size;
};

int v3_mem_init(struct v3_vm *vm, uint64_t ram_size, uint64_t block_size);
void v3_mem_deinit(struct v3_vm *vm);
/* Host pointer for 'gpa' and how many bytes follow it in the same block;
 * NULL if gpa is not RAM. */
void *v3_gpa_to_hva(struct v3_vm *vm, uint64_t gpa, uint64_t *avail);
/* Copy across block boundaries; -1 if any byte is not RAM. */
int v3_gpa_read(struct v3_vm *vm, uint64_t gpa, void *buf, uint64_t len);
int v3_gpa_write(struct v3_vm *vm, uint64_t gpa, const void *buf, uint64_t len);

#endif
