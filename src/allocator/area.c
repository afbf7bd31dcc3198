/*
 * Area allocator: one area mapping per object. The mapping's bounds live in
 * the lookup's range record, not in the memory, so freeing never touches
 * the object (it may be device memory).
 */
#include "aml/higher/allocator/area.h"
#include "allocator/allocator.h"
#include "allocator/lookup.h"
#include "aml.h"
#include "internal.h"

struct aml_allocator_data {
	struct aml__allocator_base base; /* lock: the list */
	struct aml__lookup_range *live;	 /* every mapping, for destroy */
};

/* No cache: a mapping per object costs far more than the libc call. */
static size_t aml_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static void aml_area_alloc_link(struct aml_allocator_data *d,
				struct aml__lookup_range *r)
{
	pthread_mutex_lock(&d->base.lock);
	r->next = d->live;
	if (d->live != NULL)
		d->live->prev = r;
	d->live = r;
	pthread_mutex_unlock(&d->base.lock);
}

static void aml_area_alloc_unlink(struct aml_allocator_data *d,
				  struct aml__lookup_range *r)
{
	pthread_mutex_lock(&d->base.lock);
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		d->live = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	pthread_mutex_unlock(&d->base.lock);
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
		return aml__fail_null(AML_ENOMEM);
	r = aml__lookup_range_new();
	if (r == NULL)
		return aml__fail_null(AML_ENOMEM);
	r->size = (size + extra + page - 1) & ~(page - 1);
	base = aml_area_mmap(d->base.area, r->size, d->base.opts);
	if (base == NULL) {
		aml__lookup_range_delete(r);
		return NULL;
	}
	r->owner = &d->base.allocator;
	r->base = base;
	r->object = (void *)(((uintptr_t)base + extra) &
			     ~(uintptr_t)(extra ? extra - 1 : 0));
	err = aml__lookup_insert(base, r->size, r);
	if (err) {
		aml_area_munmap(d->base.area, base, r->size);
		aml__lookup_range_delete(r);
		return aml__fail_null(-err);
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

	if (r == NULL || r->owner != &d->base.allocator || r->object != ptr)
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
	return aml_area_munmap(d->base.area, base, size);
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
	return aml__allocator_new(out, area, opts, &aml_allocator_area_ops,
				  sizeof(struct aml_allocator_data));
}

int aml_allocator_area_destroy(struct aml_allocator **allocator)
{
	struct aml_allocator_data *d;
	int ret = aml__allocator_destroying(allocator, &aml_allocator_area_ops);

	if (ret <= 0)
		return ret;
	ret = AML_SUCCESS;
	d = (*allocator)->data;
	while (d->live != NULL) {
		struct aml__lookup_range *r = d->live;
		int err;

		d->live = r->next;
		err = aml_area_alloc_release(d, r);
		if (err && ret == AML_SUCCESS)
			ret = err;
	}
	aml__allocator_delete(allocator);
	return ret;
}
