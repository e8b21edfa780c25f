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

void v3_irq_set_legacy(struct v3_vm *vm, int line, bool level)
{
	uint32_t bit = 1u << line;

	if (line < 0 || line >= V3_IRQ_LINES)
		return;
	if (level)
		__atomic_or_fetch(&vm->irq_legacy_levels, bit,
				  __ATOMIC_SEQ_CST);
	else
		__atomic_and_fetch(&vm->irq_legacy_levels, ~bit,
				   __ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&vm->irq_replaced, __ATOMIC_SEQ_CST) & bit))
		v3_irq_set(vm, line, level);
}

void v3_irq_replace_legacy(struct v3_vm *vm, uint32_t lines)
{
	uint32_t old = __atomic_exchange_n(&vm->irq_replaced, lines,
					   __ATOMIC_SEQ_CST);
	uint32_t changed = old ^ lines;
	int line;

	for (line = 0; line < V3_IRQ_LINES; line++) {
		uint32_t bit = 1u << line;

		if (!(changed & bit))
			continue;
		if (lines & bit)
			v3_irq_set(vm, line, false);
		else
			v3_irq_set(vm, line, vm->irq_legacy_levels & bit);
	}
}
