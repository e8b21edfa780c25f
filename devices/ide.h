/* ide.h - internals shared by the PIIX3 IDE controller (ide.c) and the
 * ATAPI CD-ROM command set (atapi.c), plus the bulk PIO entry point the
 * core's string I/O emulation can call.
 *
 * References: ATA/ATAPI-6 (T13/1410D) for the task file, protocols and
 * IDENTIFY PACKET DEVICE; SFF-8020i and MMC-3 for the packet commands;
 * Intel 82371SB (PIIX3) datasheet for the bus master IDE registers. */
#ifndef V3_DEVICES_IDE_H
#define V3_DEVICES_IDE_H

#include "v3_types.h"

struct v3_vm;
struct v3_vcpu;
struct v3_pci_func;

#define IDE_CHANNELS 2
#define IDE_UNITS 2 /* master, slave */

/* Command block register offsets from the channel's base port. */
#define IDE_REG_DATA 0
#define IDE_REG_ERROR 1 /* read; features on write */
#define IDE_REG_NSECT 2 /* ATAPI: interrupt reason on read */
#define IDE_REG_LBAL 3
#define IDE_REG_LBAM 4 /* ATAPI: byte count low */
#define IDE_REG_LBAH 5 /* ATAPI: byte count high */
#define IDE_REG_DEVICE 6
#define IDE_REG_STATUS 7 /* read; command on write */
#define IDE_CMD_PORTS 8

/* Status register (ATA/ATAPI-6, Status register). */
#define ATA_SR_BSY 0x80
#define ATA_SR_DRDY 0x40
#define ATA_SR_DF 0x20
#define ATA_SR_DSC 0x10 /* ATAPI: SERV */
#define ATA_SR_DRQ 0x08
#define ATA_SR_ERR 0x01 /* ATAPI: CHK */

/* Error register: command aborted. */
#define ATA_ER_ABRT 0x04

/* Device Control register: interrupt disable, software reset, high
 * order byte readback (48-bit task file). */
#define ATA_DC_NIEN 0x02
#define ATA_DC_SRST 0x04
#define ATA_DC_HOB 0x80

/* Device register: DEV selects device 1. */
#define ATA_DEV_DEV 0x10

/* ATAPI interrupt reason in the sector count register (SFF-8020i,
 * ATA/ATAPI-6 PACKET): CoD = command packet or status, IO = to host. */
#define ATAPI_IR_COD 0x01
#define ATAPI_IR_IO 0x02

/* The PACKET feature set signature left in the task file by a reset
 * (ATA/ATAPI-6, "Signature and persistence"). */
#define ATAPI_SIG_LBAM 0x14
#define ATAPI_SIG_LBAH 0xeb

#define CD_SECTOR 2048
#define ATAPI_CDB_LEN 12
#define IDE_BUF_SIZE 512

/* SCSI sense keys (SPC-3, sense key table) used here. */
#define SENSE_NONE 0x0
#define SENSE_NOT_READY 0x2
#define SENSE_ILLEGAL_REQUEST 0x5
#define SENSE_UNIT_ATTENTION 0x6

struct atapi_sense {
	uint8_t key, asc, ascq;
};

/* What a packet command produced: 'len' bytes at 'data' for the host,
 * or nothing.  'sectors' marks medium data, sent in whole-sector DRQ
 * blocks where the byte count limit allows. */
struct atapi_reply {
	const uint8_t *data;
	uint64_t len;
	bool sectors;
};

enum ide_phase {
	IDE_IDLE,
	IDE_ATA_PIO_IN,	    /* IDENTIFY PACKET DEVICE data */
	IDE_PACKET_CDB,	    /* waiting for the 12 command packet bytes */
	IDE_ATAPI_PIO_IN,   /* packet data through the data port */
	IDE_ATAPI_DMA_IN,   /* packet data waiting for the bus master */
};

struct ide_channel;
struct ide_ctrl;

struct ide_drive {
	struct ide_channel *chan;
	int unit;
	bool present;

	/* The task file as this device holds it: the host's writes land
	 * in both devices of a channel; 'hob_*' keep the previous value
	 * for reads with HOB set. */
	uint8_t feature, nsect, lbal, lbam, lbah;
	uint8_t hob_feature, hob_nsect, hob_lbal, hob_lbam, hob_lbah;
	uint8_t error, status;
	bool intrq; /* pending; cleared by a status read or a command */

	/* Data phase: 'left' bytes remain at 'src', the first
	 * 'block_left' of them in the current PIO DRQ block. */
	enum ide_phase phase;
	const uint8_t *src;
	uint64_t left;
	uint32_t block_left;
	bool sector_blocks;
	bool dma;	     /* PACKET with the DMA bit in features */
	uint16_t byte_limit; /* PACKET byte count limit, LBA mid/high */
	uint8_t cdb[ATAPI_CDB_LEN];
	uint8_t cdb_len;

	/* The ATAPI CD-ROM and its medium (an ISO 9660 image). */
	const uint8_t *medium;
	uint64_t sectors;
	struct atapi_sense sense;
	bool prevent_removal;
	uint8_t mwdma_selected; /* SET FEATURES: bit n = MWDMA n */
	uint8_t udma_selected;	/* bit n = UDMA n */

	/* IDENTIFY data (words) and the replies of packet commands. */
	union {
		uint8_t bytes[IDE_BUF_SIZE];
		uint16_t words[IDE_BUF_SIZE / 2];
	} buf;
};

struct ide_channel {
	struct ide_ctrl *ctrl;
	int index;
	uint16_t cmd_base;
	uint16_t ctl_port;
	int irq;
	uint8_t select; /* device register, latched by both devices */
	uint8_t ctl;	/* device control register */
	bool irq_level; /* what we last drove onto the IRQ line */
	bool cmd_hooked, ctl_hooked;
	struct ide_drive drive[IDE_UNITS];

	/* Bus master IDE registers of this channel (PIIX3: BMICOM,
	 * BMISTA, BMIDTP). */
	uint8_t bm_cmd;
	uint8_t bm_status;
	uint32_t bm_prd;
};

struct ide_ctrl {
	struct v3_vm *vm;
	struct v3_pci_func *pci;
	void *lock;
	uint16_t bm_base; /* 0: BAR4 not decoded, no hooks */
	struct ide_channel chan[IDE_CHANNELS];
};

/* atapi.c: the packet command set of a CD-ROM (MMC-3 subset). */

/* Checks that 'size' bytes at 'data' look like an ISO 9660 image;
 * returns NULL or why not. */
const char *atapi_medium_problem(const uint8_t *data, uint64_t size);
/* Power-on state of the packet device: no sense, medium removal
 * allowed, default transfer modes. */
void atapi_power_on(struct ide_drive *d);
/* SRST or DEVICE RESET: sense data is lost; the lock and the transfer
 * mode survive (SPC-3 PREVENT ALLOW MEDIUM REMOVAL: power-on or a hard
 * reset ends a prevention; SRST is a soft reset). */
void atapi_reset(struct ide_drive *d);
/* IDENTIFY PACKET DEVICE data (ATA/ATAPI-6) into 256 words. */
void atapi_identify(const struct ide_drive *d, uint16_t id[256]);
/* SET FEATURES subcommand 03h, set transfer mode: 0, or -1 to abort. */
int atapi_set_xfer_mode(struct ide_drive *d, uint8_t mode);
/* Runs d->cdb.  Returns 0 (GOOD, reply in *r) or -1 (CHECK CONDITION,
 * d->sense set). */
int atapi_execute(struct ide_drive *d, struct atapi_reply *r);

/* Bulk PIO read of the data port: 'count' elements of 'size' bytes
 * (2 or 4) into 'dst', as 'rep insw/insl' would.  'priv' is the priv
 * of the port's IO hook.  Returns the number of elements stored (count,
 * or 0 if 'port' is not an IDE data port).  For the core's string I/O
 * emulation: one call instead of one hook call per element. */
uint32_t v3_ide_data_read_bulk(struct v3_vcpu *vcpu, uint16_t port, void *dst,
			       uint32_t size, uint32_t count, void *priv);

#endif
