/* test_config.c - palacios/vm_config.c in userspace: every rule of the
 * format in v3_config.h, good and bad, with the exact error each gives,
 * then a fuzz run of mutated configs under the sanitizers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"
#include "v3_config.h"
#include "unit.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* Large; every test reuses it, as a host would. */
static struct v3_config cfg;
static char err[256];

/* Parses an exact-size heap copy: the sanitizer flags any read past len. */
static int parse_len(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	if (!copy)
		abort();
	memcpy(copy, text, len);
	memset(err, 0, sizeof(err));
	rc = v3_config_parse(copy, len, &cfg, err, sizeof(err));
	free(copy);
	return rc;
}

static bool ok_(const char *file, int line, const char *what,
		const char *text, size_t len)
{
	int rc = parse_len(text, len);

	if (!report_at(file, line, rc == 0, "accepts: %s", what))
		diag("rc=%d err='%s'", rc, err);
	return rc == 0;
}

static void fails_(const char *file, int line, const char *what,
		   const char *text, size_t len, const char *want)
{
	int rc = parse_len(text, len);

	if (!report_at(file, line, rc == -1 && !strcmp(err, want),
		       "rejects: %s", what))
		diag("rc=%d err='%s', want '%s'", rc, err, want);
}

/* Literals keep their length, so they may hold a NUL byte. */
#define accepts(what, text) ok_(__FILE__, __LINE__, what, text, sizeof(text) - 1)
#define rejects(what, text, want) \
	fails_(__FILE__, __LINE__, what, text, sizeof(text) - 1, want)
#define accepts_buf(what, text) ok_(__FILE__, __LINE__, what, text, strlen(text))
#define rejects_buf(what, text, want) \
	fails_(__FILE__, __LINE__, what, text, strlen(text), want)

/* Two lines every config needs; errors in tests below start on line 3. */
#define BASE "name = t\nmemory = 64M\n"

/* Appends to a growing test text. */
static void add(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

static void test_defaults(void)
{
	if (!accepts("name and memory alone", BASE))
		return;
	report(!strcmp(cfg.name, "t") && cfg.mem_size == 64 * MiB,
	       "name and memory are stored");
	report(cfg.block_size == 128 * MiB, "block defaults to 128M");
	report(cfg.vcpus == 1, "vcpus defaults to 1");
	report(cfg.paging == V3_PAGING_NESTED, "paging defaults to nested");
	report(cfg.boot == V3_BOOT_DIRECT, "boot defaults to direct");
	report(cfg.entry == 0x100000, "entry defaults to 0x100000");
	report(cfg.on_reset == V3_RESET_STOP, "on_reset defaults to stop");
	report(cfg.nloads == 0 && cfg.ndevices == 0, "no loads or devices");
}

static void test_full(void)
{
	const struct v3_cfg_device *d;

	if (!accepts("every key, comments, blank lines, odd spacing",
		     "# a test VM\n"
		     "\n"
		     "   # indented comment\n"
		     "name     = cpuid-test.v2   # trailing comment\n"
		     "memory\t=\t0x4000000\n"
		     "block=16M\n"
		     "  vcpus =   4   \n"
		     "paging = shadow\n"
		     "boot = direct\n"
		     "entry = 0x200000\n"
		     "load = guest.bin @ 0x200000\n"
		     "load = data/blob_1.bin@0x300000\n"
		     "on_reset = reset\n"
		     "device = debugcon port=0xe9\n"
		     "device = uart  port=0x3f8 \t irq=4   # com1\n"
		     "device = null\n"))
		return;
	report(!strcmp(cfg.name, "cpuid-test.v2"), "name with '.' and '-'");
	report(cfg.mem_size == 64 * MiB, "hex memory");
	report(cfg.block_size == 16 * MiB, "block without spaces around '='");
	report(cfg.vcpus == 4, "vcpus with surrounding spaces");
	report(cfg.paging == V3_PAGING_SHADOW, "paging = shadow");
	report(cfg.entry == 0x200000, "entry");
	report(cfg.on_reset == V3_RESET_REBOOT, "on_reset = reset");
	report(cfg.nloads == 2 && !strcmp(cfg.loads[0].image, "guest.bin") &&
		       cfg.loads[0].gpa == 0x200000 && cfg.loads[0].line == 11,
	       "first load: image, address and line");
	report(!strcmp(cfg.loads[1].image, "data/blob_1.bin") &&
		       cfg.loads[1].gpa == 0x300000 && cfg.loads[1].line == 12,
	       "second load, no spaces around '@'");
	report(cfg.ndevices == 3, "three devices");
	d = &cfg.devices[1];
	report(!strcmp(d->type, "uart") && d->nopts == 2 && d->line == 15,
	       "device type, option count and line");
	report(v3_cfg_opt(d, "port") && !strcmp(v3_cfg_opt(d, "port"), "0x3f8") &&
		       v3_cfg_opt(d, "irq") && !strcmp(v3_cfg_opt(d, "irq"), "4"),
	       "device options by key");
	report(!v3_cfg_opt(d, "dma") && !v3_cfg_opt(NULL, "port") &&
		       !v3_cfg_opt(d, NULL),
	       "absent option, NULL device or key give NULL");
	report(cfg.devices[2].nopts == 0 && !strcmp(cfg.devices[2].type, "null"),
	       "device without options");
}

static void test_layout(void)
{
	accepts("CRLF line ends", "name = crlf\r\nmemory = 2M\r\n");
	if (accepts("no newline after the last line", "name = a\nmemory = 2M"))
		report(cfg.mem_size == 2 * MiB, "last line without newline counts");
	if (accepts("'#' ends the value", "name = vm#1\nmemory = 2M #x\n"))
		report(!strcmp(cfg.name, "vm"), "value cut at '#'");
	if (accepts("'=' inside a device option value",
		    BASE "device = x cmd=a=b\n"))
		report(!strcmp(v3_cfg_opt(&cfg.devices[0], "cmd"), "a=b"),
		       "option value keeps later '='");
	/* Only the first len bytes count: the copy is not terminated. */
	{
		static const char t[] = "name = a\nmemory = 64M";

		fails_(__FILE__, __LINE__, "text ends at len, not at NUL", t,
		       sizeof(t) - 3, "line 2: memory '6' is below 1M");
	}
	rejects("empty text", "", "missing required key 'name'");
	rejects("only comments", "# nothing\n\n  # here\n",
		"missing required key 'name'");
	rejects("missing name", "memory = 64M\n", "missing required key 'name'");
	rejects("missing memory", "name = a\n", "missing required key 'memory'");
	rejects("no '=' on a line", BASE "vcpus 2\n",
		"line 3: missing '=' in 'vcpus 2'");
	rejects("nothing before '='", "\n= 5\n", "line 2: missing key before '='");
	rejects("unknown key", BASE "colour = red\n",
		"line 3: unknown key 'colour'");
	rejects("keys are case sensitive", "Name = a\n",
		"line 1: unknown key 'Name'");
	rejects("empty value", "name =\n", "line 1: key 'name' has no value");
	rejects("value that is only a comment", "name = # x\n",
		"line 1: key 'name' has no value");
	rejects("duplicate key", "name = a\nmemory = 64M\n\nname = b\n",
		"line 4: duplicate key 'name' (first on line 1)");
	rejects("duplicate key after a comment line",
		"# c\nmemory = 64M\nname = a\nmemory = 64M\n",
		"line 4: duplicate key 'memory' (first on line 2)");
	rejects("first bad line wins", BASE "vcpus = 0\ncolour = red\n",
		"line 3: vcpus '0' is not in 1..64");
	rejects("NUL byte", "name = a\nmem\0ory = 64M\n",
		"line 2: NUL byte in the text");
	rejects("control bytes are masked in errors", "name = a\x1b[2J\tb\n",
		"line 1: name 'a?[2J?b' may only use [A-Za-z0-9_.-]");
}

static void test_long_lines(void)
{
	char text[600];

	strcpy(text, BASE "#");
	memset(text + strlen(text), 'c', 254);
	strcpy(text + sizeof(BASE) - 1 + 255, "\n");
	accepts_buf("a 255-character line", text);

	strcpy(text, BASE "#");
	memset(text + strlen(text), 'c', 255);
	strcpy(text + sizeof(BASE) - 1 + 256, "\n");
	rejects_buf("a 256-character line", text,
		    "line 3: line is longer than 255 characters");

	strcpy(text, BASE);
	memset(text + strlen(text), 'k', 60);
	strcpy(text + sizeof(BASE) - 1 + 60, " = 1\n");
	rejects_buf("a long key is quoted cut short", text,
		    "line 3: unknown key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...'");
}

static void test_name(void)
{
	accepts("31-character name",
		"name = abcdefghijklmnopqrstuvwxyz01234\nmemory = 2M\n");
	rejects("32-character name",
		"name = abcdefghijklmnopqrstuvwxyz012345\nmemory = 2M\n",
		"line 1: name 'abcdefghijklmnopqrstuvwxyz012345' is longer than 31 characters");
	rejects("space in name", "name = my vm\n",
		"line 1: name 'my vm' may only use [A-Za-z0-9_.-]");
	rejects("slash in name", "name = a/b\n",
		"line 1: name 'a/b' may only use [A-Za-z0-9_.-]");
}

static void test_memory(void)
{
	if (accepts("1M with bios boot", "name = a\nmemory = 1M\nboot = bios\nbios = b.bin\n"))
		report(cfg.boot == V3_BOOT_BIOS && cfg.mem_size == MiB,
		       "boot = bios, smallest memory");
	if (accepts("1T of memory", "name = a\nmemory = 1024G\n"))
		report(cfg.mem_size == 1024 * GiB, "1024G is 1T");
	accepts("memory in K", "name = a\nmemory = 2052K\n");
	rejects("memory below 1M", "name = a\nmemory = 1020K\n",
		"line 2: memory '1020K' is below 1M");
	rejects("memory not a multiple of 4K", "name = a\nmemory = 1049600\n",
		"line 2: memory '1049600' is not a multiple of 4K");
	rejects("memory above 1T", "name = a\nmemory = 1025G\n",
		"line 2: memory '1025G' is above 1T");
	rejects("T is no suffix", "name = a\nmemory = 1T\n",
		"line 2: memory '1T' has junk after the number");
	rejects("trailing junk after a number", "name = a\nmemory = 64MB\n",
		"line 2: memory '64MB' has junk after the number");
	rejects("space inside a number", "name = a\nmemory = 64 M\n",
		"line 2: memory '64 M' has junk after the number");
	rejects("a word for a number", "name = a\nmemory = lots\n",
		"line 2: memory 'lots' is not a number");
	rejects("a negative number", "name = a\nmemory = -64M\n",
		"line 2: memory '-64M' is not a number");
	rejects("overflow in the G multiplication",
		"name = a\nmemory = 0x400000000000G\n",
		"line 2: memory '0x400000000000G' does not fit in 64 bits");
	rejects("overflow in the digits",
		"name = a\nmemory = 99999999999999999999\n",
		"line 2: memory '99999999999999999999' does not fit in 64 bits");
	rejects("default entry outside 1M of memory", "name = a\nmemory = 1M\n",
		"line 2: entry 0x100000 (default) is outside memory (0x100000 bytes)");
}

static void test_block_vcpus_modes(void)
{
	if (accepts("block 64K", BASE "block = 64K\n"))
		report(cfg.block_size == 64 * 1024, "block 64K stored");
	accepts("block 1G", BASE "block = 1G\n");
	rejects("block below 64K", BASE "block = 32K\n",
		"line 3: block '32K' is not a power of two in 64K..1G");
	rejects("block above 1G", BASE "block = 2G\n",
		"line 3: block '2G' is not a power of two in 64K..1G");
	rejects("block not a power of two", BASE "block = 96K\n",
		"line 3: block '96K' is not a power of two in 64K..1G");
	if (accepts("64 vcpus", BASE "vcpus = 64\n"))
		report(cfg.vcpus == 64, "vcpus 64 stored");
	rejects("0 vcpus", BASE "vcpus = 0\n", "line 3: vcpus '0' is not in 1..64");
	rejects("65 vcpus", BASE "vcpus = 65\n",
		"line 3: vcpus '65' is not in 1..64");
	rejects("unknown paging", BASE "paging = ept\n",
		"line 3: paging 'ept' must be 'nested' or 'shadow'");
	rejects("unknown boot", BASE "boot = uefi\n",
		"line 3: boot 'uefi' must be 'direct' or 'bios'");
	rejects("unknown on_reset", BASE "on_reset = reboot\n",
		"line 3: on_reset 'reboot' must be 'stop' or 'reset'");
}

static void test_host_cpus(void)
{
	if (accepts("host_cpus", BASE "host_cpus = 3, 1 ,0\nvcpus = 3\n"))
		report(cfg.nhost_cpus == 3 && cfg.host_cpus[0] == 3 &&
		       cfg.host_cpus[1] == 1 && cfg.host_cpus[2] == 0 &&
		       cfg.host_cpus_line == 3, "host_cpus 3,1,0 stored");
	if (accepts("no host_cpus", BASE "vcpus = 2\n"))
		report(cfg.nhost_cpus == 0, "no host_cpus: default placement");
	rejects("host_cpus count", BASE "vcpus = 2\nhost_cpus = 1\n",
		"line 4: host_cpus lists 1 CPU(s) for 2 vcpu(s)");
	rejects("host_cpus junk", BASE "vcpus = 2\nhost_cpus = 1,x\n",
		"line 4: host_cpus entry 'x' is not a number");
	rejects("host_cpus empty entry", BASE "vcpus = 2\nhost_cpus = 1,,2\n",
		"line 4: host_cpus has an empty entry (want CPU numbers "
		"separated by commas)");
	rejects("host_cpus trailing comma", BASE "host_cpus = 1,\n",
		"line 3: host_cpus has an empty entry (want CPU numbers "
		"separated by commas)");
	rejects("host_cpus out of range", BASE "host_cpus = 4096\n",
		"line 3: host_cpus entry '4096' is not in 0..4095");
	rejects("host_cpus spaces only", BASE "host_cpus = 1 2\n",
		"line 3: host_cpus entry '1 2' has junk after the number");
}

static void test_entry(void)
{
	rejects("entry at the end of memory, given before memory",
		"name = a\nentry = 0x4000000\nmemory = 64M\n",
		"line 2: entry 0x4000000 is outside memory (0x4000000 bytes)");
	accepts("entry just below the end of memory",
		BASE "entry = 0x3fffff0\n");
	accepts("entry is not checked for bios boot",
		BASE "boot = bios\nbios = b.bin\nentry = 0x8000000\n");
	rejects("bios boot without a bios image", BASE "boot = bios\n",
		"line 3: boot = bios needs a 'bios = IMAGE' line");
	if (accepts("bios image name", BASE "boot = bios\nbios = bios-256k.bin\n"))
		report(!strcmp(cfg.bios, "bios-256k.bin"), "bios image kept");
	rejects("bios image with a space", BASE "bios = a b\n",
		"line 3: bios image 'a b' may only use [A-Za-z0-9_./-]");
	rejects("entry above 4G", BASE "entry = 0x100000000\n",
		"line 3: entry '0x100000000' is above 4G");
}

static void test_load(void)
{
	char text[1024];
	int i;

	rejects("load address outside memory, given before memory",
		"name = a\nload = x.bin @ 64M\nmemory = 64M\n",
		"line 2: load address 0x4000000 is outside memory (0x4000000 bytes)");
	rejects("load without '@'", BASE "load = x.bin 0x1000\n",
		"line 3: load 'x.bin 0x1000' is not 'IMAGE @ GPA'");
	rejects("load without image", BASE "load = @ 0x1000\n",
		"line 3: load has no image before '@'");
	rejects("load without address", BASE "load = x.bin @\n",
		"line 3: load has no address after '@'");
	rejects("load with junk after the address", BASE "load = x @ 0x1000 y\n",
		"line 3: load address '0x1000 y' has junk after the number");
	rejects("load image with a space", BASE "load = my x @ 0\n",
		"line 3: load image 'my x' may only use [A-Za-z0-9_./-]");
	rejects("load image too long",
		BASE "load = abcdefghijklmnopqrstuvwxyz012345 @ 0\n",
		"line 3: load image 'abcdefghijklmnopqrstuvwxyz012345' is longer than 31 characters");

	strcpy(text, BASE);
	for (i = 0; i < V3_CFG_MAX_LOADS; i++)
		add(text, sizeof(text), "load = img%d @ %dM\n", i, i);
	if (accepts_buf("the most loads", text))
		report(cfg.nloads == V3_CFG_MAX_LOADS &&
			       cfg.loads[7].gpa == 7 * MiB &&
			       cfg.loads[7].line == 10,
		       "all loads stored in order");
	add(text, sizeof(text), "load = one_more @ 0\n");
	rejects_buf("one load too many", text,
		    "line 11: too many 'load' lines (at most 8)");
}

static void test_device(void)
{
	char text[2048];
	int i;

	strcpy(text, BASE "device = many");
	for (i = 0; i < V3_CFG_MAX_OPTS; i++)
		add(text, sizeof(text), " o%d=%d", i, i);
	if (accepts_buf("the most device options", text))
		report(cfg.devices[0].nopts == V3_CFG_MAX_OPTS &&
			       !strcmp(v3_cfg_opt(&cfg.devices[0], "o7"), "7"),
		       "all options stored");
	add(text, sizeof(text), " o9=9\n");
	rejects_buf("one device option too many", text,
		    "line 3: device 'many' has more than 8 options");

	strcpy(text, BASE);
	for (i = 0; i < V3_CFG_MAX_DEVICES; i++)
		add(text, sizeof(text), "device = dev%d\n", i);
	if (accepts_buf("the most devices", text))
		report(cfg.ndevices == V3_CFG_MAX_DEVICES &&
			       cfg.devices[31].line == 34,
		       "all devices stored with their lines");
	add(text, sizeof(text), "device = one_more\n");
	rejects_buf("one device too many", text,
		    "line 35: too many 'device' lines (at most 32)");

	rejects("duplicate device option", BASE "device = uart port=1 port=2\n",
		"line 3: device option 'port' given twice");
	rejects("device option without '='", BASE "device = uart port\n",
		"line 3: device option 'port' is not key=value");
	rejects("device option without value", BASE "device = uart port=\n",
		"line 3: device option 'port' has no value");
	rejects("device option without key", BASE "device = uart =5\n",
		"line 3: device option key '' must be 1..31 of [a-z0-9_]");
	rejects("upper case device option key", BASE "device = uart Port=1\n",
		"line 3: device option key 'Port' must be 1..31 of [a-z0-9_]");
	rejects("upper case device type", BASE "device = UART\n",
		"line 3: device type 'UART' must be 1..31 of [a-z0-9_]");
	rejects("device type too long",
		BASE "device = abcdefghijklmnopqrstuvwxyz012345\n",
		"line 3: device type 'abcdefghijklmnopqrstuvwxyz012345' must be 1..31 of [a-z0-9_]");

	strcpy(text, BASE "device = x v=");
	i = (int)strlen(text);
	memset(text + i, 'v', 127);
	strcpy(text + i + 127, "\n");
	if (accepts_buf("127-character option value", text))
		report(strlen(v3_cfg_opt(&cfg.devices[0], "v")) == 127,
		       "long option value stored whole");
	strcpy(text, BASE "device = x v=");
	i = (int)strlen(text);
	memset(text + i, 'v', 128);
	strcpy(text + i + 128, "\n");
	rejects_buf("128-character option value", text,
		    "line 3: device option 'v' value is longer than 127 characters");
}

static void test_error_buffer(void)
{
	static const char bad[] = BASE "colour = red\n";
	char small[10];
	int rc;

	memset(small, '#', sizeof(small));
	rc = v3_config_parse(bad, sizeof(bad) - 1, &cfg, small, sizeof(small));
	report(rc == -1 && !strcmp(small, "line 3: u"),
	       "error cut to a small buffer and terminated");
	rc = v3_config_parse(bad, sizeof(bad) - 1, &cfg, NULL, 0);
	report(rc == -1, "no error buffer at all");
	rc = v3_config_parse(BASE, sizeof(BASE) - 1, &cfg, small, sizeof(small));
	report(rc == 0 && small[0] == '\0', "success leaves an empty error");
	rc = v3_config_parse(BASE, sizeof(BASE) - 1, NULL, err, sizeof(err));
	report(rc == -1 && !strcmp(err, "no configuration to parse"),
	       "NULL config struct");
}

static void test_u64(void)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
		{ "0", 0 },
		{ "010", 10 },
		{ "4096", 4096 },
		{ "0x1f", 0x1f },
		{ "0X1F", 0x1f },
		{ "4K", 4096 },
		{ "4k", 4096 },
		{ "2M", 2 * MiB },
		{ "1G", GiB },
		{ "0x10M", 16 * MiB },
		{ "18446744073709551615", UINT64_MAX },
		{ "0xffffffffffffffff", UINT64_MAX },
		{ "17179869183G", 17179869183ULL * GiB },
	};
	static const char *const bad[] = {
		"", "x", "0x", "0xg", "-1", "+1", " 1", "1 ", "1KK", "1KB",
		"1T", "12abc", "18446744073709551616", "0x10000000000000000",
		"17179869184G", "16777216T",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint64_t v = 0;

		report(v3_cfg_parse_u64(good[i].s, &v) == 0 && v == good[i].v,
		       "parse_u64 accepts '%s'", good[i].s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 12345;

		report(v3_cfg_parse_u64(bad[i], &v) == -1 && v == 12345,
		       "parse_u64 rejects '%s' and leaves the output alone",
		       bad[i]);
	}
	{
		uint64_t v;

		report(v3_cfg_parse_u64(NULL, &v) == -1,
		       "parse_u64 rejects NULL");
	}
}

/* ---- fuzz ---------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: fast, and a fixed seed makes failures repeatable. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static size_t below(size_t n)
{
	return n ? rnd() % n : 0;
}

static const char *const seeds[] = {
	BASE,
	"# full\nname = fz\nmemory = 256M\nblock = 1M\nvcpus = 2\n"
	"paging = shadow\nboot = direct\nentry = 0x100000\n"
	"load = a.bin @ 0x100000\nload = b @ 2M\non_reset = reset\n"
	"device = debugcon port=0xe9\ndevice = uart port=0x3f8 irq=4\n",
	"name=x\r\nmemory=0x100000\r\nboot=bios\r\n",
};

/* Whole lines spliced in: good ones, bad ones, edge values. */
static const char *const lines[] = {
	"device = uart port=0x3f8 irq=4 a=1 b=2 c=3 d=4 e=5\n",
	"device = x a=1 a=2\n", "device = \n", "device = x y\n",
	"load = img @ 0xffffffffffffffff\n", "load = @\n",
	"load = a @ b @ c\n", "memory = 0x400000000000G\n", "memory = 1T\n",
	"memory = 18446744073709551615\n", "block = 0\n", "block = 1G\n",
	"vcpus = 64\n", "vcpus = 4294967297\n", "entry = 0xffffffff\n",
	"name = \n", "name = abcdefghijklmnopqrstuvwxyz0123456789\n",
	"# comment\n", "\n", "=\n", "==\n", "#=\n", "on_reset = reset\n",
};

static const char interesting[] = "=#@\n\r\t 0123456789xXKMGkmg.-_/\0";

static size_t mutate(char *buf, size_t len, size_t cap)
{
	size_t pos = below(len + 1), n, i;
	const char *line;

	switch (rnd() % 8) {
	case 0:		/* flip a bit */
		if (len)
			buf[below(len)] ^= (char)(1u << below(8));
		break;
	case 1:		/* overwrite with a byte the parser cares about */
		if (len)
			buf[below(len)] = interesting[below(sizeof(interesting))];
		break;
	case 2:		/* insert a few bytes */
		n = 1 + below(4);
		if (len + n > cap)
			break;
		memmove(buf + pos + n, buf + pos, len - pos);
		for (i = 0; i < n; i++)
			buf[pos + i] = rnd() & 1 ? (char)rnd()
				       : interesting[below(sizeof(interesting))];
		len += n;
		break;
	case 3:		/* delete a range */
		n = below(len - pos + 1);
		if (n > 16)
			n = 16;
		memmove(buf + pos, buf + pos + n, len - pos - n);
		len -= n;
		break;
	case 4:		/* splice in a line, at a line start */
		while (pos && buf[pos - 1] != '\n')
			pos--;
		line = lines[below(sizeof(lines) / sizeof(lines[0]))];
		n = strlen(line);
		if (len + n > cap)
			break;
		memmove(buf + pos + n, buf + pos, len - pos);
		memcpy(buf + pos, line, n);
		len += n;
		break;
	case 5:		/* a long run, to cross the line limit */
		n = 200 + below(120);
		if (len + n > cap)
			break;
		memmove(buf + pos + n, buf + pos, len - pos);
		memset(buf + pos, "a 9="[below(4)], n);
		len += n;
		break;
	case 6:		/* duplicate a stretch of the text itself */
		n = below(len - pos + 1);
		if (n > 64 || len + n > cap)
			break;
		memmove(buf + pos + n, buf + pos, len - pos);
		len += n;
		break;
	default:	/* cut the end */
		len = pos;
		break;
	}
	return len;
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* What any accepted config must satisfy, whatever the text was. */
static bool sane(const struct v3_config *c)
{
	int i, j;

	if (!terminated(c->name, sizeof(c->name)) || !c->name[0] ||
	    c->mem_size < MiB || c->mem_size > 1024 * GiB ||
	    c->mem_size % 4096 || c->vcpus < 1 || c->vcpus > V3_CFG_MAX_VCPUS ||
	    c->block_size < 65536 || c->block_size > GiB ||
	    (c->block_size & (c->block_size - 1)) ||
	    (c->boot == V3_BOOT_DIRECT && c->entry >= c->mem_size) ||
	    c->nloads < 0 || c->nloads > V3_CFG_MAX_LOADS ||
	    c->ndevices < 0 || c->ndevices > V3_CFG_MAX_DEVICES)
		return false;
	for (i = 0; i < c->nloads; i++)
		if (!terminated(c->loads[i].image, V3_CFG_NAME_LEN) ||
		    c->loads[i].gpa >= c->mem_size)
			return false;
	for (i = 0; i < c->ndevices; i++) {
		const struct v3_cfg_device *d = &c->devices[i];

		if (!terminated(d->type, V3_CFG_NAME_LEN) || !d->type[0] ||
		    d->nopts < 0 || d->nopts > V3_CFG_MAX_OPTS)
			return false;
		for (j = 0; j < d->nopts; j++)
			if (!terminated(d->opts[j].key, V3_CFG_NAME_LEN) ||
			    !terminated(d->opts[j].val, V3_CFG_VAL_LEN))
				return false;
	}
	return true;
}

/* An error must be one line naming a line that exists, or a missing key. */
static bool good_error(const char *e, const char *text, size_t len)
{
	int nlines = 1, line;
	size_t i;

	for (i = 0; i < len; i++)
		nlines += text[i] == '\n';
	if (!e[0])
		return false;
	for (i = 0; e[i]; i++)
		if ((unsigned char)e[i] < 0x20 || (unsigned char)e[i] > 0x7e)
			return false;
	if (!strncmp(e, "missing required key '", 22))
		return true;
	return sscanf(e, "line %d: ", &line) == 1 && line >= 1 && line <= nlines;
}

static void test_fuzz(void)
{
	enum { RUNS = 200000, CAP = 2048 };
	static const size_t errlens[] = { 0, 1, 9, 40, 256 };
	const char *seed_env = getenv("UNIT_SEED");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : 0x5eed1e55ULL;
	char *work = malloc(CAP);
	int accepted = 0, rejected = 0, bad = 0, run;

	if (!work)
		abort();
	rng_state = seed ? seed : 1;
	for (run = 0; run < RUNS; run++) {
		const char *seed_text = seeds[below(sizeof(seeds) / sizeof(seeds[0]))];
		size_t len = strlen(seed_text), errlen = errlens[below(5)];
		/* Mostly light damage, so many configs still parse. */
		int rounds = 1 + (int)(rnd() & 1 ? below(2) : below(8)), rc;
		bool consistent;
		char *text, *e;

		memcpy(work, seed_text, len);
		while (rounds--)
			len = mutate(work, len, CAP);
		/* Exact-size copies, so any overrun is a sanitizer report. */
		text = malloc(len ? len : 1);
		e = errlen ? malloc(errlen) : NULL;
		if (!text || (errlen && !e))
			abort();
		memcpy(text, work, len);
		if (e)
			memset(e, '#', errlen);
		rc = v3_config_parse(text, len, &cfg, e, errlen);
		if (rc == 0) {
			accepted++;
			consistent = sane(&cfg) && (!e || !e[0]);
		} else {
			rejected++;
			consistent = rc == -1 && (!e || terminated(e, errlen)) &&
				     (errlen != 256 || good_error(e, text, len));
		}
		if (!consistent && bad++ == 0)
			diag("first bad run %d (seed 0x%llx): rc=%d err='%.*s'",
			     run, (unsigned long long)seed, rc,
			     (int)errlen, e ? e : "");
		free(text);
		free(e);
	}
	free(work);
	report(bad == 0, "fuzz: %d mutated configs, %d accepted, %d rejected, "
	       "all consistent (seed 0x%llx)", RUNS, accepted, rejected,
	       (unsigned long long)seed);
	report(accepted > RUNS / 100 && rejected > RUNS / 100,
	       "fuzz reaches both outcomes");
}

int main(void)
{
	test_defaults();
	test_full();
	test_layout();
	test_long_lines();
	test_name();
	test_memory();
	test_block_vcpus_modes();
	test_host_cpus();
	test_entry();
	test_load();
	test_device();
	test_error_buffer();
	test_u64();
	test_fuzz();
	return report_summary("test_config");
}
