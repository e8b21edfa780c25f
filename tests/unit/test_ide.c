/* test_ide.c - the PIIX3 IDE controller and its ATAPI CD-ROM
 * (devices/ide.c, devices/atapi.c) on a fake VM with the real PCI bus,
 * hook table and interrupt lines.  The guest side is played the way
 * SeaBIOS 1.16 (src/hw/ata.c, src/cdrom.c) and Linux (libata-sff.c,
 * ata_piix.c, sr.c) drive the hardware, on a synthetic El Torito ISO
 * whose every sector has its own pattern; then the error paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_vm.h"
#include "ide.h"
#include "unit.h"

/* tests/unit/fake_vm_ide.c */
void fake_ide_set_images(const struct v3_image *imgs, int n);
void fake_ide_set_ram(void *mem, uint64_t size);

/* ---- the medium ------------------------------------------------------- */

#define ISO_SECTORS 64
#define PVD_LBA 16
#define BOOT_RECORD_LBA 17
#define TERMINATOR_LBA 18
#define CATALOG_LBA 20
#define BOOT_IMAGE_LBA 24
#define BOOT_IMAGE_VSECTORS 16 /* 512-byte units: 4 CD sectors */

static uint8_t iso[ISO_SECTORS * CD_SECTOR];
static uint8_t short_iso[CD_SECTOR * 20 + 100];
static uint8_t plain_iso[CD_SECTOR * 20];

/* 37 is odd, so lba * 37 differs for every sector; i >> 8 makes each
 * 256-byte run of a sector differ too. */
static uint8_t pattern(uint32_t lba, uint32_t i)
{
	return (uint8_t)(lba * 37 + i * 11 + (i >> 8));
}

static uint8_t *sector(uint32_t lba)
{
	return iso + (size_t)lba * CD_SECTOR;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void volume_descriptor(uint32_t lba, uint8_t type)
{
	uint8_t *s = sector(lba);

	memset(s, 0, CD_SECTOR);
	s[0] = type;
	memcpy(s + 1, "CD001", 5);
	s[6] = 1;
}

/* ECMA-119 volume descriptors at 16-18, El Torito boot catalog at 20
 * (validation entry + no-emulation initial entry), boot image at 24. */
static void build_iso(void)
{
	uint8_t *cat = sector(CATALOG_LBA);
	uint16_t sum = 0;
	uint32_t lba, i;

	for (lba = 0; lba < ISO_SECTORS; lba++)
		for (i = 0; i < CD_SECTOR; i++)
			sector(lba)[i] = pattern(lba, i);
	volume_descriptor(PVD_LBA, 1);
	volume_descriptor(BOOT_RECORD_LBA, 0);
	memcpy(sector(BOOT_RECORD_LBA) + 7, "EL TORITO SPECIFICATION", 23);
	put_le32(sector(BOOT_RECORD_LBA) + 0x47, CATALOG_LBA);
	volume_descriptor(TERMINATOR_LBA, 0xff);
	memset(cat, 0, CD_SECTOR);
	cat[0x00] = 0x01; /* validation entry, platform x86 */
	cat[0x1e] = 0x55;
	cat[0x1f] = 0xaa;
	for (i = 0; i < 32; i += 2)
		sum += cat[i] | cat[i + 1] << 8;
	cat[0x1c] = (uint8_t)-sum;
	cat[0x1d] = (uint8_t)(-sum >> 8);
	cat[0x20] = 0x88; /* bootable, no emulation */
	cat[0x26] = BOOT_IMAGE_VSECTORS;
	put_le32(cat + 0x28, BOOT_IMAGE_LBA);

	memcpy(short_iso, iso, sizeof(short_iso));
	memcpy(plain_iso, iso, sizeof(plain_iso));
	plain_iso[PVD_LBA * CD_SECTOR + 1] = 'X';
}

static const struct v3_image images[] = {
    {"cd.iso", iso, sizeof(iso)},
    {"short.iso", short_iso, sizeof(short_iso)},
    {"plain.iso", plain_iso, sizeof(plain_iso)},
};

/* ---- the machine ------------------------------------------------------ */

#define RAM_SIZE (1u << 20)
#define BM_BASE 0xc000
#define IDE_DEVFN 0x09 /* 00:01.1 */
#define PRD_TABLE 0x1000
#define DMA_BUF 0x20000

static uint8_t ram[RAM_SIZE];
static struct v3_vm *vm;
static char err[256];

struct chan {
	uint16_t base, ctl, bm;
	int irq;
};
static const struct chan pri = {0x1f0, 0x3f6, BM_BASE, 14};
static const struct chan sec = {0x170, 0x376, BM_BASE + 8, 15};

/* Task file offsets and bits, as the guests name them. */
#define R_DATA 0
#define R_ERR 1
#define R_NSECT 2
#define R_LBAL 3
#define R_LBAM 4
#define R_LBAH 5
#define R_DEV 6
#define R_STATUS 7
#define DC_HD15 0x08 /* SeaBIOS sets this obsolete bit */
#define DEV0 0xa0
#define DEV1 0xb0
#define ST_BSY 0x80
#define ST_DRDY 0x40
#define ST_DSC 0x10
#define ST_DRQ 0x08
#define ST_ERR 0x01
#define BM_START 0x01
#define BM_WRITE 0x08
#define BM_ACTIVE 0x01
#define BM_ERROR 0x02
#define BM_INTR 0x04

static uint8_t inb(uint16_t port)
{
	return fake_inb(vm, port);
}

static void outb(uint16_t port, uint8_t v)
{
	fake_outb(vm, port, v);
}

static void pci_select(uint8_t reg)
{
	fake_out(vm, 0xcf8, 4, 0x80000000u | IDE_DEVFN << 8 | (reg & 0xfc));
}

static uint32_t pci_read(uint8_t reg, unsigned len)
{
	pci_select(reg);
	return fake_in(vm, 0xcfc + (reg & 3), len);
}

static void pci_write(uint8_t reg, unsigned len, uint32_t v)
{
	pci_select(reg);
	fake_out(vm, 0xcfc + (reg & 3), len, v);
}

static struct ide_ctrl *ide_of(struct v3_vm *v)
{
	int i;

	for (i = 0; i < v->ndevs; i++)
		if (!strcmp(v->devs[i].type->name, "ide"))
			return v->devs[i].priv;
	return NULL;
}

/* A BIOS's part: BAR4, I/O decode and bus mastering. */
static void enable_pci(void)
{
	pci_write(0x20, 4, BM_BASE | 1);
	pci_write(0x04, 2, 0x0005);
}

static struct v3_vm *make_vm(const char *devices)
{
	struct v3_vm *v;

	/* The configured size; DMA sees the first RAM_SIZE bytes (ram[]). */
	v = fake_vm_create(devices, 16u << 20, 1, err, sizeof(err));
	if (!v)
		printf("# fake_vm_create: %s\n", err);
	return v;
}

static bool start_vm(const char *devices)
{
	vm = make_vm(devices);
	if (!vm)
		return false;
	enable_pci();
	return true;
}

static void stop_vm(const char *what)
{
	uint64_t left = fake_vm_destroy(vm);

	report(left == 0, "%s: destroy frees everything (%llu bytes left)",
	       what, (unsigned long long)left);
	vm = NULL;
}

/* ---- SeaBIOS's side (src/hw/ata.c) ------------------------------------ */

static int await_not_bsy(const struct chan *c)
{
	int i;

	for (i = 0; i < 100; i++) {
		uint8_t s = inb(c->base + R_STATUS);

		if (!(s & ST_BSY))
			return s;
	}
	return -1;
}

/* ata_reset() for device 0: SRST pulse with nIEN, select, interrupts on.
 * Returns the status seen while SRST was held. */
static uint8_t seabios_reset(const struct chan *c)
{
	uint8_t during;

	outb(c->ctl, DC_HD15 | 0x02 | 0x04);
	during = inb(c->base + R_STATUS);
	outb(c->ctl, DC_HD15 | 0x02);
	await_not_bsy(c);
	outb(c->base + R_DEV, DEV0);
	outb(c->ctl, DC_HD15);
	return during;
}

/* ata_detect()'s register echo test. */
static bool seabios_echo(const struct chan *c, uint8_t dh)
{
	outb(c->base + R_DEV, dh);
	outb(c->base + R_NSECT, 0x55);
	outb(c->base + R_LBAL, 0xaa);
	return inb(c->base + R_NSECT) == 0x55 && inb(c->base + R_LBAL) == 0xaa &&
	       inb(c->base + R_DEV) == dh;
}

/* send_cmd() + ata_wait_data(), interrupts off. */
static int seabios_send(const struct chan *c, uint8_t dh, uint8_t cmd,
			uint16_t bcount)
{
	int s;

	outb(c->ctl, DC_HD15 | 0x02);
	if (await_not_bsy(c) < 0)
		return -1;
	outb(c->base + R_DEV, dh);
	outb(c->base + R_ERR, 0);
	outb(c->base + R_NSECT, 0);
	outb(c->base + R_LBAL, 0);
	outb(c->base + R_LBAM, bcount & 0xff);
	outb(c->base + R_LBAH, bcount >> 8);
	outb(c->base + R_STATUS, cmd);
	s = await_not_bsy(c);
	if (s < 0)
		return -1;
	if (s & ST_ERR)
		return -4;
	if (!(s & ST_DRQ))
		return -5;
	return 0;
}

static void read_block(const struct chan *c, uint8_t *buf, uint32_t len,
		       bool pio32)
{
	uint32_t i, v;

	for (i = 0; i < len; i += pio32 ? 4 : 2) {
		v = fake_in(vm, c->base, pio32 ? 4 : 2);
		memcpy(buf + i, &v, pio32 ? 4 : 2);
	}
}

/* ata_pio_transfer(): blocks of 'bs' bytes, status checked between. */
static int seabios_pio_transfer(const struct chan *c, uint8_t *buf,
				uint32_t bs, uint32_t count, bool pio32)
{
	int s;

	for (;;) {
		read_block(c, buf, bs, pio32);
		buf += bs;
		inb(c->ctl);
		s = await_not_bsy(c);
		if (s < 0)
			return s;
		if (!--count)
			break;
		if ((s & (ST_BSY | ST_DRQ | ST_ERR)) != ST_DRQ)
			return -6;
	}
	if (s & (ST_BSY | ST_DRQ | ST_ERR))
		return -7;
	return 0;
}

/* ata_atapi_process_op(): PACKET with the block size as byte count
 * limit, the CDB by outsw, then 'count' blocks. */
static int seabios_packet(const struct chan *c, uint8_t dh, const uint8_t *cdb,
			  uint8_t *buf, uint32_t bs, uint32_t count, bool pio32)
{
	int ret = seabios_send(c, dh, 0xa0, (uint16_t)bs), s, i;

	if (ret)
		goto out;
	for (i = 0; i < 12; i += 2)
		fake_out(vm, c->base, 2, cdb[i] | cdb[i + 1] << 8);
	inb(c->ctl);
	s = await_not_bsy(c);
	if (s < 0 || (s & ST_ERR)) {
		ret = -2;
		goto out;
	}
	if (bs) {
		if (!(s & ST_DRQ)) {
			ret = -3;
			goto out;
		}
		ret = seabios_pio_transfer(c, buf, bs, count, pio32);
	}
out:
	outb(c->ctl, DC_HD15);
	return ret;
}

/* ---- Linux's side (libata-sff.c) -------------------------------------- */

struct result {
	unsigned irqs;	 /* rising edges on the channel's line */
	int blocks;	 /* DRQ blocks read */
	uint32_t first;	 /* bytes in the first block */
	uint32_t bytes;	 /* data read */
	uint8_t status;	 /* at completion */
	uint8_t ireason; /* at completion */
	uint8_t error;
	uint8_t bm_status;
};

static void linux_issue(const struct chan *c, uint8_t dh, const uint8_t *cdb,
			bool dma, uint16_t limit)
{
	uint32_t w;
	int i;

	outb(c->ctl, DC_HD15); /* nIEN clear: interrupt driven */
	outb(c->base + R_DEV, dh);
	outb(c->base + R_ERR, dma ? 1 : 0);
	outb(c->base + R_LBAM, limit & 0xff);
	outb(c->base + R_LBAH, limit >> 8);
	outb(c->base + R_STATUS, 0xa0);
	/* No CDB interrupt: ata_sff_pio_task polls for DRQ, then sends the
	 * CDB with data_xfer32 (three 32-bit writes). */
	for (i = 0; i < 10 && !(inb(c->base + R_STATUS) & ST_DRQ); i++)
		;
	for (i = 0; i < 12; i += 4) {
		memcpy(&w, cdb + i, 4);
		fake_out(vm, c->base, 4, w);
	}
}

/* __atapi_pio_bytes() with ata_sff_data_xfer32: dwords, then the slop
 * by one 16-bit read (or a 32-bit one for 3 bytes). */
static void linux_read_bytes(const struct chan *c, uint8_t *buf, uint32_t n)
{
	uint32_t i, v;

	for (i = 0; i + 4 <= n; i += 4) {
		v = fake_in(vm, c->base, 4);
		memcpy(buf + i, &v, 4);
	}
	if (n - i) {
		v = fake_in(vm, c->base, n - i < 3 ? 2 : 4);
		memcpy(buf + i, &v, n - i);
	}
}

/* PACKET PIO driven by interrupts: every block and the status phase
 * arrive with an edge; the handler's status read drops the line. */
static void linux_packet_pio(const struct chan *c, uint8_t dh,
			     const uint8_t *cdb, uint16_t limit, uint8_t *buf,
			     uint32_t buflen, struct result *r)
{
	unsigned e0 = fake_irq_edges(c->irq);
	int guard;

	memset(r, 0, sizeof(*r));
	linux_issue(c, dh, cdb, false, limit);
	for (guard = 0; guard < 1000; guard++) {
		uint8_t s;
		uint32_t n;

		if (!fake_irq_level(vm, c->irq))
			break; /* lost interrupt */
		s = inb(c->base + R_STATUS);
		if (!(s & ST_DRQ)) {
			r->status = s;
			break;
		}
		n = inb(c->base + R_LBAM) | inb(c->base + R_LBAH) << 8;
		if (inb(c->base + R_NSECT) != 0x02 || r->bytes + n > buflen)
			break; /* ireason must say data-in */
		linux_read_bytes(c, buf + r->bytes, n);
		if (!r->blocks)
			r->first = n;
		r->bytes += n;
		r->blocks++;
	}
	r->ireason = inb(c->base + R_NSECT);
	r->error = inb(c->base + R_ERR);
	r->irqs = fake_irq_edges(c->irq) - e0;
}

static void put_prd(int i, uint32_t addr, uint32_t len, bool eot)
{
	uint8_t *p = ram + PRD_TABLE + 8 * i;

	put_le32(p, addr);
	put_le32(p + 4, (len & 0xffff) | (eot ? 0x80000000u : 0));
}

/* ata_bmdma_setup: table, direction; exec PACKET; CDB; bmdma_start. */
static void linux_dma_setup(const struct chan *c)
{
	fake_out(vm, c->bm + 4, 4, PRD_TABLE);
	outb(c->bm, (inb(c->bm) & ~(BM_WRITE | BM_START)) | BM_WRITE);
}

/* ata_bmdma_port_intr: DMA status, stop, device status, clear. */
static void linux_dma_finish(const struct chan *c, struct result *r,
			     unsigned e0)
{
	r->bm_status = inb(c->bm + 2);
	outb(c->bm, inb(c->bm) & ~BM_START);
	r->status = inb(c->base + R_STATUS);
	r->ireason = inb(c->base + R_NSECT);
	r->error = inb(c->base + R_ERR);
	outb(c->bm + 2, inb(c->bm + 2));
	r->irqs = fake_irq_edges(c->irq) - e0;
}

static void linux_packet_dma(const struct chan *c, const uint8_t *cdb,
			     struct result *r)
{
	unsigned e0 = fake_irq_edges(c->irq);

	memset(r, 0, sizeof(*r));
	linux_dma_setup(c);
	linux_issue(c, DEV0, cdb, true, 0);
	outb(c->bm, inb(c->bm) | BM_START);
	linux_dma_finish(c, r, e0);
}

/* ---- CDBs ------------------------------------------------------------- */

static void cdb_clear(uint8_t *cdb, uint8_t op)
{
	memset(cdb, 0, 12);
	cdb[0] = op;
}

static void cdb_read10(uint8_t *cdb, uint32_t lba, uint16_t count)
{
	cdb_clear(cdb, 0x28);
	cdb[2] = lba >> 24;
	cdb[3] = lba >> 16;
	cdb[4] = lba >> 8;
	cdb[5] = lba;
	cdb[7] = count >> 8;
	cdb[8] = count;
}

static void cdb_alloc16(uint8_t *cdb, uint8_t op, int at, uint16_t alloc)
{
	cdb_clear(cdb, op);
	cdb[at] = alloc >> 8;
	cdb[at + 1] = alloc & 0xff;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* IDENTIFY data is little-endian words. */
static uint16_t word(const uint8_t *id, int i)
{
	return (uint16_t)(id[2 * i] | id[2 * i + 1] << 8);
}

static bool same_as_medium(const uint8_t *buf, uint32_t lba, uint32_t count)
{
	return !memcmp(buf, sector(lba), (size_t)count * CD_SECTOR);
}

/* REQUEST SENSE through SeaBIOS's path: key, asc, ascq packed. */
static uint32_t sense_of(const struct chan *c, uint8_t dh)
{
	uint8_t cdb[12], s[18];

	cdb_clear(cdb, 0x03);
	cdb[4] = sizeof(s);
	if (seabios_packet(c, dh, cdb, s, sizeof(s), 1, false))
		return 0xffffffff;
	return (uint32_t)(s[2] & 0xf) << 16 | s[12] << 8 | s[13];
}

/* ---- tests: creation -------------------------------------------------- */

/* create() called directly: a failure must leave nothing allocated. */
static void rejects_(int line, const char *opts, const char *want)
{
	const struct v3_device_type *t = v3_device_find("ide");
	static struct v3_config cfg;
	char text[256];
	struct v3_vm *v = make_vm("device = pci\n");
	void *priv = NULL;
	uint64_t before;
	int rc = -2, n;

	n = snprintf(text, sizeof(text),
		     "name = x\nmemory = 16M\ndevice = ide %s\n", opts);
	if (!t || !v || v3_config_parse(text, (size_t)n, &cfg, err,
					sizeof(err))) {
		report_at(__FILE__, line, false, "rejects '%s': setup", opts);
		if (v)
			fake_vm_destroy(v);
		return;
	}
	before = v->vmm_bytes;
	err[0] = 0;
	rc = t->create(v, &cfg.devices[0], &priv, err, sizeof(err));
	if (!report_at(__FILE__, line,
		       rc == -1 && !priv && v->vmm_bytes == before &&
			   strstr(err, want),
		       "rejects '%s' with nothing allocated", opts))
		diag("rc=%d priv=%p err='%s', want '%s'", rc, priv, err, want);
	if (priv)
		t->destroy(v, priv);
	fake_vm_destroy(v);
}
#define rejects(opts, want) rejects_(__LINE__, opts, want)

static void test_create(void)
{
	struct v3_vm *v;

	rejects("cdrom=missing.iso",
		"line 3: ide: image 'missing.iso' was not given to the VM");
	rejects("cdrom=short.iso", "not a multiple of 2048");
	rejects("cdrom=plain.iso", "no ISO 9660 volume descriptor (CD001)");
	rejects("cdrom=cd.iso cdrom_slot=tertiary", "bad cdrom_slot");
	rejects("cdrom_slot=primary-master", "cdrom_slot without cdrom");
	rejects("cdrom=cd.iso speed=52", "unknown option 'speed'");

	v = make_vm("device = ide cdrom=cd.iso\n");
	report(!v && strstr(err, "line 3: ide: cannot add PCI function"),
	       "without a PCI bus: clear error");
	if (v)
		fake_vm_destroy(v);

	v = make_vm("device = pci\ndevice = ide\n");
	report(v != NULL, "a controller without drives is fine");
	if (v) {
		vm = v;
		enable_pci();
		report(inb(0x1f7) == 0 && inb(0x177) == 0 && inb(0x3f6) == 0,
		       "empty channels read status 0");
		stop_vm("no drives");
	}
}

static void test_pci(void)
{
	uint32_t bar;

	if (!report(start_vm("device = pci\ndevice = ide cdrom=cd.iso\n"),
		    "VM with pci and ide cdrom=cd.iso"))
		return;
	report(pci_read(0x00, 4) == 0x70108086, "PCI 00:01.1 is 8086:7010");
	report(pci_read(0x08, 4) >> 8 == 0x010180,
	       "class 0101, prog-if 80h (legacy, bus master)");
	report(pci_read(0x40, 4) == 0x80008000,
	       "IDETIM: both channels decode (ata_piix's enable bits)");
	pci_write(0x20, 4, 0xffffffff);
	bar = pci_read(0x20, 4);
	report(bar == 0xfffffff1, "BAR4 sizes as 16 I/O ports (0x%x)", bar);
	enable_pci();
	report(pci_read(0x20, 4) == (BM_BASE | 1) && inb(sec.bm + 2) == 0x20 &&
		   inb(pri.bm + 2) == 0,
	       "BAR4 at 0x%x: BMISTA says the secondary master can DMA",
	       BM_BASE);
	fake_out(vm, sec.bm + 4, 4, 0x12345677);
	report(fake_in(vm, sec.bm + 4, 4) == 0x12345674,
	       "PRD pointer is dword aligned");
	pci_write(0x04, 2, 0x0004); /* I/O decode off */
	report(inb(sec.bm + 2) == 0xff && !fake_last_io_hooked(),
	       "BM ports unhooked when I/O decode is off");
	enable_pci();
	report(inb(sec.bm + 2) == 0x20 && fake_last_io_hooked(),
	       "and hooked again when it is on");
	stop_vm("pci");
}

/* ---- tests: SeaBIOS --------------------------------------------------- */

static void test_seabios_probe(void)
{
	uint8_t id[512], buf[4 * CD_SECTOR], cdb[12], during;
	char model[41];
	uint8_t sum = 0;
	int i, ret;

	memset(id, 0, sizeof(id));
	report(!seabios_echo(&pri, DEV0) && !seabios_echo(&pri, DEV1),
	       "primary channel: no register echo, nothing found");
	report(inb(pri.base + R_STATUS) == 0 && inb(pri.ctl) == 0,
	       "primary status and alt status read 0");
	report(seabios_echo(&sec, DEV0), "secondary master echoes registers");
	report(!seabios_echo(&sec, DEV1) && inb(sec.base + R_STATUS) == 0,
	       "secondary slave: no echo, status 0");

	during = seabios_reset(&sec);
	report(during == ST_BSY, "BSY while SRST is held (0x%02x)", during);
	report(inb(sec.base + R_STATUS) == 0 && inb(sec.base + R_ERR) == 1,
	       "after SRST: status 0 (no DRDY), diagnostic code 01h");
	report(inb(sec.base + R_NSECT) == 1 && inb(sec.base + R_LBAL) == 1 &&
		   inb(sec.base + R_LBAM) == 0x14 &&
		   inb(sec.base + R_LBAH) == 0xeb,
	       "ATAPI signature 01/01/14/EB");

	ret = seabios_send(&sec, DEV0, 0xec, 0);
	report(ret == -4 && inb(sec.base + R_ERR) == 0x04 &&
		   inb(sec.base + R_LBAM) == 0x14 &&
		   inb(sec.base + R_LBAH) == 0xeb,
	       "IDENTIFY DEVICE aborts with the signature (ret %d)", ret);

	ret = seabios_send(&sec, DEV0, 0xa1, 0);
	if (!ret)
		ret = seabios_pio_transfer(&sec, id, 512, 1, false);
	outb(sec.ctl, DC_HD15);
	report(ret == 0, "IDENTIFY PACKET DEVICE: one 512-byte block (ret %d)",
	       ret);
	report(word(id, 0) == 0x85c0, "word 0: ATAPI CD-ROM, removable, 12-byte CDB");
	for (i = 0; i < 20; i++) {
		model[2 * i] = (char)(word(id, 27 + i) >> 8);
		model[2 * i + 1] = (char)word(id, 27 + i);
	}
	model[40] = 0;
	report(!strncmp(model, "V3VEE VIRTUAL CD-ROM    ", 24),
	       "model string '%.20s'", model);
	report((word(id, 49) & 0x0300) == 0x0300 && (word(id, 53) & 0x06) == 0x06,
	       "word 49 DMA+LBA, word 53 words 64-70 and 88 valid");
	report((word(id, 63) & 0x07) == 0x07 && (word(id, 88) & 0x07) == 0x07 &&
		   (word(id, 64) & 0x03) == 0x03,
	       "MWDMA 0-2, UDMA 0-2, PIO 3-4 offered");
	report((word(id, 82) & 0x0010) && (word(id, 85) & 0x0010),
	       "PACKET feature set supported and enabled");
	report((word(id, 93) & 0xdf61) != 0x4041,
	       "word 93 does not make SeaBIOS skip the slave probe");
	for (i = 0; i < 512; i++)
		sum += id[i];
	report((word(id, 255) & 0xff) == 0xa5 && sum == 0, "integrity word");

	/* scsi_is_ready(), then cdrom_boot(). */
	cdb_clear(cdb, 0x00);
	ret = seabios_packet(&sec, DEV0, cdb, NULL, 0, 0, false);
	report(ret == 0 && inb(sec.base + R_STATUS) == (ST_DRDY | ST_DSC) &&
		   inb(sec.base + R_NSECT) == 3,
	       "TEST UNIT READY: good, status 50h, ireason CoD|IO");
	report(sense_of(&sec, DEV0) == 0, "REQUEST SENSE: no sense");

	cdb_clear(cdb, 0x25);
	ret = seabios_packet(&sec, DEV0, cdb, buf, 8, 1, false);
	report(ret == 0 && be32(buf) == ISO_SECTORS - 1 &&
		   be32(buf + 4) == CD_SECTOR,
	       "READ CAPACITY: last LBA %u, 2048-byte blocks", be32(buf));

	cdb_read10(cdb, BOOT_RECORD_LBA, 1);
	ret = seabios_packet(&sec, DEV0, cdb, buf, CD_SECTOR, 1, false);
	report(ret == 0 && buf[0] == 0 &&
		   !strcmp((char *)buf + 1,
			   "CD001\001EL TORITO SPECIFICATION"),
	       "READ(10) LBA 17 by insw: El Torito boot record");
	report(same_as_medium(buf, BOOT_RECORD_LBA, 1), "LBA 17 byte exact");

	cdb_read10(cdb, buf[0x47] | buf[0x48] << 8, 1);
	ret = seabios_packet(&sec, DEV0, cdb, buf, CD_SECTOR, 1, true);
	report(ret == 0 && buf[0] == 1 && buf[0x1e] == 0x55 &&
		   buf[0x1f] == 0xaa && buf[0x20] == 0x88,
	       "READ(10) of the boot catalog by insl");

	memset(buf, 0, sizeof(buf));
	cdb_read10(cdb, BOOT_IMAGE_LBA, 4);
	ret = seabios_packet(&sec, DEV0, cdb, buf, CD_SECTOR, 4, true);
	report(ret == 0 && same_as_medium(buf, BOOT_IMAGE_LBA, 4),
	       "READ(10) of the 4-sector boot image: 4 DRQ blocks, exact");
	report(fake_irq_edges(15) == 0 && fake_irq_edges(14) == 0,
	       "nIEN held: no interrupt line moved during the BIOS's work");
}

/* ---- tests: Linux ----------------------------------------------------- */

static void test_linux_pio(void)
{
	uint8_t cdb[12], buf[4 * CD_SECTOR];
	struct result r;

	cdb_alloc16(cdb, 0x12, 3, 36);
	linux_packet_pio(&sec, DEV0, cdb, 36, buf, sizeof(buf), &r);
	report(r.bytes == 36 && r.blocks == 1 && r.irqs == 2,
	       "INQUIRY: one 36-byte block, 2 interrupts (data, status) "
	       "(%u bytes, %d blocks, %u irqs)",
	       r.bytes, r.blocks, r.irqs);
	report(r.status == (ST_DRDY | ST_DSC) && r.ireason == 3 &&
		   !fake_irq_level(vm, 15),
	       "status phase: 50h, CoD|IO, line low after the status read");
	report(buf[0] == 5 && buf[1] == 0x80 && !memcmp(buf + 8, "V3VEE   ", 8) &&
		   !memcmp(buf + 16, "VIRTUAL CD-ROM  ", 16),
	       "INQUIRY: CD-ROM, removable, V3VEE VIRTUAL CD-ROM");

	cdb_alloc16(cdb, 0x12, 3, 255);
	cdb[1] = 1;
	linux_packet_pio(&sec, DEV0, cdb, 255, buf, sizeof(buf), &r);
	report(r.bytes == 5 && buf[3] == 1 && buf[4] == 0,
	       "INQUIRY EVPD page 0 lists itself");
	cdb[2] = 0x80;
	linux_packet_pio(&sec, DEV0, cdb, 255, buf, sizeof(buf), &r);
	report(r.status == (ST_DRDY | ST_ERR) && r.error == 0x50 &&
		   r.irqs == 1 && sense_of(&sec, DEV0) == 0x052400,
	       "INQUIRY EVPD page 80h: CHECK CONDITION, invalid field");

	cdb_alloc16(cdb, 0x5a, 7, 128);
	cdb[2] = 0x2a;
	linux_packet_pio(&sec, DEV0, cdb, 128, buf, sizeof(buf), &r);
	report(r.bytes == 30 && be16(buf) == 28 && buf[8] == 0x2a &&
		   buf[9] == 0x14 && (buf[14] & 0x08),
	       "MODE SENSE(10) page 2Ah: 8 + 22 bytes, eject capable");
	cdb_clear(cdb, 0x1a);
	cdb[2] = 0x3f;
	cdb[4] = 255;
	linux_packet_pio(&sec, DEV0, cdb, 255, buf, sizeof(buf), &r);
	report(r.bytes == 34 && buf[0] == 33 && buf[4] == 0x01 &&
		   buf[12] == 0x2a,
	       "MODE SENSE(6) all pages: 01h and 2Ah");
	cdb_alloc16(cdb, 0x5a, 7, 128);
	cdb[2] = 0xc0 | 0x2a;
	linux_packet_pio(&sec, DEV0, cdb, 128, buf, sizeof(buf), &r);
	report(r.error == 0x50 && sense_of(&sec, DEV0) == 0x053900,
	       "MODE SENSE saved values: saving not supported");

	cdb_alloc16(cdb, 0x43, 7, 12);
	cdb[6] = 1;
	linux_packet_pio(&sec, DEV0, cdb, 12, buf, sizeof(buf), &r);
	report(r.bytes == 12 && be16(buf) == 18 && buf[2] == 1 &&
		   buf[3] == 1 && buf[5] == 0x14 && buf[6] == 1 &&
		   be32(buf + 8) == 0,
	       "READ TOC header + track 1 (cut to 12 bytes)");
	cdb_alloc16(cdb, 0x43, 7, 100);
	linux_packet_pio(&sec, DEV0, cdb, 100, buf, sizeof(buf), &r);
	report(r.bytes == 20 && buf[14] == 0xaa && be32(buf + 16) == ISO_SECTORS,
	       "READ TOC format 0, LBA: lead-out at %u", be32(buf + 16));
	cdb[1] = 0x02;
	linux_packet_pio(&sec, DEV0, cdb, 100, buf, sizeof(buf), &r);
	report(r.bytes == 20 && !memcmp(buf + 8, "\0\0\2\0", 4) &&
		   buf[17] == 0 && buf[18] == 2 && buf[19] == ISO_SECTORS,
	       "READ TOC MSF: track 1 at 00:02:00, lead-out at 00:02:64");
	cdb_alloc16(cdb, 0x43, 7, 12);
	cdb[9] = 0x40; /* sr_vendor.c: session info the SFF-8020i way */
	linux_packet_pio(&sec, DEV0, cdb, 12, buf, sizeof(buf), &r);
	report(r.bytes == 12 && be16(buf) == 10 && buf[2] == 1 && buf[3] == 1 &&
		   buf[6] == 1 && be32(buf + 8) == 0,
	       "READ TOC format 1 (control byte): one session at LBA 0");
	cdb_alloc16(cdb, 0x43, 7, 100);
	cdb[6] = 2;
	linux_packet_pio(&sec, DEV0, cdb, 100, buf, sizeof(buf), &r);
	report(r.error == 0x50 && sense_of(&sec, DEV0) == 0x052400,
	       "READ TOC from a track that does not exist: invalid field");

	cdb_alloc16(cdb, 0x46, 7, 8);
	linux_packet_pio(&sec, DEV0, cdb, 8, buf, sizeof(buf), &r);
	report(r.bytes == 8 && be16(buf + 6) == 0x0008,
	       "GET CONFIGURATION: current profile CD-ROM");
	cdb_alloc16(cdb, 0x46, 7, 512);
	cdb[1] = 2; /* just feature 0 */
	linux_packet_pio(&sec, DEV0, cdb, 512, buf, sizeof(buf), &r);
	report(r.bytes == 16 && be32(buf) == 12 && be16(buf + 8) == 0 &&
		   be16(buf + 12) == 0x0008 && (buf[14] & 1),
	       "GET CONFIGURATION RT=2 feature 0: profile list with CD-ROM");

	cdb_alloc16(cdb, 0x4a, 7, 8);
	cdb[1] = 1;
	cdb[4] = 0x10;
	linux_packet_pio(&sec, DEV0, cdb, 8, buf, sizeof(buf), &r);
	report(r.bytes == 8 && buf[2] == 0x04 && buf[4] == 0 && buf[5] == 0x02,
	       "GET EVENT STATUS (polled, media): no change, medium present");
	cdb[1] = 0;
	linux_packet_pio(&sec, DEV0, cdb, 8, buf, sizeof(buf), &r);
	report(r.error == 0x50, "GET EVENT STATUS asynchronous: refused");

	cdb_alloc16(cdb, 0x51, 7, 34);
	linux_packet_pio(&sec, DEV0, cdb, 34, buf, sizeof(buf), &r);
	report(r.bytes == 34 && buf[2] == 0x0e && buf[4] == 1,
	       "READ DISC INFORMATION: complete, one session");
	cdb_alloc16(cdb, 0xbd, 8, 8);
	linux_packet_pio(&sec, DEV0, cdb, 8, buf, sizeof(buf), &r);
	report(r.bytes == 8 && r.status == (ST_DRDY | ST_DSC),
	       "MECHANISM STATUS: 8-byte header");
	cdb_clear(cdb, 0xbb);
	linux_packet_pio(&sec, DEV0, cdb, 0, buf, sizeof(buf), &r);
	report(r.bytes == 0 && r.status == (ST_DRDY | ST_DSC) && r.irqs == 1,
	       "SET CD SPEED: good, one interrupt");

	cdb_clear(cdb, 0x1e);
	cdb[4] = 1;
	linux_packet_pio(&sec, DEV0, cdb, 0, buf, sizeof(buf), &r);
	cdb_clear(cdb, 0x1b);
	cdb[4] = 0x02;
	linux_packet_pio(&sec, DEV0, cdb, 0, buf, sizeof(buf), &r);
	report(r.error == 0x50 && sense_of(&sec, DEV0) == 0x055302,
	       "eject while prevented: medium removal prevented");
	cdb_alloc16(cdb, 0x5a, 7, 128);
	cdb[2] = 0x2a;
	linux_packet_pio(&sec, DEV0, cdb, 128, buf, sizeof(buf), &r);
	report(buf[14] & 0x02, "capabilities page shows the lock");
	cdb_clear(cdb, 0x1e);
	linux_packet_pio(&sec, DEV0, cdb, 0, buf, sizeof(buf), &r);
	cdb_clear(cdb, 0x1b);
	cdb[4] = 0x02;
	linux_packet_pio(&sec, DEV0, cdb, 0, buf, sizeof(buf), &r);
	report(r.status == (ST_DRDY | ST_DSC), "allowed again: eject is good");

	cdb_clear(cdb, 0x03);
	cdb[4] = 96; /* SCSI_SENSE_BUFFERSIZE */
	linux_packet_pio(&sec, DEV0, cdb, 96, buf, sizeof(buf), &r);
	report(r.bytes == 18 && r.blocks == 1 && buf[0] == 0x70 && buf[7] == 10,
	       "REQUEST SENSE by 32-bit PIO with a 16-bit tail: 18 bytes");

	memset(buf, 0, sizeof(buf));
	cdb_read10(cdb, 30, 2);
	linux_packet_pio(&sec, DEV0, cdb, 63 * 1024, buf, sizeof(buf), &r);
	report(r.bytes == 2 * CD_SECTOR && r.blocks == 1 && r.irqs == 2 &&
		   same_as_medium(buf, 30, 2),
	       "READ(10) 2 sectors, limit 63K: one block, 2 interrupts");
	cdb_read10(cdb, 40, 2);
	linux_packet_pio(&sec, DEV0, cdb, 2049, buf, sizeof(buf), &r);
	report(r.blocks == 2 && r.first == CD_SECTOR &&
		   same_as_medium(buf, 40, 2),
	       "odd limit 2049: even blocks of one sector");
	cdb_read10(cdb, 44, 3);
	linux_packet_pio(&sec, DEV0, cdb, 5000, buf, sizeof(buf), &r);
	report(r.blocks == 2 && r.first == 2 * CD_SECTOR &&
		   same_as_medium(buf, 44, 3),
	       "limit 5000: whole-sector blocks of 4096 + 2048 (first %u)",
	       r.first);
	cdb_read10(cdb, 41, 1);
	linux_packet_pio(&sec, DEV0, cdb, 1000, buf, sizeof(buf), &r);
	report(r.blocks == 3 && r.first == 1000 && r.bytes == CD_SECTOR &&
		   same_as_medium(buf, 41, 1) && r.irqs == 4,
	       "limit 1000: blocks of 1000, 1000, 48");
	cdb_clear(cdb, 0xa8);
	cdb[5] = 50;
	cdb[9] = 3;
	linux_packet_pio(&sec, DEV0, cdb, 63 * 1024, buf, sizeof(buf), &r);
	report(r.bytes == 3 * CD_SECTOR && same_as_medium(buf, 50, 3),
	       "READ(12) of 3 sectors");
	cdb_clear(cdb, 0x2b);
	cdb[5] = 10;
	linux_packet_pio(&sec, DEV0, cdb, 0, buf, sizeof(buf), &r);
	report(r.status == (ST_DRDY | ST_DSC), "SEEK(10) inside the medium");
}

static void test_linux_dma(void)
{
	uint8_t cdb[12];
	struct result r;
	unsigned e0;

	/* sr's get_capabilities(): 128 bytes asked, 30 given. */
	put_prd(0, DMA_BUF, 128, true);
	memset(ram + DMA_BUF, 0xee, 256);
	cdb_alloc16(cdb, 0x5a, 7, 128);
	cdb[2] = 0x2a;
	linux_packet_dma(&sec, cdb, &r);
	report((r.bm_status & (BM_INTR | BM_ACTIVE | BM_ERROR)) ==
		       (BM_INTR | BM_ACTIVE) &&
		   r.irqs == 1,
	       "DMA MODE SENSE, PRD larger than data: INTR with ACTIVE (%02x)",
	       r.bm_status);
	report(ram[DMA_BUF + 8] == 0x2a && ram[DMA_BUF + 30] == 0xee,
	       "30 bytes written, nothing past them");
	report(r.status == (ST_DRDY | ST_DSC) && r.ireason == 3 &&
		   (inb(sec.bm + 2) & (BM_INTR | BM_ACTIVE)) == 0,
	       "device done; stop and write-1-to-clear leave BMISTA idle");

	put_prd(0, DMA_BUF, 2 * CD_SECTOR, false);
	put_prd(1, DMA_BUF + 0x10000, CD_SECTOR, true);
	cdb_read10(cdb, 33, 3);
	linux_packet_dma(&sec, cdb, &r);
	report(r.bm_status == (0x20 | BM_INTR) && r.irqs == 1,
	       "DMA READ(10) 3 sectors over 2 PRDs: INTR, not ACTIVE (%02x)",
	       r.bm_status);
	report(same_as_medium(ram + DMA_BUF, 33, 2) &&
		   same_as_medium(ram + DMA_BUF + 0x10000, 35, 1),
	       "both regions hold the right sectors");
	report(r.status == (ST_DRDY | ST_DSC) && !fake_irq_level(vm, 15),
	       "status 50h, line low after the status read");

	/* SeaBIOS's order for disks: engine started before the command. */
	put_prd(0, DMA_BUF, CD_SECTOR, true);
	memset(ram + DMA_BUF, 0, CD_SECTOR);
	e0 = fake_irq_edges(15);
	linux_dma_setup(&sec);
	outb(sec.bm, inb(sec.bm) | BM_START);
	cdb_read10(cdb, 5, 1);
	linux_issue(&sec, DEV0, cdb, true, 0);
	linux_dma_finish(&sec, &r, e0);
	report(same_as_medium(ram + DMA_BUF, 5, 1) && r.irqs == 1 &&
		   r.bm_status == (0x20 | BM_INTR),
	       "engine started before the CDB: transfer at the CDB");

	/* PRDs shorter than the data: the table ends first. */
	put_prd(0, DMA_BUF, CD_SECTOR, true);
	e0 = fake_irq_edges(15);
	linux_dma_setup(&sec);
	cdb_read10(cdb, 6, 2);
	linux_issue(&sec, DEV0, cdb, true, 0);
	outb(sec.bm, inb(sec.bm) | BM_START);
	report(inb(sec.bm + 2) == 0x20 && fake_irq_edges(15) == e0 &&
		   (inb(sec.ctl) & ST_DRQ),
	       "short PRD table: ACTIVE clears, no interrupt, DRQ stays");
	outb(sec.bm, inb(sec.bm) & ~BM_START);
	put_prd(0, DMA_BUF + CD_SECTOR, CD_SECTOR, true);
	outb(sec.bm, inb(sec.bm) | BM_START);
	linux_dma_finish(&sec, &r, e0);
	report(same_as_medium(ram + DMA_BUF, 6, 2) && r.irqs == 1,
	       "a new table and a restart finish the transfer");

	/* No bus mastering: the engine waits for it. */
	put_prd(0, DMA_BUF, CD_SECTOR, true);
	memset(ram + DMA_BUF, 0, CD_SECTOR);
	pci_write(0x04, 2, 0x0001);
	e0 = fake_irq_edges(15);
	linux_dma_setup(&sec);
	cdb_read10(cdb, 9, 1);
	linux_issue(&sec, DEV0, cdb, true, 0);
	outb(sec.bm, inb(sec.bm) | BM_START);
	report(ram[DMA_BUF] == 0 && fake_irq_edges(15) == e0,
	       "bus master disabled in PCI COMMAND: no DMA");
	pci_write(0x04, 2, 0x0005);
	linux_dma_finish(&sec, &r, e0);
	report(same_as_medium(ram + DMA_BUF, 9, 1) && r.irqs == 1,
	       "enabling bus mastering lets it run");

	/* Wrong direction and a table outside RAM: error, no interrupt. */
	e0 = fake_irq_edges(15);
	fake_out(vm, sec.bm + 4, 4, PRD_TABLE);
	outb(sec.bm, 0); /* RWCON = read from memory */
	cdb_read10(cdb, 9, 1);
	linux_issue(&sec, DEV0, cdb, true, 0);
	outb(sec.bm, BM_START);
	report((inb(sec.bm + 2) & (BM_ERROR | BM_ACTIVE | BM_INTR)) ==
		       BM_ERROR &&
		   fake_irq_edges(15) == e0,
	       "direction 'to device' for a read: BM error");
	outb(sec.bm, 0);
	outb(sec.bm + 2, BM_ERROR);
	fake_out(vm, sec.bm + 4, 4, 0xfff00000);
	outb(sec.bm, BM_WRITE | BM_START);
	report((inb(sec.bm + 2) & (BM_ERROR | BM_ACTIVE)) == BM_ERROR &&
		   fake_irq_edges(15) == e0,
	       "PRD table outside RAM: BM error, no interrupt");
	outb(sec.bm, 0);
	outb(sec.bm + 2, BM_ERROR | BM_INTR);
	seabios_reset(&sec); /* libata's EH would reset now */
	report((inb(sec.base + R_STATUS) & ST_DRQ) == 0,
	       "SRST ends the stranded command");
}

/* ---- tests: ATA commands, registers, errors ---------------------------- */

static uint8_t ata_nondata(const struct chan *c, uint8_t cmd, uint8_t feature,
			   uint8_t nsect)
{
	outb(c->base + R_DEV, DEV0);
	outb(c->base + R_ERR, feature);
	outb(c->base + R_NSECT, nsect);
	outb(c->base + R_STATUS, cmd);
	return inb(c->base + R_STATUS);
}

static void test_errors(void)
{
	uint8_t cdb[12], buf[CD_SECTOR], id[512];
	struct result r;
	unsigned e0;
	int ret;

	cdb_clear(cdb, 0xff);
	ret = seabios_packet(&sec, DEV0, cdb, buf, CD_SECTOR, 1, false);
	report(ret == -2 && inb(sec.base + R_STATUS) == (ST_DRDY | ST_ERR) &&
		   inb(sec.base + R_ERR) == 0x50 &&
		   inb(sec.base + R_NSECT) == 3,
	       "unknown opcode FFh: CHECK CONDITION, error 50h");
	report(sense_of(&sec, DEV0) == 0x052000,
	       "sense: ILLEGAL REQUEST, invalid command operation code");
	report(sense_of(&sec, DEV0) == 0, "sense is cleared once read");

	cdb_read10(cdb, ISO_SECTORS - 1, 2);
	ret = seabios_packet(&sec, DEV0, cdb, buf, CD_SECTOR, 2, false);
	report(ret == -2 && sense_of(&sec, DEV0) == 0x052100,
	       "READ(10) past the end: LBA out of range");
	cdb_read10(cdb, ISO_SECTORS - 1, 1);
	ret = seabios_packet(&sec, DEV0, cdb, buf, CD_SECTOR, 1, false);
	report(ret == 0 && same_as_medium(buf, ISO_SECTORS - 1, 1),
	       "READ(10) of the last sector is fine");
	cdb_clear(cdb, 0xa8);
	cdb[2] = 0xff;
	cdb[9] = 1;
	ret = seabios_packet(&sec, DEV0, cdb, buf, CD_SECTOR, 1, false);
	report(ret == -2 && sense_of(&sec, DEV0) == 0x052100,
	       "READ(12) at LBA FF000000h: LBA out of range");

	e0 = fake_irq_edges(15);
	outb(sec.ctl, DC_HD15);
	report(ata_nondata(&sec, 0x20, 0, 1) == (ST_DRDY | ST_ERR) &&
		   inb(sec.base + R_ERR) == 0x04,
	       "READ SECTORS (a disk command): aborted");
	report(ata_nondata(&sec, 0x00, 0, 0) == (ST_DRDY | ST_ERR),
	       "NOP: aborted, as ATA says");
	report(fake_irq_edges(15) == e0 + 2, "each abort interrupted");

	memset(id, 0, sizeof(id));
	report(ata_nondata(&sec, 0xef, 0x03, 0x22) == (ST_DRDY | ST_DSC),
	       "SET FEATURES: multiword DMA 2");
	report(ata_nondata(&sec, 0xef, 0x03, 0x45) == (ST_DRDY | ST_ERR),
	       "SET FEATURES: UDMA 5 is not offered");
	report(ata_nondata(&sec, 0xef, 0x99, 0) == (ST_DRDY | ST_ERR),
	       "SET FEATURES: unknown subcommand aborted");
	ret = seabios_send(&sec, DEV0, 0xa1, 0);
	if (!ret)
		ret = seabios_pio_transfer(&sec, id, 512, 1, true);
	report(ret == 0 && word(id, 63) == 0x0407 && (word(id, 88) >> 8) == 0,
	       "IDENTIFY shows MWDMA 2 selected (word 63 = %04x)", word(id, 63));
	outb(sec.ctl, DC_HD15);

	report(ata_nondata(&sec, 0xe5, 0, 0) == (ST_DRDY | ST_DSC) &&
		   inb(sec.base + R_NSECT) == 0xff,
	       "CHECK POWER MODE: active (FFh)");
	report(ata_nondata(&sec, 0xe1, 0, 0) == (ST_DRDY | ST_DSC) &&
		   ata_nondata(&sec, 0xe0, 0, 0) == (ST_DRDY | ST_DSC),
	       "IDLE / STANDBY IMMEDIATE: no-ops");

	e0 = fake_irq_edges(15);
	report(ata_nondata(&sec, 0x08, 0, 0) == 0 &&
		   inb(sec.base + R_LBAM) == 0x14 &&
		   inb(sec.base + R_ERR) == 1 && fake_irq_edges(15) == e0,
	       "DEVICE RESET: signature, status 0, no interrupt");
	report(ata_nondata(&sec, 0x90, 0, 0) == 0 &&
		   inb(sec.base + R_ERR) == 1 && fake_irq_edges(15) == e0 + 1,
	       "EXECUTE DEVICE DIAGNOSTIC: code 01h, interrupt");

	/* Interrupt plumbing. */
	outb(sec.ctl, DC_HD15 | 0x02);
	ata_nondata(&sec, 0xe1, 0, 0); /* status read clears ... */
	outb(sec.base + R_STATUS, 0xe1); /* ... so raise one and keep it */
	report(!fake_irq_level(vm, 15), "nIEN set: pending, line low");
	outb(sec.ctl, DC_HD15);
	report(fake_irq_level(vm, 15), "nIEN cleared: the line rises");
	inb(sec.ctl);
	report(fake_irq_level(vm, 15), "alt status leaves it pending");
	outb(sec.base + R_DEV, DEV1);
	report(!fake_irq_level(vm, 15), "selecting device 1 releases the line");
	outb(sec.base + R_DEV, DEV0);
	inb(sec.base + R_STATUS);
	report(!fake_irq_level(vm, 15), "a status read clears it");
	report((inb(sec.bm + 2) & BM_INTR) != 0,
	       "BMISTA latched the interrupt edge");
	outb(sec.bm + 2, BM_INTR);

	/* 48-bit readback and wide register accesses. */
	outb(sec.base + R_NSECT, 0x12);
	outb(sec.base + R_NSECT, 0x34);
	outb(sec.ctl, DC_HD15 | 0x80);
	ret = inb(sec.base + R_NSECT);
	outb(sec.ctl, DC_HD15);
	report(ret == 0x12 && inb(sec.base + R_NSECT) == 0x34,
	       "HOB reads the previous sector count");
	fake_out(vm, sec.base + R_NSECT, 2, 0xbeef);
	report(fake_in(vm, sec.base + R_NSECT, 2) == 0xbeef,
	       "16-bit access to sector count covers LBA low");
	report(fake_in(vm, sec.base, 2) == 0, "data port without DRQ reads 0");

	cdb_clear(cdb, 0x00);
	linux_packet_pio(&sec, DEV1, cdb, 0, buf, sizeof(buf), &r);
	report(r.irqs == 0 && inb(sec.base + R_STATUS) == 0,
	       "a PACKET to the absent slave goes nowhere");
	outb(sec.base + R_DEV, DEV0);
}

/* The core's string I/O path: one call per 'rep insl'. */
static void test_bulk(void)
{
	struct ide_ctrl *ctrl = ide_of(vm);
	struct ide_channel *c = ctrl ? &ctrl->chan[1] : NULL;
	uint8_t cdb[12], buf[3 * CD_SECTOR + 8];
	uint32_t got, i;
	int s;

	if (!report(c != NULL, "the controller behind the hooks"))
		return;
	outb(sec.ctl, DC_HD15 | 0x02);
	cdb_read10(cdb, 12, 3);
	if (seabios_send(&sec, DEV0, 0xa0, 0xfffe)) {
		report(false, "bulk: PACKET");
		return;
	}
	for (i = 0; i < 12; i += 2)
		fake_out(vm, sec.base, 2, cdb[i] | cdb[i + 1] << 8);
	memset(buf, 0x5a, sizeof(buf));
	got = v3_ide_data_read_bulk(vm->vcpus[0], sec.base, buf, 4,
				    (3 * CD_SECTOR) / 4 + 2, c);
	s = inb(sec.base + R_STATUS);
	report(got == (3 * CD_SECTOR) / 4 + 2 && same_as_medium(buf, 12, 3),
	       "bulk insl of 3 sectors + 2: one call, exact data");
	report(!memcmp(buf + 3 * CD_SECTOR, "\0\0\0\0\0\0\0\0", 8) &&
		   s == (ST_DRDY | ST_DSC),
	       "past the data the bus reads 0; the command is complete");
	report(v3_ide_data_read_bulk(vm->vcpus[0], sec.base + 1, buf, 2, 1, c) ==
		   0,
	       "bulk refuses a port that is not the data port");
	outb(sec.ctl, DC_HD15);
}

/* cdrom_slot moves the drive: primary slave, IRQ 14. */
static void test_slot(void)
{
	uint8_t cdb[12], buf[CD_SECTOR];
	struct result r;

	if (!report(start_vm("device = pci\ndevice = ide cdrom=cd.iso "
			     "cdrom_slot=primary-slave\n"),
		    "VM with the CD as primary slave"))
		return;
	report(!seabios_echo(&pri, DEV0) && inb(pri.base + R_STATUS) == 0,
	       "primary master absent");
	report(seabios_echo(&pri, DEV1) && inb(pri.base + R_LBAH) == 0xeb,
	       "primary slave answers with the ATAPI signature");
	report(!seabios_echo(&sec, DEV0) && !seabios_echo(&sec, DEV1),
	       "secondary channel empty");
	cdb_read10(cdb, 3, 1);
	linux_packet_pio(&pri, DEV1, cdb, CD_SECTOR, buf, sizeof(buf), &r);
	report(r.irqs == 2 && same_as_medium(buf, 3, 1) &&
		   fake_irq_edges(15) == 0,
	       "READ(10) on the primary slave interrupts on IRQ 14 only");
	stop_vm("primary-slave");
}

int main(void)
{
	build_iso();
	fake_ide_set_images(images, sizeof(images) / sizeof(images[0]));
	fake_ide_set_ram(ram, sizeof(ram));

	test_create();
	test_pci();
	if (start_vm("device = pci\ndevice = ide cdrom=cd.iso\n")) {
		test_seabios_probe();
		test_linux_pio();
		test_linux_dma();
		test_errors();
		test_bulk();
		stop_vm("cd.iso");
	}
	test_slot();
	return report_summary("test_ide");
}
