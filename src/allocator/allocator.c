/* Generic allocator API: argument checks, then the implementation's ops. */
#include <stdalign.h>

#include "allocator/allocator.h"
#include "aml.h"
#include "internal.h"

static int aml_allocator_ok(const struct aml_allocator *a)
{
	return a != NULL && a->ops != NULL && a->ops->alloc != NULL &&
	       a->ops->free != NULL;
}

static int aml_is_pow2(size_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

void *aml_alloc(struct aml_allocator *allocator, size_t size)
{
	if (!aml_allocator_ok(allocator) || size == 0)
		return aml__fail_null(AML_EINVAL);
	return allocator->ops->alloc(allocator->data, size);
}

void *aml_aligned_alloc(struct aml_allocator *allocator, size_t size,
			size_t alignment)
{
	if (!aml_allocator_ok(allocator) || size == 0 ||
	    !aml_is_pow2(alignment))
		return aml__fail_null(AML_EINVAL);
	if (allocator->ops->aligned_alloc != NULL)
		return allocator->ops->aligned_alloc(allocator->data, size,
						     alignment);
	if (alignment > alignof(max_align_t))
		return aml__fail_null(AML_ENOTSUP);
	return allocator->ops->alloc(allocator->data, size);
}

void *aml_calloc(struct aml_allocator *allocator, size_t nmemb, size_t size)
{
	void *ptr;

	if (!aml_allocator_ok(allocator) || nmemb == 0 || size == 0)
		return aml__fail_null(AML_EINVAL);
	if (nmemb > SIZE_MAX / size)
		return aml__fail_null(AML_ENOMEM);
	ptr = allocator->ops->alloc(allocator->data, nmemb * size);
	if (ptr != NULL)
		memset(ptr, 0, nmemb * size);
	return ptr;
}

/* Move an object with the CPU, for allocators without a realloc op. */
static void *aml_realloc_by_copy(struct aml_allocator *allocator, void *ptr,
				 size_t size)
{
	size_t old;
	void *moved;

	if (allocator->ops->usable_size == NULL)
		return aml__fail_null(AML_ENOTSUP);
	old = allocator->ops->usable_size(allocator->data, ptr);
	if (old == 0)
		return NULL;
	moved = allocator->ops->alloc(allocator->data, size);
	if (moved == NULL)
		return NULL;
	memcpy(moved, ptr, old < size ? old : size);
	allocator->ops->free(allocator->data, ptr);
	return moved;
}

void *aml_realloc(struct aml_allocator *allocator, void *ptr, size_t size)
{
	if (!aml_allocator_ok(allocator))
		return aml__fail_null(AML_EINVAL);
	if (ptr == NULL)
		return aml_alloc(allocator, size);
	if (size == 0) {
		int err = allocator->ops->free(allocator->data, ptr);

		return aml__fail_null(err < 0 ? -err : 0);
	}
	if (allocator->ops->realloc != NULL)
		return allocator->ops->realloc(allocator->data, ptr, size);
	return aml_realloc_by_copy(allocator, ptr, size);
}

int aml_free(struct aml_allocator *allocator, void *ptr)
{
	if (allocator == NULL || allocator->ops == NULL ||
	    allocator->ops->free == NULL)
		return -AML_EINVAL;
	if (ptr == NULL)
		return AML_SUCCESS;
	return allocator->ops->free(allocator->data, ptr);
}

size_t aml_usable_size(struct aml_allocator *allocator, const void *ptr)
{
	if (allocator == NULL || allocator->ops == NULL || ptr == NULL) {
		aml_errno = AML_EINVAL;
		return 0;
	}
	if (allocator->ops->usable_size == NULL) {
		aml_errno = AML_ENOTSUP;
		return 0;
	}
	return allocator->ops->usable_size(allocator->data, ptr);
}

int aml__allocator_new(struct aml_allocator **out, struct aml_area *area,
		       struct aml_area_mmap_options *opts,
		       struct aml_allocator_ops *ops, size_t size)
{
	struct aml__allocator_base *base;

	if (out == NULL)
		return -AML_EINVAL;
	*out = NULL;
	if (area == NULL || area->ops == NULL || area->ops->mmap == NULL)
		return -AML_EINVAL;
	base = calloc(1, size);
	if (base == NULL)
		return -AML_ENOMEM;
	base->allocator.data = (struct aml_allocator_data *)base;
	base->allocator.ops = ops;
	base->area = area;
	base->opts = opts;
	pthread_mutex_init(&base->lock, NULL);
	*out = &base->allocator;
	return AML_SUCCESS;
}

int aml__allocator_destroying(struct aml_allocator **allocator,
			      const struct aml_allocator_ops *ops)
{
	if (allocator == NULL || *allocator == NULL)
		return 0;
	return (*allocator)->ops == ops ? 1 : -AML_EINVAL;
}

void aml__allocator_delete(struct aml_allocator **allocator)
{
	struct aml__allocator_base *base = (void *)(*allocator)->data;

	pthread_mutex_destroy(&base->lock);
	free(base);
	*allocator = NULL;
}
