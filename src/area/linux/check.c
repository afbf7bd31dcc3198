#include "area/linux/check.h"

#include "area/linux/pages.h"
#include "area/linux/sys.h"

/* The policy in force at `addr` matches the area's. */
static int linux_policy_matches(const struct aml_area_linux_data *data,
				void *addr)
{
	struct aml_bitmap nodes, expect;
	int mode;

	if (aml__linux_policy_at(addr, &mode, &nodes) != 0)
		return -AML_FAILURE;
	/* Weights of the area's own: one node of the mask per run. */
	if (data->weight_unit != 0)
		return mode == MPOL_BIND && aml_bitmap_nset(&nodes) == 1 &&
		       aml__linux_nodes_subset(&nodes, &data->nodemask);
	if (mode != data->mode)
		return 0;
	if (!aml__linux_mode_takes_nodes(data->mode))
		return 1;
	aml_bitmap_copy(&expect, &data->nodemask);
	/* The kernel keeps one node for preferred: the lowest. */
	if (data->mode == MPOL_PREFERRED) {
		aml_bitmap_zero(&expect);
		aml_bitmap_set(&expect,
			       (unsigned int)aml_bitmap_first(&data->nodemask));
	}
	return aml_bitmap_isequal(&nodes, &expect);
}

static void linux_cycle_page(struct linux_cycle *c, uintptr_t addr, int node)
{
	const size_t u = addr >> c->shift;
	size_t k = 0;

	if (c->nphase == SIZE_MAX) {
		c->nphase = 0;
		for (size_t p = 0; p < c->period; p++)
			if (c->pattern[(u + p) % c->period] == node)
				c->phase[c->nphase++] = p;
		return;
	}
	for (size_t i = 0; i < c->nphase; i++)
		if (c->pattern[(u + c->phase[i]) % c->period] == node)
			c->phase[k++] = c->phase[i];
	c->nphase = k;
}

int aml__linux_page_allowed(const struct linux_page_check *c, uintptr_t addr,
			    int node)
{
	const struct aml_area_linux_data *d = c->data;

	if (d->weight_unit != 0)
		return node ==
		       aml__linux_weighted_node(
			   d, (addr - c->start) / d->weight_unit, c->total);
	if (!aml__linux_mode_takes_nodes(d->mode))
		return 1;
	/* The kernel keeps one node for preferred: the lowest. */
	if (d->mode == MPOL_PREFERRED)
		return node == c->first;
	return aml_bitmap_isset(&d->nodemask, (unsigned int)node) == 1;
}

static void linux_check_page(struct linux_page_check *c, uintptr_t addr,
			     int node, int in_huge)
{
	struct linux_cycle *cycle = in_huge ? &c->huge : &c->small;

	if (node < 0 || node >= AML_BITMAP_MAX)
		return; /* not placed yet */
	if (!aml__linux_page_allowed(c, addr, node)) {
		c->ok = 0;
		return;
	}
	if (cycle->pattern == NULL)
		return;
	linux_cycle_page(cycle, addr, node);
	if (cycle->nphase == 0)
		c->ok = 0;
}

/*
 * Check the pages of one PMD-sized unit that lie in the range. A huge page
 * is present whole, on one node: a unit that is not so holds base pages
 * only, and the pages of a small range on one node are no huge page.
 */
static int linux_check_unit(struct linux_page_check *c, const uintptr_t *addr,
			    const int *status, size_t n)
{
	int in_huge = n > 1 && status[0] >= 0;

	for (size_t i = 1; i < n; i++)
		if (status[i] != status[0])
			in_huge = 0;
	for (size_t i = 0; i < n && c->ok; i++)
		if (addr[i] >= c->range_start && addr[i] < c->range_end)
			linux_check_page(c, addr[i], status[i], in_huge);
	return c->ok ? 0 : 1;
}

/* Gather the pages of each PMD-sized unit, then check it. */
static int linux_check_collect(void *arg, uintptr_t addr, int status)
{
	struct linux_page_check *c = arg;

	c->unit_addr[c->unit_n] = addr;
	c->unit_status[c->unit_n++] = status;
	if (c->unit_n < c->unit_pages)
		return 0;
	c->unit_n = 0;
	return linux_check_unit(c, c->unit_addr, c->unit_status, c->unit_pages);
}

/* Check each page alone: no cycle tells huge pages from base pages. */
static int linux_check_each(void *arg, uintptr_t addr, int status)
{
	struct linux_page_check *c = arg;

	linux_check_page(c, addr, status, 0);
	return c->ok ? 0 : 1;
}

/*
 * Check the pages [s, e) of one PMD unit, which the range covers in part.
 * Pages there on different nodes (or not placed) are no huge page; only
 * when they share one node do the unit's other pages tell.
 */
static int linux_check_partial(struct linux_page_check *c, uintptr_t s,
			       uintptr_t e)
{
	const uintptr_t unit = s & ~(uintptr_t)(aml__linux_pmd_size() - 1);
	size_t n;
	int ret, one_node = 1;

	c->unit_n = 0;
	ret =
	    aml__linux_pages_foreach((void *)s, e - s, linux_check_collect, c);
	if (ret != 0)
		return ret;
	n = c->unit_n;
	for (size_t i = 0; i < n; i++)
		if (c->unit_status[i] < 0 ||
		    c->unit_status[i] != c->unit_status[0])
			one_node = 0;
	if (one_node) {
		/* The whole unit: checked once its last page is in. */
		c->unit_n = 0;
		return aml__linux_pages_foreach((void *)unit,
						aml__linux_pmd_size(),
						linux_check_collect, c);
	}
	c->unit_n = 0;
	return linux_check_unit(c, c->unit_addr, c->unit_status, n);
}

/*
 * Check [range_start, range_end) by PMD units, where interleave cycles
 * differ for huge and base pages: whole units at once, and a partial unit
 * at either end as linux_check_partial() says.
 */
static int linux_check_units(struct linux_page_check *c)
{
	const size_t pmd = aml__linux_pmd_size();
	const uintptr_t mask = ~(uintptr_t)(pmd - 1);
	const uintptr_t e = c->range_end;
	uintptr_t a = c->range_start;
	int ret = 0;

	while (a < e && ret == 0) {
		const uintptr_t unit_end = (a & mask) + pmd;
		uintptr_t b;

		if ((a & ~mask) == 0 && unit_end <= e) {
			b = e & mask;
			c->unit_n = 0;
			ret = aml__linux_pages_foreach((void *)a, b - a,
						       linux_check_collect, c);
		} else {
			b = unit_end < e ? unit_end : e;
			ret = linux_check_partial(c, a, b);
		}
		a = b;
	}
	return ret;
}

int *aml__linux_cycle_pattern(const struct aml_area_linux_data *data,
			      size_t *period)
{
	const int first = aml_bitmap_first(&data->nodemask);
	const int last = aml_bitmap_last(&data->nodemask);
	unsigned char w[AML_BITMAP_MAX];
	size_t n = 0;
	int *pattern;

	memset(w, 1, sizeof(w));
	if (data->mode == MPOL_WEIGHTED_INTERLEAVE &&
	    aml_area_linux_weights(w, AML_BITMAP_MAX) < 0)
		return NULL;
	*period = 0;
	for (int i = first; i <= last; i++)
		if (aml_bitmap_isset(&data->nodemask, (unsigned int)i) == 1)
			*period += w[i] ? w[i] : 1;
	pattern = malloc(*period * sizeof(*pattern));
	if (pattern == NULL)
		return NULL;
	for (int i = first; i <= last; i++)
		if (aml_bitmap_isset(&data->nodemask, (unsigned int)i) == 1)
			for (int k = 0; k < (w[i] ? w[i] : 1); k++)
				pattern[n++] = i;
	return pattern;
}

static int linux_cycle_init(struct linux_page_check *c)
{
	const struct aml_area_linux_data *d = c->data;
	size_t period;

	if (d->weight_unit != 0 ||
	    (d->mode != MPOL_INTERLEAVE && d->mode != MPOL_WEIGHTED_INTERLEAVE))
		return AML_SUCCESS;
	c->small.pattern = aml__linux_cycle_pattern(d, &period);
	c->small.phase = malloc(period * sizeof(size_t));
	c->huge.phase = malloc(period * sizeof(size_t));
	if (c->small.pattern == NULL || !c->small.phase || !c->huge.phase)
		return -AML_ENOMEM;
	c->small.period = c->huge.period = period;
	c->huge.pattern = c->small.pattern;
	c->small.shift = (size_t)__builtin_ctzl(aml__linux_page_size());
	c->huge.shift = (size_t)__builtin_ctzl(aml__linux_pmd_size());
	c->small.nphase = c->huge.nphase = SIZE_MAX;
	return AML_SUCCESS;
}

int aml_area_linux_check_binding(struct aml_area_linux_data *area_data,
				 void *ptr, size_t size)
{
	const size_t psize = aml__linux_page_size(),
		     pmd = aml__linux_pmd_size();
	struct linux_page_check c = {0};
	int ret;

	if (area_data == NULL || ptr == NULL || size == 0)
		return -AML_EINVAL;
	ret = linux_policy_matches(area_data, ptr);
	if (ret != 1)
		return ret;
	ret = linux_policy_matches(area_data, (char *)ptr + size - 1);
	if (ret != 1)
		return ret;

	c.data = area_data;
	c.start = (uintptr_t)ptr;
	c.total = aml__linux_weight_total(area_data);
	c.first = aml_bitmap_first(&area_data->nodemask);
	c.ok = 1;
	c.range_start = (uintptr_t)ptr & ~(uintptr_t)(psize - 1);
	c.range_end = (uintptr_t)ptr + size;
	c.unit_pages = psize < pmd ? pmd / psize : 1;
	c.unit_addr = malloc(c.unit_pages * sizeof(*c.unit_addr));
	c.unit_status = malloc(c.unit_pages * sizeof(*c.unit_status));
	ret = c.unit_addr && c.unit_status ? AML_SUCCESS : -AML_ENOMEM;
	/* A cycle over one node, or seen on one page, cannot fail: then
	 * neither huge pages nor whole PMD units matter. */
	if (ret == AML_SUCCESS && aml_bitmap_nset(&area_data->nodemask) > 1 &&
	    aml_linux_npages(ptr, size) > 1)
		ret = linux_cycle_init(&c);
	if (ret == AML_SUCCESS && c.small.pattern != NULL)
		ret = linux_check_units(&c);
	else if (ret == AML_SUCCESS)
		ret = aml__linux_pages_foreach(ptr, size, linux_check_each, &c);
	if (ret >= 0)
		ret = c.ok;
	else if (ret != -AML_ENOMEM)
		ret = -AML_FAILURE;
	free(c.unit_addr);
	free(c.unit_status);
	free(c.small.pattern);
	free(c.small.phase);
	free(c.huge.phase);
	return ret;
}
