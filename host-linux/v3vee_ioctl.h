/* v3vee_ioctl.h - the control interface of the v3vee Linux module, shared
 * by the module and v3ctl.  /dev/v3vee takes the VM-wide requests; each
 * VM also has /dev/v3vee-vmN for its console (read: guest output, write:
 * keyboard input).  VMs are named by their id N.  Every request returns 0
 * or -1 with errno set (EINVAL bad arguments, EFAULT bad pointers, ENOENT
 * no such VM, EBUSY wrong state, ENOMEM, E2BIG sizes over the limits). */
#ifndef V3VEE_IOCTL_H
#define V3VEE_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define V3VEE_DEV "/dev/v3vee"
#define V3VEE_MAX_VMS 16
#define V3VEE_MAX_IMAGES 16
#define V3VEE_MAX_CFG (64u << 10)
#define V3VEE_MAX_IMAGE_SIZE (1024ull << 20)
#define V3VEE_NAME_LEN 64
#define V3VEE_ERR_LEN 256
#define V3VEE_EXIT_REASONS 64	/* >= V3_EXIT_MAX */

struct v3vee_image {
	char name[V3VEE_NAME_LEN];	/* NUL-terminated */
	__u64 data;			/* user pointer */
	__u64 size;
};

struct v3vee_create {
	__u64 cfg;			/* in: user pointer to the text */
	__u64 cfg_len;
	__u64 images;			/* in: struct v3vee_image[nimages] */
	__u32 nimages;
	__s32 id;			/* out: the VM's id */
	char err[V3VEE_ERR_LEN];	/* out: why creation failed */
};

enum v3vee_state {
	V3VEE_CREATED, V3VEE_RUNNING, V3VEE_PAUSED, V3VEE_STOPPED
};

struct v3vee_info {
	__s32 id;			/* in */
	__u32 state;			/* out: enum v3vee_state */
	__s32 exit_status;		/* out: test-exit status, -1 if none */
	__u32 nvcpus;
	__u64 guest_bytes, vmm_bytes;
	char name[V3VEE_NAME_LEN];
	char stop_reason[128];
	__u64 console_dropped;		/* console bytes nobody read in time */
};

struct v3vee_stats {
	__s32 id;			/* in */
	__u32 vcpu;			/* in */
	__u32 nreasons;			/* out: entries filled */
	__u32 pad;
	struct {
		__u64 count, cycles;
		char name[24];
	} reason[V3VEE_EXIT_REASONS];
};

/* What the module itself holds: pages from the page allocator and bytes
 * of small allocations (for leak checks). */
struct v3vee_host_mem {
	__u64 pages;
	__u64 bytes;
};

#define V3VEE_IOC 0xb3
#define V3VEE_CREATE _IOWR(V3VEE_IOC, 1, struct v3vee_create)
#define V3VEE_LAUNCH _IO(V3VEE_IOC, 2)		/* arg: id */
#define V3VEE_PAUSE _IO(V3VEE_IOC, 3)
#define V3VEE_RESUME _IO(V3VEE_IOC, 4)
#define V3VEE_STOP _IO(V3VEE_IOC, 5)
#define V3VEE_DESTROY _IO(V3VEE_IOC, 6)
#define V3VEE_INFO _IOWR(V3VEE_IOC, 7, struct v3vee_info)
#define V3VEE_STATS _IOWR(V3VEE_IOC, 8, struct v3vee_stats)
#define V3VEE_HOST_MEM _IOR(V3VEE_IOC, 9, struct v3vee_host_mem)

#endif
