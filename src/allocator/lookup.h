/*
 * Address -> allocator lookup shared by every allocator implementation: a
 * radix tree over the ranges each allocator got from its area. Internal,
 * not installed.
 */
#ifndef AML_ALLOCATOR_LOOKUP_H
#define AML_ALLOCATOR_LOOKUP_H

#include <stdatomic.h>

#include "aml.h"

/*
 * One registered range. `owner` is what aml_allocator_of() returns; the
 * other fields are the registering allocator's (the area allocator keeps
 * its mapping and object there, `prev`/`next` link its live ranges; the
 * heap keeps idle chunks and when they became idle).
 */
struct aml__lookup_range {
	struct aml_allocator *owner;
	void *base;
	size_t size;
	void *object;
	unsigned long long stamp;
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

/*
 * The tree, for the inline walk below: 4 levels of 512 entries over
 * 48-bit addresses; an entry is 0, a child node, or a range (low bit set)
 * covering the entry's whole span. See lookup.c.
 */
#define AML__LOOKUP_BITS 9
#define AML__LOOKUP_LEVELS 4
#define AML__LOOKUP_PAGE_SHIFT 12
#define AML__LOOKUP_ADDR_BITS 48
extern _Atomic uintptr_t aml__lookup_root[1u << AML__LOOKUP_BITS];

/*
 * Walk `depth` levels down from the root towards `ptr`: the entry reached
 * then, or NULL when the walk ends before, at an empty entry or at a range
 * (then in `*range`, else NULL there).
 */
static inline const _Atomic uintptr_t *
aml__lookup_descend(const void *ptr, int depth,
		    const struct aml__lookup_range **range)
{
	const uintptr_t addr = (uintptr_t)ptr;
	const _Atomic uintptr_t *node = aml__lookup_root;
	unsigned shift = AML__LOOKUP_PAGE_SHIFT +
			 AML__LOOKUP_BITS * (AML__LOOKUP_LEVELS - 1);

	*range = NULL;
	if (addr >> AML__LOOKUP_ADDR_BITS)
		return NULL;
	for (int level = 0; level < depth; level++) {
		uintptr_t e = atomic_load_explicit(
		    &node[(addr >> shift) & ((1u << AML__LOOKUP_BITS) - 1)],
		    memory_order_acquire);

		if (e & 1)
			*range = (const struct aml__lookup_range *)(e - 1);
		if (e == 0 || (e & 1))
			return NULL;
		node = (const _Atomic uintptr_t *)e;
		shift -= AML__LOOKUP_BITS;
	}
	return &node[(addr >> shift) & ((1u << AML__LOOKUP_BITS) - 1)];
}

/* The range holding `ptr`, or NULL. Lock-free; inline because every free
 * of every allocator asks it. */
static inline const struct aml__lookup_range *aml__lookup_find(const void *ptr)
{
	const struct aml__lookup_range *range;
	const _Atomic uintptr_t *leaf =
	    aml__lookup_descend(ptr, AML__LOOKUP_LEVELS - 1, &range);
	uintptr_t e;

	if (leaf == NULL)
		return range;
	e = atomic_load_explicit(leaf, memory_order_acquire);
	return (e & 1) ? (const struct aml__lookup_range *)(e - 1) : NULL;
}

/*
 * The entry of the tree's third level (a 2 MiB span) on the way to `ptr`,
 * or NULL while the tree has no node there. Its address stays valid for
 * the life of the process (nodes are never freed, and an entry that holds
 * a node keeps it), so a caller may keep it for later lookups in the same
 * span with aml__lookup_find_in(): two loads instead of four.
 */
static inline const _Atomic uintptr_t *aml__lookup_span(const void *ptr)
{
	const struct aml__lookup_range *range;

	return aml__lookup_descend(ptr, AML__LOOKUP_LEVELS - 2, &range);
}

/* aml__lookup_find(ptr) from `span`, aml__lookup_span() of an address in
 * the same 2 MiB span. */
static inline const struct aml__lookup_range *
aml__lookup_find_in(const _Atomic uintptr_t *span, const void *ptr)
{
	uintptr_t e = atomic_load_explicit(span, memory_order_acquire);

	if (e != 0 && !(e & 1))
		e = atomic_load_explicit(
		    &((const _Atomic uintptr_t *)
			  e)[((uintptr_t)ptr >> AML__LOOKUP_PAGE_SHIFT) &
			     ((1u << AML__LOOKUP_BITS) - 1)],
		    memory_order_acquire);
	return (e & 1) ? (const struct aml__lookup_range *)(e - 1) : NULL;
}

/* The bits of an address above a span's. */
#define AML__LOOKUP_SPAN_SHIFT (AML__LOOKUP_PAGE_SHIFT + AML__LOOKUP_BITS)

/*
 * Range records from memory that never goes back to the system, so a
 * concurrent lookup never reads unmapped memory. Zeroed; NULL when short.
 * Does not call malloc (a malloc replacement may call it).
 */
struct aml__lookup_range *aml__lookup_range_new(void);
void aml__lookup_range_delete(struct aml__lookup_range *range);

#endif /* AML_ALLOCATOR_LOOKUP_H */
