# guests.mk - the test guests: one flat 32-bit binary per tests/guests/*.c,
# built on the small runtime in tests/guests/lib/, plus each guest's VM
# config (a .cfg may stand alone, like badconfig's).  Included by the top
# Makefile, which defines BUILD and CC.
GUEST_DIR := tests/guests
GUEST_OUT := $(BUILD)/guests
OBJCOPY   ?= objcopy

# -mgeneral-regs-only: the guest never enables SSE (CR4.OSFXSR), so a
# vectorised loop would #UD.  No loop-to-memset rewriting inside memset.
GUEST_CFLAGS := -m32 -std=gnu11 -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -nostdlib -O2 -g -Wall -Wextra -Werror \
	-mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -fcf-protection=none \
	-Wa,--fatal-warnings -Iinclude -I$(GUEST_DIR)/lib
GUEST_LDSCRIPT := $(GUEST_DIR)/lib/guest.ld
GUEST_LDFLAGS := -m32 -nostdlib -static -no-pie -Wl,-T,$(GUEST_LDSCRIPT) \
	-Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,--fatal-warnings

GUEST_LIB_SRCS := $(wildcard $(GUEST_DIR)/lib/*.c $(GUEST_DIR)/lib/*.S)
GUEST_LIB_OBJS := $(patsubst $(GUEST_DIR)/lib/%,$(GUEST_OUT)/lib/%.o,\
	$(GUEST_LIB_SRCS))
GUEST_NAMES := $(basename $(notdir $(wildcard $(GUEST_DIR)/*.c)))
GUEST_BINS  := $(GUEST_NAMES:%=$(GUEST_OUT)/%.bin)
GUEST_ELFS  := $(GUEST_NAMES:%=$(GUEST_OUT)/%.elf)
GUEST_CFGS  := $(patsubst $(GUEST_DIR)/%,$(GUEST_OUT)/%,\
	$(wildcard $(GUEST_DIR)/*.cfg))

.PHONY: guests reference-iso
guests: $(GUEST_BINS) $(GUEST_CFGS) $(GUEST_OUT)/corrupt.iso

# 64 KiB of zeros: sized like a CD image but with no ISO 9660 volume
# descriptor, for the "corrupt ISO" test.
$(GUEST_OUT)/corrupt.iso:
	@mkdir -p $(dir $@)
	$(Q)head -c 65536 /dev/zero > $@

# The reference Linux ISO the PC-platform tests boot.
reference-iso:
	$(Q)$(MAKE) -s -C guest-images O=$(abspath $(BUILD))/guest-images

$(GUEST_OUT)/lib/%.c.o: $(GUEST_DIR)/lib/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_OUT)/lib/%.S.o: $(GUEST_DIR)/lib/%.S
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_OUT)/%.c.o: $(GUEST_DIR)/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_OUT)/%.elf: $(GUEST_OUT)/%.c.o $(GUEST_LIB_OBJS) $(GUEST_LDSCRIPT)
	$(Q)$(CC) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIB_OBJS)

# The VMM copies the image byte for byte to its load address: just the
# sections from 1 MiB up.
GUEST_IMAGE_SECTIONS := -j .text -j .rodata -j .data
$(GUEST_OUT)/%.bin: $(GUEST_OUT)/%.elf $(GUEST_DIR)/guests.mk
	$(Q)$(OBJCOPY) -O binary $(GUEST_IMAGE_SECTIONS) $< $@

$(GUEST_OUT)/%.cfg: $(GUEST_DIR)/%.cfg
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# Keep objects (no relinking every time) and ELFs (for gdb, objdump).
.SECONDARY: $(GUEST_ELFS) $(GUEST_LIB_OBJS) $(GUEST_NAMES:%=$(GUEST_OUT)/%.c.o)
