/* irq.c - platform interrupt lines: remember each line's level and tell
 * every interrupt controller model about changes. */
#include "irq.h"
#include "vm.h"
#include "vmm.h"

int v3_irq_add_sink(struct v3_vm *vm, const struct v3_irq_sink *ops,
		    void *priv)
{
	int n = vm->nirq_sinks;

	if (n == (int)(sizeof(vm->irq_sinks) / sizeof(vm->irq_sinks[0])))
		return -1;
	vm->irq_sinks[n].ops = ops;
	vm->irq_sinks[n].priv = priv;
	vm->nirq_sinks = n + 1;
	return 0;
}

void v3_irq_set(struct v3_vm *vm, int line, bool level)
{
	uint32_t bit = 1u << line;
	int i;

	if (line < 0 || line >= V3_IRQ_LINES)
		return;
	if (level)
		__atomic_or_fetch(&vm->irq_levels, bit, __ATOMIC_SEQ_CST);
	else
		__atomic_and_fetch(&vm->irq_levels, ~bit, __ATOMIC_SEQ_CST);
	for (i = 0; i < vm->nirq_sinks; i++)
		vm->irq_sinks[i].ops->set(vm, vm->irq_sinks[i].priv, line,
					  level);
}
