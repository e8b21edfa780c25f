# Userspace unit tests of core code that needs no hardware: each test is
# built from the real sources with the sanitizers, for the build machine.
# Included by the top Makefile, which sets BUILD, CC and Q.

HOSTCC ?= $(CC)
UNIT_CFLAGS := -std=gnu11 -g -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-Iinclude -Ipalacios

UNIT_TESTS := test_config test_lib
UNIT_BINS  := $(addprefix $(BUILD)/unit/,$(UNIT_TESTS))
# The core sources under test, linked whole into every test.
UNIT_SRCS  := palacios/lib.c palacios/vm_config.c
UNIT_DEPS  := $(UNIT_SRCS) tests/unit/unit.h palacios/lib.h \
	include/v3_config.h include/v3_types.h

.PHONY: unit unit-build
unit-build: $(UNIT_BINS)

$(UNIT_BINS): $(BUILD)/unit/%: tests/unit/%.c $(UNIT_DEPS) tests/unit/unit.mk
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) $< $(UNIT_SRCS) -o $@

# Runs every test even after a failure, then fails if any did.
unit: unit-build
	$(Q)status=0; \
	for t in $(UNIT_BINS); do $$t || status=1; done; \
	exit $$status
# Guest RAM blocks on hosts with small contiguous runs.
MEMMAP_TEST := $(BUILD)/unit/test_mem_map
$(MEMMAP_TEST): tests/unit/test_mem_map.c palacios/mem_map.c \
		palacios/mem_map.h tests/unit/unit.h tests/unit/unit.mk
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) tests/unit/test_mem_map.c \
		palacios/mem_map.c -o $@
unit-build: $(MEMMAP_TEST)
UNIT_BINS += $(MEMMAP_TEST)

include tests/unit/decode.mk
include tests/unit/devices.mk
include tests/unit/ide.mk
include tests/unit/platform.mk
include tests/unit/apic.mk
include tests/unit/vmx.mk
include tests/unit/hpet.mk
