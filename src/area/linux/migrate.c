#include "aml/area/linux-inspect.h"
#include "aml/area/linux.h"

#include "area/linux/area.h"
#include "area/linux/check.h"
#include "area/linux/sys.h"

/*
 * A move of a range's pages, one batch at a time, counted by comparing
 * where each page was before with where it is after. Both moves below
 * (to an area's placement, to explicit nodes) fill one of these.
 */
struct linux_move {
	/* Move the `n` pages from page `first` of the range: set target[i]
	 * for `placed`, and after[i] to page i's status afterwards (node, or
	 * negated errno). */
	int (*move)(struct linux_move *m, void **pages, unsigned long n,
		    size_t first, int *target, int *after);
	/* Whether page `page` on `node` is where the move wants it. */
	int (*placed)(const struct linux_move *m, void *page, int node,
		      int target);
	/* The status given to a page left off its place, or 0 to keep its
	 * node. */
	int misplaced;
	size_t moved, failed;
};

static int linux_move_batch(struct linux_move *m, void **pages, unsigned long n,
			    size_t first, int *status)
{
	int before[LINUX_QUERY_PAGES], target[LINUX_QUERY_PAGES];
	int err;

	if (move_pages(0, n, pages, NULL, before, 0) != 0)
		return -aml__linux_errno_to_aml(errno);
	err = m->move(m, pages, n, first, target, status);
	if (err != AML_SUCCESS)
		return err;
	for (unsigned long i = 0; i < n; i++) {
		status[i] = aml__linux_page_status(status[i]);
		if (before[i] < 0)
			continue; /* not placed: nothing to move */
		if (status[i] < 0 ||
		    !m->placed(m, pages[i], status[i], target[i])) {
			m->failed++;
			if (m->misplaced != 0 && status[i] >= 0)
				status[i] = m->misplaced;
		} else if (status[i] != before[i]) {
			m->moved++;
		}
	}
	return AML_SUCCESS;
}

/* Move [ptr, ptr + size) a batch at a time; `status` may be NULL. */
static int linux_move_range(struct linux_move *m, void *ptr, size_t size,
			    int *status)
{
	const size_t psize = aml__linux_page_size();
	const uintptr_t end = (uintptr_t)ptr + size;
	uintptr_t a = (uintptr_t)ptr & ~(uintptr_t)(psize - 1);
	size_t done = 0;

	while (a < end) {
		void *pages[LINUX_QUERY_PAGES];
		int st[LINUX_QUERY_PAGES];
		unsigned long n = 0;
		int err;

		for (; a < end && n < LINUX_QUERY_PAGES; a += psize)
			pages[n++] = (void *)a;
		err = linux_move_batch(m, pages, n, done, st);
		if (err != AML_SUCCESS)
			return err;
		if (status != NULL)
			memcpy(status + done, st, n * sizeof(*st));
		done += n;
	}
	return AML_SUCCESS;
}

/* A move to an area's placement. */
struct linux_migration {
	struct linux_move move; /* first: the move's callbacks get it */
	struct linux_page_check check;
	/* Interleave: the round-robin pattern, by base page index. */
	int *pattern;
	size_t period;
};

/*
 * mbind(2) with MPOL_MF_MOVE only moves pages off the policy's nodes: pages
 * of an interleave range already on one of them stay. Move those to their
 * round-robin node, the one the kernel gives a new page of an anonymous
 * mapping at that address (base page index modulo the pattern).
 */
static int linux_migrate_pattern(const struct linux_migration *m, void **pages,
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

static int linux_migrate_move(struct linux_move *move, void **pages,
			      unsigned long n, size_t first, int *target,
			      int *after)
{
	const struct linux_migration *m = (const struct linux_migration *)move;
	int err;

	(void)first;
	err = aml__linux_bind(m->check.data, m->check.start, pages[0],
			      n * aml__linux_page_size(), MPOL_MF_MOVE);
	if (err == AML_SUCCESS && m->pattern != NULL)
		err = linux_migrate_pattern(m, pages, n, target);
	if (err != AML_SUCCESS)
		return err;
	if (move_pages(0, n, pages, NULL, after, 0) != 0)
		return -aml__linux_errno_to_aml(errno);
	return AML_SUCCESS;
}

/* Whether a page ended where the area wants it. */
static int linux_migrate_placed(const struct linux_move *move, void *page,
				int node, int target)
{
	const struct linux_migration *m = (const struct linux_migration *)move;

	if (m->pattern != NULL)
		return node == target;
	return aml__linux_page_allowed(&m->check, (uintptr_t)page, node);
}

int aml_area_linux_migrate(const struct aml_area *area, void *ptr, size_t size,
			   size_t *moved, size_t *failed, int *status)
{
	const size_t psize = aml__linux_page_size();
	struct linux_migration m = {
	    .move = {.move = linux_migrate_move,
		     .placed = linux_migrate_placed,
		     .misplaced = -EBUSY},
	};
	const struct aml_area_linux_data *data;
	int err;

	if (area == NULL || area->ops != &aml_area_linux_ops ||
	    area->data == NULL || ptr == NULL || size == 0)
		return -AML_EINVAL;
	data = (const struct aml_area_linux_data *)area->data;
	m.check.data = data;
	m.check.start = (uintptr_t)ptr & ~(uintptr_t)(psize - 1);
	m.check.total = aml__linux_weight_total(data);
	m.check.first = aml_bitmap_first(&data->nodemask);
	if (data->weight_unit == 0 &&
	    (data->mode == MPOL_INTERLEAVE ||
	     data->mode == MPOL_WEIGHTED_INTERLEAVE)) {
		m.pattern = aml__linux_cycle_pattern(data, &m.period);
		if (m.pattern == NULL)
			return -AML_ENOMEM;
	}
	err = linux_move_range(&m.move, ptr, size, status);
	if (err == -AML_FAILURE && (errno == EFAULT || errno == ENOMEM))
		err = -AML_EINVAL;
	if (moved != NULL)
		*moved = m.move.moved;
	if (failed != NULL)
		*failed = m.move.failed;
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

/* A move to explicit nodes, used in turn. */
struct linux_node_move {
	struct linux_move move; /* first: the move's callbacks get it */
	const int *nodes;
	size_t nnodes;
};

static int linux_nodes_move(struct linux_move *move, void **pages,
			    unsigned long n, size_t first, int *target,
			    int *after)
{
	const struct linux_node_move *m = (const struct linux_node_move *)move;

	for (unsigned long i = 0; i < n; i++)
		target[i] = m->nodes[(first + i) % m->nnodes];
	/* > 0 counts pages not moved: their status says why. */
	if (move_pages(0, n, pages, target, after, MPOL_MF_MOVE) < 0)
		return errno == ENODEV ? -AML_EDOM
				       : -aml__linux_errno_to_aml(errno);
	return AML_SUCCESS;
}

static int linux_nodes_placed(const struct linux_move *move, void *page,
			      int node, int target)
{
	(void)move;
	(void)page;
	return node == target;
}

int aml_linux_move_pages(void *ptr, size_t size, const int *nodes,
			 size_t nnodes, size_t *moved, size_t *failed,
			 int *status)
{
	struct linux_node_move m = {
	    .move = {.move = linux_nodes_move, .placed = linux_nodes_placed},
	    .nodes = nodes,
	    .nnodes = nnodes,
	};
	int err;

	if (ptr == NULL || size == 0 || nodes == NULL || nnodes == 0)
		return -AML_EINVAL;
	err = move_check_nodes(nodes, nnodes);
	if (err == AML_SUCCESS)
		err = linux_move_range(&m.move, ptr, size, status);
	if (err != AML_SUCCESS)
		return err;
	if (moved != NULL)
		*moved = m.move.moved;
	if (failed != NULL)
		*failed = m.move.failed;
	return AML_SUCCESS;
}
