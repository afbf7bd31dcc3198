/*
 * Area allocator: one area mapping per object. The mapping's bounds live in
 * the lookup's range record, not in the memory, so freeing never touches
 * the object (it may be device memory).
 */
#include "aml/higher/allocator/area.h"
#include "allocator/lookup.h"
#include "aml.h"
#include "internal.h"

struct aml_allocator_data {
	struct aml_allocator allocator;
	struct aml_area *area;
	struct aml_area_mmap_options *opts;
	pthread_mutex_t lock;
	struct aml__lookup_range *live; /* every mapping, for destroy */
};

static size_t aml_page_size(void)
{
	static size_t page;

	if (page == 0)
		page = (size_t)sysconf(_SC_PAGESIZE);
	return page;
}

static void aml_area_alloc_link(struct aml_allocator_data *d,
				struct aml__lookup_range *r)
{
	pthread_mutex_lock(&d->lock);
	r->next = d->live;
	if (d->live != NULL)
		d->live->prev = r;
	d->live = r;
	pthread_mutex_unlock(&d->lock);
}

static void aml_area_alloc_unlink(struct aml_allocator_data *d,
				  struct aml__lookup_range *r)
{
	pthread_mutex_lock(&d->lock);
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		d->live = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	pthread_mutex_unlock(&d->lock);
}

static void *aml_area_alloc_aligned(struct aml_allocator_data *d, size_t size,
				    size_t alignment)
{
	size_t page = aml_page_size();
	size_t extra = alignment > page ? alignment : 0;
	struct aml__lookup_range *r;
	void *base;
	int err;

	if (size > SIZE_MAX - extra - page)
		return aml_fail_null(AML_ENOMEM);
	r = aml__lookup_range_new();
	if (r == NULL)
		return aml_fail_null(AML_ENOMEM);
	r->size = (size + extra + page - 1) & ~(page - 1);
	base = aml_area_mmap(d->area, r->size, d->opts);
	if (base == NULL) {
		aml__lookup_range_delete(r);
		return NULL;
	}
	r->owner = &d->allocator;
	r->base = base;
	r->object = (void *)(((uintptr_t)base + extra) &
			     ~(uintptr_t)(extra ? extra - 1 : 0));
	err = aml__lookup_insert(base, r->size, r);
	if (err) {
		aml_area_munmap(d->area, base, r->size);
		aml__lookup_range_delete(r);
		return aml_fail_null(-err);
	}
	aml_area_alloc_link(d, r);
	return r->object;
}

static void *aml_area_alloc(struct aml_allocator_data *d, size_t size)
{
	return aml_area_alloc_aligned(d, size, 1);
}

/* The record of an object of `d`, or NULL. */
static struct aml__lookup_range *
aml_area_alloc_find(struct aml_allocator_data *d, const void *ptr)
{
	const struct aml__lookup_range *r = aml__lookup_find(ptr);

	if (r == NULL || r->owner != &d->allocator || r->object != ptr)
		return NULL;
	return (struct aml__lookup_range *)r;
}

static int aml_area_alloc_release(struct aml_allocator_data *d,
				  struct aml__lookup_range *r)
{
	void *base = r->base;
	size_t size = r->size;

	aml__lookup_remove(base, size);
	aml__lookup_range_delete(r);
	return aml_area_munmap(d->area, base, size);
}

static int aml_area_free(struct aml_allocator_data *d, void *ptr)
{
	struct aml__lookup_range *r = aml_area_alloc_find(d, ptr);

	if (r == NULL)
		return -AML_EINVAL;
	aml_area_alloc_unlink(d, r);
	return aml_area_alloc_release(d, r);
}

static size_t aml_area_usable_size(struct aml_allocator_data *d,
				   const void *ptr)
{
	struct aml__lookup_range *r = aml_area_alloc_find(d, ptr);

	if (r == NULL) {
		aml_errno = AML_EINVAL;
		return 0;
	}
	return r->size - (size_t)((char *)r->object - (char *)r->base);
}

struct aml_allocator_ops aml_allocator_area_ops = {
    .alloc = aml_area_alloc,
    .aligned_alloc = aml_area_alloc_aligned,
    .free = aml_area_free,
    .realloc = NULL,
    .usable_size = aml_area_usable_size,
};

int aml_allocator_area_create(struct aml_allocator **out, struct aml_area *area,
			      struct aml_area_mmap_options *opts)
{
	struct aml_allocator_data *d;

	if (out == NULL)
		return -AML_EINVAL;
	*out = NULL;
	if (area == NULL || area->ops == NULL)
		return -AML_EINVAL;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -AML_ENOMEM;
	d->allocator.data = d;
	d->allocator.ops = &aml_allocator_area_ops;
	d->area = area;
	d->opts = opts;
	pthread_mutex_init(&d->lock, NULL);
	*out = &d->allocator;
	return AML_SUCCESS;
}

int aml_allocator_area_destroy(struct aml_allocator **allocator)
{
	struct aml_allocator_data *d;
	int ret = AML_SUCCESS;

	if (allocator == NULL || *allocator == NULL)
		return AML_SUCCESS;
	if ((*allocator)->ops != &aml_allocator_area_ops)
		return -AML_EINVAL;
	d = (*allocator)->data;
	while (d->live != NULL) {
		struct aml__lookup_range *r = d->live;
		int err;

		d->live = r->next;
		err = aml_area_alloc_release(d, r);
		if (err && ret == AML_SUCCESS)
			ret = err;
	}
	pthread_mutex_destroy(&d->lock);
	free(d);
	*allocator = NULL;
	return ret;
}
