/* serial.h - the COM1 console: polled, 115200 8N1. */
#ifndef KITTEN_SERIAL_H
#define KITTEN_SERIAL_H

#include <stddef.h>

void serial_init(void);
/* Writes bytes as they are (no newline translation). */
void serial_write(const char *s, size_t n);
/* From now on write without taking the lock (panic path). */
void serial_panic_mode(void);

#endif
