/* apic_bus.c - see apic_bus.h. */
#include "apic_bus.h"
#include "vm.h"

int v3_apic_bus_attach_lapics(struct v3_vm *vm,
			      const struct v3_apic_bus_rx *rx, void *priv)
{
	if (vm->apic_bus.rx)
		return -1;
	vm->apic_bus.rx = rx;
	vm->apic_bus.rx_priv = priv;
	return 0;
}

int v3_apic_bus_attach_eoi(struct v3_vm *vm,
			   void (*eoi)(struct v3_vm *vm, void *priv,
				       uint8_t vector),
			   void *priv)
{
	if (vm->apic_bus.eoi)
		return -1;
	vm->apic_bus.eoi = eoi;
	vm->apic_bus.eoi_priv = priv;
	return 0;
}

bool v3_apic_bus_has_lapics(const struct v3_vm *vm)
{
	return vm->apic_bus.rx != NULL;
}

int v3_apic_bus_send(struct v3_vm *vm, const struct v3_apic_msg *msg)
{
	if (!vm->apic_bus.rx)
		return 0;
	return vm->apic_bus.rx->deliver(vm, vm->apic_bus.rx_priv, msg);
}

void v3_apic_bus_eoi(struct v3_vm *vm, uint8_t vector)
{
	if (vm->apic_bus.eoi)
		vm->apic_bus.eoi(vm, vm->apic_bus.eoi_priv, vector);
}
