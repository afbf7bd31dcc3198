/* Node counts per mapping from /proc/self/numa_maps: where a check only
 * asks whether every placed page of a range lies on a set of nodes, the
 * kernel's count of each mapping's pages per node answers it in one read,
 * without privileges, faster than a query per page. It walks the page
 * tables of every mapping of the process, so it pays only when the range
 * holds most of the resident memory. Read without allocating. */
#include "area/linux/numa_maps.h"

#include <fcntl.h>

struct numa_maps_reader {
	int fd;
	char buf[4096];
	size_t len, pos;
};

/* The next line, NUL-terminated, in r->buf; NULL at the end, or for a line
 * longer than the buffer (then the caller gives up). */
static char *numa_maps_line(struct numa_maps_reader *r, int *too_long)
{
	char *line, *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
		if (nl != NULL)
			break;
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
		if (r->len == sizeof(r->buf)) {
			*too_long = 1;
			return NULL;
		}
		n = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n <= 0)
			return NULL;
		r->len += (size_t)n;
	}
	*nl = '\0';
	line = r->buf + r->pos;
	r->pos = (size_t)(nl + 1 - r->buf);
	return line;
}

/* Whether a numa_maps line counts a page on a node not in `allowed`. */
static int numa_maps_line_off(const char *line,
			      const struct aml_bitmap *allowed)
{
	for (const char *p = strstr(line, " N"); p != NULL;
	     p = strstr(p + 1, " N")) {
		char *end;
		unsigned long node = strtoul(p + 2, &end, 10);

		if (end == p + 2 || *end != '=')
			continue;
		if (strtoul(end + 1, NULL, 10) > 0 &&
		    (node >= AML_BITMAP_MAX ||
		     aml_bitmap_isset(allowed, (unsigned int)node) != 1))
			return 1;
	}
	return 0;
}

/* Resident pages of the process (/proc/self/statm); 0 if unknown. */
static size_t resident_pages(void)
{
	char buf[128];
	unsigned long size, resident;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%lu %lu", &size, &resident) != 2)
		return 0;
	return resident;
}

int aml__linux_numa_maps_worth(size_t npages)
{
	return npages >= NUMA_MAPS_MIN_PAGES && resident_pages() <= 2 * npages;
}

/*
 * A mapping's extent is taken as up to the next one's start: wider than it
 * may be, which can only send the caller to the page walk more often.
 */
int aml__linux_numa_maps_all_on(uintptr_t start, uintptr_t end,
				const struct aml_bitmap *allowed)
{
	struct numa_maps_reader r = {.len = 0, .pos = 0};
	uintptr_t prev = 0;
	int prev_off = 0, too_long = 0, ret = -1;
	char *line;

	r.fd = open("/proc/self/numa_maps", O_RDONLY | O_CLOEXEC);
	if (r.fd < 0)
		return 0;
	while ((line = numa_maps_line(&r, &too_long)) != NULL) {
		const uintptr_t vma = (uintptr_t)strtoull(line, NULL, 16);

		/* The previous mapping, [prev, vma), is known now. */
		if (prev_off && prev < end && vma > start) {
			ret = 0;
			break;
		}
		if (vma >= end) {
			ret = 1;
			break;
		}
		prev = vma;
		prev_off = numa_maps_line_off(line, allowed);
	}
	close(r.fd);
	if (ret >= 0)
		return ret;
	/* The last mapping runs to the end of the address space. */
	return too_long || (prev_off && prev < end) ? 0 : 1;
}
