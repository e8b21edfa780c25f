/* test_platform.c - the PCI platform SeaBIOS boots on: PCI configuration
 * mechanism #1 (devices/pci.c), the i440FX host bridge's PAM registers,
 * the PIIX3 PIRQ router and reset register, the PIIX4 power management
 * function (ACPI PM1, PM timer, SCI, power-off) and QEMU's fw_cfg.
 * Everything is driven through port accesses, the way SeaBIOS and Linux
 * drive it, on the fake VM of tests/unit/fake_vm.c. */
#include <stdlib.h>
#include <string.h>

#include "fake_vm.h"
#include "fw_cfg.h"
#include "pci_bus.h"
#include "unit.h"

/* tests/unit/fake_vm_pci.c */
void fake_pci_set_ram(void *mem, uint64_t size);
int fake_pam_count(void);
bool fake_pam_get(int i, uint64_t *gpa, uint64_t *size, bool *read_ram,
		  bool *write_ram);
void fake_pam_reset(int result);

#define PLATFORM                                                               \
	"device = pci\n"                                                       \
	"device = i440fx\n"                                                    \
	"device = piix3\n"                                                     \
	"device = piix4_pm\n"                                                  \
	"device = fw_cfg boot=cdrom\n"

#define MIB	       (1024ull * 1024)
#define GUEST_RAM_SIZE (1 * MIB)
#define PMBASE	       0xb000
#define FW_SELECT      0x510
#define FW_DATA	       0x511
#define FW_DMA_HIGH    0x514
#define FW_DMA_LOW     0x518

static uint8_t guest_ram[GUEST_RAM_SIZE];

static struct v3_vm *new_vm(const char *devices, uint64_t ram, int vcpus)
{
	char err[160] = "";
	struct v3_vm *vm =
	    fake_vm_create(devices, ram, vcpus, err, sizeof(err));

	if (!vm)
		diag("fake_vm_create: %s", err);
	return vm;
}

/* A configuration that must be refused; its message must mention 'what'. */
static void check_refused(const char *devices, const char *what)
{
	char err[160] = "";
	struct v3_vm *vm =
	    fake_vm_create(devices, 64 * MIB, 1, err, sizeof(err));

	report(!vm && strstr(err, what), "refused: %s", err);
	if (vm)
		fake_vm_destroy(vm);
}

static void check_no_leak(struct v3_vm *vm, const char *what)
{
	uint64_t left = fake_vm_destroy(vm);

	report(left == 0, "%s: destroy frees everything (%llu bytes left)",
	       what, (unsigned long long)left);
}

/* ---- configuration mechanism #1 as a guest uses it ----------------------- */

static uint32_t conf_addr(int bus, int dev, int fn, int reg)
{
	return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

static uint32_t cfg_read(struct v3_vm *vm, int dev, int fn, int reg,
			 unsigned len)
{
	fake_out(vm, 0xcf8, 4, conf_addr(0, dev, fn, reg));
	return fake_in(vm, 0xcfc + (reg & 3), len);
}

static void cfg_write(struct v3_vm *vm, int dev, int fn, int reg, unsigned len,
		      uint32_t val)
{
	fake_out(vm, 0xcf8, 4, conf_addr(0, dev, fn, reg));
	fake_out(vm, 0xcfc + (reg & 3), len, val);
}

static void test_config_mechanism(struct v3_vm *vm)
{
	fake_out(vm, 0xcf8, 4, 0x80000000);
	report(fake_in(vm, 0xcf8, 4) == 0x80000000,
	       "CONFADD reads back 0x80000000 (SeaBIOS's probe)");
	fake_out(vm, 0xcf8, 4, 0xffffffff);
	report(fake_in(vm, 0xcf8, 4) == 0x80fffffc,
	       "CONFADD reserved bits read 0: %#x", fake_in(vm, 0xcf8, 4));
	fake_in(vm, 0xcfb, 1);
	report(!fake_last_io_hooked(),
	       "byte access at 0xcfb is not the PCI host's");

	report(cfg_read(vm, 0, 0, 0, 4) == 0x12378086,
	       "00.0 is the i440FX 8086:1237");
	report(cfg_read(vm, 0, 0, 0x2c, 4) == 0x11001af4,
	       "00.0 subsystem 1af4:1100 (SeaBIOS's QEMU check)");
	report(cfg_read(vm, 0, 0, 0x0a, 2) == 0x0600, "00.0 class host bridge");
	report(!(cfg_read(vm, 0, 0, 0x0e, 1) & 0x80),
	       "00.0 is single-function");
	report(cfg_read(vm, 1, 0, 0, 4) == 0x70008086,
	       "01.0 is the PIIX3 8086:7000");
	report(cfg_read(vm, 1, 0, 0x0a, 2) == 0x0601, "01.0 class ISA bridge");
	report(cfg_read(vm, 1, 0, 0x0e, 1) & 0x80,
	       "01.0 has the multi-function bit");
	report(cfg_read(vm, 1, 3, 0, 4) == 0x71138086,
	       "01.3 is the PIIX4 PM 8086:7113");
	report(cfg_read(vm, 1, 3, 0x0a, 2) == 0x0680, "01.3 class 0680");
	report(cfg_read(vm, 2, 0, 0, 4) == 0xffffffff,
	       "empty slot 02.0 reads all ones");
	report(cfg_read(vm, 1, 1, 0, 2) == 0xffff,
	       "absent function 01.1 reads all ones");
	fake_out(vm, 0xcf8, 4, conf_addr(1, 0, 0, 0));
	report(fake_in(vm, 0xcfc, 4) == 0xffffffff, "bus 1 reads all ones");
	fake_out(vm, 0xcf8, 4, conf_addr(0, 0, 0, 0) & ~0x80000000u);
	report(fake_in(vm, 0xcfc, 4) == 0xffffffff,
	       "disabled CONFADD reads all ones");
	report(cfg_read(vm, 0, 0, 0x02, 2) == 0x1237 &&
		   cfg_read(vm, 0, 0, 0x03, 1) == 0x12,
	       "word and byte reads at 0xcfe/0xcff");
	cfg_write(vm, 0, 0, 0, 4, 0xdeadbeef);
	report(cfg_read(vm, 0, 0, 0, 4) == 0x12378086,
	       "vendor ID is read-only");
	report(cfg_read(vm, 1, 3, 0x3d, 1) == 1, "01.3 uses INTA#");
	cfg_write(vm, 1, 3, 0x3c, 1, 9);
	cfg_write(vm, 1, 3, 0x3d, 1, 3);
	report(cfg_read(vm, 1, 3, 0x3c, 2) == 0x0109,
	       "interrupt line writable, pin read-only");
}

/* ---- a test function with BARs, added as a device model would ------------ */

struct moved {
	int bar;
	uint64_t addr;
};

static struct moved moves[16];
static int nmoves;

static void record_move(struct v3_pci_func *f, int bar, uint64_t addr)
{
	(void)f;
	if (nmoves < 16)
		moves[nmoves++] = (struct moved){bar, addr};
}

static const struct v3_pci_func_ops test_ops = {.bar_moved = record_move};

static bool moved_to(int bar, uint64_t addr)
{
	return nmoves == 1 && moves[0].bar == bar && moves[0].addr == addr;
}

static void test_bars(struct v3_vm *vm)
{
	struct v3_pci_func *f = v3_pci_add(vm, V3_PCI_DEVFN(3, 0), 0x1234,
					   0x5678, 0x010802, &test_ops, NULL);

	report(f != NULL, "a model adds function 03.0");
	if (!f)
		return;
	report(!v3_pci_add(vm, V3_PCI_DEVFN(3, 0), 1, 2, 0, NULL, NULL),
	       "the same slot cannot be added twice");
	v3_pci_set_bar(f, 0, 0x4000, false);
	v3_pci_set_bar(f, 1, 32, true);
	report(cfg_read(vm, 3, 0, 0x08, 4) == 0x01080200,
	       "class code and prog-if in place");
	cfg_write(vm, 3, 0, 0x10, 4, 0xffffffff);
	report(cfg_read(vm, 3, 0, 0x10, 4) == 0xffffc000,
	       "memory BAR sizing reads ~(16K-1): %#x",
	       cfg_read(vm, 3, 0, 0x10, 4));
	cfg_write(vm, 3, 0, 0x14, 4, 0xffffffff);
	report(cfg_read(vm, 3, 0, 0x14, 4) == 0xffffffe1,
	       "I/O BAR sizing reads ~(32-1) with the I/O bit: %#x",
	       cfg_read(vm, 3, 0, 0x14, 4));
	cfg_write(vm, 3, 0, 0x18, 4, 0xffffffff);
	report(cfg_read(vm, 3, 0, 0x18, 4) == 0, "unused BAR reads 0");
	report(nmoves == 0, "no decode while the command register is 0");

	cfg_write(vm, 3, 0, 0x10, 4, 0xfeb00000);
	cfg_write(vm, 3, 0, 0x14, 4, 0xc001);
	report(nmoves == 0, "BAR writes without decode move nothing");
	cfg_write(vm, 3, 0, 0x04, 2, PCI_COMMAND_MEMORY);
	report(moved_to(0, 0xfeb00000), "MEM enable maps BAR0 at 0xfeb00000");
	nmoves = 0;
	cfg_write(vm, 3, 0, 0x04, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	report(moved_to(1, 0xc000), "IO enable maps BAR1 at 0xc000");
	nmoves = 0;
	cfg_write(vm, 3, 0, 0x10, 4, 0xffffffff);
	report(moved_to(0, 0), "sizing with decode on unmaps BAR0");
	nmoves = 0;
	cfg_write(vm, 3, 0, 0x10, 4, 0xfeb00000);
	report(moved_to(0, 0xfeb00000), "restoring it maps it again");
	nmoves = 0;
	cfg_write(vm, 3, 0, 0x04, 2, PCI_COMMAND_IO);
	report(moved_to(0, 0), "MEM disable unmaps BAR0");
	nmoves = 0;
	cfg_write(vm, 3, 0, 0x04, 2, 0xffff);
	report(cfg_read(vm, 3, 0, 0x04, 2) == 0x0547,
	       "command register keeps only its writable bits: %#x",
	       cfg_read(vm, 3, 0, 0x04, 2));
	cfg_write(vm, 3, 0, 0x04, 2, 0);
	nmoves = 0;

	report(!(cfg_read(vm, 3, 0, 0x0e, 1) & 0x80),
	       "03.0 single-function so far");
	v3_pci_add(vm, V3_PCI_DEVFN(3, 2), 0x1234, 0x5679, 0, NULL, NULL);
	report(cfg_read(vm, 3, 0, 0x0e, 1) & 0x80,
	       "adding 03.2 sets 03.0's multi-function bit");
}

/* ---- INTx through the PIIX3 router --------------------------------------- */

static struct v3_pci_func *func_at(struct v3_vm *vm, int dev, int fn,
				   uint8_t pin)
{
	struct v3_pci_func *f =
	    v3_pci_add(vm, V3_PCI_DEVFN(dev, fn), 0x1234,
		       (uint16_t)(dev << 8 | fn), 0, NULL, NULL);

	if (f)
		f->config[PCI_INTERRUPT_PIN] = pin;
	return f;
}

static void route(struct v3_vm *vm, int pirq, uint8_t val)
{
	cfg_write(vm, 1, 0, 0x60 + pirq, 1, val);
}

static void test_intx(struct v3_vm *vm)
{
	struct v3_pci_func *a = func_at(vm, 4, 0, 1); /* PIRQ (0+4-1)&3 = D */
	struct v3_pci_func *b = func_at(vm, 5, 0, 4); /* (3+5-1)&3 = D */
	struct v3_pci_func *c = func_at(vm, 6, 0, 2); /* (1+6-1)&3 = C */

	if (!a || !b || !c) {
		report(false, "test functions added");
		return;
	}
	report(cfg_read(vm, 1, 0, 0x60, 4) == 0x80808080,
	       "PIRQRC A-D reset to disabled");
	v3_pci_set_irq(a, true);
	report(!fake_irq_level(vm, 10) && !fake_irq_level(vm, 11),
	       "disabled PIRQ routes nowhere");
	route(vm, 3, 11);
	report(fake_irq_level(vm, 11),
	       "routing PIRQD to 11 raises the pending INTA of dev 4");
	report(cfg_read(vm, 4, 0, 0x06, 2) & PCI_STATUS_INTERRUPT,
	       "status shows the interrupt");
	route(vm, 3, 10);
	report(!fake_irq_level(vm, 11) && fake_irq_level(vm, 10),
	       "rerouting moves the level from 11 to 10");
	v3_pci_set_irq(b, true);
	v3_pci_set_irq(a, false);
	report(fake_irq_level(vm, 10), "shared PIRQD stays high for dev 5");
	v3_pci_set_irq(b, false);
	report(!fake_irq_level(vm, 10), "line drops when both are low");

	route(vm, 2, 11);
	v3_pci_set_irq(c, true);
	report(fake_irq_level(vm, 11) && !fake_irq_level(vm, 10),
	       "dev 6 INTB is PIRQC (the i440FX board swizzle)");
	cfg_write(vm, 6, 0, 0x04, 2, PCI_COMMAND_INTX_DISABLE);
	report(!fake_irq_level(vm, 11) &&
		   (cfg_read(vm, 6, 0, 0x06, 2) & PCI_STATUS_INTERRUPT),
	       "Interrupt Disable drops the line, status still set");
	cfg_write(vm, 6, 0, 0x04, 2, 0);
	report(fake_irq_level(vm, 11), "clearing it raises the line again");
	route(vm, 2, 2);
	report(!fake_irq_level(vm, 11) && !fake_irq_level(vm, 2),
	       "reserved IRQ value 2 routes nowhere");
	route(vm, 2, 0x8b);
	report(!fake_irq_level(vm, 11), "bit 7 disables the routing");
	v3_pci_set_irq(c, false);
}

/* ---- i440FX PAM ---------------------------------------------------------- */

static bool pam_called(uint64_t gpa, uint64_t size, bool r, bool w)
{
	uint64_t g, s;
	bool rr, ww;
	int i;

	for (i = 0; fake_pam_get(i, &g, &s, &rr, &ww); i++)
		if (g == gpa && s == size && rr == r && ww == w)
			return true;
	return false;
}

static void test_pam(struct v3_vm *vm)
{
	uint32_t lo, hi;

	fake_pam_reset(0);
	/* SeaBIOS's make_bios_writable: dwords at 0x58 and 0x5c. */
	lo = cfg_read(vm, 0, 0, 0x58, 4);
	hi = cfg_read(vm, 0, 0, 0x5c, 4);
	report(lo == 0 && hi == 0, "PAM registers reset to 0");
	cfg_write(vm, 0, 0, 0x58, 4, 0x33333000);
	cfg_write(vm, 0, 0, 0x5c, 4, 0x33333333);
	report(fake_pam_count() == 13, "13 segments unlocked (%d calls)",
	       fake_pam_count());
	report(pam_called(0xf0000, 0x10000, true, true),
	       "PAM0 high: 0xF0000-0xFFFFF read/write RAM");
	report(pam_called(0xc0000, 0x4000, true, true) &&
		   pam_called(0xc4000, 0x4000, true, true),
	       "PAM1 low/high: 0xC0000 and 0xC4000");
	report(pam_called(0xec000, 0x4000, true, true), "PAM6 high: 0xEC000");
	report(cfg_read(vm, 0, 0, 0x59, 1) == 0x30,
	       "PAM0's low field is reserved");

	fake_pam_reset(0);
	cfg_write(vm, 0, 0, 0x58, 4, 0x33333000);
	report(fake_pam_count() == 0,
	       "rewriting the same value remaps nothing");
	cfg_write(vm, 0, 0, 0x59, 1, 0x10);
	report(fake_pam_count() == 1 &&
		   pam_called(0xf0000, 0x10000, true, false),
	       "0x10: BIOS area read-only (reads RAM, writes dropped)");
	fake_pam_reset(0);
	cfg_write(vm, 0, 0, 0x5a, 1, 0x21);
	report(fake_pam_count() == 2 &&
		   pam_called(0xc0000, 0x4000, true, false) &&
		   pam_called(0xc4000, 0x4000, false, true),
	       "PAM1 0x21: low read-only, high write-only");

	report(cfg_read(vm, 0, 0, 0x72, 1) == 0x02, "SMRAM resets to 0x02");
	cfg_write(vm, 0, 0, 0x72, 1, 0x4a);
	report(cfg_read(vm, 0, 0, 0x72, 1) == 0x4a, "SMRAM D_OPEN writable");
	cfg_write(vm, 0, 0, 0x72, 1, 0x5a);
	cfg_write(vm, 0, 0, 0x72, 1, 0x4a);
	report(cfg_read(vm, 0, 0, 0x72, 1) == 0x1a,
	       "D_LCK closes D_OPEN and sticks: %#x",
	       cfg_read(vm, 0, 0, 0x72, 1));
}

/* ---- PIIX4 power management ---------------------------------------------- */

static uint32_t pm_timer(struct v3_vm *vm)
{
	return fake_in(vm, PMBASE + 8, 4);
}

static void test_pm_timer(struct v3_vm *vm)
{
	uint32_t t0, t1;

	t0 = pm_timer(vm);
	fake_advance_us(1000);
	t1 = pm_timer(vm);
	report(t1 - t0 >= 3579 && t1 - t0 <= 3580,
	       "1 ms is 3579.545 PM timer ticks (%u)", t1 - t0);
	fake_advance_us(10 * 1000 * 1000);
	report(((pm_timer(vm) - t1) & 0xffffff) == 35795450 % 0x1000000,
	       "the counter is 24 bits wide and wraps");
	report(pm_timer(vm) <= 0xffffff, "upper byte reads 0");
}

static void test_pm(struct v3_vm *vm)
{
	report(cfg_read(vm, 1, 3, 0x58, 4) & (1u << 25),
	       "DEVACTB.APMC_EN set: SeaBIOS skips SMM setup");
	cfg_write(vm, 1, 3, 0x40, 4, PMBASE | 1);
	report(cfg_read(vm, 1, 3, 0x40, 4) == (PMBASE | 1),
	       "PMBASE reads back with the I/O bit");
	fake_in(vm, PMBASE + 8, 4);
	report(!fake_last_io_hooked(), "PM block off until PMREGMISC.PMIOSE");
	cfg_write(vm, 1, 3, 0x80, 1, 1);
	fake_in(vm, PMBASE + 8, 4);
	report(fake_last_io_hooked(), "PM block decoded at PMBASE");
	test_pm_timer(vm);

	report(!(fake_in(vm, PMBASE + 4, 2) & 1), "SCI_EN clear at reset");
	fake_outb(vm, 0xb2, 0xf1);
	report(fake_in(vm, PMBASE + 4, 2) & 1,
	       "ACPI_ENABLE (0xf1) to SMI_CMD sets SCI_EN");
	fake_outb(vm, 0xb2, 0xf0);
	report(!(fake_in(vm, PMBASE + 4, 2) & 1), "ACPI_DISABLE clears it");
	fake_outb(vm, 0xb3, 0x5a);
	report(fake_inb(vm, 0xb3) == 0x5a, "APMS is a scratch register");

	/* TMR_STS: bit 23 toggles every 2^23 ticks, ~2.34 s. */
	fake_out(vm, PMBASE, 2, 0xffff);
	report(fake_in(vm, PMBASE, 2) == 0, "PM1 status clears by writing 1s");
	fake_out(vm, PMBASE + 4, 2, 1);
	fake_out(vm, PMBASE + 2, 2, 1);
	report(fake_in(vm, PMBASE + 2, 2) == 1, "TMR_EN set");
	fake_irq_reset();
	fake_run_for(vm, 3ull * FAKE_CPU_KHZ * 1000, FAKE_CPU_KHZ * 10);
	report(fake_irq_level(vm, 9) && fake_irq_edges(9) == 1,
	       "timer overflow raises SCI on IRQ 9 (level)");
	report(fake_in(vm, PMBASE, 2) & 1, "TMR_STS set");
	fake_out(vm, PMBASE, 2, 1);
	report(!fake_irq_level(vm, 9) && !(fake_in(vm, PMBASE, 2) & 1),
	       "clearing TMR_STS drops SCI");
	fake_out(vm, PMBASE + 2, 2, 0);

	fake_outb(vm, 0xafe2, 0x04);
	report(fake_in(vm, 0xafe0, 4) == 0x00040000,
	       "GPE0 block at 0xafe0: enable written, status 0");
	fake_outb(vm, 0xafe2, 0);

	cfg_write(vm, 1, 3, 0x40, 4, 0xc001);
	fake_in(vm, PMBASE + 8, 4);
	report(!fake_last_io_hooked(), "moving PMBASE unhooks the old block");
	fake_in(vm, 0xc008, 4);
	report(fake_last_io_hooked(), "and hooks the new one");
	cfg_write(vm, 1, 3, 0x40, 4, PMBASE | 1);

	fake_out(vm, PMBASE + 4, 2, 1 << 10 | 1 << 13 | 1);
	report(!vm->stop_requested, "sleep type 1 (S3) is ignored");
	report(!(fake_in(vm, PMBASE + 4, 2) & 0x2000), "SLP_EN reads 0");
	fake_out(vm, PMBASE + 4, 2, 1 << 13 | 1);
	report(vm->stop_requested && vm->exit_status == 0 &&
		   strcmp(vm->stop_reason, "guest ACPI power-off") == 0,
	       "SLP_EN with type 0 (S5) powers off: '%s'", vm->stop_reason);
}

/* ---- PIIX3 reset control ------------------------------------------------- */

static void test_reset_control(void)
{
	struct v3_vm *vm = new_vm(PLATFORM, 64 * MIB, 1);

	if (!vm) {
		report(false, "platform VM for the reset test");
		return;
	}
	fake_outb(vm, 0xcf9, 0x02);
	report(!vm->stop_requested && fake_inb(vm, 0xcf9) == 0x02,
	       "0xcf9 SRST alone does not reset");
	fake_outb(vm, 0xcf9, 0x06);
	report(vm->stop_requested &&
		   strcmp(vm->stop_reason, "guest reset (0xCF9)") == 0,
	       "0xcf9 RCPU resets: '%s'", vm->stop_reason);
	check_no_leak(vm, "reset VM");
}

/* ---- fw_cfg -------------------------------------------------------------- */

static void fw_read(struct v3_vm *vm, uint16_t key, void *buf, size_t n)
{
	uint8_t *p = buf;
	size_t i;

	fake_out(vm, FW_SELECT, 2, key);
	for (i = 0; i < n; i++)
		p[i] = fake_inb(vm, FW_DATA);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Find 'name' in the file directory: its selector and size. */
static bool fw_find(struct v3_vm *vm, const char *name, uint16_t *key,
		    uint32_t *size)
{
	uint8_t hdr[4], e[64];
	uint32_t n, i;

	fw_read(vm, 0x19, hdr, 4);
	n = be32(hdr);
	for (i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < sizeof(e); j++)
			e[j] = fake_inb(vm, FW_DATA);
		if (strncmp((char *)e + 8, name, 56) == 0) {
			*size = be32(e);
			*key = (uint16_t)(e[4] << 8 | e[5]);
			return true;
		}
	}
	return false;
}

static bool dir_sorted(struct v3_vm *vm, uint32_t *count)
{
	uint8_t hdr[4], e[64];
	char prev[57] = "";
	uint32_t i;
	bool ok = true;

	fw_read(vm, 0x19, hdr, 4);
	*count = be32(hdr);
	for (i = 0; i < *count; i++) {
		size_t j;

		for (j = 0; j < sizeof(e); j++)
			e[j] = fake_inb(vm, FW_DATA);
		e[63] = 0;
		if (strcmp(prev, (char *)e + 8) >= 0)
			ok = false;
		strcpy(prev, (char *)e + 8);
	}
	return ok;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint32_t bswap(uint32_t v)
{
	return __builtin_bswap32(v);
}

/* Put an FWCfgDmaAccess at 'desc' and start it as SeaBIOS does (one
 * 32-bit write of the big-endian low half); returns the control word
 * the device wrote back. */
static uint32_t fw_dma(struct v3_vm *vm, uint32_t desc, uint32_t control,
		       uint32_t length, uint64_t addr)
{
	put_be(guest_ram + desc, control, 4);
	put_be(guest_ram + desc + 4, length, 4);
	put_be(guest_ram + desc + 8, addr, 8);
	fake_out(vm, FW_DMA_LOW, 4, bswap(desc));
	return be32(guest_ram + desc);
}

static void test_fw_cfg_items(struct v3_vm *vm)
{
	uint8_t buf[64];
	uint16_t key = 0;
	uint32_t size = 0, count = 0;
	bool ok;

	fw_read(vm, 0x00, buf, 4);
	report(memcmp(buf, "QEMU", 4) == 0, "signature QEMU");
	fw_read(vm, 0x01, buf, 4);
	report(buf[0] == 3 && !buf[1] && !buf[2] && !buf[3],
	       "ID: traditional and DMA interface");
	fw_read(vm, 0x05, buf, 2);
	report(buf[0] == 2 && buf[1] == 0, "key 0x05: 2 CPUs");
	fw_read(vm, 0x0f, buf, 2);
	report(buf[0] == 2 && buf[1] == 0, "key 0x0f: max 2 CPUs");
	fw_read(vm, 0x0e, buf, 2);
	report(buf[0] == 0 && buf[1] == 0, "key 0x0e: no boot menu");
	fw_read(vm, 0x8002, buf, 1);
	report(buf[0] == 1, "key 0x8002: IRQ0 override");
	memset(buf, 0xaa, 8);
	fw_read(vm, 0x1234, buf, 8);
	report(le64(buf) == 0, "unknown key reads zeros");
	fw_read(vm, 0x00, buf, 6);
	report(buf[4] == 0 && buf[5] == 0, "reads past an item's end give 0");

	ok = dir_sorted(vm, &count);
	report(ok && count == 3, "file directory: %u files sorted by name",
	       count);
	ok = fw_find(vm, "etc/e820", &key, &size);
	report(ok && size == 20 && key >= 0x20,
	       "etc/e820: one entry (key %#x, %u bytes)", key, size);
	fw_read(vm, key, buf, 20);
	report(le64(buf) == 0 && le64(buf + 8) == 64 * MIB && buf[16] == 1,
	       "e820: RAM [0, 64 MiB)");
	report(fw_find(vm, "etc/sercon-port", &key, &size) && size == 2,
	       "etc/sercon-port present");
	fw_read(vm, key, buf, 2);
	report(buf[0] == 0xf8 && buf[1] == 0x03, "sercon port 0x3f8");
	report(fw_find(vm, "bootorder", &key, &size), "bootorder present");
	fw_read(vm, key, buf, size < sizeof(buf) ? size : sizeof(buf));
	report(size == sizeof("/pci@i0cf8/ide@1,1/drive@1/disk@0") &&
		   strcmp((char *)buf, "/pci@i0cf8/ide@1,1/drive@1/disk@0") ==
		       0,
	       "boot=cdrom: IDE secondary master path");
}

static void test_fw_cfg_dma(struct v3_vm *vm)
{
	uint16_t key = 0;
	uint32_t size = 0;

	fake_pci_set_ram(guest_ram, sizeof(guest_ram));
	report(fake_in(vm, FW_DMA_HIGH, 4) == 0x554d4551 &&
		   fake_in(vm, FW_DMA_LOW, 4) == 0x47464320,
	       "DMA register reads \"QEMU CFG\"");
	fw_find(vm, "etc/sercon-port", &key, &size);
	memset(guest_ram + 0x2000, 0xee, 16);
	report(fw_dma(vm, 0x1000, (uint32_t)key << 16 | 0x08 | 0x02, 4,
		      0x2000) == 0,
	       "DMA select+read of a file completes with control 0");
	report(guest_ram[0x2000] == 0xf8 && guest_ram[0x2001] == 0x03 &&
		   guest_ram[0x2002] == 0 && guest_ram[0x2003] == 0,
	       "DMA copied the file, zeros past its end");
	report(guest_ram[0x2004] == 0xee, "and nothing beyond 'length'");

	fw_dma(vm, 0x1000, 0x08 | 0x04, 2, 0); /* select key 0, skip 2 */
	report(fw_dma(vm, 0x1000, 0x02, 2, 0x2010) == 0 &&
		   memcmp(guest_ram + 0x2010, "MU", 2) == 0,
	       "SKIP 2 of the signature, then READ gives \"MU\"");
	report(fw_dma(vm, 0x1000, 0x0005 << 16 | 0x08 | 0x02, 2,
		      GUEST_RAM_SIZE + 0x1000) == 0x01,
	       "DMA to a non-RAM address sets the error bit");
	report(fw_dma(vm, 0x1000, 0x10, 4, 0x2000) == 0x01,
	       "DMA WRITE to a read-only item sets the error bit");
	fake_out(vm, FW_DMA_HIGH, 4, bswap(0));
	report(fw_dma(vm, 0x1000, 0x0001 << 16 | 0x08 | 0x02, 4, 0x2020) == 0 &&
		   guest_ram[0x2020] == 3,
	       "64-bit form: high half then low half");
	fake_out(vm, FW_DMA_HIGH, 4, bswap(1));
	put_be(guest_ram + 0x1000, 0x0002, 4);
	fake_out(vm, FW_DMA_LOW, 4, bswap(0x1000));
	report(be32(guest_ram + 0x1000) == 0x0002,
	       "descriptor above 4 GiB (not RAM) is left alone");
}

static void test_fw_cfg_add_file(struct v3_vm *vm)
{
	char longname[64];
	uint16_t key = 0;
	uint32_t size = 0, count = 0;
	uint8_t buf[4];
	bool ok;

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	report(v3_fw_cfg_add_file(vm, "genroms/test.bin", "ABCD", 4) == 0,
	       "a device adds genroms/test.bin");
	report(v3_fw_cfg_add_file(vm, "genroms/test.bin", "EFGH", 4) != 0,
	       "the same name twice is refused");
	report(v3_fw_cfg_add_file(vm, longname, "x", 1) != 0 &&
		   v3_fw_cfg_add_file(vm, "", "x", 1) != 0,
	       "names longer than 55 or empty are refused");
	ok = dir_sorted(vm, &count);
	report(ok && count == 4, "directory still sorted with %u files", count);
	report(fw_find(vm, "genroms/test.bin", &key, &size) && size == 4,
	       "the new file is listed");
	fw_read(vm, key, buf, 4);
	report(memcmp(buf, "ABCD", 4) == 0, "and reads back its bytes");
}

static void test_fw_cfg_options(void)
{
	struct v3_vm *vm = new_vm("device = fw_cfg dma=0 sercon=0 menu=1 "
				  "menu_wait=2500 boot_fail_wait=5000 "
				  "bootorder=/a|HALT max_cpus=8\n",
				  5 * 1024 * MIB, 1);
	uint8_t buf[40];
	uint16_t key = 0;
	uint32_t size = 0;

	if (!vm) {
		report(false, "fw_cfg with options");
		return;
	}
	fw_read(vm, 0x01, buf, 4);
	report(buf[0] == 1, "dma=0: ID has only the traditional bit");
	fake_in(vm, FW_DMA_LOW, 4);
	report(!fake_last_io_hooked(), "dma=0: DMA ports not decoded");
	report(!fw_find(vm, "etc/sercon-port", &key, &size),
	       "sercon=0: no etc/sercon-port");
	fw_read(vm, 0x0e, buf, 2);
	report(buf[0] == 1, "menu=1: key 0x0e is 1");
	report(fw_find(vm, "etc/boot-menu-wait", &key, &size) && size == 2,
	       "etc/boot-menu-wait is le16");
	fw_read(vm, key, buf, 2);
	report((buf[0] | buf[1] << 8) == 2500, "boot menu wait 2500 ms");
	report(fw_find(vm, "etc/boot-fail-wait", &key, &size) && size == 4,
	       "etc/boot-fail-wait is le32");
	fw_read(vm, key, buf, 4);
	report((buf[0] | buf[1] << 8) == 5000, "boot fail wait 5000 ms");
	fw_find(vm, "bootorder", &key, &size);
	fw_read(vm, key, buf, size < sizeof(buf) ? size : sizeof(buf));
	report(size == 8 && memcmp(buf, "/a\nHALT", 8) == 0,
	       "bootorder=/a|HALT: one entry per line");
	fw_read(vm, 0x0f, buf, 2);
	report(buf[0] == 8, "max_cpus=8");
	fw_find(vm, "etc/e820", &key, &size);
	fw_read(vm, key, buf, 40);
	report(size == 40 && le64(buf + 8) == 0xc0000000ull &&
		   le64(buf + 20) == 0x100000000ull &&
		   le64(buf + 28) == 2 * 1024 * MIB,
	       "5 GiB: RAM below 3 GiB and 2 GiB at 4 GiB");
	check_no_leak(vm, "fw_cfg VM");
}

static void test_refusals(void)
{
	check_refused("device = i440fx\n", "needs 'device = pci'");
	check_refused("device = pci\ndevice = pci\n", "only one PCI bus");
	check_refused("device = fw_cfg boot=floppy\n", "cdrom or disk");
	check_refused("device = fw_cfg boot=cdrom bootorder=/x\n", "not both");
	check_refused("device = pci\ndevice = piix4_pm sci=16\n", "sci");
}

static void test_add_file_without_fw_cfg(void)
{
	struct v3_vm *vm = new_vm("device = pci\n", 64 * MIB, 1);

	if (!vm)
		return;
	report(v3_fw_cfg_add_file(vm, "etc/x", "x", 1) == -1,
	       "v3_fw_cfg_add_file without an fw_cfg device fails");
	check_no_leak(vm, "pci-only VM");
}

int main(void)
{
	struct v3_vm *vm = new_vm(PLATFORM, 64 * MIB, 2);

	if (!vm) {
		report(false, "platform VM created");
		return report_summary("test_platform");
	}
	test_config_mechanism(vm);
	test_bars(vm);
	test_intx(vm);
	test_pam(vm);
	test_fw_cfg_items(vm);
	test_fw_cfg_dma(vm);
	test_fw_cfg_add_file(vm);
	test_pm(vm);
	check_no_leak(vm, "platform VM");
	test_reset_control();
	test_fw_cfg_options();
	test_refusals();
	test_add_file_without_fw_cfg();
	return report_summary("test_platform");
}
