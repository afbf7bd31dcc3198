/* What AML's allocator implementations share. Internal, not installed. */
#ifndef AML_ALLOCATOR_ALLOCATOR_H
#define AML_ALLOCATOR_ALLOCATOR_H

#include "aml.h"

/* The start of every AML allocator's data: `allocator.data` points here. */
struct aml__allocator_base {
	struct aml_allocator allocator;
	struct aml_area *area;
	struct aml_area_mmap_options *opts;
	pthread_mutex_t lock;
};

/*
 * Check a create's arguments and allocate `size` zeroed bytes (data
 * starting with a base) for an allocator of `ops` on `area`. 0, or
 * -AML_EINVAL / -AML_ENOMEM; `*out` is NULL after a failure.
 */
int aml__allocator_new(struct aml_allocator **out, struct aml_area *area,
		       struct aml_area_mmap_options *opts,
		       struct aml_allocator_ops *ops, size_t size);

/*
 * Start a destroy: 1 when `*allocator` is one of `ops` to destroy, 0 for
 * NULL or a pointer to NULL (nothing to do), -AML_EINVAL for another kind.
 */
int aml__allocator_destroying(struct aml_allocator **allocator,
			      const struct aml_allocator_ops *ops);

/* Release what aml__allocator_new() made; `*allocator` becomes NULL. */
void aml__allocator_delete(struct aml_allocator **allocator);

#endif /* AML_ALLOCATOR_ALLOCATOR_H */
