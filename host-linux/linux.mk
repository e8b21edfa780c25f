# linux.mk - the Linux host: the v3vee module (Kbuild, against Debian's
# kernel headers) and the v3ctl command-line tool.  Included by the top
# Makefile (BUILD, CC, Q come from there).
#
#   make linux-module   -> $(BUILD)/linux/v3vee.ko
#   make v3ctl          -> $(BUILD)/v3ctl (static: it runs in a busybox
#                          initramfs)
#
# KDIR is the kernel build tree; by default the one of the (first)
# kernel in /usr/lib/modules that has headers - never the running
# kernel's, which may have none.  Kbuild runs on a mirror of the sources
# (symlinks under $(BUILD)/linux/src) so its objects stay out of the tree.
KDIR ?= $(patsubst %/Makefile,%,$(firstword $(wildcard $(patsubst %,\
	/lib/modules/%/build/Makefile,$(shell ls /usr/lib/modules 2>/dev/null)))))
LINUX_OUT := $(BUILD)/linux
LINUX_SRC := $(LINUX_OUT)/src
LINUX_KO  := $(LINUX_OUT)/v3vee.ko
V3CTL     := $(BUILD)/v3ctl
IOCTL_TEST := $(BUILD)/linux/v3vee-ioctl-test
LINUX_INITRAMFS := $(LINUX_OUT)/initramfs.cpio
BUSYBOX ?= /bin/busybox
LINUX_DEPS := Kbuild $(wildcard include/*.h palacios/*.[chS] \
	palacios/svm/*.[chS] palacios/vmx/*.[chS] devices/*.[ch] \
	host-linux/*.[ch] host-linux/*.lds)

.PHONY: linux linux-module v3ctl
linux: linux-module v3ctl
v3ctl: $(V3CTL)

ifeq ($(KDIR),)
linux-module linux-initramfs:
	@echo "linux.mk: no kernel headers under /lib/modules/*/build:" \
		"skipping the v3vee module (apt-get install linux-headers-amd64)"
else
linux-module: $(LINUX_KO) $(LINUX_INITRAMFS)
endif

$(LINUX_KO): $(LINUX_DEPS) host-linux/linux.mk
	@mkdir -p $(LINUX_SRC)
	$(Q)cp -rsf $(abspath include palacios devices host-linux) $(LINUX_SRC)/
	@find $(LINUX_SRC) -xtype l -delete
	$(Q)ln -sf $(abspath Kbuild) $(LINUX_SRC)/Kbuild
	$(Q)$(MAKE) -s -C $(KDIR) M=$(abspath $(LINUX_SRC)) modules
	$(Q)cp $(LINUX_SRC)/v3vee.ko $@

# Userspace: static, since the initramfs has no libc.
$(V3CTL) $(IOCTL_TEST): host-linux/v3vee_ioctl.h host-linux/linux.mk
$(V3CTL): host-linux/v3ctl.c
$(IOCTL_TEST): host-linux/ioctl_test.c
$(V3CTL) $(IOCTL_TEST):
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -static \
		-o $@ $(filter %.c,$^)

# The initramfs the Linux-host tests boot: busybox, the module, v3ctl and
# host-linux/initramfs/init.  The harness appends the guests.
.PHONY: linux-initramfs
ifneq ($(KDIR),)
linux-initramfs: $(LINUX_INITRAMFS)
endif
$(LINUX_INITRAMFS): $(LINUX_KO) $(V3CTL) $(IOCTL_TEST) \
		host-linux/initramfs/init
	@rm -rf $(LINUX_OUT)/rootfs
	@mkdir -p $(LINUX_OUT)/rootfs/bin $(LINUX_OUT)/rootfs/proc \
		$(LINUX_OUT)/rootfs/sys $(LINUX_OUT)/rootfs/dev \
		$(LINUX_OUT)/rootfs/tmp $(LINUX_OUT)/rootfs/guests
	$(Q)cp $(BUSYBOX) $(LINUX_OUT)/rootfs/bin/busybox
	$(Q)cp $(V3CTL) $(LINUX_OUT)/rootfs/bin/v3ctl
	$(Q)cp $(IOCTL_TEST) $(LINUX_OUT)/rootfs/bin/v3vee-ioctl-test
	$(Q)cp $(LINUX_KO) $(LINUX_OUT)/rootfs/v3vee.ko
	$(Q)cp host-linux/initramfs/init $(LINUX_OUT)/rootfs/init
	$(Q)cd $(LINUX_OUT)/rootfs && find . | LC_ALL=C sort | \
		cpio -o -H newc --quiet >$(abspath $@)
