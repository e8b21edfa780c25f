/* v3_config.h - the VM configuration format and its parsed form.
 *
 * The format is line oriented text, one setting per line:
 *
 *     # comment (also after a value)
 *     name     = cpuid-test         VM name, [A-Za-z0-9_.-], <= 31 chars
 *     memory   = 64M                guest RAM (K/M/G suffix, >= 1M)
 *     block    = 16M                host base-block size (default 128M,
 *                                   power of two, 64K..1G)
 *     vcpus    = 1                  1..V3_CFG_MAX_VCPUS
 *     host_cpus = 2,3               the host CPU of each vcpu's thread, in
 *                                   vcpu order, one per vcpu (default:
 *                                   vcpu i on CPU i mod the CPU count);
 *                                   checked against the host at create
 *     paging   = nested             nested | shadow (nested falls back to
 *                                   shadow on a CPU without NPT/EPT)
 *     boot     = direct             direct (entry below) | bios (reset)
 *     entry    = 0x100000           direct boot: 32-bit flat entry point
 *     bios     = bios-256k.bin      boot = bios: firmware image, mapped
 *                                   below 4 GiB, its last 128 KiB also
 *                                   at 0xE0000 (required for bios)
 *     load     = guest.bin @ 0x100000   copy image into guest RAM
 *     on_reset = stop               stop | reset (guest reboot request)
 *     device   = debugcon port=0xe9 an emulated device with options
 *
 * Keys may repeat only for 'load' and 'device'.  Numbers are decimal or
 * 0x-hex.  Unknown keys, bad values, duplicates and missing required keys
 * (name, memory) are errors naming the line.
 */
#ifndef V3_CONFIG_H
#define V3_CONFIG_H

#include "v3_types.h"

#define V3_CFG_NAME_LEN 32
#define V3_CFG_VAL_LEN 128
#define V3_CFG_MAX_VCPUS 64
#define V3_CFG_MAX_LOADS 8
#define V3_CFG_MAX_DEVICES 32
#define V3_CFG_MAX_OPTS 8
#define V3_CFG_MAX_HOST_CPU 4095

enum v3_paging_mode { V3_PAGING_NESTED, V3_PAGING_SHADOW };
enum v3_boot_mode { V3_BOOT_DIRECT, V3_BOOT_BIOS };
enum v3_reset_action { V3_RESET_STOP, V3_RESET_REBOOT };

struct v3_cfg_opt {
	char key[V3_CFG_NAME_LEN];
	char val[V3_CFG_VAL_LEN];
};

struct v3_cfg_device {
	char type[V3_CFG_NAME_LEN];
	int line;
	int nopts;
	struct v3_cfg_opt opts[V3_CFG_MAX_OPTS];
};

struct v3_cfg_load {
	char image[V3_CFG_NAME_LEN];
	uint64_t gpa;
	int line;
};

struct v3_config {
	char name[V3_CFG_NAME_LEN];
	uint64_t mem_size;
	uint64_t block_size;
	uint32_t vcpus;
	uint32_t nhost_cpus; /* 0: default placement */
	uint16_t host_cpus[V3_CFG_MAX_VCPUS];
	int host_cpus_line;
	enum v3_paging_mode paging;
	enum v3_boot_mode boot;
	uint64_t entry;
	enum v3_reset_action on_reset;
	char bios[V3_CFG_NAME_LEN];
	int nloads;
	struct v3_cfg_load loads[V3_CFG_MAX_LOADS];
	int ndevices;
	struct v3_cfg_device devices[V3_CFG_MAX_DEVICES];
};

/* Parse 'len' bytes of text into 'cfg'.  Returns 0, or -1 with a one-line
 * "line N: reason" in 'err'.  Pure: no allocation, no host calls. */
int v3_config_parse(const char *text, size_t len, struct v3_config *cfg,
		    char *err, size_t errlen);

/* A device option's value, or NULL when absent. */
const char *v3_cfg_opt(const struct v3_cfg_device *dev, const char *key);
/* Parse a number: decimal or 0x-hex with an optional K/M/G suffix.
 * Returns 0, or -1 on junk or overflow. */
int v3_cfg_parse_u64(const char *s, uint64_t *out);

#endif
