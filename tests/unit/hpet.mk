# hpet.mk - the unit test of the HPET model (devices/hpet.c) with the
# 8259, 8254 and RTC models it takes IRQ 0 and 8 from in legacy
# replacement mode, on the fake VM of tests/unit/fake_vm.c.  Built with
# the sanitizers like the other unit tests.  Included at the end of
# tests/unit/unit.mk (it needs HOSTCC, UNIT_CFLAGS and the unit-build
# target from there).

HPET_TEST := $(BUILD)/unit/test_hpet
HPET_TEST_SRCS := tests/unit/test_hpet.c tests/unit/fake_vm.c \
	palacios/hooks.c palacios/timer.c palacios/irq.c palacios/intr.c \
	palacios/device.c palacios/lib.c palacios/vm_config.c \
	devices/pic8259.c devices/pit8254.c devices/rtc_cmos.c devices/hpet.c
HPET_TEST_DEPS := tests/unit/fake_vm.h tests/unit/unit.h tests/unit/vm_fixture.h \
	$(wildcard palacios/*.h include/*.h)

$(HPET_TEST): $(HPET_TEST_SRCS) $(HPET_TEST_DEPS) tests/unit/hpet.mk
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -Idevices $(HPET_TEST_SRCS) -o $@

unit-build: $(HPET_TEST)
# 'make unit' runs every binary in UNIT_BINS (read when it runs).
UNIT_BINS += $(HPET_TEST)
