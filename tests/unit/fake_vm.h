/* fake_vm.h - a VM in userspace for device unit tests: host operations
 * on libc with a cycle counter the test advances by hand, and the few
 * functions of palacios/vm.c the devices need.  The real hook table,
 * timers, interrupt lines, injection policy, device registry and
 * configuration parser are linked in; devices are reached exactly as a
 * guest reaches them, through port accesses. */
#ifndef FAKE_VM_H
#define FAKE_VM_H

#include "device.h"
#include "intr.h"
#include "irq.h"
#include "vm.h"
#include "vmm.h"

/* 2.4 GHz, as TCG's TSC on the testbed. */
#define FAKE_CPU_KHZ 2400000ull

/* A VM with 'ram' bytes (no backing memory), 'nvcpus' vcpus and the
 * devices in 'devices' ("device = ..." lines).  The vcpus exist before
 * the devices are created, as in palacios/vm.c.  NULL with 'err' on failure. */
struct v3_vm *fake_vm_create(const char *devices, uint64_t ram, int nvcpus,
			     char *err, size_t errlen);
/* Destroys devices, hooks, controllers; returns the VM bytes not freed
 * (0 when nothing leaked). */
uint64_t fake_vm_destroy(struct v3_vm *vm);

/* Time. */
uint64_t fake_cycles(void);
void fake_set_cycles(uint64_t c);
void fake_advance_cycles(uint64_t c);
void fake_advance_us(uint64_t us);
/* Advance time and fire due timers, in steps of at most 'step' cycles
 * (0: one jump), as vcpu exits would. */
void fake_run_for(struct v3_vm *vm, uint64_t cycles, uint64_t step);

/* Port I/O as the guest does it. */
uint32_t fake_in(struct v3_vm *vm, uint16_t port, unsigned len);
void fake_out(struct v3_vm *vm, uint16_t port, unsigned len, uint32_t val);
uint8_t fake_inb(struct v3_vm *vm, uint16_t port);
void fake_outb(struct v3_vm *vm, uint16_t port, uint8_t val);
/* True when some device answered the last fake_in/fake_out. */
bool fake_last_io_hooked(void);

/* Interrupts: the vector the core would inject into vcpu 0 now (with
 * IF=1), acknowledged as the core does; -1 if none. */
int fake_take_interrupt(struct v3_vm *vm);
/* Rising edges seen on a platform line since the last reset, and its
 * level now. */
unsigned fake_irq_edges(int line);
bool fake_irq_level(struct v3_vm *vm, int line);
void fake_irq_reset(void);

/* Everything the VM wrote to its console since the last clear. */
const char *fake_console(void);
void fake_console_clear(void);

#endif
