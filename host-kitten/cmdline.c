/* cmdline.c - find "name" and "name=value" words in the command line
 * the boot loader gave us. */
#include "cmdline.h"
#include "kstring.h"
#include "multiboot.h"

/* The value after "name=" in a word, "" for a bare "name", NULL if no
 * word matches. */
static const char *find(const char *name, size_t *vlen)
{
	const char *p = boot_info.cmdline;
	size_t n = kstrlen(name);

	while (*p) {
		const char *w;
		size_t len = 0;

		while (*p == ' ')
			p++;
		w = p;
		while (p[len] && p[len] != ' ')
			len++;
		p += len;
		if (len >= n && kstrncmp(w, name, n) == 0) {
			if (len == n) {
				*vlen = 0;
				return w + n;
			}
			if (w[n] == '=') {
				*vlen = len - n - 1;
				return w + n + 1;
			}
		}
	}
	return NULL;
}

bool cmdline_flag(const char *name)
{
	size_t vlen;
	const char *v = find(name, &vlen);

	return v && vlen == 0;
}

bool cmdline_u64(const char *name, uint64_t *out)
{
	size_t vlen;
	const char *v = find(name, &vlen);
	uint64_t x = 0;

	if (!v || vlen == 0 || vlen > 18)
		return false;
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return true;
}
