/* pic.h - the two cascaded 8259A interrupt controllers. */
#ifndef KITTEN_PIC_H
#define KITTEN_PIC_H

#include <stdbool.h>

/* Remap IRQ 0-15 to vectors base..base+15, all lines masked. */
void pic_init(int base);
void pic_unmask(int irq);
void pic_mask(int irq);
void pic_eoi(int irq);
/* IRQ 7 / 15 without the ISR bit set is a spurious interrupt. */
bool pic_spurious(int irq);

#endif
