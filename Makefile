# Top-level build.  `make` builds the VMM library, the LWK host with it
# linked in, and the test guests.  See README.md.
BUILD   ?= build
Q       ?= @

CC      ?= gcc
OBJCOPY ?= objcopy
PYTHON  ?= python3

# Kernel C: freestanding, no red zone, no FPU/SIMD state to save.
KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -fno-builtin -fno-stack-protector -fno-pic -fno-pie \
	-fno-common -fno-omit-frame-pointer -mno-red-zone \
	-mno-mmx -mno-sse -mno-sse2 -mno-80387 -mcmodel=small \
	-Iinclude -Ipalacios

# The core and the devices: one library both hosts link.
CORE_SRCS := $(wildcard palacios/*.c palacios/svm/*.c palacios/vmx/*.c \
		devices/*.c)
CORE_ASMS := $(wildcard palacios/svm/*.S palacios/vmx/*.S)
CORE_OBJS := $(patsubst %,$(BUILD)/%.o,$(CORE_SRCS) $(CORE_ASMS))
CORE_LIB  := $(BUILD)/libv3.a

.PHONY: all deps check run bench clean unit
all: $(CORE_LIB) lwk guests unit-build linux

$(BUILD)/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(CORE_LIB): $(CORE_OBJS)
	@rm -f $@
	$(Q)ar rcs $@ $^

-include host-kitten/kitten.mk
-include host-linux/linux.mk
-include tests/guests/guests.mk
-include tests/unit/unit.mk
-include tests/tests.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

clean:
	rm -rf $(BUILD)
