/* serial.h - the COM1 console: polled, 115200 8N1. */
#ifndef KITTEN_SERIAL_H
#define KITTEN_SERIAL_H

#include <stddef.h>

void serial_init(void);
/* Writes bytes as they are (no newline translation). */
void serial_write(const char *s, size_t n);
/* Ends a line someone else left unfinished (e.g. a guest), so that the
 * next output starts at the beginning of a line. */
void serial_start_line(void);
/* Bytes typed on the console so far (non-blocking); returns the count. */
size_t serial_read(char *buf, size_t max);
/* Waits (bounded) until the UART has sent every byte: a machine that
 * powers off at once would otherwise lose the last ones. */
void serial_drain(void);
/* From now on write without taking the lock (panic path). */
void serial_panic_mode(void);

#endif
