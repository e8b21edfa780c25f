/* piix4_pm.c - function 3 of the Intel 82371AB PIIX4 at 01.3 (8086:7113):
 * power management, the ACPI fixed hardware a guest OS drives.
 *
 * SeaBIOS 1.16 builds its ACPI tables (FADT, DSDT, ...) only when it finds
 * this function; it programs PMBASE (config 40h) and PMREGMISC (80h) and
 * describes the registers to the OS in the FADT (src/fw/acpi.c
 * piix4_fadt_setup): PM1a event block at PMBASE (status, enable), PM1a
 * control at PMBASE+4, PM timer at PMBASE+8, GPE0 at 0xAFE0 (4 bytes,
 * where QEMU puts it: outside PMBASE), SCI on IRQ 9, SMI command port
 * 0xB2 with ACPI enable/disable values 0xF1/0xF0.
 *
 * References: Intel 82371AB PIIX4 datasheet, function 3 configuration
 * (PMBA 40h, DEVACTB 58h, PMREGMISC 80h, SMBBA 90h, SMBHSTCFG D2h), the
 * power management I/O registers (PMSTS 00h, PMEN 02h, PMCNTRL 04h, PMTMR
 * 08h) and the APM registers (APMC B2h, APMS B3h); ACPI 1.0b §4.7.3
 * (PM1 status/enable/control bits, write-1-to-clear status) and §4.7.3.3
 * (the 24-bit power management timer at 3.579545 MHz).
 *
 * Choices:
 * - The timer counts host cycles since the device was created; TMR_STS is
 *   set whenever bit 23 toggles (computed when read, and by a timer while
 *   TMR_EN and SCI_EN ask for the interrupt).
 * - SCI is a level on platform line 9: (status & enable) of PM1 or GPE0,
 *   while SCI_EN routes events to SCI rather than SMI.
 * - There is no SMM.  Writing the FADT's ACPI_ENABLE/ACPI_DISABLE to APMC
 *   sets/clears SCI_EN directly (what the firmware's SMI handler would
 *   do, as QEMU does).  DEVACTB.APMC_EN reads as set from reset so
 *   SeaBIOS treats SMM as already initialised (smm.c) instead of waiting
 *   forever for an SMI handler to answer on APMS.
 * - Sleep: SLP_EN with SLP_TYP 0 (S5 and, by default, S4 in SeaBIOS's
 *   tables, as in QEMU's PIIX4) powers the VM off.  Other types (S3) are
 *   not supported and are ignored.
 * - The SMBus host registers are not modelled: SMBBA/SMBHSTCFG are plain
 *   configuration registers.
 */
#include "device.h"
#include "irq.h"
#include "pci_bus.h"
#include "vm.h"

#define PM_DEVFN     V3_PCI_DEVFN(1, 3)
#define PM_DEVICE_ID 0x7113
#define PM_CLASS     0x068000 /* bridge, other */
#define PM_REVISION  0x03

/* Configuration registers. */
#define PMBA		0x40
#define PMBA_IO		0x01 /* RTE: I/O space indicator, hardwired */
#define PMBA_ADDR_MASK	0xffc0
#define PM_IO_SIZE	64
#define DEVACTB		0x58
#define DEVACTB_APMC_EN (1u << 25)
#define DEVRESA_HI	0x5f
#define DEVRESC_HI	0x67
/* Bits SeaBIOS's DSDT reads (acpi-dsdt.dsl, \_SB.PCI0.ISA fields). */
#define DEVRESA_LPT_EN	 0x80
#define DEVRESC_COMA_EN	 0x08
#define DEVRESC_COMB_EN	 0x80
#define PMREGMISC	 0x80
#define PMREGMISC_PMIOSE 0x01
#define SMBBA		 0x90
#define SMBHSTCFG	 0xd2

/* PM I/O registers (offsets from PMBASE). */
#define PM1_STS 0x00
#define PM1_EN	0x02
#define PM1_CNT 0x04
#define PM_TMR	0x08

#define PM1_TMR	     0x0001 /* TMROF_STS / TMROF_EN */
#define PM1_GBL	     0x0020
#define PM1_PWRBTN   0x0100
#define PM1_RTC	     0x0400
#define PM1_EVENTS   (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_RTC)
#define PM1_STS_MASK (PM1_EVENTS | 0x0010 | 0x0800 | 0x8000) /* BM, OR, WAK */

#define CNT_SCI_EN	  0x0001
#define CNT_BM_RLD	  0x0002
#define CNT_SLP_TYP_SHIFT 10
#define CNT_SLP_TYP	  (7u << CNT_SLP_TYP_SHIFT)
#define CNT_SLP_EN	  0x2000 /* write-only */
#define CNT_STORED	  (CNT_SCI_EN | CNT_BM_RLD | CNT_SLP_TYP)
#define SLP_TYP_SOFT_OFF  0

#define PMTMR_HZ	3579545ull
#define PMTMR_MSB_SHIFT 23 /* TMR_STS: bit 23 of the 24-bit counter toggled */
#define PMTMR_MASK	0xffffffu

/* APM control/status and the FADT's SMI command values (SeaBIOS
 * dev-piix.h PIIX_ACPI_ENABLE/DISABLE). */
#define APMC_PORT    0xb2
#define APMS_PORT    0xb3
#define ACPI_ENABLE  0xf1
#define ACPI_DISABLE 0xf0

#define DEFAULT_SCI_IRQ	  9
#define DEFAULT_GPE0_PORT 0xafe0
#define GPE0_LEN	  4 /* 2 bytes status, 2 bytes enable */

struct piix4_pm {
	struct v3_vm *vm;
	struct v3_pci_func *pci;
	void *lock;
	int sci_irq;
	uint16_t gpe0_port;
	uint16_t io_base; /* where the PM block is hooked; 0: nowhere */
	bool sci_level;

	uint16_t pm1_sts, pm1_en, pm1_cnt;
	uint8_t gpe_sts[2], gpe_en[2];
	uint8_t apmc, apms;

	uint64_t epoch, hz; /* host cycles at count 0; host cycles/s */
	uint64_t msb_toggles;
	struct v3_timer tmr_timer;
	uint64_t timer_toggle; /* the toggle tmr_timer is armed for */
};

/* ---- timer --------------------------------------------------------------- */

/* PM timer ticks since creation, without overflowing 64 bits. */
static uint64_t pm_ticks(const struct piix4_pm *pm)
{
	uint64_t c = v3_cycles() - pm->epoch;

	return c / pm->hz * PMTMR_HZ + c % pm->hz * PMTMR_HZ / pm->hz;
}

/* TMR_STS records every toggle of bit 23 since the guest last looked. */
static void catch_up_timer(struct piix4_pm *pm, uint64_t ticks)
{
	uint64_t toggles = ticks >> PMTMR_MSB_SHIFT;

	if (toggles != pm->msb_toggles)
		pm->pm1_sts |= PM1_TMR;
	pm->msb_toggles = toggles;
}

static bool sci_wanted(const struct piix4_pm *pm)
{
	if (!(pm->pm1_cnt & CNT_SCI_EN))
		return false;
	return (pm->pm1_sts & pm->pm1_en & PM1_EVENTS) ||
	       (pm->gpe_sts[0] & pm->gpe_en[0]) ||
	       (pm->gpe_sts[1] & pm->gpe_en[1]);
}

/* Host cycle count at which the timer reaches 'ticks' (rounded up). */
static uint64_t ticks_to_cycles(const struct piix4_pm *pm, uint64_t ticks)
{
	return pm->epoch + ticks / PMTMR_HZ * pm->hz +
	       (ticks % PMTMR_HZ * pm->hz + PMTMR_HZ - 1) / PMTMR_HZ;
}

/* Arm the overflow timer only while it can raise an SCI. */
static void schedule_timer(struct piix4_pm *pm)
{
	if (!(pm->pm1_en & PM1_TMR) || !(pm->pm1_cnt & CNT_SCI_EN)) {
		if (pm->tmr_timer.armed)
			v3_timer_cancel(pm->vm, &pm->tmr_timer);
		return;
	}
	/* Guests read the timer often: re-arm only for a new toggle. */
	if (pm->tmr_timer.armed && pm->timer_toggle == pm->msb_toggles + 1)
		return;
	pm->timer_toggle = pm->msb_toggles + 1;
	v3_timer_arm_at(
	    pm->vm, &pm->tmr_timer,
	    ticks_to_cycles(pm, pm->timer_toggle << PMTMR_MSB_SHIFT));
}

/* Bring the SCI line and the timer in line with the registers. */
static void update(struct piix4_pm *pm)
{
	bool level;

	catch_up_timer(pm, pm_ticks(pm));
	level = sci_wanted(pm);
	if (level != pm->sci_level) {
		pm->sci_level = level;
		v3_irq_set(pm->vm, pm->sci_irq, level);
	}
	schedule_timer(pm);
}

static void tmr_timer_fire(struct v3_vm *vm, void *priv)
{
	struct piix4_pm *pm = priv;
	unsigned long flags = v3_host->lock_irqsave(pm->lock);

	(void)vm;
	update(pm);
	v3_host->unlock_irqrestore(pm->lock, flags);
}

/* ---- PM I/O block -------------------------------------------------------- */

static uint8_t pm_read_byte(const struct piix4_pm *pm, uint32_t off,
			    uint64_t ticks)
{
	int shift = 8 * (off & 1);

	switch (off & ~1u) {
	case PM1_STS: return pm->pm1_sts >> shift;
	case PM1_EN: return pm->pm1_en >> shift;
	case PM1_CNT: return pm->pm1_cnt >> shift;
	case PM_TMR:
	case PM_TMR + 2: return (ticks & PMTMR_MASK) >> (8 * (off - PM_TMR));
	default: return 0; /* registers not modelled read their reset value */
	}
}

/* Returns the sleep type the byte asked for with SLP_EN, or -1. */
static int pm_write_byte(struct piix4_pm *pm, uint32_t off, uint8_t b)
{
	int shift = 8 * (off & 1);
	uint16_t v = (uint16_t)(b << shift), keep = (uint16_t) ~(0xff << shift);

	switch (off & ~1u) {
	case PM1_STS: /* write 1 to clear */
		pm->pm1_sts &= ~(v & PM1_STS_MASK);
		break;
	case PM1_EN: pm->pm1_en = (pm->pm1_en & keep) | (v & PM1_EVENTS); break;
	case PM1_CNT:
		pm->pm1_cnt = (pm->pm1_cnt & keep) | (v & CNT_STORED);
		if (v & CNT_SLP_EN)
			return (v & CNT_SLP_TYP) >> CNT_SLP_TYP_SHIFT;
		break;
	default: break;
	}
	return -1;
}

static void sleep_request(struct piix4_pm *pm, int type)
{
	if (type == SLP_TYP_SOFT_OFF) {
		v3_vm_request_stop(pm->vm, 0, "guest ACPI power-off");
		return;
	}
	v3_print("%s: piix4_pm: sleep type %d is not supported, ignored",
		 pm->vm->name, type);
}

static int pm_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct piix4_pm *pm = priv;
	uint32_t off = (uint32_t)acc->addr - pm->io_base, i;
	unsigned long flags = v3_host->lock_irqsave(pm->lock);
	int sleep = -1;

	(void)vcpu;
	if (acc->write) {
		for (i = 0; i < acc->len && off + i < PM_IO_SIZE; i++) {
			int t = pm_write_byte(
			    pm, off + i, (uint8_t)(acc->val[0] >> (8 * i)));
			if (t >= 0)
				sleep = t;
		}
	} else {
		uint64_t ticks = pm_ticks(pm);

		catch_up_timer(pm, ticks);
		acc->val[0] = 0;
		for (i = 0; i < acc->len && off + i < PM_IO_SIZE; i++)
			acc->val[0] |=
			    (uint64_t)pm_read_byte(pm, off + i, ticks)
			    << (8 * i);
	}
	update(pm);
	v3_host->unlock_irqrestore(pm->lock, flags);
	if (sleep >= 0)
		sleep_request(pm, sleep);
	return 0;
}

static int gpe0_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct piix4_pm *pm = priv;
	uint32_t off = (uint32_t)acc->addr - pm->gpe0_port, i;
	unsigned long flags = v3_host->lock_irqsave(pm->lock);

	(void)vcpu;
	if (!acc->write)
		acc->val[0] = 0;
	for (i = 0; i < acc->len && off + i < GPE0_LEN; i++) {
		uint32_t r = off + i;
		uint8_t b = (uint8_t)(acc->val[0] >> (8 * i));
		uint8_t *reg = r < 2 ? &pm->gpe_sts[r] : &pm->gpe_en[r - 2];

		if (!acc->write)
			acc->val[0] |= (uint64_t)*reg << (8 * i);
		else if (r < 2)
			*reg &= ~b; /* status: write 1 to clear */
		else
			*reg = b;
	}
	update(pm);
	v3_host->unlock_irqrestore(pm->lock, flags);
	return 0;
}

static int apm_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct piix4_pm *pm = priv;
	uint8_t *reg = acc->addr == APMC_PORT ? &pm->apmc : &pm->apms;
	uint8_t b = (uint8_t)acc->val[0];
	unsigned long flags;

	(void)vcpu;
	if (acc->len != 1)
		return -1;
	flags = v3_host->lock_irqsave(pm->lock);
	if (!acc->write) {
		acc->val[0] = *reg;
	} else {
		*reg = b;
		if (acc->addr == APMC_PORT && b == ACPI_ENABLE)
			pm->pm1_cnt |= CNT_SCI_EN;
		else if (acc->addr == APMC_PORT && b == ACPI_DISABLE)
			pm->pm1_cnt &= ~CNT_SCI_EN;
		update(pm);
	}
	v3_host->unlock_irqrestore(pm->lock, flags);
	return 0;
}

/* ---- configuration space ------------------------------------------------- */

/* PMBASE takes effect while PMREGMISC.PMIOSE is set. */
static void map_pm_block(struct piix4_pm *pm)
{
	struct v3_pci_func *f = pm->pci;
	uint16_t base = (uint16_t)v3_pci_cfg_read(f, PMBA, 2) & PMBA_ADDR_MASK;

	if (!(f->config[PMREGMISC] & PMREGMISC_PMIOSE))
		base = 0;
	if (base == pm->io_base)
		return;
	if (pm->io_base)
		v3_hook_del(pm->vm, V3_HOOK_IO, pm->io_base);
	pm->io_base = 0;
	if (!base)
		return;
	if (v3_hook_add(pm->vm, V3_HOOK_IO, base, base + PM_IO_SIZE - 1, pm_io,
			pm) != 0) {
		v3_print("%s: piix4_pm: PMBASE 0x%x overlaps other ports, "
			 "not decoded",
			 pm->vm->name, base);
		return;
	}
	pm->io_base = base;
}

static void pm_config_write(struct v3_pci_func *f, uint32_t off, uint32_t len,
			    uint32_t val)
{
	(void)val;
	if (v3_pci_touches(off, len, PMBA, 4) ||
	    v3_pci_touches(off, len, PMREGMISC, 1))
		map_pm_block(f->priv);
}

static const struct v3_pci_func_ops pm_ops = {
    .config_write = pm_config_write,
};

static void pm_init_config(struct v3_pci_func *f, uint8_t devresa,
			   uint8_t devresc)
{
	f->config[PCI_REVISION_ID] = PM_REVISION;
	f->config[PCI_INTERRUPT_PIN] = 1; /* INTA# */
	v3_pci_cfg_set(f, PCI_STATUS, 2,
		       PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM);
	v3_pci_cfg_set(f, PMBA, 4, PMBA_IO);
	f->wmask[PMBA] = PMBA_ADDR_MASK & 0xff;
	f->wmask[PMBA + 1] = PMBA_ADDR_MASK >> 8;
	v3_pci_cfg_set(f, DEVACTB, 4, DEVACTB_APMC_EN);
	v3_memset(&f->wmask[DEVACTB], 0xff, 4);
	f->config[DEVRESA_HI] = devresa;
	f->config[DEVRESC_HI] = devresc;
	f->wmask[PMREGMISC] = PMREGMISC_PMIOSE;
	v3_pci_cfg_set(f, SMBBA, 4, PMBA_IO);
	f->wmask[SMBBA] = 0xf0;
	f->wmask[SMBBA + 1] = 0xff;
	f->wmask[SMBHSTCFG] = 0x0f;
}

/* ---- device -------------------------------------------------------------- */

static int parse_options(struct piix4_pm *pm, const struct v3_cfg_device *cfg,
			 uint8_t *devresa, uint8_t *devresc, char *err,
			 size_t errlen)
{
	uint64_t sci, gpe0, com1, com2, lpt;

	if (v3_dev_opt_u64(cfg, "sci", DEFAULT_SCI_IRQ, &sci, err, errlen) ||
	    v3_dev_opt_u64(cfg, "gpe0", DEFAULT_GPE0_PORT, &gpe0, err,
			   errlen) ||
	    v3_dev_opt_u64(cfg, "com1", 1, &com1, err, errlen) ||
	    v3_dev_opt_u64(cfg, "com2", 0, &com2, err, errlen) ||
	    v3_dev_opt_u64(cfg, "lpt", 0, &lpt, err, errlen))
		return -1;
	if (sci >= 16 || gpe0 == 0 || gpe0 > 0x10000 - GPE0_LEN) {
		v3_snprintf(err, errlen,
			    "line %d: piix4_pm: sci must be an ISA IRQ (0-15), "
			    "gpe0 a port",
			    cfg->line);
		return -1;
	}
	pm->sci_irq = (int)sci;
	pm->gpe0_port = (uint16_t)gpe0;
	*devresa = lpt ? DEVRESA_LPT_EN : 0;
	*devresc = (com1 ? DEVRESC_COMA_EN : 0) | (com2 ? DEVRESC_COMB_EN : 0);
	return 0;
}

static int hook_fixed_ports(struct piix4_pm *pm)
{
	return v3_hook_add(pm->vm, V3_HOOK_IO, pm->gpe0_port,
			   pm->gpe0_port + GPE0_LEN - 1, gpe0_io, pm) ||
	       v3_hook_add(pm->vm, V3_HOOK_IO, APMC_PORT, APMS_PORT, apm_io,
			   pm);
}

static int pm_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
		     void **priv, char *err, size_t errlen)
{
	struct piix4_pm *pm = v3_vm_zalloc(vm, sizeof(*pm));
	uint8_t devresa, devresc;

	*priv = pm;
	if (!pm)
		return -1;
	pm->vm = vm;
	pm->epoch = v3_cycles();
	pm->hz = v3_host->cpu_khz() * 1000;
	pm->tmr_timer.fn = tmr_timer_fire;
	pm->tmr_timer.priv = pm;
	pm->lock = v3_host->lock_alloc();
	if (!pm->lock || !pm->hz) {
		v3_snprintf(err, errlen,
			    "line %d: piix4_pm: no lock or no cycle rate",
			    cfg->line);
		return -1;
	}
	if (parse_options(pm, cfg, &devresa, &devresc, err, errlen))
		return -1;
	pm->pci = v3_pci_add(vm, PM_DEVFN, PCI_VENDOR_INTEL, PM_DEVICE_ID,
			     PM_CLASS, &pm_ops, pm);
	if (!pm->pci) {
		v3_snprintf(err, errlen,
			    "line %d: piix4_pm: needs 'device = pci' before "
			    "it and a free slot 01.3",
			    cfg->line);
		return -1;
	}
	pm_init_config(pm->pci, devresa, devresc);
	if (hook_fixed_ports(pm)) {
		v3_snprintf(err, errlen,
			    "line %d: piix4_pm: ports 0x%x-0x%x or 0xb2-0xb3 "
			    "are taken",
			    cfg->line, pm->gpe0_port,
			    pm->gpe0_port + GPE0_LEN - 1);
		return -1;
	}
	return 0;
}

static void pm_destroy(struct v3_vm *vm, void *priv)
{
	struct piix4_pm *pm = priv;

	v3_timer_cancel(vm, &pm->tmr_timer);
	if (pm->lock)
		v3_host->lock_free(pm->lock);
	v3_vm_free(vm, pm, sizeof(*pm));
}

V3_DEVICE(piix4_pm_device, .name = "piix4_pm", .create = pm_create,
	  .destroy = pm_destroy);
