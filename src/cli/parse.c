#include "parse.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

char *aml_cli_one_line(char *s)
{
	for (char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return s;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		aml_cli_one_line(err);
	}
	return -1;
}

/* A decimal number below AML_BITMAP_MAX at *p; advances *p. */
static int read_index(const char **p, int *value)
{
	long v = 0;

	if (!isdigit((unsigned char)**p))
		return -1;
	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		if (v >= AML_BITMAP_MAX)
			return -2;
		(*p)++;
	}
	*value = (int)v;
	return 0;
}

static int check_present(const struct aml_bitmap *present, int lo, int hi,
			 char *err, size_t errlen)
{
	char nodes[96];

	for (int n = lo; n <= hi; n++) {
		if (aml_bitmap_isset(present, (unsigned)n) == 1)
			continue;
		aml_cli_format_nodes(present, nodes, sizeof(nodes));
		return fail(err, errlen,
			    "node %d does not exist (this machine has %s)", n,
			    nodes);
	}
	return 0;
}

/* A node number of list `s` at *p; `missing` says what its absence means. */
static int read_node(const char **p, const char *s, int *node,
		     const char *missing, char *err, size_t errlen)
{
	int rc = read_index(p, node);

	if (rc == -2)
		return fail(err, errlen,
			    "node list '%s': node number too large", s);
	if (rc != 0 && missing != NULL)
		return fail(err, errlen, "node list '%s': %s", s, missing);
	if (rc != 0)
		return fail(err, errlen,
			    "node list '%s': '%c' is not a node number", s,
			    **p ? **p : ' ');
	return 0;
}

/* One item, "N" or "N-M", at *p. */
static int parse_item(const char **p, const char *s,
		      const struct aml_bitmap *present, struct aml_bitmap *out,
		      char *err, size_t errlen)
{
	int lo, hi;

	if (read_node(p, s, &lo, NULL, err, errlen) != 0)
		return -1;
	hi = lo;
	if (**p == '-') {
		(*p)++;
		if (read_node(p, s, &hi, "range without an end", err, errlen) !=
		    0)
			return -1;
		if (hi < lo)
			return fail(err, errlen,
				    "node list '%s': range %d-%d goes down", s,
				    lo, hi);
	}
	if (check_present(present, lo, hi, err, errlen) != 0)
		return -1;
	aml_bitmap_set_range(out, (unsigned)lo, (unsigned)hi);
	return 0;
}

int aml_cli_parse_nodes(const char *s, const struct aml_bitmap *present,
			struct aml_bitmap *out, char *err, size_t errlen)
{
	struct aml_bitmap set;
	const char *p = s;
	int invert = 0;

	if (s == NULL || *s == '\0')
		return fail(err, errlen, "empty node list");
	aml_bitmap_zero(&set);
	if (*p == '!') {
		invert = 1;
		p++;
	}
	if (strcmp(p, "all") == 0) {
		aml_bitmap_copy(&set, present);
		p += 3;
	}
	while (*p != '\0') {
		if (parse_item(&p, s, present, &set, err, errlen) != 0)
			return -1;
		if (*p == '\0')
			break;
		if (*p != ',' || p[1] == '\0')
			return fail(err, errlen,
				    "node list '%s': unexpected '%c'", s, *p);
		p++;
	}
	if (invert) {
		for (int n = 0; n < AML_BITMAP_MAX; n++)
			if (aml_bitmap_isset(&set, n) == 1)
				aml_bitmap_clear(&set, n);
			else if (aml_bitmap_isset(present, n) == 1)
				aml_bitmap_set(&set, n);
	}
	if (aml_bitmap_iszero(&set))
		return fail(err, errlen, "node list '%s' names no node", s);
	aml_bitmap_copy(out, &set);
	return 0;
}

int aml_cli_parse_node(const char *s, const struct aml_bitmap *present,
		       int *node, char *err, size_t errlen)
{
	const char *p = s;
	int n;

	if (s == NULL || *s == '\0')
		return fail(err, errlen, "empty node");
	if (read_index(&p, &n) != 0 || *p != '\0')
		return fail(err, errlen, "'%s' is not a node number", s);
	if (check_present(present, n, n, err, errlen) != 0)
		return -1;
	*node = n;
	return 0;
}

/* The power of 1024 a suffix stands for, or -1. */
static int suffix_shift(const char *p)
{
	static const char units[] = "KMGT";
	const char *u;

	if (*p == '\0' || strcmp(p, "B") == 0 || strcmp(p, "b") == 0)
		return 0;
	u = strchr(units, toupper((unsigned char)*p));
	if (u == NULL)
		return -1;
	p++;
	if (*p == '\0' || strcmp(p, "B") == 0 || strcmp(p, "iB") == 0)
		return 10 * (int)(u - units + 1);
	return -1;
}

int aml_cli_parse_size(const char *s, size_t *out, char *err, size_t errlen)
{
	const char *p = s;
	uint64_t v = 0;
	int shift;

	if (s == NULL || *s == '\0')
		return fail(err, errlen, "empty size");
	if (!isdigit((unsigned char)*p))
		return fail(err, errlen, "size '%s': not a number", s);
	while (isdigit((unsigned char)*p)) {
		if (v > (UINT64_MAX - 9) / 10)
			return fail(err, errlen, "size '%s' is too large", s);
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	shift = suffix_shift(p);
	if (shift < 0)
		return fail(err, errlen,
			    "size '%s': bad suffix '%s' (use K, M, G or T)", s,
			    p);
	if (shift > 0 && v > (SIZE_MAX >> shift))
		return fail(err, errlen, "size '%s' is too large", s);
	*out = (size_t)(v << shift);
	return 0;
}

/* One "N:W" item at *p. */
static int parse_weight(const char **p, const char *s,
			const struct aml_bitmap *present,
			unsigned char *weights, struct aml_bitmap *nodes,
			char *err, size_t errlen)
{
	int n, w;

	if (read_index(p, &n) != 0 || **p != ':')
		return fail(err, errlen,
			    "weights '%s': expected NODE:WEIGHT items", s);
	(*p)++;
	if (read_index(p, &w) != 0 || w < 1 || w > 255)
		return fail(err, errlen,
			    "weights '%s': a weight is a number from 1 to 255",
			    s);
	if (check_present(present, n, n, err, errlen) != 0)
		return -1;
	if (aml_bitmap_isset(nodes, n) == 1)
		return fail(err, errlen, "weights '%s': node %d given twice", s,
			    n);
	aml_bitmap_set(nodes, n);
	weights[n] = (unsigned char)w;
	return 0;
}

int aml_cli_parse_weights(const char *s, const struct aml_bitmap *present,
			  unsigned char *weights, struct aml_bitmap *nodes,
			  char *err, size_t errlen)
{
	const char *p = s;

	if (s == NULL || *s == '\0')
		return fail(err, errlen, "empty weights");
	memset(weights, 0, AML_BITMAP_MAX);
	aml_bitmap_zero(nodes);
	for (;;) {
		if (parse_weight(&p, s, present, weights, nodes, err, errlen) !=
		    0)
			return -1;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return fail(err, errlen,
				    "weights '%s': unexpected '%c'", s, *p);
		p++;
	}
}

int aml_cli_online_nodes(struct aml_bitmap *nodes)
{
	char buf[512];
	struct aml_bitmap all;
	ssize_t n;
	int fd;

	aml_bitmap_zero(nodes);
	fd = open("/sys/devices/system/node/online", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return aml_bitmap_set(nodes, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return aml_bitmap_set(nodes, 0);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	buf[n] = '\0';
	aml_bitmap_fill(&all);
	return aml_cli_parse_nodes(buf, &all, nodes, NULL, 0);
}

char *aml_cli_format_nodes(const struct aml_bitmap *nodes, char *buf,
			   size_t len)
{
	size_t used = 0;
	int n = 0;

	buf[0] = '\0';
	while (n < AML_BITMAP_MAX && used < len) {
		int lo, hi;

		if (aml_bitmap_isset(nodes, n) != 1) {
			n++;
			continue;
		}
		lo = hi = n;
		while (hi + 1 < AML_BITMAP_MAX &&
		       aml_bitmap_isset(nodes, hi + 1) == 1)
			hi++;
		used += (size_t)snprintf(buf + used, len - used,
					 lo == hi ? "%s%d" : "%s%d-%d",
					 used ? "," : "", lo, hi);
		n = hi + 1;
	}
	if (used >= len && len > 4)
		strcpy(buf + len - 4, "...");
	return buf;
}
