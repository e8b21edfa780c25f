/* ioctl_test.c - v3vee-ioctl-test: every /dev/v3vee request with bad
 * pointers, sizes, ids and states must fail with its error code (and
 * no kernel message); then the VM life cycle in every state, the VM
 * limit, and the module's memory counters back where they started.
 * Prints one PASS:/FAIL: line per check and "SUMMARY: N tests, F
 * failures", like the test guests; the exit status is F. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "v3vee_ioctl.h"

static int tests, failures;

static void report(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	tests++;
	failures += !ok;
}

/* The request must fail with 'want'. */
static void expect_err(int rc, int want, const char *what)
{
	int e = errno;

	report(rc == -1 && e == want, "%s -> %s (got %s)", what,
	       strerror(want), rc == 0 ? "success" : strerror(e));
}

static const char small_cfg[] = "name = small\nmemory = 4M\n";
/* A guest that crashes at once: its first instruction (zeroed RAM) ends
 * right at the end of RAM, the next fetch is unmapped. */
static const char crash_cfg[] =
    "name = crash\nmemory = 4M\nentry = 0x3ffffe\n";

static int create(int fd, const char *cfg, struct v3vee_create *c)
{
	memset(c, 0, sizeof(*c));
	c->cfg = (uintptr_t)cfg;
	c->cfg_len = strlen(cfg);
	return ioctl(fd, V3VEE_CREATE, c);
}

static int state_of(int fd, int id)
{
	struct v3vee_info in = {.id = id};

	return ioctl(fd, V3VEE_INFO, &in) == 0 ? (int)in.state : -1;
}

static void bad_arguments(int fd, void *unmapped)
{
	struct v3vee_create c;
	struct v3vee_image img;
	struct v3vee_info in;
	struct v3vee_stats *st = calloc(1, sizeof(*st));

	expect_err(ioctl(fd, V3VEE_CREATE, NULL), EFAULT, "CREATE NULL");
	expect_err(ioctl(fd, V3VEE_CREATE, unmapped), EFAULT,
		   "CREATE unmapped argument");
	memset(&c, 0, sizeof(c));
	expect_err(ioctl(fd, V3VEE_CREATE, &c), EINVAL, "CREATE empty config");
	c.cfg = (uintptr_t)small_cfg;
	c.cfg_len = V3VEE_MAX_CFG + 1;
	expect_err(ioctl(fd, V3VEE_CREATE, &c), E2BIG, "CREATE config too big");
	c.cfg = (uintptr_t)unmapped;
	c.cfg_len = 64;
	expect_err(ioctl(fd, V3VEE_CREATE, &c), EFAULT,
		   "CREATE config pointer unmapped");
	c.cfg = (uintptr_t)small_cfg;
	c.cfg_len = strlen(small_cfg);
	c.nimages = 1000;
	expect_err(ioctl(fd, V3VEE_CREATE, &c), E2BIG, "CREATE 1000 images");
	c.nimages = 1;
	c.images = (uintptr_t)unmapped;
	expect_err(ioctl(fd, V3VEE_CREATE, &c), EFAULT,
		   "CREATE image table unmapped");
	memset(&img, 'x', sizeof(img));
	img.data = (uintptr_t)small_cfg;
	img.size = 4;
	c.images = (uintptr_t)&img;
	expect_err(ioctl(fd, V3VEE_CREATE, &c), EINVAL,
		   "CREATE image name without NUL");
	memset(img.name, 0, sizeof(img.name));
	expect_err(ioctl(fd, V3VEE_CREATE, &c), EINVAL,
		   "CREATE empty image name");
	strcpy(img.name, "x.bin");
	img.data = (uintptr_t)unmapped;
	expect_err(ioctl(fd, V3VEE_CREATE, &c), EFAULT,
		   "CREATE image data unmapped");
	img.size = V3VEE_MAX_IMAGE_SIZE + 1;
	expect_err(ioctl(fd, V3VEE_CREATE, &c), E2BIG, "CREATE image too big");

	memset(&c, 0, sizeof(c));
	c.cfg = (uintptr_t)"name = bad\ncolour = blue\n";
	c.cfg_len = strlen((char *)(uintptr_t)c.cfg);
	expect_err(ioctl(fd, V3VEE_CREATE, &c), EINVAL, "CREATE bad config");
	report(strstr(c.err, "line 2") != NULL,
	       "bad config explained: '%s'", c.err);

	expect_err(ioctl(fd, V3VEE_LAUNCH, 99ul), ENOENT, "LAUNCH id 99");
	expect_err(ioctl(fd, V3VEE_DESTROY, -1ul), ENOENT, "DESTROY id -1");
	expect_err(ioctl(fd, V3VEE_STOP, 3ul), ENOENT, "STOP free slot");
	expect_err(ioctl(fd, V3VEE_INFO, unmapped), EFAULT, "INFO unmapped");
	memset(&in, 0, sizeof(in));
	in.id = 7;
	expect_err(ioctl(fd, V3VEE_INFO, &in), ENOENT, "INFO free slot");
	in.id = -5;
	expect_err(ioctl(fd, V3VEE_INFO, &in), ENOENT, "INFO id -5");
	expect_err(ioctl(fd, V3VEE_STATS, NULL), EFAULT, "STATS NULL");
	expect_err(ioctl(fd, V3VEE_HOST_MEM, unmapped), EFAULT,
		   "HOST_MEM unmapped");
	expect_err(ioctl(fd, _IO(V3VEE_IOC, 77), 0ul), ENOTTY,
		   "unknown request");
	free(st);
}

static void life_cycle(int fd)
{
	struct v3vee_create c;
	struct v3vee_stats *st = calloc(1, sizeof(*st));
	int id, i;

	i = create(fd, crash_cfg, &c);
	report(i == 0, "CREATE crash VM: id %d", c.id);
	id = c.id;
	report(state_of(fd, id) == V3VEE_CREATED, "state created");
	expect_err(ioctl(fd, V3VEE_PAUSE, (unsigned long)id), EBUSY,
		   "PAUSE before launch");
	expect_err(ioctl(fd, V3VEE_RESUME, (unsigned long)id), EBUSY,
		   "RESUME before launch");
	st->id = id;
	st->vcpu = 5;
	expect_err(ioctl(fd, V3VEE_STATS, st), EINVAL, "STATS vcpu 5 of 1");
	report(ioctl(fd, V3VEE_LAUNCH, (unsigned long)id) == 0, "LAUNCH");
	expect_err(ioctl(fd, V3VEE_LAUNCH, (unsigned long)id), EBUSY,
		   "LAUNCH twice");
	for (i = 0; i < 500 && state_of(fd, id) != V3VEE_STOPPED; i++)
		usleep(10000);
	report(state_of(fd, id) == V3VEE_STOPPED, "crashed guest stopped");
	expect_err(ioctl(fd, V3VEE_PAUSE, (unsigned long)id), EBUSY,
		   "PAUSE a stopped VM");
	report(ioctl(fd, V3VEE_STOP, (unsigned long)id) == 0,
	       "STOP a stopped VM is a no-op");
	st->vcpu = 0;
	i = ioctl(fd, V3VEE_STATS, st);
	report(i == 0 && st->nreasons > 0, "STATS vcpu 0: %u reasons",
	       st->nreasons);
	report(ioctl(fd, V3VEE_DESTROY, (unsigned long)id) == 0, "DESTROY");
	expect_err(ioctl(fd, V3VEE_DESTROY, (unsigned long)id), ENOENT,
		   "DESTROY twice");
	free(st);
}

/* A guest that spins (jmp $) until the host stops it. */
static const char spin_cfg[] =
    "name = spin\nmemory = 4M\nload = spin.bin @ 0x100000\n";
static const unsigned char spin_code[] = {0xeb, 0xfe};

static int create_spin(int fd, struct v3vee_create *c)
{
	static struct v3vee_image img;

	strcpy(img.name, "spin.bin");
	img.data = (uintptr_t)spin_code;
	img.size = sizeof(spin_code);
	memset(c, 0, sizeof(*c));
	c->cfg = (uintptr_t)spin_cfg;
	c->cfg_len = strlen(spin_cfg);
	c->images = (uintptr_t)&img;
	c->nimages = 1;
	return ioctl(fd, V3VEE_CREATE, c);
}

/* Pause, resume and stop a running guest; destroy one that runs. */
static void running_guest(int fd)
{
	struct v3vee_create c;
	struct v3vee_stats *st = calloc(1, sizeof(*st));
	uint64_t before, after;
	int rc, id;

	rc = create_spin(fd, &c);
	report(rc == 0, "CREATE spinning VM");
	id = c.id;
	report(ioctl(fd, V3VEE_LAUNCH, (unsigned long)id) == 0 &&
	       state_of(fd, id) == V3VEE_RUNNING, "LAUNCH: running");
	usleep(100000);
	report(ioctl(fd, V3VEE_PAUSE, (unsigned long)id) == 0 &&
	       state_of(fd, id) == V3VEE_PAUSED, "PAUSE: paused");
	expect_err(ioctl(fd, V3VEE_PAUSE, (unsigned long)id), EBUSY,
		   "PAUSE twice");
	st->id = id;
	ioctl(fd, V3VEE_STATS, st);
	before = 0;
	for (rc = 0; rc < (int)st->nreasons; rc++)
		before += st->reason[rc].count;
	usleep(300000);
	ioctl(fd, V3VEE_STATS, st);
	after = 0;
	for (rc = 0; rc < (int)st->nreasons; rc++)
		after += st->reason[rc].count;
	/* At most the exit that was in flight when the pause came. */
	report(after - before <= 1, "paused vcpu makes no exits (%llu)",
	       (unsigned long long)(after - before));
	report(ioctl(fd, V3VEE_RESUME, (unsigned long)id) == 0 &&
	       state_of(fd, id) == V3VEE_RUNNING, "RESUME: running");
	report(ioctl(fd, V3VEE_STOP, (unsigned long)id) == 0 &&
	       state_of(fd, id) == V3VEE_STOPPED, "STOP: stopped");
	expect_err(ioctl(fd, V3VEE_RESUME, (unsigned long)id), EBUSY,
		   "RESUME a stopped VM");
	report(ioctl(fd, V3VEE_DESTROY, (unsigned long)id) == 0, "DESTROY");

	rc = create_spin(fd, &c);
	report(rc == 0 && ioctl(fd, V3VEE_LAUNCH, (unsigned long)c.id) == 0,
	       "another spinning VM");
	usleep(100000);
	report(ioctl(fd, V3VEE_DESTROY, (unsigned long)c.id) == 0 &&
	       state_of(fd, c.id) == -1, "DESTROY while running");
	free(st);
}

/* Created but never launched: stop and destroy still work. */
static void never_launched(int fd)
{
	struct v3vee_create c;

	report(create(fd, small_cfg, &c) == 0, "CREATE small VM");
	report(ioctl(fd, V3VEE_STOP, (unsigned long)c.id) == 0,
	       "STOP before launch");
	expect_err(ioctl(fd, V3VEE_LAUNCH, (unsigned long)c.id), EBUSY,
		   "LAUNCH after stop");
	report(ioctl(fd, V3VEE_DESTROY, (unsigned long)c.id) == 0,
	       "DESTROY never-launched VM");
}

static void vm_limit(int fd)
{
	struct v3vee_create c;
	int ids[V3VEE_MAX_VMS], n = 0, i;

	while (n < V3VEE_MAX_VMS && create(fd, small_cfg, &c) == 0)
		ids[n++] = c.id;
	report(n == V3VEE_MAX_VMS, "%d VMs at once", n);
	expect_err(create(fd, small_cfg, &c), ENOSPC, "one VM too many");
	for (i = 0; i < n; i++)
		ioctl(fd, V3VEE_DESTROY, (unsigned long)ids[i]);
}

int main(void)
{
	struct v3vee_host_mem before, after;
	void *unmapped;
	int fd = open(V3VEE_DEV, O_RDWR);

	if (fd < 0) {
		printf("FAIL: open %s: %s\nSUMMARY: 1 tests, 1 failures\n",
		       V3VEE_DEV, strerror(errno));
		return 1;
	}
	/* An address that is certainly not mapped. */
	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	munmap(unmapped, 4096);
	ioctl(fd, V3VEE_HOST_MEM, &before);
	bad_arguments(fd, unmapped);
	life_cycle(fd);
	running_guest(fd);
	never_launched(fd);
	vm_limit(fd);
	report(open("/dev/v3vee-vm0", O_RDONLY) < 0 && errno == ENOENT,
	       "console of a destroyed VM is gone");
	ioctl(fd, V3VEE_HOST_MEM, &after);
	report(after.pages == before.pages && after.bytes == before.bytes,
	       "module memory back: pages %llu -> %llu, bytes %llu -> %llu",
	       (unsigned long long)before.pages,
	       (unsigned long long)after.pages,
	       (unsigned long long)before.bytes,
	       (unsigned long long)after.bytes);
	printf("SUMMARY: %d tests, %d failures\n", tests, failures);
	return failures;
}
