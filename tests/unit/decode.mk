# Userspace tests of the instruction decoder and emulator (MMIO, string
# I/O) and of the guest page-table walker, built from the real core
# sources with the sanitizers.  Included at the end of tests/unit/unit.mk,
# which sets HOSTCC; the top Makefile sets BUILD and Q.
#
#   test_decode    encodings table, every mode       (palacios/x86_decode.c)
#   test_emulate   results, flags, strings, port I/O (palacios/x86_emulate.c)
#   test_walk      page tables of every paging mode  (palacios/guest_walk.c)
#   test_shadow_rules  shadow paging's pure decisions (palacios/shadow_rules.c)
#   test_shadow_table  shadow tables on a fake host (palacios/shadow_table.c)
#   fuzz_decode    random bytes through both, every mode; takes an optional
#                  count and seed: fuzz_decode [count [seed]]

HOSTCC ?= $(CC)
DECODE_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-Iinclude -Ipalacios

DECODE_HDRS := tests/unit/unit.h tests/unit/decode.mk include/v3_types.h tests/unit/fake_mem.h \
	palacios/lib.h palacios/vcpu_state.h palacios/x86_decode.h \
	palacios/x86_emulate.h palacios/guest_walk.h
DECODE_EMU_SRCS  := palacios/x86_decode.c palacios/x86_emulate.c \
	palacios/lib.c
DECODE_WALK_SRCS := palacios/guest_walk.c palacios/lib.c
SHADOW_RULES_SRCS := palacios/shadow_rules.c palacios/lib.c
SHADOW_TABLE_SRCS := palacios/shadow_table.c palacios/shadow.c \
	palacios/shadow_roots.c palacios/shadow_resync.c \
	palacios/shadow_rules.c palacios/guest_walk.c palacios/lib.c

DECODE_BINS := $(addprefix $(BUILD)/unit/,test_decode test_emulate \
	fuzz_decode test_walk test_shadow_rules test_shadow_table)

$(BUILD)/unit/test_decode $(BUILD)/unit/test_emulate \
$(BUILD)/unit/fuzz_decode: $(BUILD)/unit/%: tests/unit/%.c \
		$(DECODE_EMU_SRCS) $(DECODE_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(DECODE_CFLAGS) $< $(DECODE_EMU_SRCS) -o $@

$(BUILD)/unit/test_walk: tests/unit/test_walk.c $(DECODE_WALK_SRCS) \
		$(DECODE_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(DECODE_CFLAGS) $< $(DECODE_WALK_SRCS) -o $@

$(BUILD)/unit/test_shadow_rules: tests/unit/test_shadow_rules.c \
		$(SHADOW_RULES_SRCS) $(DECODE_HDRS) palacios/shadow_rules.h \
		palacios/nested.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(DECODE_CFLAGS) $< $(SHADOW_RULES_SRCS) -o $@

$(BUILD)/unit/test_shadow_table: tests/unit/test_shadow_table.c \
		$(SHADOW_TABLE_SRCS) $(DECODE_HDRS) palacios/shadow.h \
		palacios/shadow_rules.h palacios/vm.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(DECODE_CFLAGS) $< $(SHADOW_TABLE_SRCS) -o $@

# Built with the other unit tests; `make unit` and `make check` run them
# (the fuzzer with its default 1,000,000 sequences, about 2 s).
unit-build: $(DECODE_BINS)
UNIT_BINS += $(DECODE_BINS)
