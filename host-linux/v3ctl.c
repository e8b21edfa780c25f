/* v3ctl - control the v3vee module's VMs from the command line.
 *
 *   v3ctl create CONFIG [IMAGE...]   create a VM, print its id
 *   v3ctl launch|pause|resume|stop|destroy ID
 *   v3ctl console ID                 attach to the VM's console (Ctrl-]
 *                                    detaches)
 *   v3ctl list                       the VMs, their state and memory
 *   v3ctl stats ID                   exits and host cycles per reason
 *   v3ctl mem                        pages and bytes the module holds
 *   v3ctl run [-t SECONDS] [-e OUTPUT -s INPUT] CONFIG [IMAGE...]
 *                                    create, launch, print the console
 *                                    until the VM stops (typing INPUT
 *                                    once OUTPUT appeared), print the
 *                                    report lines of the test protocol,
 *                                    destroy
 *
 * Images are named by their file's basename, which is what the
 * configuration refers to ("load = cpuid.bin @ 0x100000"). */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "v3vee_ioctl.h"

static const char *prog = "v3ctl";

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int open_ctl(void)
{
	int fd = open(V3VEE_DEV, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		die("%s does not exist: is the v3vee module loaded? "
		    "(insmod v3vee.ko)", V3VEE_DEV);
	die("cannot open %s: %s", V3VEE_DEV, strerror(errno));
	return -1;
}

static const char *state_name(unsigned s)
{
	static const char *const names[] = {"created", "running", "paused",
					    "stopped"};

	return s < 4 ? names[s] : "?";
}

static int parse_id(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 0 || v >= V3VEE_MAX_VMS)
		die("'%s' is not a VM id (0..%d; see 'v3ctl list')", s,
		    V3VEE_MAX_VMS - 1);
	return (int)v;
}

static int vm_info(int fd, int id, struct v3vee_info *in)
{
	memset(in, 0, sizeof(*in));
	in->id = id;
	return ioctl(fd, V3VEE_INFO, in);
}

/* Say why a request on VM 'id' failed, in the VM's terms. */
static void vm_op_fail(int fd, int id, const char *op)
{
	struct v3vee_info in;
	int e = errno;

	if (e == ENOENT)
		die("%s: no VM with id %d (see 'v3ctl list')", op, id);
	if (e == EBUSY && vm_info(fd, id, &in) == 0)
		die("%s: VM %d (%s) is %s", op, id, in.name,
		    state_name(in.state));
	die("%s: VM %d: %s", op, id, strerror(e));
}

/* The whole file in memory (mapped read-only when it is a regular
 * file: ISOs are large). */
static void *load_file(const char *path, size_t *size)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		die("%s is not a regular file", path);
	*size = st.st_size;
	if (!*size) {
		close(fd);
		return calloc(1, 1);
	}
	p = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("cannot map %s: %s", path, strerror(errno));
	close(fd);
	return p;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Returns the new VM's id, or -1 with the reason in err. */
static int create_vm(int fd, const char *cfg_path, char **imgs, int nimgs,
		     char *err, size_t errlen)
{
	struct v3vee_image images[V3VEE_MAX_IMAGES];
	struct v3vee_create c;
	size_t cfg_len;
	void *cfg = load_file(cfg_path, &cfg_len);
	int i;

	if (nimgs > V3VEE_MAX_IMAGES)
		die("at most %d images per VM", V3VEE_MAX_IMAGES);
	memset(&c, 0, sizeof(c));
	memset(images, 0, sizeof(images));
	for (i = 0; i < nimgs; i++) {
		size_t size;
		const char *name = base_name(imgs[i]);

		if (strlen(name) >= V3VEE_NAME_LEN)
			die("image name '%s' is longer than %d bytes", name,
			    V3VEE_NAME_LEN - 1);
		strcpy(images[i].name, name);
		images[i].data = (uintptr_t)load_file(imgs[i], &size);
		images[i].size = size;
	}
	c.cfg = (uintptr_t)cfg;
	c.cfg_len = cfg_len;
	c.images = (uintptr_t)images;
	c.nimages = nimgs;
	if (ioctl(fd, V3VEE_CREATE, &c) == 0)
		return c.id;
	if (errno == EINVAL && c.err[0])
		snprintf(err, errlen, "%s", c.err);
	else if (errno == E2BIG)
		snprintf(err, errlen, "configuration over %u bytes or an "
			 "image over %llu MiB", V3VEE_MAX_CFG,
			 (unsigned long long)(V3VEE_MAX_IMAGE_SIZE >> 20));
	else if (errno == ENOSPC)
		snprintf(err, errlen, "already %d VMs", V3VEE_MAX_VMS);
	else
		snprintf(err, errlen, "%s", strerror(errno));
	return -1;
}

static int cmd_create(int argc, char **argv)
{
	char err[V3VEE_ERR_LEN];
	int fd, id;

	if (argc < 1)
		die("usage: v3ctl create CONFIG [IMAGE...]");
	fd = open_ctl();
	id = create_vm(fd, argv[0], argv + 1, argc - 1, err, sizeof(err));
	if (id < 0)
		die("create %s: %s", argv[0], err);
	printf("%d\n", id);
	return 0;
}

static int cmd_vm_op(const char *op, unsigned long req, int argc,
		     char **argv)
{
	int fd, id;

	if (argc != 1)
		die("usage: v3ctl %s ID", op);
	id = parse_id(argv[0]);
	fd = open_ctl();
	if (ioctl(fd, req, (unsigned long)id) != 0)
		vm_op_fail(fd, id, op);
	return 0;
}

static int cmd_list(void)
{
	struct v3vee_info in;
	int fd = open_ctl(), id;

	printf("%-3s %-20s %-8s %5s %9s %9s  %s\n", "ID", "NAME", "STATE",
	       "VCPUS", "GUEST-MB", "VMM-KB", "STOP-REASON");
	for (id = 0; id < V3VEE_MAX_VMS; id++) {
		if (vm_info(fd, id, &in) != 0)
			continue;
		printf("%-3d %-20s %-8s %5u %9llu %9llu  %s\n", id, in.name,
		       state_name(in.state), in.nvcpus,
		       (unsigned long long)(in.guest_bytes >> 20),
		       (unsigned long long)(in.vmm_bytes >> 10),
		       in.state == V3VEE_STOPPED ? in.stop_reason : "-");
	}
	return 0;
}

/* prefix NULL: the human table; else the protocol's V3-STAT lines. */
static void print_stats(int fd, int id, const char *prefix)
{
	struct v3vee_stats st;
	struct v3vee_info in;
	unsigned v;
	int r;

	if (vm_info(fd, id, &in) != 0)
		vm_op_fail(fd, id, "stats");
	if (!prefix)
		printf("%-6s %-16s %12s %16s %12s\n", "VCPU", "REASON",
		       "COUNT", "CYCLES", "AVG");
	for (v = 0; v < in.nvcpus; v++) {
		memset(&st, 0, sizeof(st));
		st.id = id;
		st.vcpu = v;
		if (ioctl(fd, V3VEE_STATS, &st) != 0)
			vm_op_fail(fd, id, "stats");
		for (r = 0; r < (int)st.nreasons && r < V3VEE_EXIT_REASONS;
		     r++) {
			unsigned long long n = st.reason[r].count;
			unsigned long long c = st.reason[r].cycles;

			if (!n)
				continue;
			if (prefix)
				printf("V3-STAT %s vcpu%u %s count=%llu "
				       "cycles=%llu\n", prefix, v,
				       st.reason[r].name, n, c);
			else
				printf("vcpu%-2u %-16s %12llu %16llu %12llu\n",
				       v, st.reason[r].name, n, c, c / n);
		}
	}
}

static int cmd_stats(int argc, char **argv)
{
	if (argc != 1)
		die("usage: v3ctl stats ID");
	print_stats(open_ctl(), parse_id(argv[0]), NULL);
	return 0;
}

static void host_mem(int fd, struct v3vee_host_mem *m)
{
	if (ioctl(fd, V3VEE_HOST_MEM, m) != 0)
		die("cannot read the module's memory counters: %s",
		    strerror(errno));
}

static int cmd_mem(void)
{
	struct v3vee_host_mem m;

	host_mem(open_ctl(), &m);
	printf("pages=%llu bytes=%llu\n", (unsigned long long)m.pages,
	       (unsigned long long)m.bytes);
	return 0;
}

static int open_console(int id, int flags)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/v3vee-vm%d", id);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s: %s", path, strerror(errno));
	return fd;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define DETACH_KEY 0x1d /* Ctrl-] */

static int cmd_console(int argc, char **argv)
{
	struct termios saved, raw;
	bool tty = isatty(0), stdin_eof = false;
	int con, id;

	if (argc != 1)
		die("usage: v3ctl console ID");
	id = parse_id(argv[0]);
	con = open_console(id, O_RDWR | O_NONBLOCK);
	if (tty) {
		tcgetattr(0, &saved);
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
		fprintf(stderr, "[v3ctl: console of VM %d; Ctrl-] detaches]"
			"\r\n", id);
	}
	for (;;) {
		struct pollfd p = {.fd = 0, .events = POLLIN};
		char buf[512];
		ssize_t n = read(con, buf, sizeof(buf));

		if (n == 0)
			break;			/* the VM stopped */
		if (n > 0) {
			if (write(1, buf, n) < 0)
				break;
			continue;
		}
		if (errno != EAGAIN && errno != EINTR)
			break;
		/* Without input (stdin at its end) just wait for output. */
		if (stdin_eof) {
			usleep(20000);
			continue;
		}
		if (poll(&p, 1, 20) > 0) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				stdin_eof = n == 0;
				continue;
			}
			if (tty && memchr(buf, DETACH_KEY, n))
				break;
			if (write(con, buf, n) < 0)
				break;
		}
	}
	if (tty)
		tcsetattr(0, TCSANOW, &saved);
	return 0;
}

/* Typing into the guest once its output shows a prompt (run -e/-s). */
struct typer {
	const char *expect;	/* NULL: nothing to type */
	const char *text;
	char seen[4096];	/* the end of the output so far */
	size_t nseen;
};

static void type_if_due(int con, struct typer *ty, const char *buf,
			size_t n)
{
	size_t keep;

	if (!ty->expect)
		return;
	/* Keep the last sizeof(seen)/2 bytes and append. */
	if (n > sizeof(ty->seen) / 2) {
		buf += n - sizeof(ty->seen) / 2;
		n = sizeof(ty->seen) / 2;
	}
	keep = sizeof(ty->seen) - n;
	if (ty->nseen > keep) {
		memmove(ty->seen, ty->seen + ty->nseen - keep, keep);
		ty->nseen = keep;
	}
	memcpy(ty->seen + ty->nseen, buf, n);
	ty->nseen += n;
	if (memmem(ty->seen, ty->nseen, ty->expect, strlen(ty->expect))) {
		if (write(con, ty->text, strlen(ty->text)) < 0)
			die("console: %s", strerror(errno));
		ty->expect = NULL;
	}
}

/* Guest output, until the VM stops or the deadline passes.  Returns 1
 * on timeout. */
static int follow_console(int con, double deadline, bool *at_line_start,
			  struct typer *ty)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(con, buf, sizeof(buf));

		if (n == 0)
			return 0;
		if (n > 0) {
			fwrite(buf, 1, n, stdout);
			fflush(stdout);
			*at_line_start = buf[n - 1] == '\n';
			type_if_due(con, ty, buf, n);
			continue;
		}
		if (errno != EAGAIN && errno != EINTR)
			die("console: %s", strerror(errno));
		if (now_s() >= deadline)
			return 1;
		usleep(10000);
	}
}

static void leak_check(int fd, const char *name,
		       const struct v3vee_host_mem *before)
{
	struct v3vee_host_mem after;

	host_mem(fd, &after);
	if (after.pages != before->pages || after.bytes != before->bytes)
		printf("V3-LEAK %s pages=%lld heap=%lld\n", name,
		       (long long)(after.pages - before->pages),
		       (long long)(after.bytes - before->bytes));
}

/* The harness's protocol (see host-kitten/README.md), for one VM. */
static int cmd_run(int argc, char **argv)
{
	struct v3vee_host_mem before;
	struct v3vee_info in;
	struct typer ty = {0};
	char err[V3VEE_ERR_LEN];
	bool at_start = true;
	double timeout = 60;
	const char *name;
	int fd, id, con, timed_out;

	while (argc >= 2 && argv[0][0] == '-') {
		if (!strcmp(argv[0], "-t"))
			timeout = atof(argv[1]);
		else if (!strcmp(argv[0], "-e"))
			ty.expect = argv[1];
		else if (!strcmp(argv[0], "-s"))
			ty.text = argv[1];
		else
			break;
		argc -= 2;
		argv += 2;
	}
	if (argc < 1 || !ty.expect != !ty.text)
		die("usage: v3ctl run [-t SECONDS] [-e OUTPUT -s INPUT] CONFIG "
		    "[IMAGE...]");
	name = base_name(argv[0]);
	fd = open_ctl();
	printf("V3-VM-BEGIN %s\n", name);
	fflush(stdout);
	host_mem(fd, &before);
	id = create_vm(fd, argv[0], argv + 1, argc - 1, err, sizeof(err));
	if (id < 0) {
		printf("V3-VM-END %s status=-1 reason=%s\n", name, err);
		leak_check(fd, name, &before);
		return 0;
	}
	con = open_console(id, O_RDWR | O_NONBLOCK);
	if (ioctl(fd, V3VEE_LAUNCH, (unsigned long)id) != 0)
		printf("v3ctl: %s: launch failed: %s\n", name,
		       strerror(errno));
	timed_out = follow_console(con, now_s() + timeout, &at_start, &ty);
	if (timed_out) {
		if (ioctl(fd, V3VEE_STOP, (unsigned long)id) != 0)
			vm_op_fail(fd, id, "stop");
		follow_console(con, now_s() + 5, &at_start, &ty);
	}
	close(con);
	if (!at_start)
		putchar('\n');
	print_stats(fd, id, name);
	if (vm_info(fd, id, &in) != 0)
		vm_op_fail(fd, id, "info");
	if (in.console_dropped)
		printf("v3ctl: %s: %llu console bytes lost (reader too "
		       "slow)\n", name, (unsigned long long)in.console_dropped);
	printf("V3-MEM %s guest=%llu vmm=%llu\n", name,
	       (unsigned long long)in.guest_bytes,
	       (unsigned long long)in.vmm_bytes);
	printf("V3-VM-END %s status=%d reason=%s\n", name, in.exit_status,
	       timed_out ? "timeout" : in.stop_reason);
	fflush(stdout);
	if (ioctl(fd, V3VEE_DESTROY, (unsigned long)id) != 0)
		vm_op_fail(fd, id, "destroy");
	leak_check(fd, name, &before);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: v3ctl COMMAND [ARGS]\n"
		"  create CONFIG [IMAGE...]   create a VM, print its id\n"
		"  launch ID                  start its vcpus\n"
		"  pause ID | resume ID       hold and continue the vcpus\n"
		"  stop ID                    stop the VM (it stays listed)\n"
		"  destroy ID                 free the VM\n"
		"  console ID                 attach to its console (Ctrl-] "
		"detaches)\n"
		"  list                       the VMs\n"
		"  stats ID                   exits and cycles per reason\n"
		"  mem                        memory the module holds\n"
		"  run [-t SECONDS] [-e OUTPUT -s INPUT] CONFIG [IMAGE...]\n"
		"                             create, launch, follow the "
		"console (type INPUT\n"
		"                             after OUTPUT), report, "
		"destroy\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		usage();
	cmd = argv[1];
	argc -= 2;
	argv += 2;
	if (!strcmp(cmd, "create"))
		return cmd_create(argc, argv);
	if (!strcmp(cmd, "launch"))
		return cmd_vm_op(cmd, V3VEE_LAUNCH, argc, argv);
	if (!strcmp(cmd, "pause"))
		return cmd_vm_op(cmd, V3VEE_PAUSE, argc, argv);
	if (!strcmp(cmd, "resume"))
		return cmd_vm_op(cmd, V3VEE_RESUME, argc, argv);
	if (!strcmp(cmd, "stop"))
		return cmd_vm_op(cmd, V3VEE_STOP, argc, argv);
	if (!strcmp(cmd, "destroy"))
		return cmd_vm_op(cmd, V3VEE_DESTROY, argc, argv);
	if (!strcmp(cmd, "console"))
		return cmd_console(argc, argv);
	if (!strcmp(cmd, "list") && !argc)
		return cmd_list();
	if (!strcmp(cmd, "stats"))
		return cmd_stats(argc, argv);
	if (!strcmp(cmd, "mem") && !argc)
		return cmd_mem();
	if (!strcmp(cmd, "run"))
		return cmd_run(argc, argv);
	fprintf(stderr, "%s: unknown command '%s'\n", prog, cmd);
	usage();
	return 2;
}
