/* Checking that pages lie where a Linux area wants them; shared with
 * migration, which checks each page it moved. Not installed. */
#ifndef AML_AREA_LINUX_CHECK_H
#define AML_AREA_LINUX_CHECK_H

#include "area/linux/area.h"

/*
 * A cyclic placement: unit i of the pattern (interleave: one node after
 * the other; weighted: w(n) units of each node n) with an unknown phase.
 * Candidate phases shrink as placed pages are seen.
 */
struct linux_cycle {
	size_t shift; /* log2 of the unit: base page or PMD */
	size_t period;
	int *pattern;  /* node of each position of the period */
	size_t *phase; /* candidate phases */
	size_t nphase; /* SIZE_MAX: not started */
};

struct linux_page_check {
	const struct aml_area_linux_data *data;
	uintptr_t start; /* of the mapping, for weights of the area's own */
	size_t total;	 /* of those weights */
	int first;	 /* lowest node of the mask */
	struct linux_cycle small, huge;
	int ok;
	/* The range checked; the query may cover whole PMD units around it. */
	uintptr_t range_start, range_end;
	/* Pages of the PMD unit being gathered. */
	uintptr_t *unit_addr;
	int *unit_status;
	size_t unit_pages, unit_n;
};

/* Whether a placed page is where the area wants it, cycles aside. */
int aml__linux_page_allowed(const struct linux_page_check *c, uintptr_t addr,
			    int node);

/* The pattern of interleave (weights 1) or weighted interleave: the node
 * of each position of its period. NULL if out of memory. */
int *aml__linux_cycle_pattern(const struct aml_area_linux_data *data,
			      size_t *period);

#endif /* AML_AREA_LINUX_CHECK_H */
