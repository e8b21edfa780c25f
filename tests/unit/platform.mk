# platform.mk - the unit test of the PCI platform SeaBIOS boots on: PCI
# configuration mechanism #1 and BARs (devices/pci.c), the i440FX PAM
# registers, the PIIX3 PIRQ router and reset register, the PIIX4 power
# management function and fw_cfg, on the fake VM of tests/unit/fake_vm.c
# plus tests/unit/fake_vm_pci.c (guest RAM for DMA, a recording
# v3_mem_set_pam).  Built with the sanitizers like the other unit tests.
# Included at the end of tests/unit/unit.mk (it needs HOSTCC, UNIT_CFLAGS
# and the unit-build target from there).

PLATFORM_TEST := $(BUILD)/unit/test_platform
PLATFORM_TEST_SRCS := tests/unit/test_platform.c tests/unit/fake_vm.c \
	tests/unit/fake_vm_pci.c \
	palacios/hooks.c palacios/timer.c palacios/irq.c palacios/intr.c \
	palacios/device.c palacios/lib.c palacios/vm_config.c \
	devices/pci.c devices/i440fx.c devices/piix3.c devices/piix4_pm.c \
	devices/fw_cfg.c
PLATFORM_TEST_DEPS := tests/unit/fake_vm.h tests/unit/unit.h \
	devices/pci_bus.h devices/fw_cfg.h $(wildcard palacios/*.h include/*.h)

$(PLATFORM_TEST): $(PLATFORM_TEST_SRCS) $(PLATFORM_TEST_DEPS) \
		tests/unit/platform.mk
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -Idevices $(PLATFORM_TEST_SRCS) -o $@

unit-build: $(PLATFORM_TEST)
# 'make unit' runs every binary in UNIT_BINS (read when it runs).
UNIT_BINS += $(PLATFORM_TEST)
