# kitten.mk - the Kitten-style LWK that hosts the VMM: build fragment
# included by the top Makefile (BUILD, CC, OBJCOPY, KERNEL_CFLAGS,
# CORE_LIB come from there).
#
#   make lwk            -> $(BUILD)/kitten.elf (32-bit ELF container for
#                          QEMU's Multiboot loader; give it to -kernel)
#                          and $(BUILD)/kitten64.elf (same code with
#                          symbols, for gdb and addr2line)
#   make lwk-selftest   -> boot it under QEMU with "selftest"
#
# KITTEN_VMM_LIB may point at another build of the VMM library (e.g. a
# stub of the v3_vm.h API) to test the LWK on its own.

KITTEN_SRCS := $(wildcard host-kitten/*.c)
KITTEN_ASMS := $(wildcard host-kitten/*.S)
KITTEN_OBJS := $(patsubst %,$(BUILD)/%.o,$(KITTEN_ASMS) $(KITTEN_SRCS))
KITTEN_LDS := host-kitten/kitten.lds
KITTEN_VMM_LIB ?= $(CORE_LIB)
KITTEN_ELF64 := $(BUILD)/kitten64.elf
KITTEN_ELF := $(BUILD)/kitten.elf

# Static, no libc, no PIE; 4 KiB segment alignment keeps the Multiboot
# header at file offset 4 KiB.  --whole-archive because devices are
# only reachable through the v3_devices section.
KITTEN_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(KITTEN_LDS) \
	-Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--build-id=none \
	-Wl,--no-warn-rwx-segments

KITTEN_QEMU ?= qemu-system-x86_64 -accel tcg -cpu EPYC,+svm,+npt

.PHONY: lwk lwk-selftest
lwk: $(KITTEN_ELF)

$(KITTEN_ELF64): $(KITTEN_OBJS) $(KITTEN_VMM_LIB) $(KITTEN_LDS) \
		host-kitten/kitten.mk
	$(Q)$(CC) $(KITTEN_LDFLAGS) -o $@ $(KITTEN_OBJS) \
		-Wl,--whole-archive $(KITTEN_VMM_LIB) -Wl,--no-whole-archive

# QEMU refuses 64-bit ELF Multiboot kernels; the code is the same, only
# the container changes (the entry point runs in 32-bit mode anyway).
$(KITTEN_ELF): $(KITTEN_ELF64)
	$(Q)$(OBJCOPY) -O elf32-i386 --strip-debug $< $@

# The launcher wants a configuration module; this one is refused at
# create time (1 MiB leaves no room at the default entry), which ends
# the boot right after the self-test without running a guest.
lwk-selftest: $(KITTEN_ELF)
	@mkdir -p $(BUILD)/kitten-selftest
	@printf 'name = selftest\nmemory = 1M\n' \
		>$(BUILD)/kitten-selftest/selftest.cfg
	$(Q)timeout 120 $(KITTEN_QEMU) -m 2048 -nographic -no-reboot -net none \
		-device isa-debug-exit,iobase=0x501,iosize=2 \
		-kernel $(KITTEN_ELF) -append "selftest vm_timeout=5" \
		-initrd $(BUILD)/kitten-selftest/selftest.cfg \
		| tee $(BUILD)/kitten-selftest/output.txt; \
	grep -q '^kitten: selftest ok' $(BUILD)/kitten-selftest/output.txt
