/* vm_fixture.h - one fake VM per test case: created (or the test program
 * stops with the reason), then destroyed with a check that every byte
 * the VMM allocated came back.  For the device-model tests. */
#ifndef UNIT_VM_FIXTURE_H
#define UNIT_VM_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "fake_vm.h"
#include "unit.h"

static inline struct v3_vm *fixture_vm(const char *devices, uint64_t ram,
				       int nvcpus)
{
	char err[200];
	struct v3_vm *vm;

	fake_set_cycles(0);
	vm = fake_vm_create(devices, ram, nvcpus, err, sizeof(err));
	if (!vm) {
		printf("not ok - cannot create VM: %s\n", err);
		exit(1);
	}
	return vm;
}

static inline void fixture_done(struct v3_vm *vm, const char *what)
{
	uint64_t left = fake_vm_destroy(vm);

	if (!report(left == 0, "%s: destroy frees every VMM byte", what))
		diag("%llu bytes left", (unsigned long long)left);
}

#endif
