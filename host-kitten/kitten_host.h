/* kitten_host.h - the pieces kmain wires together after boot. */
#ifndef KITTEN_HOST_H
#define KITTEN_HOST_H

#include "v3_host.h"

/* The LWK's implementation of the VMM's host interface. */
extern const struct v3_host_ops kitten_host_ops;

/* Thread body: run every .cfg module as a VM, then power off. */
int launcher_main(void *arg);

/* Boot-time self-tests of the allocators and the scheduler; returns 0
 * or -1 after printing what failed. */
int selftest_run(void);

#endif
