/* ide.c - the PIIX3 IDE function (PCI 00:01.1, 8086:7010) in legacy
 * mode: primary channel at 0x1F0-0x1F7/0x3F6 on IRQ 14, secondary at
 * 0x170-0x177/0x376 on IRQ 15, bus master IDE DMA through BAR4.  One
 * ATAPI CD-ROM backed by an ISO image can sit in any of the four slots;
 * its packet commands live in atapi.c.
 *
 *     device = ide cdrom=guest.iso [cdrom_slot=secondary-master]
 *
 * The model follows ATA/ATAPI-6 for the task file and protocols, and the
 * Intel 82371SB (PIIX3) datasheet for the bus master registers and PRD
 * tables.  Every transfer is synchronous: the data is host memory, so a
 * DRQ block is ready the moment the command is, and a DMA is one PRD walk
 * during the guest's write of the start bit.
 *
 * Cost: PIO data comes straight from the image (no copy into a sector
 * buffer); the data port is the first case of the port handler, and
 * v3_ide_data_read_bulk() moves a whole 'rep insw/insl' in one call.
 * PACKET data blocks are as large as the byte count limit allows (whole
 * sectors), so a PIO read costs one interrupt per block, not per sector. */
#include "device.h"
#include "ide.h"
#include "irq.h"
#include "mem_map.h"
#include "pci_bus.h"
#include "vm.h"
#include "vmm.h"

#define PIIX3_IDE_DEVFN V3_PCI_DEVFN(1, 1)
#define PCI_DEVICE_PIIX3_IDE 0x7010
/* Mass storage / IDE, prog-if 80h: both channels fixed in compatibility
 * mode (bits 0-3 clear), bus master capable (bit 7). */
#define PIIX3_IDE_CLASS 0x010180
#define BM_BAR 4
#define BM_BAR_SIZE 16

/* PIIX3 IDE timing: IDETIM primary (40h) and secondary (42h), SIDETIM
 * (44h).  Bit 15 of IDETIM enables decoding of the channel; Linux's
 * ata_piix ignores a channel without it.  The chip resets it to 0 and the
 * BIOS sets it; we start with it set so guests booted without a BIOS see
 * the channels too, and decode the ports whatever it says. */
#define PIIX_IDETIM 0x40
#define PIIX_IDETIM_DECODE 0x8000
#define PIIX_TIMING_REGS 5

/* Bus master IDE registers, per channel 8 apart (PIIX3 BMICOM, BMISTA,
 * BMIDTP). */
#define BM_CHANNEL_STRIDE 8
#define BM_REG_CMD 0
#define BM_REG_STATUS 2
#define BM_REG_PRD 4
#define BM_CMD_START 0x01
#define BM_CMD_TO_MEMORY 0x08 /* RWCON: 1 = bus master writes memory */
#define BM_ST_ACTIVE 0x01
#define BM_ST_ERROR 0x02    /* write 1 to clear */
#define BM_ST_INTR 0x04	    /* write 1 to clear */
#define BM_ST_DMA_CAP0 0x20 /* drive 0 DMA capable: a plain r/w bit */
#define BM_ST_DMA_CAP1 0x40 /* drive 1 DMA capable */
#define BM_ST_DMA_CAP (BM_ST_DMA_CAP0 | BM_ST_DMA_CAP1)
/* PRD: { le32 base (bit 0 zero), le16 count (bit 0 zero, 0 = 64 KiB),
 * le16 flags (bit 15 = end of table) }. */
#define PRD_SIZE 8
#define PRD_EOT 0x80000000u
#define PRD_COUNT_MASK 0xfffeu
#define PRD_MAX_COUNT 0x10000u
/* A PRD table may not cross a 64 KiB boundary: at most 8192 entries. */
#define PRD_MAX_ENTRIES (0x10000 / PRD_SIZE)

/* ATA commands a packet device takes (ATA/ATAPI-6 command set). */
#define ATA_CMD_DEVICE_RESET 0x08
#define ATA_CMD_EXEC_DIAGNOSTIC 0x90
#define ATA_CMD_PACKET 0xa0
#define ATA_CMD_IDENTIFY_PACKET 0xa1
#define ATA_CMD_STANDBY_IMMEDIATE 0xe0
#define ATA_CMD_IDLE_IMMEDIATE 0xe1
#define ATA_CMD_STANDBY 0xe2
#define ATA_CMD_IDLE 0xe3
#define ATA_CMD_CHECK_POWER_MODE 0xe5
#define ATA_CMD_SLEEP 0xe6
#define ATA_CMD_FLUSH_CACHE 0xe7
#define ATA_CMD_IDENTIFY 0xec
#define ATA_CMD_SET_FEATURES 0xef

#define SETF_XFER_MODE 0x03
#define SETF_REVERT_OFF 0x66 /* keep settings over a reset */
#define SETF_REVERT_ON 0xcc  /* revert to defaults on a reset */
#define POWER_MODE_ACTIVE 0xff
#define PACKET_FEATURE_DMA 0x01
#define DIAG_PASSED 0x01 /* diagnostic code: device 0 passed */

#define STATUS_READY (ATA_SR_DRDY | ATA_SR_DSC)

static const struct {
	uint16_t cmd_base, ctl_port;
	int irq;
} legacy_channel[IDE_CHANNELS] = {
    {0x1f0, 0x3f6, 14},
    {0x170, 0x376, 15},
};

static const char *const slot_names[IDE_CHANNELS * IDE_UNITS] = {
    "primary-master", "primary-slave", "secondary-master",
    "secondary-slave"};
#define DEFAULT_CDROM_SLOT 2 /* secondary master, as QEMU's -cdrom */

static unsigned long ctrl_lock(struct ide_ctrl *ctrl)
{
	return v3_host->lock_irqsave(ctrl->lock);
}

static void ctrl_unlock(struct ide_ctrl *ctrl, unsigned long flags)
{
	v3_host->unlock_irqrestore(ctrl->lock, flags);
}

static struct ide_drive *selected(struct ide_channel *c)
{
	return &c->drive[(c->select & ATA_DEV_DEV) ? 1 : 0];
}

/* ---- Interrupts ------------------------------------------------------ */

/* Legacy mode: the selected device drives its channel's ISA line while
 * it has an interrupt pending and nIEN is clear.  The PIC sees an edge
 * per assertion because a status read or a new command drops the line. */
static void update_irq(struct ide_channel *c)
{
	struct ide_drive *d = selected(c);
	bool level = d->present && d->intrq && !(c->ctl & ATA_DC_NIEN);

	if (level == c->irq_level)
		return;
	c->irq_level = level;
	/* BMISTA's interrupt bit latches each rising edge of the line. */
	if (level)
		c->bm_status |= BM_ST_INTR;
	v3_irq_set(c->ctrl->vm, c->irq, level);
}

static void raise_intrq(struct ide_drive *d)
{
	d->intrq = true;
	update_irq(d->chan);
}

static void clear_intrq(struct ide_drive *d)
{
	if (!d->intrq)
		return;
	d->intrq = false;
	update_irq(d->chan);
}

/* ---- Device state ---------------------------------------------------- */

static void end_transfer(struct ide_drive *d)
{
	d->phase = IDE_IDLE;
	d->src = NULL;
	d->left = 0;
	d->block_left = 0;
}

static void set_signature(struct ide_drive *d)
{
	d->nsect = 1;
	d->lbal = 1;
	d->lbam = ATAPI_SIG_LBAM;
	d->lbah = ATAPI_SIG_LBAH;
}

/* SRST, DEVICE RESET, EXECUTE DEVICE DIAGNOSTIC: signature, diagnostic
 * code "passed", and DRDY clear - a packet device leaves DRDY clear
 * after a reset (ATA/ATAPI-6, PACKET feature set). */
static void drive_reset(struct ide_drive *d)
{
	end_transfer(d);
	set_signature(d);
	d->error = DIAG_PASSED;
	d->status = 0;
	d->intrq = false;
	atapi_reset(d);
}

static void ata_abort(struct ide_drive *d)
{
	end_transfer(d);
	d->error = ATA_ER_ABRT;
	d->status = ATA_SR_DRDY | ATA_SR_ERR;
	raise_intrq(d);
}

/* Non-data command protocol: done, with an interrupt. */
static void ata_done(struct ide_drive *d)
{
	end_transfer(d);
	d->error = 0;
	d->status = STATUS_READY;
	raise_intrq(d);
}

/* PIO data-in protocol: one DRQ block, INTRQ at its start and none at
 * the end of the command. */
static void ata_pio_in(struct ide_drive *d, const uint8_t *data, uint32_t len)
{
	d->phase = IDE_ATA_PIO_IN;
	d->src = data;
	d->left = len;
	d->block_left = len;
	d->error = 0;
	d->status = STATUS_READY | ATA_SR_DRQ;
	raise_intrq(d);
}

/* ---- ATAPI PACKET protocol ------------------------------------------- */

/* The size of the next DRQ block: at most the host's byte count limit,
 * even unless it is the last block; whole sectors for medium data. */
static uint32_t atapi_block_size(const struct ide_drive *d)
{
	uint32_t limit = d->byte_limit;

	/* 0 is not a valid limit and FFFFh means FFFEh (SFF-8020i). */
	if (limit == 0 || limit == 0xffff)
		limit = 0xfffe;
	if (d->left <= limit)
		return (uint32_t)d->left;
	limit &= ~1u;
	if (d->sector_blocks && limit >= CD_SECTOR)
		limit -= limit % CD_SECTOR;
	return limit;
}

static void atapi_next_block(struct ide_drive *d)
{
	uint32_t n = atapi_block_size(d);

	d->block_left = n;
	d->lbam = n & 0xff;
	d->lbah = n >> 8;
	d->nsect = ATAPI_IR_IO;
	d->status = STATUS_READY | ATA_SR_DRQ;
	raise_intrq(d);
}

/* The status phase ends every packet command with an interrupt; on
 * CHECK CONDITION the error register carries the sense key. */
static void atapi_status_phase(struct ide_drive *d, bool good)
{
	end_transfer(d);
	d->nsect = ATAPI_IR_IO | ATAPI_IR_COD;
	if (good) {
		d->error = 0;
		d->status = STATUS_READY;
	} else {
		d->error = d->sense.key << 4;
		d->status = ATA_SR_DRDY | ATA_SR_ERR;
	}
	raise_intrq(d);
}

static void bm_kick(struct ide_channel *c);

static void atapi_run_packet(struct ide_drive *d)
{
	struct atapi_reply r;

	if (atapi_execute(d, &r) != 0) {
		atapi_status_phase(d, false);
		return;
	}
	if (r.len == 0) {
		atapi_status_phase(d, true);
		return;
	}
	d->src = r.data;
	d->left = r.len;
	d->sector_blocks = r.sectors;
	if (d->dma) {
		/* The bus master moves it once the guest starts it. */
		d->phase = IDE_ATAPI_DMA_IN;
		d->status = STATUS_READY | ATA_SR_DRQ;
		bm_kick(d->chan);
	} else {
		d->phase = IDE_ATAPI_PIO_IN;
		atapi_next_block(d);
	}
}

/* PACKET: DRQ for the command packet, without an interrupt - IDENTIFY
 * word 0 promises DRQ within 50 us ("accelerated DRQ"). */
static void ata_cmd_packet(struct ide_drive *d)
{
	end_transfer(d);
	d->dma = d->feature & PACKET_FEATURE_DMA;
	d->byte_limit = d->lbam | (uint16_t)d->lbah << 8;
	d->cdb_len = 0;
	d->phase = IDE_PACKET_CDB;
	d->nsect = ATAPI_IR_COD;
	d->error = 0;
	d->status = STATUS_READY | ATA_SR_DRQ;
}

/* ---- PIO data port --------------------------------------------------- */

static bool pio_in_phase(const struct ide_drive *d)
{
	return d->phase == IDE_ATA_PIO_IN || d->phase == IDE_ATAPI_PIO_IN;
}

static void pio_block_done(struct ide_drive *d)
{
	if (d->phase == IDE_ATA_PIO_IN) {
		end_transfer(d);
		d->status = STATUS_READY;
	} else if (d->left) {
		atapi_next_block(d);
	} else {
		atapi_status_phase(d, true);
	}
}

static void pio_consume(struct ide_drive *d, uint32_t n)
{
	d->src += n;
	d->left -= n;
	d->block_left -= n;
	if (!d->block_left)
		pio_block_done(d);
}

/* One access of 'size' bytes; past the end of a block, or with no data
 * phase (no drive, DRQ clear), the bus reads as zeros. */
static uint32_t data_read(struct ide_drive *d, uint32_t size)
{
	uint32_t v = 0, n;

	if (!pio_in_phase(d))
		return 0;
	n = size < d->block_left ? size : d->block_left;
	v3_memcpy(&v, d->src, n); /* x86 host: little endian, as the bus */
	pio_consume(d, n);
	return v;
}

/* The only data a read-only CD takes from the host is the packet. */
static void data_write(struct ide_drive *d, uint32_t v, uint32_t size)
{
	uint32_t i;

	if (d->phase != IDE_PACKET_CDB)
		return;
	for (i = 0; i < size && d->cdb_len < ATAPI_CDB_LEN; i++)
		d->cdb[d->cdb_len++] = (uint8_t)(v >> (8 * i));
	if (d->cdb_len == ATAPI_CDB_LEN)
		atapi_run_packet(d);
}

uint32_t v3_ide_data_read_bulk(struct v3_vcpu *vcpu, uint16_t port, void *dst,
			       uint32_t size, uint32_t count, void *priv)
{
	struct ide_channel *c = priv;
	uint8_t *out = dst;
	uint32_t done = 0;
	unsigned long flags;

	(void)vcpu;
	if (port != c->cmd_base + IDE_REG_DATA || (size != 2 && size != 4))
		return 0;
	flags = ctrl_lock(c->ctrl);
	while (done < count) {
		struct ide_drive *d = selected(c);
		uint32_t n = pio_in_phase(d) ? d->block_left / size : 0;

		if (n) {
			/* Whole elements of this block: one copy. */
			if (n > count - done)
				n = count - done;
			v3_memcpy(out, d->src, n * size);
			pio_consume(d, n * size);
		} else {
			uint32_t v = data_read(d, size);

			v3_memcpy(out, &v, size);
			n = 1;
		}
		out += n * size;
		done += n;
	}
	ctrl_unlock(c->ctrl, flags);
	return done;
}

/* ---- ATA commands ---------------------------------------------------- */

static void ata_set_features(struct ide_drive *d)
{
	switch (d->feature) {
	case SETF_XFER_MODE:
		if (atapi_set_xfer_mode(d, d->nsect) == 0)
			ata_done(d);
		else
			ata_abort(d);
		return;
	case SETF_REVERT_OFF:
	case SETF_REVERT_ON:
		/* Nothing reverts: our settings survive resets anyway. */
		ata_done(d);
		return;
	default:
		ata_abort(d);
	}
}

static void ata_command(struct ide_drive *d, uint8_t cmd)
{
	switch (cmd) {
	case ATA_CMD_PACKET:
		ata_cmd_packet(d);
		return;
	case ATA_CMD_IDENTIFY_PACKET:
		atapi_identify(d, d->buf.words);
		ata_pio_in(d, d->buf.bytes, IDE_BUF_SIZE);
		return;
	case ATA_CMD_IDENTIFY:
		/* A packet device aborts it and shows its signature, so that
		 * a driver probing for a disk learns what it found. */
		set_signature(d);
		ata_abort(d);
		return;
	case ATA_CMD_DEVICE_RESET:
		/* Device reset protocol: no interrupt. */
		drive_reset(d);
		return;
	case ATA_CMD_EXEC_DIAGNOSTIC:
		drive_reset(d);
		raise_intrq(d);
		return;
	case ATA_CMD_SET_FEATURES:
		ata_set_features(d);
		return;
	case ATA_CMD_CHECK_POWER_MODE:
		d->nsect = POWER_MODE_ACTIVE;
		ata_done(d);
		return;
	case ATA_CMD_STANDBY_IMMEDIATE:
	case ATA_CMD_IDLE_IMMEDIATE:
	case ATA_CMD_STANDBY:
	case ATA_CMD_IDLE:
	case ATA_CMD_SLEEP:
	case ATA_CMD_FLUSH_CACHE:
		/* No spindle, no cache: power and flush commands are no-ops. */
		ata_done(d);
		return;
	default:
		/* NOP and the disk commands (READ SECTORS...) abort. */
		ata_abort(d);
	}
}

/* ---- Task file and control registers --------------------------------- */

static uint8_t status_of(const struct ide_drive *d)
{
	return (d->chan->ctl & ATA_DC_SRST) ? ATA_SR_BSY : d->status;
}

static uint8_t tf_read(struct ide_channel *c, unsigned reg)
{
	struct ide_drive *d = selected(c);
	bool hob = c->ctl & ATA_DC_HOB;

	if (reg == IDE_REG_DEVICE)
		return c->select;
	/* Nobody drives the bus: QEMU's answer, which SeaBIOS and Linux
	 * both take for "no device" (their register echo test fails). */
	if (!d->present)
		return 0;
	switch (reg) {
	case IDE_REG_ERROR:
		return d->error;
	case IDE_REG_NSECT:
		return hob ? d->hob_nsect : d->nsect;
	case IDE_REG_LBAL:
		return hob ? d->hob_lbal : d->lbal;
	case IDE_REG_LBAM:
		return hob ? d->hob_lbam : d->lbam;
	case IDE_REG_LBAH:
		return hob ? d->hob_lbah : d->lbah;
	default: /* IDE_REG_STATUS */
		clear_intrq(d);
		return status_of(d);
	}
}

static void tf_latch(struct ide_drive *d, unsigned reg, uint8_t v)
{
	switch (reg) {
	case IDE_REG_ERROR:
		d->hob_feature = d->feature;
		d->feature = v;
		break;
	case IDE_REG_NSECT:
		d->hob_nsect = d->nsect;
		d->nsect = v;
		break;
	case IDE_REG_LBAL:
		d->hob_lbal = d->lbal;
		d->lbal = v;
		break;
	case IDE_REG_LBAM:
		d->hob_lbam = d->lbam;
		d->lbam = v;
		break;
	case IDE_REG_LBAH:
		d->hob_lbah = d->lbah;
		d->lbah = v;
		break;
	}
}

static void command_write(struct ide_channel *c, uint8_t cmd)
{
	struct ide_drive *d = selected(c);

	/* Commands to an absent device or during SRST go nowhere. */
	if (!d->present || (c->ctl & ATA_DC_SRST))
		return;
	clear_intrq(d); /* writing the command register clears INTRQ */
	ata_command(d, cmd);
}

static void tf_write(struct ide_channel *c, unsigned reg, uint8_t v)
{
	int u;

	switch (reg) {
	case IDE_REG_DEVICE:
		c->select = v;
		update_irq(c); /* the other device now owns the line */
		return;
	case IDE_REG_STATUS:
		command_write(c, v);
		return;
	}
	c->ctl &= ~ATA_DC_HOB; /* any command block write clears HOB */
	for (u = 0; u < IDE_UNITS; u++)
		tf_latch(&c->drive[u], reg, v);
}

/* SRST: both devices are busy while it is set; the reset happens on
 * the set edge here (nothing can be seen meanwhile but BSY) and device 0
 * is selected again. */
static void ctl_write(struct ide_channel *c, uint8_t v)
{
	bool reset_edge = (v & ATA_DC_SRST) && !(c->ctl & ATA_DC_SRST);

	c->ctl = v & (ATA_DC_NIEN | ATA_DC_SRST | ATA_DC_HOB);
	if (reset_edge) {
		int u;

		for (u = 0; u < IDE_UNITS; u++)
			if (c->drive[u].present)
				drive_reset(&c->drive[u]);
		c->select = 0;
	}
	update_irq(c);
}

static uint8_t alt_status_read(struct ide_channel *c)
{
	struct ide_drive *d = selected(c);

	return d->present ? status_of(d) : 0;
}

/* ---- Bus master IDE -------------------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool bus_master_enabled(const struct ide_ctrl *ctrl)
{
	return ctrl->pci &&
	       (v3_pci_cfg_read(ctrl->pci, PCI_COMMAND, 2) & PCI_COMMAND_MASTER);
}

/* A PRD or buffer outside RAM: a master abort on the real bus.  Linux
 * expects no interrupt, just the error bit and a timeout. */
static void bm_fail(struct ide_channel *c)
{
	c->bm_status = (c->bm_status & ~BM_ST_ACTIVE) | BM_ST_ERROR;
}

/* Walk the PRD table from its start and copy the device's data.  When
 * the data ends first the device interrupts and BMIDEA stays set unless
 * the last region was used up (PIIX3: "active" clears at the end of the
 * EOT region); when the table ends first BMIDEA clears without an
 * interrupt and the device keeps the rest. */
static void dma_transfer(struct ide_channel *c, struct ide_drive *d)
{
	uint32_t prd = c->bm_prd;
	int i;

	if (!(c->bm_cmd & BM_CMD_TO_MEMORY)) {
		bm_fail(c); /* the device only has data for memory */
		return;
	}
	for (i = 0; i < PRD_MAX_ENTRIES; i++, prd += PRD_SIZE) {
		uint8_t e[PRD_SIZE];
		uint32_t base, count, flags, n;

		if (v3_gpa_read(c->ctrl->vm, prd, e, PRD_SIZE) != 0)
			break;
		base = le32(e) & ~1u;
		flags = le32(e + 4);
		count = flags & PRD_COUNT_MASK;
		if (!count)
			count = PRD_MAX_COUNT;
		n = d->left < count ? (uint32_t)d->left : count;
		if (v3_gpa_write(c->ctrl->vm, base, d->src, n) != 0)
			break;
		d->src += n;
		d->left -= n;
		if (!d->left) {
			if ((flags & PRD_EOT) && n == count)
				c->bm_status &= ~BM_ST_ACTIVE;
			atapi_status_phase(d, true);
			return;
		}
		if (flags & PRD_EOT) {
			c->bm_status &= ~BM_ST_ACTIVE;
			return;
		}
	}
	bm_fail(c);
}

/* Run a DMA when both sides are ready: the engine started (and still
 * active), bus mastering enabled, and a device with data. */
static void bm_kick(struct ide_channel *c)
{
	int u;

	if (!(c->bm_cmd & BM_CMD_START) || !(c->bm_status & BM_ST_ACTIVE) ||
	    !bus_master_enabled(c->ctrl))
		return;
	for (u = 0; u < IDE_UNITS; u++)
		if (c->drive[u].phase == IDE_ATAPI_DMA_IN) {
			dma_transfer(c, &c->drive[u]);
			return;
		}
}

static void bm_cmd_write(struct ide_channel *c, uint8_t v)
{
	bool starting = (v & BM_CMD_START) && !(c->bm_cmd & BM_CMD_START);

	c->bm_cmd = v & (BM_CMD_START | BM_CMD_TO_MEMORY);
	if (!(v & BM_CMD_START)) {
		c->bm_status &= ~BM_ST_ACTIVE; /* stop aborts the engine */
	} else if (starting) {
		c->bm_status |= BM_ST_ACTIVE;
		bm_kick(c);
	}
}

static void bm_status_write(struct ide_channel *c, uint8_t v)
{
	c->bm_status &= ~(v & (BM_ST_ERROR | BM_ST_INTR));
	c->bm_status = (c->bm_status & ~BM_ST_DMA_CAP) | (v & BM_ST_DMA_CAP);
}

static uint8_t bm_read(struct ide_channel *c, unsigned reg)
{
	switch (reg) {
	case BM_REG_CMD:
		return c->bm_cmd;
	case BM_REG_STATUS:
		return c->bm_status;
	case BM_REG_PRD:
	case BM_REG_PRD + 1:
	case BM_REG_PRD + 2:
	case BM_REG_PRD + 3:
		return (uint8_t)(c->bm_prd >> (8 * (reg - BM_REG_PRD)));
	default:
		return 0; /* reserved */
	}
}

static void bm_write(struct ide_channel *c, unsigned reg, uint8_t v)
{
	unsigned shift = 8 * (reg - BM_REG_PRD);

	switch (reg) {
	case BM_REG_CMD:
		bm_cmd_write(c, v);
		return;
	case BM_REG_STATUS:
		bm_status_write(c, v);
		return;
	case BM_REG_PRD:
	case BM_REG_PRD + 1:
	case BM_REG_PRD + 2:
	case BM_REG_PRD + 3:
		c->bm_prd &= ~(0xffu << shift);
		c->bm_prd |= (uint32_t)v << shift;
		c->bm_prd &= ~3u; /* the table is dword aligned */
		return;
	}
}

/* ---- Port hooks ------------------------------------------------------ */

static int ide_cmd_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct ide_channel *c = priv;
	unsigned reg = (unsigned)(acc->addr - c->cmd_base);
	unsigned long flags = ctrl_lock(c->ctrl);

	(void)vcpu;
	if (reg == IDE_REG_DATA) {
		if (acc->write)
			data_write(selected(c), (uint32_t)acc->val[0], acc->len);
		else
			acc->val[0] = data_read(selected(c), acc->len);
	} else {
		/* 8-bit registers: a wider access covers the next ones. */
		uint64_t v = 0;
		unsigned i;

		for (i = 0; i < acc->len && reg + i < IDE_CMD_PORTS; i++) {
			if (acc->write)
				tf_write(c, reg + i, (uint8_t)(acc->val[0] >> (8 * i)));
			else
				v |= (uint64_t)tf_read(c, reg + i) << (8 * i);
		}
		if (!acc->write)
			acc->val[0] = v;
	}
	ctrl_unlock(c->ctrl, flags);
	return 0;
}

static int ide_ctl_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct ide_channel *c = priv;
	unsigned long flags = ctrl_lock(c->ctrl);

	(void)vcpu;
	if (acc->write)
		ctl_write(c, (uint8_t)acc->val[0]);
	else
		acc->val[0] = alt_status_read(c);
	ctrl_unlock(c->ctrl, flags);
	return 0;
}

static int ide_bm_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct ide_ctrl *ctrl = priv;
	unsigned off = (unsigned)(acc->addr - ctrl->bm_base);
	unsigned long flags = ctrl_lock(ctrl);
	uint64_t v = 0;
	unsigned i;

	(void)vcpu;
	for (i = 0; i < acc->len && off + i < BM_BAR_SIZE; i++) {
		struct ide_channel *c = &ctrl->chan[(off + i) / BM_CHANNEL_STRIDE];
		unsigned reg = (off + i) % BM_CHANNEL_STRIDE;

		if (acc->write)
			bm_write(c, reg, (uint8_t)(acc->val[0] >> (8 * i)));
		else
			v |= (uint64_t)bm_read(c, reg) << (8 * i);
	}
	if (!acc->write)
		acc->val[0] = v;
	ctrl_unlock(ctrl, flags);
	return 0;
}

/* ---- PCI function ---------------------------------------------------- */

static void bm_unhook(struct ide_ctrl *ctrl)
{
	if (!ctrl->bm_base)
		return;
	v3_hook_del(ctrl->vm, V3_HOOK_IO, ctrl->bm_base);
	ctrl->bm_base = 0;
}

static void ide_pci_bar_moved(struct v3_pci_func *f, int bar, uint64_t addr)
{
	struct ide_ctrl *ctrl = f->priv;
	uint64_t last = addr + BM_BAR_SIZE - 1;

	if (!ctrl || bar != BM_BAR)
		return;
	bm_unhook(ctrl);
	if (!addr)
		return;
	if (last > 0xffff || v3_hook_add(ctrl->vm, V3_HOOK_IO, addr, last,
					 ide_bm_io, ctrl) != 0) {
		v3_print("%s: ide: bus master ports 0x%llx-0x%llx are taken; "
			 "no DMA\n",
			 ctrl->vm->name, V3_ULL(addr), V3_ULL(last));
		return;
	}
	ctrl->bm_base = (uint16_t)addr;
}

/* Enabling bus mastering may release a DMA that waited for it. */
static void ide_pci_config_write(struct v3_pci_func *f, uint32_t off,
				  uint32_t len, uint32_t val)
{
	struct ide_ctrl *ctrl = f->priv;
	unsigned long flags;
	int i;

	(void)val;
	if (!ctrl || !v3_pci_touches(off, len, PCI_COMMAND, 2))
		return;
	flags = ctrl_lock(ctrl);
	for (i = 0; i < IDE_CHANNELS; i++)
		bm_kick(&ctrl->chan[i]);
	ctrl_unlock(ctrl, flags);
}

static const struct v3_pci_func_ops ide_pci_ops = {
    .config_write = ide_pci_config_write,
    .bar_moved = ide_pci_bar_moved,
};

static int add_pci_function(struct ide_ctrl *ctrl, int line, char *err,
			    size_t errlen)
{
	struct v3_pci_func *f =
	    v3_pci_add(ctrl->vm, PIIX3_IDE_DEVFN, PCI_VENDOR_INTEL,
		       PCI_DEVICE_PIIX3_IDE, PIIX3_IDE_CLASS, &ide_pci_ops, ctrl);

	if (!f) {
		v3_snprintf(err, errlen,
			    "line %d: ide: cannot add PCI function 00:01.1 "
			    "(no pci device before it, or the slot is taken)",
			    line);
		return -1;
	}
	ctrl->pci = f;
	v3_pci_cfg_set(f, PIIX_IDETIM, 2, PIIX_IDETIM_DECODE);
	v3_pci_cfg_set(f, PIIX_IDETIM + 2, 2, PIIX_IDETIM_DECODE);
	v3_memset(&f->wmask[PIIX_IDETIM], 0xff, PIIX_TIMING_REGS);
	v3_pci_set_bar(f, BM_BAR, BM_BAR_SIZE, true);
	return 0;
}

/* ---- Creation -------------------------------------------------------- */

struct ide_options {
	const struct v3_image *cdrom;
	int slot;
};

static int parse_slot(const struct v3_cfg_device *cfg, const char *s,
		      int *slot, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < IDE_CHANNELS * IDE_UNITS; i++)
		if (!v3_strcmp(s, slot_names[i])) {
			*slot = i;
			return 0;
		}
	v3_snprintf(err, errlen,
		    "line %d: ide: bad cdrom_slot '%s' (primary-master, "
		    "primary-slave, secondary-master or secondary-slave)",
		    cfg->line, s);
	return -1;
}

static int find_cdrom_image(struct v3_vm *vm, const struct v3_cfg_device *cfg,
			    const char *name, const struct v3_image **out,
			    char *err, size_t errlen)
{
	const struct v3_image *img = v3_vm_image(vm, name);
	const char *why;

	if (!img) {
		v3_snprintf(err, errlen,
			    "line %d: ide: image '%s' was not given to the VM",
			    cfg->line, name);
		return -1;
	}
	why = atapi_medium_problem(img->data, img->size);
	if (why) {
		v3_snprintf(err, errlen,
			    "line %d: ide: image '%s' (%llu bytes) is not a CD "
			    "image: %s",
			    cfg->line, name, V3_ULL(img->size), why);
		return -1;
	}
	*out = img;
	return 0;
}

/* Everything is checked before anything is allocated. */
static int parse_options(struct v3_vm *vm, const struct v3_cfg_device *cfg,
			 struct ide_options *o, char *err, size_t errlen)
{
	const char *image = v3_cfg_opt(cfg, "cdrom");
	const char *slot = v3_cfg_opt(cfg, "cdrom_slot");
	int i;

	for (i = 0; i < cfg->nopts; i++) {
		const char *key = cfg->opts[i].key;

		if (v3_strcmp(key, "cdrom") && v3_strcmp(key, "cdrom_slot")) {
			v3_snprintf(err, errlen,
				    "line %d: ide: unknown option '%s' "
				    "(cdrom, cdrom_slot)",
				    cfg->line, key);
			return -1;
		}
	}
	o->cdrom = NULL;
	o->slot = DEFAULT_CDROM_SLOT;
	if (slot && !image) {
		v3_snprintf(err, errlen,
			    "line %d: ide: cdrom_slot without cdrom", cfg->line);
		return -1;
	}
	if (slot && parse_slot(cfg, slot, &o->slot, err, errlen))
		return -1;
	if (image && find_cdrom_image(vm, cfg, image, &o->cdrom, err, errlen))
		return -1;
	return 0;
}

static void init_channel(struct ide_ctrl *ctrl, int i)
{
	struct ide_channel *c = &ctrl->chan[i];
	int u;

	c->ctrl = ctrl;
	c->index = i;
	c->cmd_base = legacy_channel[i].cmd_base;
	c->ctl_port = legacy_channel[i].ctl_port;
	c->irq = legacy_channel[i].irq;
	for (u = 0; u < IDE_UNITS; u++) {
		c->drive[u].chan = c;
		c->drive[u].unit = u;
	}
}

static void attach_cdrom(struct ide_drive *d, const struct v3_image *img)
{
	d->present = true;
	d->medium = img->data;
	d->sectors = img->size / CD_SECTOR;
	atapi_power_on(d);
	drive_reset(d);
	/* BMISTA: this drive can do DMA (a BIOS would set it). */
	d->chan->bm_status |= d->unit ? BM_ST_DMA_CAP1 : BM_ST_DMA_CAP0;
}

static int hook_channel(struct ide_channel *c, int line, char *err,
			size_t errlen)
{
	struct v3_vm *vm = c->ctrl->vm;

	c->cmd_hooked = v3_hook_add(vm, V3_HOOK_IO, c->cmd_base,
				    c->cmd_base + IDE_CMD_PORTS - 1,
				    ide_cmd_io, c) == 0;
	c->ctl_hooked = c->cmd_hooked &&
			v3_hook_add(vm, V3_HOOK_IO, c->ctl_port, c->ctl_port,
				    ide_ctl_io, c) == 0;
	if (c->ctl_hooked) {
		/* SeaBIOS and Linux read sectors with 'rep insw/insl'. */
		v3_hook_set_bulk_in(vm, c->cmd_base, v3_ide_data_read_bulk);
		return 0;
	}
	v3_snprintf(err, errlen,
		    "line %d: ide: ports 0x%x-0x%x or 0x%x are taken", line,
		    c->cmd_base, c->cmd_base + IDE_CMD_PORTS - 1, c->ctl_port);
	return -1;
}

static int ide_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
		      void **priv, char *err, size_t errlen)
{
	struct ide_options o;
	struct ide_ctrl *ctrl;
	int i;

	if (parse_options(vm, cfg, &o, err, errlen))
		return -1;
	ctrl = v3_vm_zalloc(vm, sizeof(*ctrl));
	*priv = ctrl;
	if (!ctrl || !(ctrl->lock = v3_host->lock_alloc())) {
		v3_snprintf(err, errlen, "line %d: ide: out of memory",
			    cfg->line);
		return -1;
	}
	ctrl->vm = vm;
	for (i = 0; i < IDE_CHANNELS; i++)
		init_channel(ctrl, i);
	if (o.cdrom)
		attach_cdrom(&ctrl->chan[o.slot / IDE_UNITS]
				  .drive[o.slot % IDE_UNITS],
			     o.cdrom);
	for (i = 0; i < IDE_CHANNELS; i++)
		if (hook_channel(&ctrl->chan[i], cfg->line, err, errlen))
			return -1;
	return add_pci_function(ctrl, cfg->line, err, errlen);
}

static void ide_destroy(struct v3_vm *vm, void *priv)
{
	struct ide_ctrl *ctrl = priv;
	int i;

	if (!ctrl)
		return;
	bm_unhook(ctrl);
	for (i = 0; i < IDE_CHANNELS; i++) {
		struct ide_channel *c = &ctrl->chan[i];

		if (c->cmd_hooked)
			v3_hook_del(vm, V3_HOOK_IO, c->cmd_base);
		if (c->ctl_hooked)
			v3_hook_del(vm, V3_HOOK_IO, c->ctl_port);
		if (c->irq_level)
			v3_irq_lower(vm, c->irq);
	}
	/* The PCI registry cannot remove a function: leave it inert. */
	if (ctrl->pci)
		ctrl->pci->priv = NULL;
	if (ctrl->lock)
		v3_host->lock_free(ctrl->lock);
	v3_vm_free(vm, ctrl, sizeof(*ctrl));
}

V3_DEVICE(ide_device, .name = "ide", .create = ide_create,
	  .destroy = ide_destroy);
