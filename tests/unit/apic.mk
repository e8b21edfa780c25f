# apic.mk - the unit test of the local APIC and I/O APIC models on the
# fake VM (tests/unit/fake_vm.c), with the core pieces they use.
# Included at the end of tests/unit/unit.mk.

APIC_TEST := $(BUILD)/unit/test_apic
APIC_TEST_SRCS := tests/unit/test_apic.c tests/unit/fake_vm.c \
	palacios/hooks.c palacios/timer.c palacios/irq.c palacios/intr.c \
	palacios/apic_bus.c palacios/device.c palacios/lib.c \
	palacios/vm_config.c devices/lapic.c devices/lapic_x2apic.c \
	devices/ioapic.c \
	devices/pic8259.c
APIC_TEST_DEPS := tests/unit/fake_vm.h tests/unit/unit.h \
	$(wildcard palacios/*.h include/*.h devices/lapic.h)

$(APIC_TEST): $(APIC_TEST_SRCS) $(APIC_TEST_DEPS) tests/unit/apic.mk
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -Idevices $(APIC_TEST_SRCS) -o $@

unit-build: $(APIC_TEST)
UNIT_BINS += $(APIC_TEST)
