/* mod.h - what the files of the v3vee module share. */
#ifndef V3VEE_MOD_H
#define V3VEE_MOD_H

#include "v3_vm.h"
#include "v3vee_ioctl.h"

extern const struct v3_host_ops linux_host_ops;

/* mod_host.c */
void host_mem_stats(struct v3vee_host_mem *out);
/* Threads created until the next call belong to 'owner'. */
void host_set_thread_owner(void *owner);
void host_reap_threads(void *owner);
void host_wait_threads(void);

/* mod_pool.c: the optional pre-reserved pool of 4 MiB chunks. */
#define POOL_ORDER 10
int pool_init(void);
void pool_exit(void);
struct page *pool_take(unsigned int order);
void pool_give(struct page *pg);

/* mod_ctl.c: /dev/v3vee and the VM table. */
int ctl_init(void);
void ctl_exit(void);

#endif
