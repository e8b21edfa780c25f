# tests.mk - running things: the test suite, the benchmark, the demo VM,
# and installing the tools they need.  Included by the top Makefile,
# which defines BUILD, CC and PYTHON.
#
#   make check                    unit tests + the default guest tests
#   make check TESTS='cpuid,h*'   only tests whose names match the globs
#   make check GROUP=slow         another group of tests/tests.cfg
#   make check-harness            the harness's own tests (no VMM needed)
#   make bench                    exit costs and VMM memory per VM
#   make run                      boot the reference ISO on this terminal
#   make run HOST=linux           the same through the v3vee module
#                                 (Ctrl-A X leaves QEMU)
#   make deps                     install the Debian packages
QEMU ?= qemu-system-x86_64
HARNESS := tests/harness

.PHONY: deps deps-ok check check-harness bench run run-demo

deps:
	$(HARNESS)/deps.sh

# deps.sh asks dpkg first and installs only what is missing, so it is
# cheap on every check.
deps-ok:
	@$(HARNESS)/deps.sh

RUN_ARGS = --build $(BUILD) $(if $(TESTS),--tests '$(TESTS)') \
	$(if $(GROUP),--group '$(GROUP)')

check: deps-ok all reference-iso check-harness
	$(PYTHON) $(HARNESS)/run.py $(strip $(RUN_ARGS)) $(BUILD)/unit/*

check-harness: deps-ok
	$(PYTHON) $(HARNESS)/selftest.py

bench: deps-ok lwk linux guests reference-iso
	$(PYTHON) tests/bench/bench.py --build $(BUILD)
	$(PYTHON) tests/bench/boot_bench.py --build $(BUILD)
	$(PYTHON) tests/bench/boot_bench.py --build $(BUILD) --smp 2

# `make run` boots an ISO (default: the reference Linux with a shell) on
# an emulated PC inside the VMM; ISO=, MEM=, CPUS=, PAGING=nested|shadow
# choose; HOST=linux: the same through Debian's kernel and the v3vee
# module.  `make run-demo` runs the small demo test guest instead.
ISO  ?= $(BUILD)/guest-images/reference-shell.iso
MEM  ?= 512M
CPUS ?= 1
HOST ?= lwk
PAGING ?= nested
# ARCH=vmx runs the same LWK and VMM in Bochs (Intel VMX with EPT)
# instead of QEMU (AMD SVM); HOST and PAGING apply to ARCH=svm.
ARCH ?= svm
RUNNER_svm := $(HARNESS)/qemu.py --host '$(HOST)' --paging '$(PAGING)'
RUNNER_vmx := $(HARNESS)/bochs.py
run: deps-ok $(if $(filter linux,$(HOST)),linux,lwk) \
		$(if $(filter $(BUILD)/guest-images/%,$(ISO)),reference-iso)
	$(if $(RUNNER_$(ARCH)),,$(error ARCH=$(ARCH): svm or vmx))
	$(PYTHON) $(RUNNER_$(ARCH)) --build $(BUILD) --iso '$(ISO)' \
		--mem '$(MEM)' --cpus '$(CPUS)'

run-demo: deps-ok lwk guests
	$(PYTHON) $(HARNESS)/qemu.py --build $(BUILD) demo
