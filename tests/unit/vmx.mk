# vmx.mk - the pure logic of the VMX backend in userspace: control words
# from capability MSRs, the VM-entry guest-state checks that name what
# the hardware refused (palacios/vmx/vmx_caps.c, vmx_check.c).  Built
# with the sanitizers; included at the end of tests/unit/unit.mk.

VMX_TEST := $(BUILD)/unit/test_vmx
VMX_TEST_SRCS := tests/unit/test_vmx.c palacios/vmx/vmx_caps.c \
	palacios/vmx/vmx_check.c palacios/lib.c

$(VMX_TEST): $(VMX_TEST_SRCS) tests/unit/unit.h palacios/vmx/vmx_caps.h \
		palacios/lib.h tests/unit/vmx.mk
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -Ipalacios/vmx $(VMX_TEST_SRCS) -o $@

unit-build: $(VMX_TEST)
UNIT_BINS += $(VMX_TEST)
