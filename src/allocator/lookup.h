/*
 * Address -> allocator lookup shared by every allocator implementation: a
 * radix tree over the ranges each allocator got from its area. Internal,
 * not installed.
 */
#ifndef AML_ALLOCATOR_LOOKUP_H
#define AML_ALLOCATOR_LOOKUP_H

#include "aml.h"

/*
 * One registered range. `owner` is what aml_allocator_of() returns; the
 * other fields are the registering allocator's (the area allocator keeps
 * its mapping and object there; `prev`/`next` link its live ranges).
 */
struct aml__lookup_range {
	struct aml_allocator *owner;
	void *base;
	size_t size;
	void *object;
	struct aml__lookup_range *prev, *next;
};

/*
 * Register [base, base + size) as `range`'s (page-aligned bounds; the
 * range must not overlap a registered one). 0 or -AML_ENOMEM/-AML_EINVAL.
 * Writers are serialised inside; readers never wait.
 */
int aml__lookup_insert(const void *base, size_t size,
		       const struct aml__lookup_range *range);

/* Unregister what aml__lookup_insert() registered with the same bounds. */
void aml__lookup_remove(const void *base, size_t size);

/* The range holding `ptr`, or NULL. Lock-free. */
const struct aml__lookup_range *aml__lookup_find(const void *ptr);

/*
 * Range records from memory that never goes back to the system, so a
 * concurrent lookup never reads unmapped memory. Zeroed; NULL when short.
 * Does not call malloc (a malloc replacement may call it).
 */
struct aml__lookup_range *aml__lookup_range_new(void);
void aml__lookup_range_delete(struct aml__lookup_range *range);

#endif /* AML_ALLOCATOR_LOOKUP_H */
