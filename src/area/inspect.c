#include "aml/area/linux-inspect.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "area/linux-internal.h"
#include "internal.h"

size_t aml_linux_page_size(void)
{
	/* Same value from every thread: a relaxed race is harmless. */
	static atomic_size_t psize;
	size_t s = atomic_load_explicit(&psize, memory_order_relaxed);

	if (s == 0) {
		s = (size_t)sysconf(_SC_PAGESIZE);
		atomic_store_explicit(&psize, s, memory_order_relaxed);
	}
	return s;
}

int aml_linux_errno_to_aml(int err)
{
	switch (err) {
	case ENOMEM:
	case EOVERFLOW:
		return AML_ENOMEM;
	case EINVAL:
	case EBADF:
		return AML_EINVAL;
	case ENOSYS:
		return AML_ENOTSUP;
	default:
		return AML_FAILURE;
	}
}

int aml_linux_mems_allowed(struct aml_bitmap *allowed)
{
	aml_bitmap_zero(allowed);
	if (get_mempolicy(NULL, allowed->mask, LINUX_MAXNODE, NULL,
			  MPOL_F_MEMS_ALLOWED) == 0)
		return AML_SUCCESS;
	/* A kernel without NUMA has one node, 0. */
	if (errno == ENOSYS)
		return aml_bitmap_set(allowed, 0);
	return -aml_linux_errno_to_aml(errno);
}

size_t aml_linux_npages(const void *ptr, size_t size)
{
	const size_t psize = aml_linux_page_size();
	const uintptr_t first = (uintptr_t)ptr / psize;

	if (size == 0)
		return 0;
	return ((uintptr_t)ptr + size - 1) / psize - first + 1;
}

int aml_linux_page_status(int status)
{
	/* Before 6.3, move_pages(2) says -EFAULT for a page never touched. */
	return status == -EFAULT ? AML_LINUX_PAGE_UNPLACED : status;
}

/* Status of `n` pages from `addr` with move_pages(2), a batch at a time. */
static int query_move_pages(uintptr_t addr, size_t n, int *status)
{
	const size_t psize = aml_linux_page_size();

	for (size_t done = 0; done < n;) {
		void *pages[LINUX_QUERY_PAGES];
		unsigned long k = 0;

		for (; done + k < n && k < LINUX_QUERY_PAGES; k++)
			pages[k] = (void *)(addr + (done + k) * psize);
		if (move_pages(0, k, pages, NULL, status + done, 0) != 0)
			return -aml_linux_errno_to_aml(errno);
		for (unsigned long i = 0; i < k; i++) {
			int *st = &status[done + i];

			*st = aml_linux_page_status(*st);
		}
		done += k;
	}
	return AML_SUCCESS;
}

/* Where the pages are: pagemap when it can tell, else move_pages(2). */
struct page_query {
	int fd; /* pagemap, or -1 */
	size_t chunk;
	uint64_t *entries;
	int *status;
	int small[LINUX_QUERY_PAGES];
};

static void page_query_open(struct page_query *q, size_t npages)
{
	q->fd = aml_linux_pagemap_open(npages);
	q->chunk = LINUX_QUERY_PAGES;
	q->status = q->small;
	q->entries = NULL;
	if (q->fd < 0)
		return;
	q->chunk = npages < LINUX_PAGEMAP_CHUNK ? npages : LINUX_PAGEMAP_CHUNK;
	q->entries = malloc(q->chunk * (sizeof(*q->entries) + sizeof(int)));
	if (q->entries == NULL) {
		close(q->fd);
		q->fd = -1;
		q->chunk = LINUX_QUERY_PAGES;
		return;
	}
	q->status = (int *)(q->entries + q->chunk);
}

static void page_query_close(struct page_query *q)
{
	if (q->fd >= 0)
		close(q->fd);
	free(q->entries);
}

/* The status of `n` pages (at most q->chunk) from `addr`. */
static int page_query(struct page_query *q, uintptr_t addr, size_t n,
		      int *status)
{
	if (q->fd >= 0 &&
	    aml_linux_pagemap_nodes(q->fd, addr, n, q->entries, status))
		return AML_SUCCESS;
	return query_move_pages(addr, n, status);
}

/* Call `fn` on each of `npages` pages from `addr`, a chunk at a time. */
static int pages_walk(uintptr_t addr, size_t npages, aml_linux_page_fn fn,
		      void *arg)
{
	const size_t psize = aml_linux_page_size();
	struct page_query q;
	int err = AML_SUCCESS;

	page_query_open(&q, npages);
	while (npages > 0 && err == AML_SUCCESS) {
		const size_t n = npages < q.chunk ? npages : q.chunk;

		err = page_query(&q, addr, n, q.status);
		for (size_t i = 0; i < n && err == AML_SUCCESS; i++)
			err = fn(arg, addr + i * psize, q.status[i]);
		addr += n * psize;
		npages -= n;
	}
	page_query_close(&q);
	return err;
}

/* The second half of a large range, queried by another thread meanwhile. */
struct half_query {
	uintptr_t addr;
	size_t npages;
	int *status;
	int err;
};

static void *half_query_run(void *arg)
{
	const size_t psize = aml_linux_page_size();
	struct half_query *h = arg;
	struct page_query q;

	page_query_open(&q, h->npages);
	h->err = AML_SUCCESS;
	for (size_t done = 0; done < h->npages && h->err == AML_SUCCESS;) {
		const size_t left = h->npages - done;
		const size_t n = left < q.chunk ? left : q.chunk;

		h->err = page_query(&q, h->addr + done * psize, n,
				    h->status + done);
		done += n;
	}
	page_query_close(&q);
	return NULL;
}

/*
 * Reading the page tables of a large range is most of the cost: a second
 * thread reads the second half while this one walks the first. Returns 0
 * with the walk's result in `*err`; -1 if it could not start (then walk
 * the whole range alone).
 */
static int pages_walk_halves(uintptr_t addr, size_t npages,
			     aml_linux_page_fn fn, void *arg, int *err)
{
	const size_t psize = aml_linux_page_size(), first = npages / 2;
	struct half_query h = {.addr = addr + first * psize,
			       .npages = npages - first};
	pthread_t thread;

	h.status = malloc(h.npages * sizeof(*h.status));
	if (h.status == NULL)
		return -1;
	if (pthread_create(&thread, NULL, half_query_run, &h) != 0) {
		free(h.status);
		return -1;
	}
	*err = pages_walk(addr, first, fn, arg);
	pthread_join(thread, NULL);
	if (*err == AML_SUCCESS)
		*err = h.err;
	for (size_t i = 0; i < h.npages && *err == AML_SUCCESS; i++)
		*err = fn(arg, h.addr + i * psize, h.status[i]);
	free(h.status);
	return 0;
}

/* Whether this thread may run on more than one CPU: a second thread could
 * then run beside it. */
static int pages_can_split(void)
{
	cpu_set_t cpus;

	if (sched_getaffinity(0, sizeof(cpus), &cpus) != 0)
		return 0;
	return CPU_COUNT(&cpus) > 1;
}

int aml_linux_pages_foreach(const void *ptr, size_t size, aml_linux_page_fn fn,
			    void *arg)
{
	const size_t psize = aml_linux_page_size();
	const uintptr_t a = (uintptr_t)ptr & ~(uintptr_t)(psize - 1);
	const size_t npages = aml_linux_npages(ptr, size);
	int err;

	if (npages >= LINUX_PAGEMAP_THREAD_MIN && aml_linux_pagemap_usable() &&
	    pages_can_split() && pages_walk_halves(a, npages, fn, arg, &err) == 0)
		return err;
	return pages_walk(a, npages, fn, arg);
}

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
	return aml_linux_pages_foreach(ptr, size, query_fill_one, &q);
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
	aml_bitmap_zero(nodes);
	if (get_mempolicy(mode, nodes->mask, LINUX_MAXNODE, (void *)addr,
			  MPOL_F_ADDR) != 0) {
		*mode = -1;
		aml_bitmap_zero(nodes);
	}
	/* The kernel reports no nodes for these; keep the summary clean. */
	if (*mode == MPOL_DEFAULT || *mode == MPOL_LOCAL)
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
	placement->page_size = aml_linux_page_size();
	err = aml_linux_pages_foreach(ptr, size, inspect_count, placement);
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
	err = aml_linux_pages_foreach(ptr, size, page_map_one, &m);
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
	switch (mode) {
	case MPOL_DEFAULT:
		return "default";
	case MPOL_PREFERRED:
		return "preferred";
	case MPOL_BIND:
		return "bind";
	case MPOL_INTERLEAVE:
		return "interleave";
	case MPOL_LOCAL:
		return "local";
	case MPOL_PREFERRED_MANY:
		return "preferred-many";
	case MPOL_WEIGHTED_INTERLEAVE:
		return "weighted-interleave";
	default:
		return "unknown";
	}
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
		ret = fprintf(stream, "%snode %d: %zu", sep, i,
			      p->node_pages[i]);
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
		    aml_linux_policy_name(p->policy), *nodes ? " " : "", nodes,
		    p->policy_uniform ? "" : " (varies)", p->unplaced);
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

/* Every target is a node this process may allocate on. */
static int move_check_nodes(const int *nodes, size_t nnodes)
{
	struct aml_bitmap allowed;
	const int err = aml_linux_mems_allowed(&allowed);

	if (err != AML_SUCCESS)
		return err;
	for (size_t i = 0; i < nnodes; i++)
		if (nodes[i] < 0 ||
		    aml_bitmap_isset(&allowed, (unsigned int)nodes[i]) != 1)
			return -AML_EDOM;
	return AML_SUCCESS;
}

struct move_counts {
	size_t moved, failed;
};

/* Move one batch of `n` pages starting at page `first` of the range. */
static int move_batch(void **pages, unsigned long n, size_t first,
		      const int *nodes, size_t nnodes, int *status,
		      struct move_counts *c)
{
	int before[LINUX_QUERY_PAGES], target[LINUX_QUERY_PAGES];

	if (move_pages(0, n, pages, NULL, before, 0) != 0)
		return -aml_linux_errno_to_aml(errno);
	for (unsigned long i = 0; i < n; i++)
		target[i] = nodes[(first + i) % nnodes];
	/* > 0 counts pages not moved: their status says why. */
	if (move_pages(0, n, pages, target, status, MPOL_MF_MOVE) < 0)
		return errno == ENODEV ? -AML_EDOM
				       : -aml_linux_errno_to_aml(errno);
	for (unsigned long i = 0; i < n; i++) {
		status[i] = aml_linux_page_status(status[i]);
		if (before[i] < 0)
			continue; /* not placed: nothing to move */
		if (status[i] != target[i])
			c->failed++;
		else if (before[i] != target[i])
			c->moved++;
	}
	return AML_SUCCESS;
}

int aml_linux_move_pages(void *ptr, size_t size, const int *nodes,
			 size_t nnodes, size_t *moved, size_t *failed,
			 int *status)
{
	const size_t psize = aml_linux_page_size();
	const uintptr_t end = (uintptr_t)ptr + size;
	struct move_counts c = {0, 0};
	uintptr_t a = (uintptr_t)ptr & ~(uintptr_t)(psize - 1);
	size_t done = 0;
	int err;

	if (ptr == NULL || size == 0 || nodes == NULL || nnodes == 0)
		return -AML_EINVAL;
	err = move_check_nodes(nodes, nnodes);
	if (err != AML_SUCCESS)
		return err;
	while (a < end) {
		void *pages[LINUX_QUERY_PAGES];
		int st[LINUX_QUERY_PAGES];
		unsigned long n = 0;

		for (; a < end && n < LINUX_QUERY_PAGES; a += psize)
			pages[n++] = (void *)a;
		err = move_batch(pages, n, done, nodes, nnodes, st, &c);
		if (err != AML_SUCCESS)
			return err;
		if (status != NULL)
			memcpy(status + done, st, n * sizeof(*st));
		done += n;
	}
	if (moved != NULL)
		*moved = c.moved;
	if (failed != NULL)
		*failed = c.failed;
	return AML_SUCCESS;
}
