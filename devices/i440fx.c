/* i440fx.c - the Intel 82441FX PCI and Memory Controller (PMC) of the
 * 440FX chipset, as the host bridge at 00.0 (8086:1237).
 *
 * What a BIOS needs from it is the Programmable Attribute Map: PAM0-PAM6
 * (config 59h-5Fh, 82441FX datasheet §3.2.18) decide, per segment of
 * 0xC0000-0xFFFFF, whether reads and writes go to DRAM or to the PCI/ROM
 * side.  SeaBIOS copies itself into shadow RAM through them and then
 * write-protects it.  Each register holds two 4-bit fields: bits 1:0 for
 * the low segment, bits 5:4 for the high one; in each, bit 0 (RE) sends
 * reads to DRAM and bit 1 (WE) sends writes to DRAM.  PAM0's low field is
 * reserved; its high field covers the 64 KiB BIOS area at 0xF0000.
 * PAM1-6 cover 16 KiB segments from 0xC0000 upward, low field first.
 * The core applies the routing (v3_mem_set_pam in palacios/mem_map.h).
 *
 * SMRAM (72h, §3.2.22) is kept as a register with its lock (D_LCK makes
 * D_OPEN read as 0 and the register read-only but D_CLS) but has no
 * effect: this platform has no SMM.  The other DRAM control registers
 * are not modelled (reads give their zero reset value).
 */
#include "device.h"
#include "pci_bus.h"
#include "vm.h"

#define I440FX_DEVFN	 V3_PCI_DEVFN(0, 0)
#define I440FX_DEVICE_ID 0x1237
#define I440FX_CLASS	 0x060000 /* bridge, host */
#define I440FX_REVISION	 0x02

#define PAM0	   0x59
#define PAM_REGS   7
#define PAM_RE	   0x1
#define PAM_WE	   0x2
#define PAM0_WMASK 0x30 /* high field only */
#define PAM_WMASK  0x33

#define SMRAM	       0x72
#define SMRAM_DEFAULT  0x02 /* C_BASE_SEG = 010b: 0xA0000, hardwired */
#define SMRAM_D_OPEN   0x40
#define SMRAM_D_CLS    0x20
#define SMRAM_D_LCK    0x10
#define SMRAM_G_SMRAME 0x08
#define SMRAM_WMASK    (SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK | SMRAM_G_SMRAME)

#define LEGACY_BASE  0xc0000u
#define SEGMENT_SIZE 0x4000u
#define BIOS_BASE    0xf0000u
#define BIOS_SIZE    0x10000u

struct i440fx {
	struct v3_vm *vm;
	struct v3_pci_func *pci;
	uint8_t pam[PAM_REGS]; /* as last applied */
	bool warned;
};

/* One segment's field: 'high' picks bits 5:4. */
static uint8_t pam_field(uint8_t reg, bool high)
{
	return (high ? reg >> 4 : reg) & (PAM_RE | PAM_WE);
}

static void set_segment(struct i440fx *d, uint32_t base, uint32_t size,
			uint8_t field)
{
	if (v3_mem_set_pam(d->vm, base, size, field & PAM_RE, field & PAM_WE) ==
		0 ||
	    d->warned)
		return;
	/* Without a BIOS image the legacy area is plain RAM. */
	d->warned = true;
	v3_print("%s: i440fx: PAM ignored (no BIOS legacy area)", d->vm->name);
}

/* PAMn (n >= 1): low field at 0xC0000 + (n-1) * 32K, high 16K above. */
static void apply_pam_reg(struct i440fx *d, int n, uint8_t now)
{
	uint8_t was = d->pam[n];
	uint32_t low = LEGACY_BASE + (uint32_t)(n - 1) * 2 * SEGMENT_SIZE;

	if (n == 0) {
		if (pam_field(now, true) != pam_field(was, true))
			set_segment(d, BIOS_BASE, BIOS_SIZE,
				    pam_field(now, true));
	} else {
		if (pam_field(now, false) != pam_field(was, false))
			set_segment(d, low, SEGMENT_SIZE,
				    pam_field(now, false));
		if (pam_field(now, true) != pam_field(was, true))
			set_segment(d, low + SEGMENT_SIZE, SEGMENT_SIZE,
				    pam_field(now, true));
	}
	d->pam[n] = now;
}

static void lock_smram(struct v3_pci_func *f)
{
	uint8_t v = f->config[SMRAM];

	if (!(v & SMRAM_D_LCK))
		return;
	f->config[SMRAM] = v & ~SMRAM_D_OPEN;
	f->wmask[SMRAM] = SMRAM_D_CLS;
}

static void i440fx_config_write(struct v3_pci_func *f, uint32_t off,
				uint32_t len, uint32_t val)
{
	struct i440fx *d = f->priv;

	(void)val;
	if (v3_pci_touches(off, len, PAM0, PAM_REGS))
		for (int n = 0; n < PAM_REGS; n++)
			apply_pam_reg(d, n, f->config[PAM0 + n]);
	if (v3_pci_touches(off, len, SMRAM, 1))
		lock_smram(f);
}

static const struct v3_pci_func_ops i440fx_ops = {
    .config_write = i440fx_config_write,
};

static void i440fx_init_config(struct v3_pci_func *f)
{
	int n;

	f->config[PCI_REVISION_ID] = I440FX_REVISION;
	/* 82441FX PCICMD: memory access and bus master enable hardwired. */
	v3_pci_cfg_set(f, PCI_COMMAND, 2,
		       PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	f->wmask[PCI_COMMAND] &= ~(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	v3_pci_cfg_set(f, PCI_STATUS, 2,
		       PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM);
	/* A host bridge routes no INTx. */
	f->wmask[PCI_INTERRUPT_LINE] = 0;
	f->wmask[PAM0] = PAM0_WMASK;
	for (n = 1; n < PAM_REGS; n++)
		f->wmask[PAM0 + n] = PAM_WMASK;
	f->config[SMRAM] = SMRAM_DEFAULT;
	f->wmask[SMRAM] = SMRAM_WMASK;
}

/* Memory no device claims: the host bridge's PCI cycle ends in a master
 * abort, which reads as all ones and drops writes (PCI 3.0 §6.2.1). */
static int master_abort(struct v3_vcpu *vcpu, struct v3_access *acc,
			void *priv)
{
	(void)vcpu;
	(void)priv;
	if (!acc->write)
		acc->val[0] = ~0ull;
	return 0;
}

static int i440fx_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
			 void **priv, char *err, size_t errlen)
{
	struct i440fx *d = v3_vm_zalloc(vm, sizeof(*d));

	*priv = d;
	if (!d)
		return -1;
	d->vm = vm;
	d->pci = v3_pci_add(vm, I440FX_DEVFN, PCI_VENDOR_INTEL,
			    I440FX_DEVICE_ID, I440FX_CLASS, &i440fx_ops, d);
	if (!d->pci) {
		v3_snprintf(err, errlen,
			    "line %d: i440fx: needs 'device = pci' before it "
			    "and a free slot 00.0",
			    cfg->line);
		return -1;
	}
	/* PAM reset value 0: the legacy area starts as ROM, as the core
	 * maps it, so nothing is applied here. */
	i440fx_init_config(d->pci);
	v3_hook_set_default(vm, V3_HOOK_MMIO, master_abort, d);
	return 0;
}

static void i440fx_destroy(struct v3_vm *vm, void *priv)
{
	/* The function itself belongs to the bus (devices/pci.c). */
	v3_vm_free(vm, priv, sizeof(struct i440fx));
}

V3_DEVICE(i440fx_device, .name = "i440fx", .create = i440fx_create,
	  .destroy = i440fx_destroy);
