/* cmdline.h - kernel command line options.
 *
 *   selftest            run the allocator and scheduler self-tests first
 *   vm_timeout=SECONDS  stop a VM still running after this long (60)
 *
 * Words are separated by spaces; unknown words are ignored (QEMU puts
 * the kernel's file name first). */
#ifndef KITTEN_CMDLINE_H
#define KITTEN_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

bool cmdline_flag(const char *name);
/* Value of name=NUMBER (decimal); false if absent or malformed. */
bool cmdline_u64(const char *name, uint64_t *out);

#endif
