/* multiboot.c - read the Multiboot information structure (Multiboot
 * spec 0.6.96 §3.3): flags, mem_lower/upper, cmdline, modules and the
 * BIOS (e820) memory map.  Everything is below 4 GiB and identity
 * mapped when this runs. */
#include "kstring.h"
#include "multiboot.h"
#include "power.h"
#include "printk.h"

#define MB_BOOT_MAGIC 0x2badb002u
#define MBI_MEM (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MMAP_AVAILABLE 1

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;	/* KiB below 1 MiB / above 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mod {
	uint32_t mod_start, mod_end;
	uint32_t string;
	uint32_t reserved;
} __attribute__((packed));

/* 'size' does not count itself: the next entry is size + 4 further. */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t base, len;
	uint32_t type;
} __attribute__((packed));

struct boot_info boot_info;

static void add_region(uint64_t base, uint64_t len, int usable)
{
	struct mb_region *r;

	if (!len)
		return;
	if (boot_info.nregions == MB_MAX_REGIONS) {
		printk("kitten: memory map has more than %d entries, "
		       "ignoring the rest\n", MB_MAX_REGIONS);
		return;
	}
	r = &boot_info.regions[boot_info.nregions++];
	r->base = base;
	r->len = len;
	r->usable = usable;
	if (usable)
		boot_info.usable_bytes += len;
}

/* "dir/cpuid.cfg arg" -> "cpuid.cfg"; a "name=X" word names the module
 * X instead (a boot medium with short file names, e.g. an ISO). */
static void module_name(char *out, const char *cmd)
{
	const char *start = cmd, *p, *q;
	size_t n = 0;

	if (!cmd) {
		out[0] = 0;
		return;
	}
	for (q = cmd; *q; q++) {
		if ((q == cmd || q[-1] == ' ') && !kstrncmp(q, "name=", 5)) {
			q += 5;
			while (q[n] && q[n] != ' ' && n + 1 < MB_NAME_LEN)
				n++;
			memcpy(out, q, n);
			out[n] = 0;
			return;
		}
	}
	while (*start == ' ')
		start++;
	for (p = start; *p && *p != ' '; p++)
		if (*p == '/')
			cmd = p + 1;
	if (cmd < start)
		cmd = start;
	while (cmd + n < p && n + 1 < MB_NAME_LEN)
		n++;
	memcpy(out, cmd, n);
	out[n] = 0;
}

void multiboot_parse(uint32_t magic, uint32_t mbi_pa)
{
	const struct mb_info *mbi = (const void *)(uintptr_t)mbi_pa;

	if (magic != MB_BOOT_MAGIC)
		panic("not started by a Multiboot loader (magic 0x%x)",
		      magic);
	if (mbi->flags & MBI_CMDLINE)
		kstrlcpy(boot_info.cmdline,
			 (const char *)(uintptr_t)mbi->cmdline,
			 sizeof(boot_info.cmdline));

	if (mbi->flags & MBI_MMAP) {
		uint64_t p = mbi->mmap_addr, end = p + mbi->mmap_length;

		while (p + sizeof(struct mb_mmap_entry) <= end) {
			const struct mb_mmap_entry *e = (const void *)p;

			add_region(e->base, e->len, e->type == MMAP_AVAILABLE);
			p += e->size + sizeof(e->size);
		}
	} else if (mbi->flags & MBI_MEM) {
		add_region(0, (uint64_t)mbi->mem_lower << 10, 1);
		add_region(1ull << 20, (uint64_t)mbi->mem_upper << 10, 1);
	} else {
		panic("the boot loader gave no memory information");
	}

	if (mbi->flags & MBI_MODS) {
		const struct mb_mod *m = (const void *)(uintptr_t)mbi->mods_addr;
		uint32_t n = mbi->mods_count;

		if (n > MB_MAX_MODULES) {
			printk("kitten: %u modules given, using the first %d\n",
			       n, MB_MAX_MODULES);
			n = MB_MAX_MODULES;
		}
		for (uint32_t i = 0; i < n; i++) {
			struct mb_module *out = &boot_info.modules[i];

			out->start = m[i].mod_start;
			out->end = m[i].mod_end;
			module_name(out->name,
				    (const char *)(uintptr_t)m[i].string);
		}
		boot_info.nmodules = n;
	}
}
