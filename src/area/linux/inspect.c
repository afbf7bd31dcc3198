#include "aml/area/linux-inspect.h"

#include "area/linux/pages.h"
#include "area/linux/sys.h"

/* Populate for an inspection: writable if the mapping lets us. */
static int inspect_populate(const void *ptr, size_t size, int flags)
{
	int err;

	if (!(flags & AML_LINUX_INSPECT_POPULATE))
		return AML_SUCCESS;
	err = aml_linux_populate((void *)ptr, size, 1, 0);
	if (err == -AML_FAILURE)
		err = aml_linux_populate((void *)ptr, size, 0, 0);
	return err;
}

struct query_fill {
	int *status;
	size_t i;
};

static int query_fill_one(void *arg, uintptr_t addr, int status)
{
	struct query_fill *q = arg;

	(void)addr;
	q->status[q->i++] = status;
	return 0;
}

int aml_linux_query_pages(const void *ptr, size_t size, int *status, int flags)
{
	struct query_fill q = {.status = status, .i = 0};
	int err;

	if (ptr == NULL || status == NULL || size == 0)
		return -AML_EINVAL;
	err = inspect_populate(ptr, size, flags);
	if (err != AML_SUCCESS)
		return err;
	return aml__linux_pages_foreach(ptr, size, query_fill_one, &q);
}

static int inspect_count(void *arg, uintptr_t addr, int status)
{
	struct aml_linux_placement *p = arg;

	(void)addr;
	p->npages++;
	if (status >= 0 && status < AML_BITMAP_MAX) {
		p->node_pages[status]++;
		aml_bitmap_set(&p->nodes, (unsigned int)status);
	} else if (status == AML_LINUX_PAGE_UNPLACED) {
		p->unplaced++;
	} else {
		p->errors++;
	}
	return 0;
}

/* The policy at `addr`; mode -1 where nothing is mapped. */
static void inspect_policy(const void *addr, int *mode,
			   struct aml_bitmap *nodes)
{
	if (aml__linux_policy_at(addr, mode, nodes) != 0)
		*mode = -1;
	/* The kernel reports no nodes for these; keep the summary clean. */
	if (*mode == -1 || !aml__linux_mode_takes_nodes(*mode))
		aml_bitmap_zero(nodes);
}

int aml_linux_inspect(const void *ptr, size_t size, int flags,
		      struct aml_linux_placement *placement)
{
	struct aml_bitmap last_nodes;
	const char *last;
	int last_mode, err;

	if (ptr == NULL || size == 0 || placement == NULL)
		return -AML_EINVAL;
	err = inspect_populate(ptr, size, flags);
	if (err != AML_SUCCESS)
		return err;
	memset(placement, 0, sizeof(*placement));
	placement->page_size = aml__linux_page_size();
	err = aml__linux_pages_foreach(ptr, size, inspect_count, placement);
	if (err != AML_SUCCESS)
		return err;
	last = (const char *)ptr + size - 1;
	inspect_policy(ptr, &placement->policy, &placement->policy_nodes);
	inspect_policy(last, &last_mode, &last_nodes);
	placement->policy_uniform =
	    last_mode == placement->policy &&
	    aml_bitmap_isequal(&last_nodes, &placement->policy_nodes);
	return AML_SUCCESS;
}

static char page_symbol(int status)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

	if (status == AML_LINUX_PAGE_UNPLACED)
		return '.';
	if (status < 0)
		return '!';
	if (status < (int)sizeof(digits) - 1)
		return digits[status];
	return '#';
}

struct page_map {
	char *buf;
	size_t room; /* pages we may draw */
	size_t n;
};

static int page_map_one(void *arg, uintptr_t addr, int status)
{
	struct page_map *m = arg;

	(void)addr;
	if (m->n == m->room)
		return 1; /* full: stop the walk */
	m->buf[m->n++] = page_symbol(status);
	return 0;
}

int aml_linux_page_map(const void *ptr, size_t size, char *buf, size_t len)
{
	struct page_map m = {.buf = buf, .n = 0};
	size_t npages;
	int err;

	if (ptr == NULL || size == 0 || buf == NULL || len < 5)
		return -AML_EINVAL;
	npages = aml_linux_npages(ptr, size);
	/* Leave room for "..." when the whole range does not fit. */
	m.room = npages <= len - 1 ? npages : len - 4;
	err = aml__linux_pages_foreach(ptr, size, page_map_one, &m);
	if (err < 0) {
		buf[0] = '\0';
		return err;
	}
	if (m.n < npages) {
		memcpy(buf + m.n, "...", 3);
		buf[m.n + 3] = '\0';
	} else {
		buf[m.n] = '\0';
	}
	return (int)m.n;
}

const char *aml_linux_policy_name(int mode)
{
	const struct aml__linux_policy *p = aml__linux_policy_of_mode(mode);

	return p != NULL && mode >= 0 ? p->name : "unknown";
}

/* Print "node 0: 12, node 1: 10" for the nodes holding pages. */
static int print_node_counts(FILE *stream, const char *prefix,
			     const struct aml_linux_placement *p)
{
	int n = fprintf(stream, "%s ", prefix), ret;
	const char *sep = "";

	if (n < 0)
		return -AML_FAILURE;
	for (int i = 0; i < AML_BITMAP_MAX; i++) {
		if (p->node_pages[i] == 0)
			continue;
		ret =
		    fprintf(stream, "%snode %d: %zu", sep, i, p->node_pages[i]);
		if (ret < 0)
			return -AML_FAILURE;
		n += ret;
		sep = ", ";
	}
	ret = fprintf(stream, "%s\n", *sep ? "" : " no page placed");
	return ret < 0 ? -AML_FAILURE : n + ret;
}

int aml_linux_placement_fprintf(FILE *stream, const char *prefix,
				const void *ptr, size_t size)
{
	struct aml_linux_placement *p;
	char map[68], *nodes = NULL;
	int n, ret, err;

	if (stream == NULL || ptr == NULL || size == 0)
		return -AML_EINVAL;
	if (prefix == NULL)
		prefix = "";
	/* Large (a counter per node): keep it off the stack. */
	p = malloc(sizeof(*p));
	if (p == NULL)
		return -AML_ENOMEM;
	err = aml_linux_inspect(ptr, size, 0, p);
	if (err == AML_SUCCESS)
		err = aml_linux_page_map(ptr, size, map, sizeof(map));
	if (err < 0)
		goto out;
	nodes = aml_bitmap_to_string(&p->policy_nodes);
	if (nodes == NULL) {
		err = -AML_ENOMEM;
		goto out;
	}
	n = fprintf(stream,
		    "%s%p: %zu pages of %zu B, policy %s%s%s%s, unplaced %zu\n",
		    prefix, ptr, p->npages, p->page_size,
		    aml_linux_policy_name(p->policy),
		    !*nodes				     ? ""
		    : aml_bitmap_nset(&p->policy_nodes) == 1 ? " over node "
							     : " over nodes ",
		    nodes, p->policy_uniform ? "" : " (varies)", p->unplaced);
	ret = print_node_counts(stream, prefix, p);
	if (n < 0 || ret < 0) {
		err = -AML_FAILURE;
		goto out;
	}
	n += ret;
	ret = fprintf(stream, "%s %s\n", prefix, map);
	err = ret < 0 ? -AML_FAILURE : n + ret;
out:
	free(nodes);
	free(p);
	return err;
}
