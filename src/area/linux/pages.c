#include "area/linux/pages.h"

#include <pthread.h>
#include <sched.h>

#include "area/linux/pagemap.h"

/* Status of `n` pages from `addr` with move_pages(2), a batch at a time. */
static int query_move_pages(uintptr_t addr, size_t n, int *status)
{
	const size_t psize = aml__linux_page_size();

	for (size_t done = 0; done < n;) {
		void *pages[LINUX_QUERY_PAGES];
		unsigned long k = 0;

		for (; done + k < n && k < LINUX_QUERY_PAGES; k++)
			pages[k] = (void *)(addr + (done + k) * psize);
		if (move_pages(0, k, pages, NULL, status + done, 0) != 0)
			return -aml__linux_errno_to_aml(errno);
		for (unsigned long i = 0; i < k; i++) {
			int *st = &status[done + i];

			*st = aml__linux_page_status(*st);
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
	q->fd = aml__linux_pagemap_open(npages);
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
	    aml__linux_pagemap_nodes(q->fd, addr, n, q->entries, status))
		return AML_SUCCESS;
	return query_move_pages(addr, n, status);
}

/* Call `fn` on each of `npages` pages from `addr`, a chunk at a time. */
static int pages_walk(uintptr_t addr, size_t npages, aml__linux_page_fn fn,
		      void *arg)
{
	const size_t psize = aml__linux_page_size();
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
	const size_t psize = aml__linux_page_size();
	struct half_query *h = arg;
	struct page_query q;

	page_query_open(&q, h->npages);
	h->err = AML_SUCCESS;
	for (size_t done = 0; done < h->npages && h->err == AML_SUCCESS;) {
		const size_t left = h->npages - done;
		const size_t n = left < q.chunk ? left : q.chunk;

		h->err =
		    page_query(&q, h->addr + done * psize, n, h->status + done);
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
			     aml__linux_page_fn fn, void *arg, int *err)
{
	const size_t psize = aml__linux_page_size(), first = npages / 2;
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

int aml__linux_pages_foreach(const void *ptr, size_t size,
			     aml__linux_page_fn fn, void *arg)
{
	const size_t psize = aml__linux_page_size();
	const uintptr_t a = (uintptr_t)ptr & ~(uintptr_t)(psize - 1);
	const size_t npages = aml_linux_npages(ptr, size);
	int err;

	if (npages >= LINUX_PAGEMAP_THREAD_MIN && aml__linux_pagemap_usable() &&
	    pages_can_split() &&
	    pages_walk_halves(a, npages, fn, arg, &err) == 0)
		return err;
	return pages_walk(a, npages, fn, arg);
}
