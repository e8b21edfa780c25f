/* multiboot.h - what the LWK keeps from the Multiboot information:
 * command line, memory map and modules, copied into kernel memory so
 * that the loader's structures can be reused as free RAM. */
#ifndef KITTEN_MULTIBOOT_H
#define KITTEN_MULTIBOOT_H

#include <stdint.h>

#define MB_MAX_REGIONS 64
#define MB_MAX_MODULES 128
#define MB_NAME_LEN 64
#define MB_CMDLINE_LEN 1024

struct mb_region {
	uint64_t base, len;
	int usable;
};

struct mb_module {
	uint64_t start, end;	/* physical, end exclusive */
	char name[MB_NAME_LEN];	/* basename of the first cmdline word */
};

struct boot_info {
	char cmdline[MB_CMDLINE_LEN];
	int nregions;
	struct mb_region regions[MB_MAX_REGIONS];
	int nmodules;
	struct mb_module modules[MB_MAX_MODULES];
	uint64_t usable_bytes;
};

extern struct boot_info boot_info;

/* Panics if 'magic' is not the Multiboot boot magic. */
void multiboot_parse(uint32_t magic, uint32_t mbi_pa);

#endif
