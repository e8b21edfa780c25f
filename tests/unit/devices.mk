# devices.mk - the unit test of the PC platform device models: the real
# devices and the core pieces they use (hook table, timers, interrupt
# lines, injection, device registry, config parser) on a fake VM
# (tests/unit/fake_vm.c), built with the sanitizers like the other unit
# tests.  Included at the end of tests/unit/unit.mk (it needs HOSTCC,
# UNIT_CFLAGS and the unit-build target from there).

DEVICE_TEST := $(BUILD)/unit/test_devices
DEVICE_TEST_SRCS := tests/unit/test_devices.c tests/unit/fake_vm.c \
	palacios/hooks.c palacios/timer.c palacios/irq.c palacios/intr.c \
	palacios/device.c palacios/lib.c palacios/vm_config.c \
	devices/pic8259.c devices/pit8254.c devices/rtc_cmos.c \
	devices/uart16550.c devices/ps2_8042.c devices/port92.c \
	devices/postcode.c devices/debugcon.c
DEVICE_TEST_DEPS := tests/unit/fake_vm.h tests/unit/unit.h tests/unit/vm_fixture.h \
	devices/uart16550.h $(wildcard palacios/*.h include/*.h)

$(DEVICE_TEST): $(DEVICE_TEST_SRCS) $(DEVICE_TEST_DEPS) tests/unit/devices.mk
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -Idevices $(DEVICE_TEST_SRCS) -o $@

unit-build: $(DEVICE_TEST)
# 'make unit' runs every binary in UNIT_BINS (read when it runs).
UNIT_BINS += $(DEVICE_TEST)
