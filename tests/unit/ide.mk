# ide.mk - the unit test of the PIIX3 IDE controller and its ATAPI CD-ROM
# (devices/ide.c, devices/atapi.c): the real PCI bus, hook table,
# interrupt lines, device registry and config parser on the fake VM of
# tests/unit/fake_vm.c, plus tests/unit/fake_vm_ide.c for the images and
# guest RAM (DMA) the IDE model needs.  Built with the sanitizers like the
# other unit tests.  Included at the end of tests/unit/unit.mk (it needs
# HOSTCC, UNIT_CFLAGS and the unit-build target from there).

IDE_TEST := $(BUILD)/unit/test_ide
IDE_TEST_SRCS := tests/unit/test_ide.c tests/unit/fake_vm.c \
	tests/unit/fake_vm_ide.c palacios/hooks.c palacios/timer.c \
	palacios/irq.c palacios/intr.c palacios/device.c palacios/lib.c \
	palacios/vm_config.c devices/pci.c devices/ide.c devices/atapi.c
IDE_TEST_DEPS := tests/unit/fake_vm.h tests/unit/unit.h devices/ide.h \
	devices/pci_bus.h $(wildcard palacios/*.h include/*.h)

$(IDE_TEST): $(IDE_TEST_SRCS) $(IDE_TEST_DEPS) tests/unit/ide.mk
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -Idevices $(IDE_TEST_SRCS) -o $@

unit-build: $(IDE_TEST)
# 'make unit' runs every binary in UNIT_BINS (read when it runs).
UNIT_BINS += $(IDE_TEST)
