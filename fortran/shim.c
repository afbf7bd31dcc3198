/*
 * What the Fortran module cannot do through bind(C) interfaces alone:
 * read the thread-local aml_errno, build bitmaps from node lists, copy out
 * a placement, and keep the ledger of what Fortran code holds. Compiled
 * into libaml_fortran with hidden visibility: these are not part of any
 * installed interface, only the module calls them.
 *
 * The ledger records every mapping and heap object handed to Fortran
 * (address, bytes, the area or heap it came from) and every heap made on
 * an area, so that unmapping or freeing checks what it is given instead
 * of passing a wrong pointer to munmap(2) or to the heap, and so that an
 * area with live mappings or heaps is not destroyed (the mappings could
 * not be released any more). One mutex; a binary tree by address.
 */
#define _GNU_SOURCE
#include <aml.h>
#include <aml/area/linux-inspect.h>
#include <aml/area/linux.h>
#include <search.h>

#include "shim.h"

/* What a Fortran pointer, or a heap, holds. */
struct held {
	const void *key;
	size_t size;
	const void *owner;
};

static void *ledger;
static pthread_mutex_t ledger_lock = PTHREAD_MUTEX_INITIALIZER;

static int by_key(const void *a, const void *b)
{
	const char *x = ((const struct held *)a)->key,
		   *y = ((const struct held *)b)->key;

	return x < y ? -1 : x > y;
}

int aml__fortran_errno(void)
{
	return aml_errno;
}

int aml__fortran_bitmap(const int *list, size_t n, struct aml_bitmap **out,
			size_t *bad)
{
	int err;

	*out = NULL;
	for (size_t i = 0; i < n; i++)
		if (list[i] < 0 || list[i] >= AML_BITMAP_MAX) {
			*bad = i;
			return -AML_EDOM;
		}
	err = aml_bitmap_create(out);
	if (err != AML_SUCCESS)
		return err;
	for (size_t i = 0; i < n; i++)
		aml_bitmap_set(*out, (unsigned int)list[i]);
	return AML_SUCCESS;
}

int aml__fortran_nodes(int *nodes, int max)
{
	struct bitmask *allowed = numa_get_mems_allowed();
	int n = 0;

	if (allowed == NULL)
		return -AML_ENOMEM;
	for (int node = 0; node <= numa_max_node(); node++)
		if (numa_bitmask_isbitset(allowed, (unsigned int)node)) {
			if (n < max)
				nodes[n] = node;
			n++;
		}
	numa_bitmask_free(allowed);
	return n;
}

int aml__fortran_max_node(void)
{
	return numa_max_node();
}

int aml__fortran_inspect(const void *ptr, size_t size, int64_t *counts,
			 int ncounts, int64_t *sizes, int *policy,
			 int *uniform, char **policy_nodes)
{
	struct aml_linux_placement *p = malloc(sizeof(*p));
	int err;

	*policy_nodes = NULL;
	if (p == NULL)
		return -AML_ENOMEM;
	err = aml_linux_inspect(ptr, size, 0, p);
	if (err == AML_SUCCESS) {
		for (int n = 0; n < ncounts && n < AML_BITMAP_MAX; n++)
			counts[n] = (int64_t)p->node_pages[n];
		sizes[0] = (int64_t)p->page_size;
		sizes[1] = (int64_t)p->npages;
		sizes[2] = (int64_t)p->unplaced;
		sizes[3] = (int64_t)p->errors;
		*policy = p->policy;
		*uniform = p->policy_uniform;
		*policy_nodes = aml_bitmap_to_string(&p->policy_nodes);
		if (*policy_nodes == NULL)
			err = -AML_ENOMEM;
	}
	free(p);
	return err;
}

int aml__fortran_check_binding(const struct aml_area *area, void *ptr,
			       size_t size)
{
	if (area == NULL || area->ops != &aml_area_linux_ops)
		return -AML_EINVAL;
	return aml_area_linux_check_binding(
		(struct aml_area_linux_data *)area->data, ptr, size);
}

int aml__fortran_hold(const void *key, size_t size, const void *owner)
{
	struct held *h = malloc(sizeof(*h)), **slot;

	if (h == NULL)
		return -AML_ENOMEM;
	*h = (struct held){key, size, owner};
	pthread_mutex_lock(&ledger_lock);
	slot = tsearch(h, &ledger, by_key);
	/* An entry for the same address is stale: that memory was released
	 * outside the module (a heap destroyed, say) and given out again. */
	if (slot != NULL && *slot != h) {
		free(*slot);
		*slot = h;
	}
	pthread_mutex_unlock(&ledger_lock);
	if (slot == NULL) {
		free(h);
		return -AML_ENOMEM;
	}
	return AML_SUCCESS;
}

int aml__fortran_release(const void *key, size_t size, const void *owner,
			 size_t *held_size)
{
	struct held probe = {key, 0, NULL}, **slot, *h = NULL;
	int ret;

	pthread_mutex_lock(&ledger_lock);
	slot = tfind(&probe, &ledger, by_key);
	if (slot == NULL) {
		ret = AML__FORTRAN_UNKNOWN;
	} else if ((*slot)->owner != owner) {
		ret = AML__FORTRAN_OTHER_OWNER;
	} else if ((*slot)->size != size) {
		*held_size = (*slot)->size;
		ret = AML__FORTRAN_OTHER_SIZE;
	} else {
		h = *slot;
		tdelete(&probe, &ledger, by_key);
		ret = AML_SUCCESS;
	}
	pthread_mutex_unlock(&ledger_lock);
	free(h);
	return ret;
}

/* twalk() takes no argument: the walks below run under ledger_lock and
 * pass theirs through these. */
static const void *walk_owner;
static size_t walk_count;
static const void **walk_keys;

static void count_owner(const void *node, VISIT which, int depth)
{
	const struct held *h = *(struct held *const *)node;

	(void)depth;
	if ((which == postorder || which == leaf) && h->owner == walk_owner) {
		if (walk_keys != NULL)
			walk_keys[walk_count] = h->key;
		walk_count++;
	}
}

size_t aml__fortran_holders(const void *owner)
{
	size_t n;

	pthread_mutex_lock(&ledger_lock);
	walk_owner = owner;
	walk_count = 0;
	walk_keys = NULL;
	twalk(ledger, count_owner);
	n = walk_count;
	pthread_mutex_unlock(&ledger_lock);
	return n;
}

int aml__fortran_release_all(const void *owner)
{
	const void **keys;
	size_t n;
	int ret = AML_SUCCESS;

	pthread_mutex_lock(&ledger_lock);
	walk_owner = owner;
	walk_count = 0;
	walk_keys = NULL;
	twalk(ledger, count_owner);
	n = walk_count;
	keys = malloc((n ? n : 1) * sizeof(*keys));
	if (keys == NULL) {
		ret = -AML_ENOMEM;
		goto out;
	}
	walk_count = 0;
	walk_keys = keys;
	twalk(ledger, count_owner);
	for (size_t i = 0; i < n; i++) {
		struct held probe = {keys[i], 0, NULL}, **slot;
		struct held *h;

		slot = tfind(&probe, &ledger, by_key);
		h = *slot;
		tdelete(&probe, &ledger, by_key);
		free(h);
	}
	free(keys);
out:
	walk_keys = NULL;
	pthread_mutex_unlock(&ledger_lock);
	return ret;
}
