/* atapi.c - the packet commands of a read-only CD-ROM drive holding one
 * ISO 9660 image: a single data track from LBA 0, one complete session.
 *
 * The set is what SeaBIOS (src/hw/blockcmd.c, src/cdrom.c) and Linux
 * (libata, drivers/scsi/sr.c, drivers/cdrom/cdrom.c) send: TEST UNIT
 * READY, REQUEST SENSE, INQUIRY, MODE SENSE(6/10), READ CAPACITY,
 * READ(10/12), SEEK, READ TOC (formats 0 and 1), GET CONFIGURATION, GET
 * EVENT STATUS NOTIFICATION (polled), PREVENT ALLOW MEDIUM REMOVAL, START
 * STOP UNIT, READ DISC INFORMATION, MECHANISM STATUS and SET CD SPEED.
 * Anything else is CHECK CONDITION, ILLEGAL REQUEST / INVALID COMMAND
 * OPERATION CODE.  Layouts follow MMC-3 (T10/1363-D) and SPC-3; the
 * IDENTIFY PACKET DEVICE words follow ATA/ATAPI-6.
 *
 * The medium cannot leave the drive: eject and load succeed and change
 * nothing, and there is no unit attention after a reset (Linux and
 * SeaBIOS cope either way). */
#include "ide.h"
#include "lib.h"

/* Operation codes (SPC-3, MMC-3). */
#define OP_TEST_UNIT_READY 0x00
#define OP_REQUEST_SENSE 0x03
#define OP_INQUIRY 0x12
#define OP_MODE_SENSE_6 0x1a
#define OP_START_STOP_UNIT 0x1b
#define OP_PREVENT_ALLOW 0x1e
#define OP_READ_CAPACITY 0x25
#define OP_READ_10 0x28
#define OP_SEEK_10 0x2b
#define OP_READ_TOC 0x43
#define OP_GET_CONFIGURATION 0x46
#define OP_GET_EVENT_STATUS 0x4a
#define OP_READ_DISC_INFO 0x51
#define OP_MODE_SENSE_10 0x5a
#define OP_READ_12 0xa8
#define OP_SET_CD_SPEED 0xbb
#define OP_MECHANISM_STATUS 0xbd

/* Additional sense codes (SPC-3 ASC/ASCQ table). */
#define ASC_INVALID_OPCODE 0x20
#define ASC_LBA_OUT_OF_RANGE 0x21
#define ASC_INVALID_FIELD_IN_CDB 0x24
#define ASC_SAVING_NOT_SUPPORTED 0x39
#define ASC_REMOVAL_PREVENTED 0x53
#define ASCQ_REMOVAL_PREVENTED 0x02

#define FIXED_SENSE_CURRENT 0x70
#define FIXED_SENSE_LEN 18
#define PERIPHERAL_CDROM 0x05
#define INQUIRY_REMOVABLE 0x80
/* ANSI version 0 and response format 1 with ATAPI version 2 in the high
 * nibble, as SFF-8020i asks of ATAPI devices. */
#define INQUIRY_ATAPI_FORMAT 0x21
#define INQUIRY_LEN 36
#define VPD_SUPPORTED_PAGES 0x00

#define MODE_PAGE_ERROR_RECOVERY 0x01
#define MODE_PAGE_CAPABILITIES 0x2a
#define MODE_PAGE_ALL 0x3f
#define MODE_PC_CHANGEABLE 1
#define MODE_PC_SAVED 3
/* Medium type: 120 mm CD-ROM, data only (SFF-8020i). */
#define MEDIUM_CD_ROM_DATA 0x01

#define TOC_FORMAT_TOC 0
#define TOC_FORMAT_SESSION 1
#define TOC_LEADOUT 0xaa
#define TOC_DATA_TRACK 0x14 /* ADR 1 (position), control 4 (data) */
#define MSF_LBA0_FRAMES 150 /* MSF 00:02:00 is LBA 0 */

#define PROFILE_CD_ROM 0x0008
#define EVENT_CLASS_MEDIA 0x04
#define EVENT_REQUEST_MEDIA 0x10
#define EVENT_NEA 0x80
#define MEDIA_PRESENT 0x02

#define SPEED_KBPS 1412 /* 8x; only printed by guests */

/* ---- Helpers --------------------------------------------------------- */

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

/* Space-padded, not terminated: the INQUIRY and IDENTIFY string form. */
static void put_padded(uint8_t *p, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = *s ? (uint8_t)*s++ : ' ';
}

static int check_condition(struct ide_drive *d, uint8_t key, uint8_t asc,
			   uint8_t ascq)
{
	d->sense.key = key;
	d->sense.asc = asc;
	d->sense.ascq = ascq;
	return -1;
}

static int invalid_field(struct ide_drive *d)
{
	return check_condition(d, SENSE_ILLEGAL_REQUEST,
			       ASC_INVALID_FIELD_IN_CDB, 0);
}

/* The first 'len' bytes of the reply buffer, cut to the allocation
 * length of the CDB: a device never sends more than the host asked. */
static int reply(struct ide_drive *d, struct atapi_reply *r, uint32_t len,
		 uint32_t alloc)
{
	r->data = d->buf.bytes;
	r->len = len < alloc ? len : alloc;
	return 0;
}

/* ---- Status and identification --------------------------------------- */

static int cmd_test_unit_ready(struct ide_drive *d, const uint8_t *cdb,
			       struct atapi_reply *r)
{
	(void)d, (void)cdb, (void)r;
	return 0; /* the medium is always there */
}

/* Fixed-format sense data; reading it clears it. */
static int cmd_request_sense(struct ide_drive *d, const uint8_t *cdb,
			     struct atapi_reply *r)
{
	uint8_t *b = d->buf.bytes;

	b[0] = FIXED_SENSE_CURRENT;
	b[2] = d->sense.key;
	b[7] = FIXED_SENSE_LEN - 8; /* additional sense length */
	b[12] = d->sense.asc;
	b[13] = d->sense.ascq;
	d->sense.key = d->sense.asc = d->sense.ascq = 0;
	return reply(d, r, FIXED_SENSE_LEN, cdb[4]);
}

/* Vital product data: only the list of pages, which lists itself. */
static int inquiry_vpd(struct ide_drive *d, const uint8_t *cdb,
		       struct atapi_reply *r)
{
	uint8_t *b = d->buf.bytes;

	if (cdb[2] != VPD_SUPPORTED_PAGES)
		return invalid_field(d);
	b[0] = PERIPHERAL_CDROM;
	b[3] = 1;
	b[4] = VPD_SUPPORTED_PAGES;
	return reply(d, r, 5, get_be16(cdb + 3));
}

static int cmd_inquiry(struct ide_drive *d, const uint8_t *cdb,
		       struct atapi_reply *r)
{
	uint8_t *b = d->buf.bytes;

	if (cdb[1] & 0x01)
		return inquiry_vpd(d, cdb, r);
	if (cdb[2])
		return invalid_field(d); /* a page code needs EVPD */
	b[0] = PERIPHERAL_CDROM;
	b[1] = INQUIRY_REMOVABLE;
	b[3] = INQUIRY_ATAPI_FORMAT;
	b[4] = INQUIRY_LEN - 5; /* additional length */
	put_padded(b + 8, "V3VEE", 8);
	put_padded(b + 16, "VIRTUAL CD-ROM", 16);
	put_padded(b + 32, "1.0", 4);
	/* Bytes 3-4: SPC-3 allocation length; older hosts leave 3 zero. */
	return reply(d, r, INQUIRY_LEN, get_be16(cdb + 3));
}

/* ---- Mode pages ------------------------------------------------------ */

/* Read-write error recovery: all defaults (zeros), nothing changeable. */
static uint32_t page_error_recovery(uint8_t *p)
{
	p[0] = MODE_PAGE_ERROR_RECOVERY;
	p[1] = 6;
	return 8;
}

/* CD capabilities and mechanical status, the 20-byte form of MMC-1
 * that Linux's sr reads for speed, tray and lock state. */
static uint32_t page_capabilities(const struct ide_drive *d, uint8_t *p,
				  bool changeable)
{
	p[0] = MODE_PAGE_CAPABILITIES;
	p[1] = 0x14;
	if (changeable)
		return 22;
	p[2] = 0x03;	/* reads CD-R and CD-RW media */
	p[4] = 0x70;	/* mode 2 form 1 and 2, multi-session */
	p[6] = 0x29;	/* tray loader, eject, lock supported ... */
	if (d->prevent_removal)
		p[6] |= 0x02; /* ... and locked */
	put_be16(p + 8, SPEED_KBPS);	/* maximum read speed */
	put_be16(p + 12, 512);		/* buffer, KiB */
	put_be16(p + 14, SPEED_KBPS);	/* current read speed */
	return 22;
}

/* Returns the length of the page(s), 0 for a page we do not have. */
static uint32_t mode_pages(const struct ide_drive *d, uint8_t page, uint8_t pc,
			   uint8_t *p)
{
	bool changeable = pc == MODE_PC_CHANGEABLE;
	uint32_t n;

	switch (page) {
	case MODE_PAGE_ERROR_RECOVERY:
		return page_error_recovery(p);
	case MODE_PAGE_CAPABILITIES:
		return page_capabilities(d, p, changeable);
	case MODE_PAGE_ALL:
		n = page_error_recovery(p);
		return n + page_capabilities(d, p + n, changeable);
	default:
		return 0;
	}
}

/* MODE SENSE(6) and (10) differ in the header only; no block
 * descriptors (MMC devices return none). */
static int mode_sense(struct ide_drive *d, const uint8_t *cdb, uint32_t hdr,
		      uint32_t alloc, struct atapi_reply *r)
{
	uint8_t *b = d->buf.bytes;
	uint8_t pc = cdb[2] >> 6;
	uint32_t len;

	if (pc == MODE_PC_SAVED)
		return check_condition(d, SENSE_ILLEGAL_REQUEST,
				       ASC_SAVING_NOT_SUPPORTED, 0);
	len = mode_pages(d, cdb[2] & 0x3f, pc, b + hdr);
	if (!len)
		return invalid_field(d);
	len += hdr;
	if (hdr == 8) {
		put_be16(b, (uint16_t)(len - 2)); /* mode data length */
		b[2] = MEDIUM_CD_ROM_DATA;
	} else {
		b[0] = (uint8_t)(len - 1);
		b[1] = MEDIUM_CD_ROM_DATA;
	}
	return reply(d, r, len, alloc);
}

static int cmd_mode_sense_6(struct ide_drive *d, const uint8_t *cdb,
			    struct atapi_reply *r)
{
	return mode_sense(d, cdb, 4, cdb[4], r);
}

static int cmd_mode_sense_10(struct ide_drive *d, const uint8_t *cdb,
			     struct atapi_reply *r)
{
	return mode_sense(d, cdb, 8, get_be16(cdb + 7), r);
}

/* ---- Medium access --------------------------------------------------- */

static int cmd_read_capacity(struct ide_drive *d, const uint8_t *cdb,
			     struct atapi_reply *r)
{
	uint8_t *b = d->buf.bytes;

	(void)cdb;
	put_be32(b, (uint32_t)(d->sectors - 1)); /* last LBA */
	put_be32(b + 4, CD_SECTOR);
	return reply(d, r, 8, 8);
}

/* The reply points into the image itself: no copy. */
static int read_sectors(struct ide_drive *d, uint32_t lba, uint32_t count,
			struct atapi_reply *r)
{
	if ((uint64_t)lba + count > d->sectors)
		return check_condition(d, SENSE_ILLEGAL_REQUEST,
				       ASC_LBA_OUT_OF_RANGE, 0);
	r->data = d->medium + (uint64_t)lba * CD_SECTOR;
	r->len = (uint64_t)count * CD_SECTOR;
	r->sectors = true;
	return 0;
}

static int cmd_read_10(struct ide_drive *d, const uint8_t *cdb,
		       struct atapi_reply *r)
{
	return read_sectors(d, get_be32(cdb + 2), get_be16(cdb + 7), r);
}

static int cmd_read_12(struct ide_drive *d, const uint8_t *cdb,
		       struct atapi_reply *r)
{
	return read_sectors(d, get_be32(cdb + 2), get_be32(cdb + 6), r);
}

static int cmd_seek_10(struct ide_drive *d, const uint8_t *cdb,
		       struct atapi_reply *r)
{
	(void)r;
	if (get_be32(cdb + 2) >= d->sectors)
		return check_condition(d, SENSE_ILLEGAL_REQUEST,
				       ASC_LBA_OUT_OF_RANGE, 0);
	return 0;
}

/* ---- Table of contents and disc information -------------------------- */

static void put_address(uint8_t *p, uint64_t lba, bool msf)
{
	if (!msf) {
		put_be32(p, (uint32_t)lba);
		return;
	}
	lba += MSF_LBA0_FRAMES;
	p[0] = 0;
	p[1] = (uint8_t)(lba / (60 * 75));
	p[2] = (uint8_t)(lba / 75 % 60);
	p[3] = (uint8_t)(lba % 75);
}

/* Format 0: track 1 (unless the host starts past it) and the lead-out;
 * 0 when the starting track does not exist. */
static uint32_t toc_tracks(struct ide_drive *d, uint8_t start, bool msf)
{
	uint8_t *b = d->buf.bytes, *p = b + 4;

	if (start > 1 && start != TOC_LEADOUT)
		return 0;
	b[2] = 1; /* first track */
	b[3] = 1; /* last track */
	if (start <= 1) {
		p[1] = TOC_DATA_TRACK;
		p[2] = 1;
		put_address(p + 4, 0, msf);
		p += 8;
	}
	p[1] = TOC_DATA_TRACK;
	p[2] = TOC_LEADOUT;
	put_address(p + 4, d->sectors, msf);
	p += 8;
	put_be16(b, (uint16_t)(p - b - 2));
	return (uint32_t)(p - b);
}

/* Format 1: one session, whose first track starts at LBA 0. */
static uint32_t toc_session(struct ide_drive *d, bool msf)
{
	uint8_t *b = d->buf.bytes;

	put_be16(b, 10);
	b[2] = 1; /* first session */
	b[3] = 1; /* last session */
	b[5] = TOC_DATA_TRACK;
	b[6] = 1; /* first track of the last session */
	put_address(b + 8, 0, msf);
	return 12;
}

static int cmd_read_toc(struct ide_drive *d, const uint8_t *cdb,
			struct atapi_reply *r)
{
	bool msf = cdb[1] & 0x02;
	uint8_t format = cdb[2] & 0x0f;
	uint32_t len;

	/* SFF-8020i put the format in bits 7:6 of the control byte; Linux's
	 * sr still asks for the session that way. */
	if (!format)
		format = cdb[9] >> 6;
	if (format == TOC_FORMAT_TOC)
		len = toc_tracks(d, cdb[6], msf);
	else if (format == TOC_FORMAT_SESSION)
		len = toc_session(d, msf);
	else
		len = 0;
	if (!len)
		return invalid_field(d);
	return reply(d, r, len, get_be16(cdb + 7));
}

/* Disc information (MMC-3 standard form): a complete disc with one
 * complete session of one track. */
static int cmd_read_disc_info(struct ide_drive *d, const uint8_t *cdb,
			      struct atapi_reply *r)
{
	uint8_t *b = d->buf.bytes;

	if (cdb[1] & 0x07)
		return invalid_field(d); /* only "standard disc information" */
	put_be16(b, 32);
	b[2] = 0x0e; /* last session complete, disc complete */
	b[3] = 1;    /* first track on disc */
	b[4] = 1;    /* sessions */
	b[5] = 1;    /* first track in last session */
	b[6] = 1;    /* last track in last session */
	b[7] = 0x20; /* unrestricted use */
	put_be32(b + 16, 0xffffffffu); /* no next session lead-in */
	put_be32(b + 20, 0xffffffffu); /* no lead-out for writing */
	return reply(d, r, 34, get_be16(cdb + 7));
}

/* ---- Features, events, mechanism ------------------------------------- */

/* Feature descriptors (MMC-3 features): code, version/persistent/current,
 * additional length, data. */
static const uint8_t feature_profile_list[] = {
    0x00, 0x00, 0x03, 4, 0x00, PROFILE_CD_ROM, 0x01, 0x00};
static const uint8_t feature_core[] = {
    0x00, 0x01, 0x03, 4, 0x00, 0x00, 0x00, 0x02 /* ATAPI */};
static const uint8_t feature_removable[] = {
    0x00, 0x03, 0x03, 4, 0x29 /* tray, eject, lock */, 0x00, 0x00, 0x00};
static const uint8_t feature_random_readable[] = {
    0x00, 0x10, 0x01, 8, 0x00, 0x00, 0x08, 0x00 /* 2048-byte blocks */,
    0x00, 0x01 /* blocking */, 0x00, 0x00};
static const uint8_t feature_cd_read[] = {0x00, 0x1e, 0x01, 4,
					  0x00, 0x00, 0x00, 0x00};

static const struct {
	const uint8_t *desc;
	uint8_t len;
} features[] = {
    {feature_profile_list, sizeof(feature_profile_list)},
    {feature_core, sizeof(feature_core)},
    {feature_removable, sizeof(feature_removable)},
    {feature_random_readable, sizeof(feature_random_readable)},
    {feature_cd_read, sizeof(feature_cd_read)},
};

/* RT 0: every feature from 'start'; 1: the current ones (all ours are);
 * 2: just 'start'. */
static int cmd_get_configuration(struct ide_drive *d, const uint8_t *cdb,
				 struct atapi_reply *r)
{
	uint8_t *b = d->buf.bytes, *p = b + 8;
	uint8_t rt = cdb[1] & 0x03;
	uint16_t start = get_be16(cdb + 2);
	size_t i;

	if (rt == 3)
		return invalid_field(d);
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		uint16_t code = get_be16(features[i].desc);

		if (code < start || (rt == 2 && code != start))
			continue;
		v3_memcpy(p, features[i].desc, features[i].len);
		p += features[i].len;
	}
	put_be32(b, (uint32_t)(p - b - 4));
	put_be16(b + 6, PROFILE_CD_ROM); /* current profile */
	return reply(d, r, (uint32_t)(p - b), get_be16(cdb + 7));
}

/* Polled media events: the medium is there and never changes. */
static int cmd_get_event_status(struct ide_drive *d, const uint8_t *cdb,
				struct atapi_reply *r)
{
	uint8_t *b = d->buf.bytes;

	if (!(cdb[1] & 0x01))
		return invalid_field(d); /* no asynchronous notification */
	b[3] = EVENT_REQUEST_MEDIA; /* supported classes */
	if (!(cdb[4] & EVENT_REQUEST_MEDIA)) {
		put_be16(b, 2);
		b[2] = EVENT_NEA;
		return reply(d, r, 4, get_be16(cdb + 7));
	}
	put_be16(b, 6);
	b[2] = EVENT_CLASS_MEDIA;
	b[4] = 0; /* no change */
	b[5] = MEDIA_PRESENT;
	return reply(d, r, 8, get_be16(cdb + 7));
}

/* No changer: an idle mechanism with an empty slot table. */
static int cmd_mechanism_status(struct ide_drive *d, const uint8_t *cdb,
				struct atapi_reply *r)
{
	return reply(d, r, 8, get_be16(cdb + 8));
}

static int cmd_prevent_allow(struct ide_drive *d, const uint8_t *cdb,
			     struct atapi_reply *r)
{
	(void)r;
	d->prevent_removal = cdb[4] & 0x01;
	return 0;
}

/* LoEj with Start clear is an eject: refused while locked, otherwise a
 * no-op like every other start/stop (the medium stays). */
static int cmd_start_stop_unit(struct ide_drive *d, const uint8_t *cdb,
			       struct atapi_reply *r)
{
	bool eject = (cdb[4] & 0x03) == 0x02;

	(void)r;
	if (eject && d->prevent_removal)
		return check_condition(d, SENSE_ILLEGAL_REQUEST,
				       ASC_REMOVAL_PREVENTED,
				       ASCQ_REMOVAL_PREVENTED);
	return 0;
}

static int cmd_set_cd_speed(struct ide_drive *d, const uint8_t *cdb,
			    struct atapi_reply *r)
{
	(void)d, (void)cdb, (void)r;
	return 0;
}

/* ---- Dispatch -------------------------------------------------------- */

typedef int (*atapi_cmd_fn)(struct ide_drive *d, const uint8_t *cdb,
			    struct atapi_reply *r);

static const struct {
	uint8_t op;
	atapi_cmd_fn fn;
} commands[] = {
    {OP_TEST_UNIT_READY, cmd_test_unit_ready},
    {OP_REQUEST_SENSE, cmd_request_sense},
    {OP_INQUIRY, cmd_inquiry},
    {OP_MODE_SENSE_6, cmd_mode_sense_6},
    {OP_START_STOP_UNIT, cmd_start_stop_unit},
    {OP_PREVENT_ALLOW, cmd_prevent_allow},
    {OP_READ_CAPACITY, cmd_read_capacity},
    {OP_READ_10, cmd_read_10},
    {OP_SEEK_10, cmd_seek_10},
    {OP_READ_TOC, cmd_read_toc},
    {OP_GET_CONFIGURATION, cmd_get_configuration},
    {OP_GET_EVENT_STATUS, cmd_get_event_status},
    {OP_READ_DISC_INFO, cmd_read_disc_info},
    {OP_MODE_SENSE_10, cmd_mode_sense_10},
    {OP_READ_12, cmd_read_12},
    {OP_SET_CD_SPEED, cmd_set_cd_speed},
    {OP_MECHANISM_STATUS, cmd_mechanism_status},
};

static atapi_cmd_fn find_command(uint8_t op)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].op == op)
			return commands[i].fn;
	return NULL;
}

int atapi_execute(struct ide_drive *d, struct atapi_reply *r)
{
	atapi_cmd_fn fn = find_command(d->cdb[0]);

	r->data = NULL;
	r->len = 0;
	r->sectors = false;
	if (!fn)
		return check_condition(d, SENSE_ILLEGAL_REQUEST,
				       ASC_INVALID_OPCODE, 0);
	/* Sense data describes the last command, except for the command
	 * that asks for it. */
	if (d->cdb[0] != OP_REQUEST_SENSE)
		d->sense.key = d->sense.asc = d->sense.ascq = 0;
	v3_memset(d->buf.bytes, 0, IDE_BUF_SIZE);
	return fn(d, d->cdb, r);
}

/* ---- Device state and IDENTIFY PACKET DEVICE ------------------------- */

const char *atapi_medium_problem(const uint8_t *data, uint64_t size)
{
	/* ISO 9660: the volume descriptor set starts at sector 16, each
	 * descriptor with the standard identifier at bytes 1-5. */
	if (size == 0 || size % CD_SECTOR)
		return "its size is not a multiple of 2048 bytes";
	if (size < 17 * CD_SECTOR ||
	    v3_memcmp(data + 16 * CD_SECTOR + 1, "CD001", 5))
		return "no ISO 9660 volume descriptor (CD001) at LBA 16";
	return NULL;
}

void atapi_power_on(struct ide_drive *d)
{
	atapi_reset(d);
	d->prevent_removal = false;
	d->mwdma_selected = 0;
	d->udma_selected = 0;
}

void atapi_reset(struct ide_drive *d)
{
	d->sense.key = d->sense.asc = d->sense.ascq = 0;
}

/* Modes offered in IDENTIFY: PIO 3-4, multiword DMA 0-2, UDMA 0-2
 * (UDMA/33 needs no 80-wire cable report). */
#define PIO_MODES_3_4 0x0003
#define MWDMA_MODES 0x07
#define UDMA_MODES 0x07

int atapi_set_xfer_mode(struct ide_drive *d, uint8_t mode)
{
	uint8_t n = mode & 0x07;

	switch (mode & 0xf8) {
	case 0x00: /* PIO default mode, IORDY on (00h) or off (01h) */
		return n <= 1 ? 0 : -1;
	case 0x08: /* PIO flow control mode n */
		return n <= 4 ? 0 : -1;
	case 0x20: /* multiword DMA mode n */
		if (!(MWDMA_MODES & (1 << n)))
			return -1;
		d->mwdma_selected = 1 << n;
		d->udma_selected = 0;
		return 0;
	case 0x40: /* Ultra DMA mode n */
		if (!(UDMA_MODES & (1 << n)))
			return -1;
		d->udma_selected = 1 << n;
		d->mwdma_selected = 0;
		return 0;
	default:
		return -1;
	}
}

/* ATA strings: two characters a word, the first in the high byte. */
static void put_ata_string(uint16_t *w, const char *s, unsigned words)
{
	unsigned i;

	for (i = 0; i < words; i++) {
		uint8_t hi = *s ? (uint8_t)*s++ : ' ';
		uint8_t lo = *s ? (uint8_t)*s++ : ' ';

		w[i] = (uint16_t)(hi << 8 | lo);
	}
}

/* Word 255: signature A5h and a checksum making the 512 bytes sum to 0. */
static void put_integrity_word(uint16_t id[256])
{
	uint8_t sum = 0xa5;
	int i;

	for (i = 0; i < 255; i++)
		sum += (uint8_t)(id[i] & 0xff) + (uint8_t)(id[i] >> 8);
	id[255] = (uint16_t)((uint8_t)-sum << 8 | 0xa5);
}

void atapi_identify(const struct ide_drive *d, uint16_t id[256])
{
	char serial[] = "V3VEE-CD-00";

	serial[9] += (char)d->chan->index;
	serial[10] += (char)d->unit;
	v3_memset(id, 0, 512);
	/* ATAPI, CD-ROM, removable, DRQ within 50 us, 12-byte packets. */
	id[0] = 0x85c0;
	put_ata_string(&id[10], serial, 10);
	put_ata_string(&id[23], "1.0", 4);
	put_ata_string(&id[27], "V3VEE VIRTUAL CD-ROM", 20);
	id[49] = 1 << 11 | 1 << 9 | 1 << 8; /* IORDY, LBA, DMA */
	id[53] = 1 << 2 | 1 << 1;	     /* words 64-70 and 88 valid */
	id[63] = MWDMA_MODES | d->mwdma_selected << 8;
	id[64] = PIO_MODES_3_4;
	id[65] = 120; /* ns: multiword DMA and PIO cycle times */
	id[66] = 120;
	id[67] = 120;
	id[68] = 120;
	id[80] = 1 << 6 | 1 << 5 | 1 << 4; /* ATA/ATAPI-4, -5, -6 */
	/* Supported and enabled: NOP, DEVICE RESET, PACKET. */
	id[82] = 1 << 14 | 1 << 9 | 1 << 4;
	id[83] = 1 << 14; /* words 83-84 valid */
	id[84] = 1 << 14;
	id[85] = id[82];
	id[87] = 1 << 14;
	id[88] = UDMA_MODES | d->udma_selected << 8;
	/* Hardware reset result: this device, set by jumper, passed
	 * diagnostics; device 0 does not answer for device 1. */
	id[93] = d->unit ? 0x4300 : 0x400b;
	put_integrity_word(id);
}
