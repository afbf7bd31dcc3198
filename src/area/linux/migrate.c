#include "aml/area/linux-inspect.h"
#include "aml/area/linux.h"

#include "area/linux/area.h"
#include "area/linux/check.h"
#include "area/linux/sys.h"

/* Compare each page before and after a move, one batch at a time. */
struct linux_migration {
	struct linux_page_check check;
	/* Interleave: the round-robin pattern, by base page index. */
	int *pattern;
	size_t period;
	size_t moved, failed;
	int *status;
	size_t i;
};

/*
 * mbind(2) with MPOL_MF_MOVE only moves pages off the policy's nodes: pages
 * of an interleave range already on one of them stay. Move those to their
 * round-robin node, the one the kernel gives a new page of an anonymous
 * mapping at that address (base page index modulo the pattern).
 */
static int linux_migrate_pattern(struct linux_migration *m, void **pages,
				 unsigned long n, int *target)
{
	const size_t psize = aml__linux_page_size();
	int st[LINUX_QUERY_PAGES];

	for (unsigned long i = 0; i < n; i++)
		target[i] =
		    m->pattern[((uintptr_t)pages[i] / psize) % m->period];
	if (move_pages(0, n, pages, target, st, MPOL_MF_MOVE) < 0)
		return -aml__linux_errno_to_aml(errno);
	return AML_SUCCESS;
}

/* Whether page `i` of a batch ended where the area wants it. */
static int linux_migrated_well(const struct linux_migration *m, void *page,
			       int node, int target)
{
	if (m->pattern != NULL)
		return node == target;
	return aml__linux_page_allowed(&m->check, (uintptr_t)page, node);
}

static int linux_migrate_batch(struct linux_migration *m, void **pages,
			       unsigned long n)
{
	const size_t psize = aml__linux_page_size();
	int before[LINUX_QUERY_PAGES], after[LINUX_QUERY_PAGES];
	int target[LINUX_QUERY_PAGES];
	int err;

	if (move_pages(0, n, pages, NULL, before, 0) != 0)
		return -aml__linux_errno_to_aml(errno);
	err = aml__linux_bind(m->check.data, m->check.start, pages[0],
			      n * psize, MPOL_MF_MOVE);
	if (err == AML_SUCCESS && m->pattern != NULL)
		err = linux_migrate_pattern(m, pages, n, target);
	if (err != AML_SUCCESS)
		return err;
	if (move_pages(0, n, pages, NULL, after, 0) != 0)
		return -aml__linux_errno_to_aml(errno);
	for (unsigned long i = 0; i < n; i++) {
		int st = aml__linux_page_status(after[i]);

		const int ok = linux_migrated_well(m, pages[i], st, target[i]);

		if (st >= 0 && !ok) {
			m->failed++;
			st = -EBUSY;
		} else if (st >= 0 && before[i] >= 0 && st != before[i]) {
			m->moved++;
		}
		if (m->status != NULL)
			m->status[m->i] = st;
		m->i++;
	}
	return AML_SUCCESS;
}

int aml_area_linux_migrate(const struct aml_area *area, void *ptr, size_t size,
			   size_t *moved, size_t *failed, int *status)
{
	const size_t psize = aml__linux_page_size();
	struct linux_migration m = {.status = status};
	uintptr_t a = (uintptr_t)ptr & ~(uintptr_t)(psize - 1);
	const uintptr_t end = (uintptr_t)ptr + size;
	int err = AML_SUCCESS;

	if (area == NULL || area->ops != &aml_area_linux_ops ||
	    area->data == NULL || ptr == NULL || size == 0)
		return -AML_EINVAL;
	m.check.data = (const struct aml_area_linux_data *)area->data;
	m.check.start = a;
	m.check.total = aml__linux_weight_total(m.check.data);
	m.check.first = aml_bitmap_first(&m.check.data->nodemask);
	if (m.check.data->weight_unit == 0 &&
	    (m.check.data->mode == MPOL_INTERLEAVE ||
	     m.check.data->mode == MPOL_WEIGHTED_INTERLEAVE)) {
		m.pattern = aml__linux_cycle_pattern(m.check.data, &m.period);
		if (m.pattern == NULL)
			return -AML_ENOMEM;
	}
	while (a < end && err == AML_SUCCESS) {
		void *pages[LINUX_QUERY_PAGES];
		unsigned long n = 0;

		for (; a < end && n < LINUX_QUERY_PAGES; a += psize)
			pages[n++] = (void *)a;
		err = linux_migrate_batch(&m, pages, n);
	}
	if (err == -AML_FAILURE && (errno == EFAULT || errno == ENOMEM))
		err = -AML_EINVAL;
	if (moved != NULL)
		*moved = m.moved;
	if (failed != NULL)
		*failed = m.failed;
	free(m.pattern);
	return err;
}

/* Every target is a node this process may allocate on. */
static int move_check_nodes(const int *nodes, size_t nnodes)
{
	struct aml_bitmap allowed;
	const int err = aml__linux_mems_allowed(&allowed);

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
		return -aml__linux_errno_to_aml(errno);
	for (unsigned long i = 0; i < n; i++)
		target[i] = nodes[(first + i) % nnodes];
	/* > 0 counts pages not moved: their status says why. */
	if (move_pages(0, n, pages, target, status, MPOL_MF_MOVE) < 0)
		return errno == ENODEV ? -AML_EDOM
				       : -aml__linux_errno_to_aml(errno);
	for (unsigned long i = 0; i < n; i++) {
		status[i] = aml__linux_page_status(status[i]);
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
	const size_t psize = aml__linux_page_size();
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
