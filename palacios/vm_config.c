/* vm_config.c - parse the line-oriented VM configuration (v3_config.h).
 *
 * Pure: each line is copied into a small stack buffer and split in place,
 * results go only into the caller's struct and error buffer, nothing is
 * allocated, so any host can call it from any context.  Checks that
 * depend on several keys (entry and loads against memory) run after the
 * last line, since keys may come in any order. */
#include "lib.h"
#include "v3_config.h"

#define LINE_MAX_LEN 255
#define IDENT_MAX (V3_CFG_NAME_LEN - 1)
#define OPT_VAL_MAX (V3_CFG_VAL_LEN - 1)
/* Offending text is quoted in errors, cut to this many characters. */
#define QUOTE_MAX 40

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define TiB (1ULL << 40)
#define U64_MAX ((uint64_t)-1)

enum key_id {
	KEY_NAME, KEY_MEMORY, KEY_BLOCK, KEY_VCPUS, KEY_PAGING, KEY_BOOT,
	KEY_ENTRY, KEY_LOAD, KEY_ON_RESET, KEY_DEVICE, KEY_BIOS, KEY_HOST_CPUS,
	NKEYS
};

struct parser {
	struct v3_config *cfg;
	int line;
	char *err;
	size_t errlen;
	int seen[NKEYS];		/* first line of each key, 0 if unset */
	char quoted[QUOTE_MAX + 4];	/* room for "..." and NUL */
};

/* ---- small helpers ---------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_lower_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_name_char(char c)
{
	return is_lower_ident(c) || (c >= 'A' && c <= 'Z') || c == '.' ||
	       c == '-';
}

static char *find_char(char *s, char c)
{
	for (; *s; s++)
		if (*s == c)
			return s;
	return NULL;
}

/* Strips surrounding whitespace in place. */
static char *trim(char *s)
{
	size_t n;

	while (is_space(*s))
		s++;
	n = v3_strlen(s);
	while (n && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Splits off the next whitespace-separated token, or NULL at the end. */
static char *next_token(char **cursor)
{
	char *s = *cursor, *tok;

	while (is_space(*s))
		s++;
	if (!*s)
		return NULL;
	tok = s;
	while (*s && !is_space(*s))
		s++;
	if (*s)
		*s++ = '\0';
	*cursor = s;
	return tok;
}

static bool all_chars(const char *s, bool (*ok)(char))
{
	for (; *s; s++)
		if (!ok(*s))
			return false;
	return true;
}

/* Text for an error message: cut short so errors stay one short line,
 * control bytes masked so they cannot garble the host's console. */
static const char *quote(struct parser *p, const char *s)
{
	size_t n = v3_strlcpy(p->quoted, s, QUOTE_MAX + 1), i;

	for (i = 0; p->quoted[i]; i++)
		if ((unsigned char)p->quoted[i] < 0x20 ||
		    (unsigned char)p->quoted[i] > 0x7e)
			p->quoted[i] = '?';
	if (n > QUOTE_MAX)
		v3_strlcpy(p->quoted + QUOTE_MAX, "...", 4);
	return p->quoted;
}

/* Writes "line N: reason" (or just the reason when line is 0). */
static int fail_at(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail_at(struct parser *p, int line, const char *fmt, ...)
{
	int n = 0;

	if (!p->err || !p->errlen)
		return -1;
	if (line)
		n = v3_snprintf(p->err, p->errlen, "line %d: ", line);
	if ((size_t)n < p->errlen) {
		va_list ap;

		va_start(ap, fmt);
		v3_vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

#define fail(p, ...) fail_at((p), (p)->line, __VA_ARGS__)

/* ---- numbers ----------------------------------------------------------- */

enum num_status { NUM_OK, NUM_NOT_NUMBER, NUM_JUNK, NUM_OVERFLOW };

static int digit_value(char c, unsigned base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < (int)base ? d : -1;
}

/* Decimal or 0x-hex, then at most one K/M/G (binary multiples).  A
 * leading 0 does not mean octal: "010" is ten. */
static enum num_status parse_number(const char *s, uint64_t *out)
{
	unsigned base = 10, shift = 0;
	uint64_t v = 0;
	const char *digits;
	int d;

	if (!s)
		return NUM_NOT_NUMBER;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (digits = s; (d = digit_value(*s, base)) >= 0; s++) {
		if (v > (U64_MAX - (unsigned)d) / base)
			return NUM_OVERFLOW;
		v = v * base + (unsigned)d;
	}
	if (s == digits)
		return NUM_NOT_NUMBER;
	switch (*s) {
	case 'K': case 'k': shift = 10; s++; break;
	case 'M': case 'm': shift = 20; s++; break;
	case 'G': case 'g': shift = 30; s++; break;
	}
	if (*s)
		return NUM_JUNK;
	if (v > (U64_MAX >> shift))
		return NUM_OVERFLOW;
	*out = v << shift;
	return NUM_OK;
}

int v3_cfg_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v;

	if (parse_number(s, &v) != NUM_OK)
		return -1;
	*out = v;
	return 0;
}

/* Parses a number for key 'what', explaining any failure. */
static int get_number(struct parser *p, const char *what, const char *s,
		      uint64_t *out)
{
	switch (parse_number(s, out)) {
	case NUM_OK:
		return 0;
	case NUM_JUNK:
		return fail(p, "%s '%s' has junk after the number", what,
			    quote(p, s));
	case NUM_OVERFLOW:
		return fail(p, "%s '%s' does not fit in 64 bits", what,
			    quote(p, s));
	default:
		return fail(p, "%s '%s' is not a number", what, quote(p, s));
	}
}

/* ---- one parser per key ------------------------------------------------ */

static int parse_name(struct parser *p, char *val)
{
	if (v3_strlen(val) > IDENT_MAX)
		return fail(p, "name '%s' is longer than %d characters",
			    quote(p, val), IDENT_MAX);
	if (!all_chars(val, is_name_char))
		return fail(p, "name '%s' may only use [A-Za-z0-9_.-]",
			    quote(p, val));
	v3_strlcpy(p->cfg->name, val, sizeof(p->cfg->name));
	return 0;
}

static int parse_memory(struct parser *p, char *val)
{
	uint64_t n;

	if (get_number(p, "memory", val, &n))
		return -1;
	if (n < MiB)
		return fail(p, "memory '%s' is below 1M", quote(p, val));
	if (n & (4 * KiB - 1))
		return fail(p, "memory '%s' is not a multiple of 4K",
			    quote(p, val));
	if (n > TiB)
		return fail(p, "memory '%s' is above 1T", quote(p, val));
	p->cfg->mem_size = n;
	return 0;
}

static int parse_block(struct parser *p, char *val)
{
	uint64_t n;

	if (get_number(p, "block", val, &n))
		return -1;
	if ((n & (n - 1)) || n < 64 * KiB || n > GiB)
		return fail(p, "block '%s' is not a power of two in 64K..1G",
			    quote(p, val));
	p->cfg->block_size = n;
	return 0;
}

static int parse_vcpus(struct parser *p, char *val)
{
	uint64_t n;

	if (get_number(p, "vcpus", val, &n))
		return -1;
	if (n < 1 || n > V3_CFG_MAX_VCPUS)
		return fail(p, "vcpus '%s' is not in 1..%d", quote(p, val),
			    V3_CFG_MAX_VCPUS);
	p->cfg->vcpus = (uint32_t)n;
	return 0;
}

/* "2,3,0": one host CPU number per vcpu, commas between (spaces
 * allowed around them); the count is checked against vcpus at the end. */
static int parse_host_cpus(struct parser *p, char *val)
{
	struct v3_config *cfg = p->cfg;
	char *item = val;

	cfg->host_cpus_line = p->line;
	while (item) {
		char *comma = find_char(item, ',');
		uint64_t n;

		if (comma)
			*comma = '\0';
		item = trim(item);
		if (cfg->nhost_cpus == V3_CFG_MAX_VCPUS)
			return fail(p, "host_cpus lists more than %d CPUs",
				    V3_CFG_MAX_VCPUS);
		if (!*item)
			return fail(p, "host_cpus has an empty entry (want "
				    "CPU numbers separated by commas)");
		if (get_number(p, "host_cpus entry", item, &n))
			return -1;
		if (n > V3_CFG_MAX_HOST_CPU)
			return fail(p, "host_cpus entry '%s' is not in 0..%d",
				    quote(p, item), V3_CFG_MAX_HOST_CPU);
		cfg->host_cpus[cfg->nhost_cpus++] = (uint16_t)n;
		item = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* Looks 'val' up in a NULL-terminated list of words; returns its index. */
static int pick_word(struct parser *p, const char *key, const char *val,
		     const char *const *words)
{
	int i;

	for (i = 0; words[i]; i++)
		if (!v3_strcmp(val, words[i]))
			return i;
	return fail(p, "%s '%s' must be '%s' or '%s'", key, quote(p, val),
		    words[0], words[1]);
}

static int parse_paging(struct parser *p, char *val)
{
	static const char *const words[] = { "nested", "shadow", NULL };
	int i = pick_word(p, "paging", val, words);

	if (i < 0)
		return -1;
	p->cfg->paging = i ? V3_PAGING_SHADOW : V3_PAGING_NESTED;
	return 0;
}

static int parse_boot(struct parser *p, char *val)
{
	static const char *const words[] = { "direct", "bios", NULL };
	int i = pick_word(p, "boot", val, words);

	if (i < 0)
		return -1;
	p->cfg->boot = i ? V3_BOOT_BIOS : V3_BOOT_DIRECT;
	return 0;
}

static int parse_on_reset(struct parser *p, char *val)
{
	static const char *const words[] = { "stop", "reset", NULL };
	int i = pick_word(p, "on_reset", val, words);

	if (i < 0)
		return -1;
	p->cfg->on_reset = i ? V3_RESET_REBOOT : V3_RESET_STOP;
	return 0;
}

static int parse_entry(struct parser *p, char *val)
{
	uint64_t n;

	if (get_number(p, "entry", val, &n))
		return -1;
	/* Direct boot starts in 32-bit flat mode. */
	if (n > 0xffffffffULL)
		return fail(p, "entry '%s' is above 4G", quote(p, val));
	p->cfg->entry = n;
	return 0;
}

static bool is_image_char(char c)
{
	return is_name_char(c) || c == '/';
}

/* IMAGE @ GPA */
static int parse_load(struct parser *p, char *val)
{
	struct v3_config *cfg = p->cfg;
	struct v3_cfg_load *load;
	char *at = find_char(val, '@');
	char *image, *gpa;

	if (cfg->nloads == V3_CFG_MAX_LOADS)
		return fail(p, "too many 'load' lines (at most %d)",
			    V3_CFG_MAX_LOADS);
	if (!at)
		return fail(p, "load '%s' is not 'IMAGE @ GPA'", quote(p, val));
	*at = '\0';
	image = trim(val);
	gpa = trim(at + 1);
	if (!*image)
		return fail(p, "load has no image before '@'");
	if (!*gpa)
		return fail(p, "load has no address after '@'");
	if (v3_strlen(image) > IDENT_MAX)
		return fail(p, "load image '%s' is longer than %d characters",
			    quote(p, image), IDENT_MAX);
	if (!all_chars(image, is_image_char))
		return fail(p, "load image '%s' may only use [A-Za-z0-9_./-]",
			    quote(p, image));
	load = &cfg->loads[cfg->nloads];
	if (get_number(p, "load address", gpa, &load->gpa))
		return -1;
	v3_strlcpy(load->image, image, sizeof(load->image));
	load->line = p->line;
	cfg->nloads++;
	return 0;
}

/* bios = IMAGE: firmware mapped below 4 GiB for boot = bios */
static int parse_bios(struct parser *p, char *val)
{
	if (!*val)
		return fail(p, "bios needs an image name");
	if (v3_strlen(val) > IDENT_MAX)
		return fail(p, "bios image '%s' is longer than %d characters",
			    quote(p, val), IDENT_MAX);
	if (!all_chars(val, is_image_char))
		return fail(p, "bios image '%s' may only use [A-Za-z0-9_./-]",
			    quote(p, val));
	v3_strlcpy(p->cfg->bios, val, sizeof(p->cfg->bios));
	return 0;
}

static int parse_device_opt(struct parser *p, struct v3_cfg_device *dev,
			    char *tok)
{
	char *eq = find_char(tok, '=');
	struct v3_cfg_opt *opt;

	if (!eq)
		return fail(p, "device option '%s' is not key=value",
			    quote(p, tok));
	*eq = '\0';
	if (!*tok || v3_strlen(tok) > IDENT_MAX ||
	    !all_chars(tok, is_lower_ident))
		return fail(p, "device option key '%s' must be 1..%d of [a-z0-9_]",
			    quote(p, tok), IDENT_MAX);
	if (!eq[1])
		return fail(p, "device option '%s' has no value", tok);
	if (v3_strlen(eq + 1) > OPT_VAL_MAX)
		return fail(p, "device option '%s' value is longer than %d characters",
			    tok, OPT_VAL_MAX);
	if (v3_cfg_opt(dev, tok))
		return fail(p, "device option '%s' given twice", tok);
	if (dev->nopts == V3_CFG_MAX_OPTS)
		return fail(p, "device '%s' has more than %d options", dev->type,
			    V3_CFG_MAX_OPTS);
	opt = &dev->opts[dev->nopts++];
	v3_strlcpy(opt->key, tok, sizeof(opt->key));
	v3_strlcpy(opt->val, eq + 1, sizeof(opt->val));
	return 0;
}

/* TYPE key=val key=val ... */
static int parse_device(struct parser *p, char *val)
{
	struct v3_config *cfg = p->cfg;
	struct v3_cfg_device *dev;
	char *type = next_token(&val), *tok;

	if (cfg->ndevices == V3_CFG_MAX_DEVICES)
		return fail(p, "too many 'device' lines (at most %d)",
			    V3_CFG_MAX_DEVICES);
	/* The value is non-empty and trimmed, so there is a first token. */
	if (v3_strlen(type) > IDENT_MAX || !all_chars(type, is_lower_ident))
		return fail(p, "device type '%s' must be 1..%d of [a-z0-9_]",
			    quote(p, type), IDENT_MAX);
	dev = &cfg->devices[cfg->ndevices];
	v3_strlcpy(dev->type, type, sizeof(dev->type));
	dev->line = p->line;
	dev->nopts = 0;
	while ((tok = next_token(&val)))
		if (parse_device_opt(p, dev, tok))
			return -1;
	cfg->ndevices++;
	return 0;
}

const char *v3_cfg_opt(const struct v3_cfg_device *dev, const char *key)
{
	int i;

	if (!dev || !key)
		return NULL;
	for (i = 0; i < dev->nopts && i < V3_CFG_MAX_OPTS; i++)
		if (!v3_strcmp(dev->opts[i].key, key))
			return dev->opts[i].val;
	return NULL;
}

/* ---- lines and the whole text ------------------------------------------ */

static const struct key_def {
	const char *name;
	int (*parse)(struct parser *p, char *val);
	bool repeats;
} keys[NKEYS] = {
	[KEY_NAME]     = { "name",     parse_name,     false },
	[KEY_MEMORY]   = { "memory",   parse_memory,   false },
	[KEY_BLOCK]    = { "block",    parse_block,    false },
	[KEY_VCPUS]    = { "vcpus",    parse_vcpus,    false },
	[KEY_PAGING]   = { "paging",   parse_paging,   false },
	[KEY_BOOT]     = { "boot",     parse_boot,     false },
	[KEY_ENTRY]    = { "entry",    parse_entry,    false },
	[KEY_LOAD]     = { "load",     parse_load,     true },
	[KEY_ON_RESET] = { "on_reset", parse_on_reset, false },
	[KEY_DEVICE]   = { "device",   parse_device,   true },
	[KEY_BIOS]     = { "bios",     parse_bios,     false },
	[KEY_HOST_CPUS] = { "host_cpus", parse_host_cpus, false },
};

static int parse_line(struct parser *p, char *line)
{
	char *hash = find_char(line, '#');
	char *eq, *key, *val;
	int id;

	if (hash)
		*hash = '\0';
	line = trim(line);
	if (!*line)
		return 0;
	eq = find_char(line, '=');
	if (!eq)
		return fail(p, "missing '=' in '%s'", quote(p, line));
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (!*key)
		return fail(p, "missing key before '='");
	for (id = 0; id < NKEYS; id++)
		if (!v3_strcmp(key, keys[id].name))
			break;
	if (id == NKEYS)
		return fail(p, "unknown key '%s'", quote(p, key));
	if (p->seen[id] && !keys[id].repeats)
		return fail(p, "duplicate key '%s' (first on line %d)", key,
			    p->seen[id]);
	if (!*val)
		return fail(p, "key '%s' has no value", key);
	if (!p->seen[id])
		p->seen[id] = p->line;
	return keys[id].parse(p, val);
}

/* Checks that need the whole file: required keys, then addresses that
 * must fall inside guest memory. */
static int check_whole(struct parser *p)
{
	const struct v3_config *cfg = p->cfg;
	int i;

	if (!p->seen[KEY_NAME])
		return fail_at(p, 0, "missing required key 'name'");
	if (!p->seen[KEY_MEMORY])
		return fail_at(p, 0, "missing required key 'memory'");
	if (p->seen[KEY_HOST_CPUS] && cfg->nhost_cpus != cfg->vcpus)
		return fail_at(p, p->seen[KEY_HOST_CPUS],
			       "host_cpus lists %u CPU(s) for %u vcpu(s)",
			       cfg->nhost_cpus, cfg->vcpus);
	if (cfg->boot == V3_BOOT_BIOS && !p->seen[KEY_BIOS])
		return fail_at(p, p->seen[KEY_BOOT],
			       "boot = bios needs a 'bios = IMAGE' line");
	if (cfg->boot == V3_BOOT_DIRECT && cfg->entry >= cfg->mem_size) {
		/* A default entry is blamed on the memory line. */
		int line = p->seen[KEY_ENTRY] ? p->seen[KEY_ENTRY]
					      : p->seen[KEY_MEMORY];

		return fail_at(p, line, "entry 0x%llx%s is outside memory (0x%llx bytes)",
			       (unsigned long long)cfg->entry,
			       p->seen[KEY_ENTRY] ? "" : " (default)",
			       (unsigned long long)cfg->mem_size);
	}
	for (i = 0; i < cfg->nloads; i++) {
		const struct v3_cfg_load *load = &cfg->loads[i];

		if (load->gpa >= cfg->mem_size)
			return fail_at(p, load->line,
				       "load address 0x%llx is outside memory (0x%llx bytes)",
				       (unsigned long long)load->gpa,
				       (unsigned long long)cfg->mem_size);
	}
	return 0;
}

static void set_defaults(struct v3_config *cfg)
{
	v3_memset(cfg, 0, sizeof(*cfg));
	cfg->block_size = 128 * MiB;
	cfg->vcpus = 1;
	cfg->paging = V3_PAGING_NESTED;
	cfg->boot = V3_BOOT_DIRECT;
	cfg->entry = 0x100000;
	cfg->on_reset = V3_RESET_STOP;
}

int v3_config_parse(const char *text, size_t len, struct v3_config *cfg,
		    char *err, size_t errlen)
{
	struct parser p;
	size_t pos = 0;

	v3_memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.err = err;
	p.errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	if (!cfg || (!text && len))
		return fail_at(&p, 0, "no configuration to parse");
	set_defaults(cfg);

	while (pos < len) {
		char line[LINE_MAX_LEN + 1];
		size_t n = 0;

		p.line++;
		for (; pos < len && text[pos] != '\n'; pos++) {
			if (!text[pos])
				return fail(&p, "NUL byte in the text");
			if (n == LINE_MAX_LEN)
				return fail(&p, "line is longer than %d characters",
					    LINE_MAX_LEN);
			line[n++] = text[pos];
		}
		line[n] = '\0';
		pos++;		/* past the '\n' (or the end) */
		if (parse_line(&p, line))
			return -1;
	}
	return check_whole(&p);
}
