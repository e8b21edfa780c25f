/* fw_cfg.c - QEMU's firmware configuration device on I/O ports, the
 * channel through which SeaBIOS learns the machine it runs on: RAM layout
 * (etc/e820), CPU count, serial console, boot order.
 *
 * Interface (QEMU docs/specs/fw_cfg.rst): selector 0x510 (16-bit write;
 * resets the data offset), data 0x511 (reads the selected item byte by
 * byte, zeros past its end; writes ignored), DMA address 0x514-0x51B
 * (big-endian 64-bit; the write of the low half at 0x518 starts the
 * transfer of the FWCfgDmaAccess {be32 control, be32 length, be64
 * address} it points to; reading it gives "QEMU CFG").  Control bits:
 * ERROR, READ, SKIP, SELECT (key in bits 31:16), WRITE.  Every item here
 * is read-only, so a WRITE sets ERROR, as QEMU does for read-only items.
 *
 * Items: signature "QEMU" (0x00), ID (0x01: bit 0 traditional, bit 1
 * DMA), CPU count (0x05, le16, the VM's vcpus), boot menu (0x0e, le16),
 * max CPUs (0x0f, le16), file directory (0x19: be32 count, then {be32
 * size, be16 select, be16 reserved, char name[56]} sorted by name as
 * QEMU sorts it), IRQ0 override (0x8002: the PIT reaches I/O APIC pin 2,
 * so SeaBIOS puts the override in its MADT/MP table), files from 0x20.
 * Every other key reads as zeros, which SeaBIOS takes as "none" (NUMA
 * 0x0d, ACPI 0x8000 and SMBIOS 0x8001 counts, no etc/table-loader: so
 * SeaBIOS builds ACPI and SMBIOS itself).
 *
 * Files (SeaBIOS 1.16 paravirt.c, boot.c): etc/e820 ({le64 addr, le64
 * len, le32 type}: RAM below 3 GiB, the rest above 4 GiB), etc/sercon-port
 * (le16), bootorder (newline-separated device paths, NUL-terminated),
 * etc/boot-fail-wait (le32 ms), etc/boot-menu-wait (le16 ms).
 */
#include "device.h"
#include "fw_cfg.h"
#include "vm.h"

#define CTL_PORT     0x510
#define DATA_PORT    0x511
#define DMA_PORT     0x514
#define DMA_LOW_HALF (DMA_PORT + 4)
#define DMA_PORTS    8

#define KEY_SIGNATURE	  0x0000
#define KEY_ID		  0x0001
#define KEY_NB_CPUS	  0x0005
#define KEY_BOOT_MENU	  0x000e
#define KEY_MAX_CPUS	  0x000f
#define KEY_FILE_DIR	  0x0019
#define KEY_FILE_FIRST	  0x0020
#define KEY_IRQ0_OVERRIDE 0x8002
#define KEY_WRITE_CHANNEL 0x4000 /* ignored: writes go through DMA only */

#define ID_TRADITIONAL 0x1
#define ID_DMA	       0x2

#define DMA_CTL_ERROR  0x01
#define DMA_CTL_READ   0x02
#define DMA_CTL_SKIP   0x04
#define DMA_CTL_SELECT 0x08
#define DMA_CTL_WRITE  0x10
#define DMA_DESC_SIZE  16

#define MAX_FILES      32
#define DIR_ENTRY_SIZE 64
#define DIR_NAME_SIZE  56

#define E820_ENTRY_SIZE 20
#define E820_RAM	1
#define LOWMEM_MAX	0xc0000000ull /* above: the PCI hole, as QEMU's pc */
#define HIGHMEM_BASE	0x100000000ull

#define COM1_PORT 0x3f8
/* SeaBIOS's path of an ATA device: build_ata_path() in boot.c, for the
 * PIIX3 IDE function at 01.1; drive@ is the channel, disk@ the unit. */
#define BOOT_PATH_CDROM	    "/pci@i0cf8/ide@1,1/drive@1/disk@0"
#define BOOT_PATH_DISK	    "/pci@i0cf8/ide@1,1/drive@0/disk@0"
#define BOOTORDER_SEPARATOR '|' /* in the option; '\n' in the file */

static const char signature[4] = {'Q', 'E', 'M', 'U'};
static const char dma_signature[DMA_PORTS] = {'Q', 'E', 'M', 'U',
					      ' ', 'C', 'F', 'G'};

struct fw_file {
	char name[DIR_NAME_SIZE];
	uint8_t *data;
	uint32_t len;
};

struct fw_cfg {
	struct v3_vm *vm;
	void *lock;
	bool dma;
	uint16_t key;
	uint32_t offset;
	uint32_t dma_high; /* DMA address register, high half */

	uint64_t max_cpus; /* option; 0: the VM's vcpus */
	uint8_t id[4], nb_cpus[2], cpus_max[2], boot_menu[2], irq0[4];
	int nfiles;
	struct fw_file files[MAX_FILES];
	uint8_t *dir;
	uint32_t dir_len;
};

/* ---- byte order ---------------------------------------------------------- */

static void put_le(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t bswap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) |
	       (v << 24);
}

/* ---- items --------------------------------------------------------------- */

/* The selected item's bytes; len 0 for keys nobody defined. */
static void item(const struct fw_cfg *d, uint16_t key, const uint8_t **data,
		 uint32_t *len)
{
	uint16_t k = key & ~KEY_WRITE_CHANNEL;
	int file = k - KEY_FILE_FIRST;

	*data = NULL;
	*len = 0;
	switch (k) {
	case KEY_SIGNATURE:
		*data = (const uint8_t *)signature;
		*len = sizeof(signature);
		return;
	case KEY_ID:
		*data = d->id;
		*len = sizeof(d->id);
		return;
	case KEY_NB_CPUS:
		*data = d->nb_cpus;
		*len = sizeof(d->nb_cpus);
		return;
	case KEY_BOOT_MENU:
		*data = d->boot_menu;
		*len = sizeof(d->boot_menu);
		return;
	case KEY_MAX_CPUS:
		*data = d->cpus_max;
		*len = sizeof(d->cpus_max);
		return;
	case KEY_FILE_DIR:
		*data = d->dir;
		*len = d->dir_len;
		return;
	case KEY_IRQ0_OVERRIDE:
		*data = d->irq0;
		*len = sizeof(d->irq0);
		return;
	}
	if (file >= 0 && file < d->nfiles) {
		*data = d->files[file].data;
		*len = d->files[file].len;
	}
}

/* Selecting resets the offset.  The CPU count is read then, so it does
 * not matter whether the core creates vcpus before or after devices. */
static void select_key(struct fw_cfg *d, uint16_t key)
{
	uint64_t max = d->max_cpus ? d->max_cpus : (uint64_t)d->vm->nvcpus;

	d->key = key;
	d->offset = 0;
	put_le(d->nb_cpus, (uint64_t)d->vm->nvcpus, sizeof(d->nb_cpus));
	put_le(d->cpus_max, max, sizeof(d->cpus_max));
}

static uint8_t next_byte(struct fw_cfg *d)
{
	const uint8_t *data;
	uint32_t len;

	item(d, d->key, &data, &len);
	if (d->offset >= len)
		return 0;
	return data[d->offset++];
}

/* ---- file directory ------------------------------------------------------ */

/* Directory order is by name; keys stay in the order files were added. */
static void sort_by_name(const struct fw_cfg *d, int *order)
{
	int i, j;

	for (i = 0; i < d->nfiles; i++) {
		int f = i;

		for (j = i; j > 0 && v3_strcmp(d->files[order[j - 1]].name,
					       d->files[f].name) > 0;
		     j--)
			order[j] = order[j - 1];
		order[j] = f;
	}
}

static int rebuild_dir(struct fw_cfg *d)
{
	uint32_t len = 4 + DIR_ENTRY_SIZE * (uint32_t)d->nfiles;
	uint8_t *dir = v3_vm_zalloc(d->vm, len);
	int order[MAX_FILES], i;

	if (!dir)
		return -1;
	sort_by_name(d, order);
	put_be(dir, (uint64_t)d->nfiles, 4);
	for (i = 0; i < d->nfiles; i++) {
		const struct fw_file *f = &d->files[order[i]];
		uint8_t *e = dir + 4 + DIR_ENTRY_SIZE * i;

		put_be(e, f->len, 4);
		put_be(e + 4, (uint64_t)(KEY_FILE_FIRST + order[i]), 2);
		v3_strlcpy((char *)e + 8, f->name, DIR_NAME_SIZE);
	}
	v3_vm_free(d->vm, d->dir, d->dir_len);
	d->dir = dir;
	d->dir_len = len;
	return 0;
}

static int find_file(const struct fw_cfg *d, const char *name)
{
	int i;

	for (i = 0; i < d->nfiles; i++)
		if (v3_strcmp(d->files[i].name, name) == 0)
			return i;
	return -1;
}

static int add_file(struct fw_cfg *d, const char *name, const void *data,
		    uint32_t len)
{
	struct fw_file *f;
	size_t n = v3_strnlen(name, DIR_NAME_SIZE);

	if (n == 0 || n > V3_FW_CFG_NAME_MAX || d->nfiles == MAX_FILES ||
	    find_file(d, name) >= 0)
		return -1;
	f = &d->files[d->nfiles];
	if (len) {
		f->data = v3_vm_zalloc(d->vm, len);
		if (!f->data)
			return -1;
		v3_memcpy(f->data, data, len);
	}
	f->len = len;
	v3_strlcpy(f->name, name, sizeof(f->name));
	d->nfiles++;
	if (rebuild_dir(d) == 0)
		return 0;
	d->nfiles--;
	v3_vm_free(d->vm, f->data, len);
	v3_memset(f, 0, sizeof(*f));
	return -1;
}

static struct fw_cfg *fw_cfg_of(struct v3_vm *vm)
{
	int i;

	for (i = 0; i < vm->ndevs; i++)
		if (v3_strcmp(vm->devs[i].type->name, "fw_cfg") == 0)
			return vm->devs[i].priv;
	return NULL;
}

int v3_fw_cfg_add_file(struct v3_vm *vm, const char *name, const void *data,
		       uint32_t len)
{
	struct fw_cfg *d = fw_cfg_of(vm);
	unsigned long flags;
	int ret;

	if (!d)
		return -1;
	flags = v3_host->lock_irqsave(d->lock);
	ret = add_file(d, name, data, len);
	v3_host->unlock_irqrestore(d->lock, flags);
	return ret;
}

/* ---- DMA ----------------------------------------------------------------- */

/* Copy up to 'n' bytes of the item, zeros past its end, to guest 'gpa'. */
static int dma_read_chunk(struct fw_cfg *d, uint64_t gpa, uint32_t n)
{
	static const uint8_t zeros[64];
	const uint8_t *data;
	uint32_t len, chunk;

	item(d, d->key, &data, &len);
	if (d->offset < len) {
		chunk = n < len - d->offset ? n : len - d->offset;
		if (v3_gpa_write(d->vm, gpa, data + d->offset, chunk))
			return -1;
		d->offset += chunk;
		gpa += chunk;
		n -= chunk;
	}
	for (; n; n -= chunk, gpa += chunk) {
		chunk = n < sizeof(zeros) ? n : sizeof(zeros);
		if (v3_gpa_write(d->vm, gpa, zeros, chunk))
			return -1;
	}
	return 0;
}

static void dma_skip(struct fw_cfg *d, uint32_t n)
{
	const uint8_t *data;
	uint32_t len;

	item(d, d->key, &data, &len);
	if (d->offset < len)
		d->offset = n < len - d->offset ? d->offset + n : len;
}

/* Run the FWCfgDmaAccess at 'desc'; the result goes to its control. */
static void dma_transfer(struct fw_cfg *d, uint64_t desc)
{
	uint8_t access[DMA_DESC_SIZE], result[4];
	uint32_t control, length, status = 0;
	uint64_t addr;

	if (v3_gpa_read(d->vm, desc, access, sizeof(access)))
		return; /* nowhere to report the error */
	control = (uint32_t)get_be(access, 4);
	length = (uint32_t)get_be(access + 4, 4);
	addr = get_be(access + 8, 8);
	if (control & DMA_CTL_SELECT)
		select_key(d, (uint16_t)(control >> 16));
	if (length && (control & DMA_CTL_READ)) {
		if (dma_read_chunk(d, addr, length))
			status = DMA_CTL_ERROR;
	} else if (length && (control & DMA_CTL_WRITE)) {
		status = DMA_CTL_ERROR; /* every item is read-only */
	} else if (control & DMA_CTL_SKIP) {
		dma_skip(d, length);
	}
	put_be(result, status, 4);
	v3_gpa_write(d->vm, desc, result, sizeof(result));
}

/* ---- ports --------------------------------------------------------------- */

static int ctl_data_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct fw_cfg *d = priv;
	unsigned long flags = v3_host->lock_irqsave(d->lock);
	uint32_t i;

	(void)vcpu;
	if (acc->addr == CTL_PORT && acc->write) {
		select_key(d, (uint16_t)acc->val[0]);
	} else if (acc->addr == DATA_PORT && !acc->write) {
		/* Wider reads return the next bytes in order (memcpy). */
		acc->val[0] = 0;
		for (i = 0; i < acc->len; i++)
			acc->val[0] |= (uint64_t)next_byte(d) << (8 * i);
	} else if (!acc->write) {
		acc->val[0] = 0; /* the selector is write-only */
	}
	v3_host->unlock_irqrestore(d->lock, flags);
	return 0;
}

static int dma_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct fw_cfg *d = priv;
	uint32_t off = (uint32_t)acc->addr - DMA_PORT;
	uint32_t half = bswap32((uint32_t)acc->val[0]);
	unsigned long flags;

	(void)vcpu;
	if (!acc->write) {
		uint32_t i;

		acc->val[0] = 0;
		for (i = 0; i < acc->len && off + i < DMA_PORTS; i++)
			acc->val[0] |= (uint64_t)(uint8_t)dma_signature[off + i]
				       << (8 * i);
		return 0;
	}
	if (acc->len != 4 || (off != 0 && off != 4))
		return 0; /* only whole big-endian halves mean anything */
	flags = v3_host->lock_irqsave(d->lock);
	if (off == 0) {
		d->dma_high = half;
	} else {
		dma_transfer(d, (uint64_t)d->dma_high << 32 | half);
		d->dma_high = 0; /* the register reads 0 after an operation */
	}
	v3_host->unlock_irqrestore(d->lock, flags);
	return 0;
}

/* ---- configuration ------------------------------------------------------- */

static int add_e820(struct fw_cfg *d)
{
	uint64_t ram = d->vm->mem.ram_size;
	uint64_t low = ram < LOWMEM_MAX ? ram : LOWMEM_MAX;
	uint8_t table[2 * E820_ENTRY_SIZE];
	int n = 0;

	put_le(table, 0, 8);
	put_le(table + 8, low, 8);
	put_le(table + 16, E820_RAM, 4);
	n++;
	if (ram > low) {
		/* QEMU's pc layout; the core must map this RAM at 4 GiB. */
		put_le(table + 20, HIGHMEM_BASE, 8);
		put_le(table + 28, ram - low, 8);
		put_le(table + 36, E820_RAM, 4);
		n++;
	}
	return add_file(d, "etc/e820", table, (uint32_t)n * E820_ENTRY_SIZE);
}

/* 'boot=cdrom|disk' or 'bootorder=PATH|PATH...' into the bootorder file. */
static int add_bootorder(struct fw_cfg *d, const struct v3_cfg_device *cfg,
			 char *err, size_t errlen)
{
	const char *boot = v3_cfg_opt(cfg, "boot");
	const char *order = v3_cfg_opt(cfg, "bootorder");
	char text[V3_CFG_VAL_LEN];
	size_t i, n;

	if (boot && order) {
		v3_snprintf(err, errlen,
			    "line %d: fw_cfg: give boot= or bootorder=, not "
			    "both",
			    cfg->line);
		return -1;
	}
	if (boot && v3_strcmp(boot, "cdrom") == 0)
		order = BOOT_PATH_CDROM;
	else if (boot && v3_strcmp(boot, "disk") == 0)
		order = BOOT_PATH_DISK;
	else if (boot) {
		v3_snprintf(err, errlen,
			    "line %d: fw_cfg: boot must be cdrom or disk",
			    cfg->line);
		return -1;
	}
	if (!order)
		return 0;
	n = v3_strlcpy(text, order, sizeof(text));
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	for (i = 0; i < n; i++)
		if (text[i] == BOOTORDER_SEPARATOR)
			text[i] = '\n';
	/* QEMU's file ends with its NUL, counted in the size. */
	return add_file(d, "bootorder", text, (uint32_t)n + 1);
}

static int add_int_file(struct fw_cfg *d, const char *name, uint64_t v,
			int bytes)
{
	uint8_t buf[8];

	put_le(buf, v, bytes);
	return add_file(d, name, buf, (uint32_t)bytes);
}

struct fw_opts {
	uint64_t sercon, menu, menu_wait, fail_wait, dma, irq0;
};

static int parse_options(struct fw_cfg *d, const struct v3_cfg_device *cfg,
			 struct fw_opts *o, char *err, size_t errlen)
{
	if (v3_dev_opt_u64(cfg, "sercon", 1, &o->sercon, err, errlen) ||
	    v3_dev_opt_u64(cfg, "menu", 0, &o->menu, err, errlen) ||
	    v3_dev_opt_u64(cfg, "menu_wait", 0, &o->menu_wait, err, errlen) ||
	    v3_dev_opt_u64(cfg, "boot_fail_wait", 0, &o->fail_wait, err,
			   errlen) ||
	    v3_dev_opt_u64(cfg, "dma", 1, &o->dma, err, errlen) ||
	    v3_dev_opt_u64(cfg, "irq0_override", 1, &o->irq0, err, errlen) ||
	    v3_dev_opt_u64(cfg, "max_cpus", 0, &d->max_cpus, err, errlen))
		return -1;
	if (o->sercon > 0xffff || o->menu_wait > 0xffff ||
	    o->fail_wait > 0xffffffffull || d->max_cpus > 0xffff) {
		v3_snprintf(err, errlen, "line %d: fw_cfg: option out of range",
			    cfg->line);
		return -1;
	}
	return 0;
}

static int add_files(struct fw_cfg *d, const struct v3_cfg_device *cfg,
		     const struct fw_opts *o, char *err, size_t errlen)
{
	uint64_t sercon = o->sercon == 1 ? COM1_PORT : o->sercon;

	if (rebuild_dir(d) || add_e820(d) ||
	    (sercon && add_int_file(d, "etc/sercon-port", sercon, 2)) ||
	    (o->menu_wait &&
	     add_int_file(d, "etc/boot-menu-wait", o->menu_wait, 2)) ||
	    (v3_cfg_opt(cfg, "boot_fail_wait") &&
	     add_int_file(d, "etc/boot-fail-wait", o->fail_wait, 4))) {
		v3_snprintf(err, errlen, "line %d: fw_cfg: out of memory",
			    cfg->line);
		return -1;
	}
	return add_bootorder(d, cfg, err, errlen);
}

static int fw_cfg_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
			 void **priv, char *err, size_t errlen)
{
	struct fw_cfg *d = v3_vm_zalloc(vm, sizeof(*d));
	struct fw_opts o;

	*priv = d;
	if (!d)
		return -1;
	d->vm = vm;
	d->lock = v3_host->lock_alloc();
	if (!d->lock || parse_options(d, cfg, &o, err, errlen) ||
	    add_files(d, cfg, &o, err, errlen))
		return -1;
	d->dma = o.dma != 0;
	put_le(d->id, ID_TRADITIONAL | (d->dma ? ID_DMA : 0), sizeof(d->id));
	put_le(d->boot_menu, o.menu != 0, sizeof(d->boot_menu));
	put_le(d->irq0, o.irq0 != 0, sizeof(d->irq0));
	select_key(d, KEY_SIGNATURE);
	if (v3_hook_add(vm, V3_HOOK_IO, CTL_PORT, DATA_PORT, ctl_data_io, d) ||
	    (d->dma && v3_hook_add(vm, V3_HOOK_IO, DMA_PORT,
				   DMA_PORT + DMA_PORTS - 1, dma_io, d))) {
		v3_snprintf(err, errlen,
			    "line %d: fw_cfg: ports 0x510-0x51b are taken",
			    cfg->line);
		return -1;
	}
	return 0;
}

static void fw_cfg_destroy(struct v3_vm *vm, void *priv)
{
	struct fw_cfg *d = priv;
	int i;

	for (i = 0; i < d->nfiles; i++)
		v3_vm_free(vm, d->files[i].data, d->files[i].len);
	v3_vm_free(vm, d->dir, d->dir_len);
	if (d->lock)
		v3_host->lock_free(d->lock);
	v3_vm_free(vm, d, sizeof(*d));
}

V3_DEVICE(fw_cfg_device, .name = "fw_cfg", .create = fw_cfg_create,
	  .destroy = fw_cfg_destroy);
