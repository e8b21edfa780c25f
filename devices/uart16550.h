/* uart16550.h - host side of the emulated 16550A serial port. */
#ifndef V3_UART16550_H
#define V3_UART16550_H

#include "v3_types.h"

struct v3_vm;

/* Bytes typed on the host's side of the VM's first uart16550: they join
 * the receive FIFO (behind it, a backlog so a burst is not lost) and
 * raise the receive interrupt if the guest enabled it.  Callable from
 * any host thread; does nothing if the VM has no uart16550. */
void v3_uart_input(struct v3_vm *vm, const char *s, size_t n);

#endif
