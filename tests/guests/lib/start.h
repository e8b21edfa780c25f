/* start.h - the C side of crt0: set-up before main() and the way out. */
#ifndef GUEST_START_H
#define GUEST_START_H

/* Status for a fault no test expected (0 = pass, 1 = checks failed). */
#define GUEST_EXIT_UNHANDLED 3

/* Stop the VM with 'status' through the testexit port. */
void guest_exit(int status) __attribute__((noreturn));

#endif
