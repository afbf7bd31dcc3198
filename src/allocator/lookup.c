/*
 * Address -> allocator lookup: a 4-level radix tree over 48-bit addresses,
 * 512 entries a level, shaped like x86-64 page tables. An entry is 0, a
 * child node, or (low bit set) a range record covering the whole span of
 * the entry (512 GiB, 1 GiB, 2 MiB or one 4 KiB page), so a large aligned
 * mapping takes a few entries. Readers walk with acquire loads and never
 * lock; writers take one mutex. Nodes are never freed, so a reader racing
 * with a removal reads zeroes or a stale record, never unmapped memory.
 */
#include <stdatomic.h>

#include "allocator/lookup.h"
#include "aml.h"

#define AML_LOOKUP_BITS AML__LOOKUP_BITS
#define AML_LOOKUP_FANOUT (1u << AML_LOOKUP_BITS)
#define AML_LOOKUP_LEVELS AML__LOOKUP_LEVELS
#define AML_LOOKUP_PAGE_SHIFT AML__LOOKUP_PAGE_SHIFT
#define AML_LOOKUP_ADDR_BITS AML__LOOKUP_ADDR_BITS
#define AML_LOOKUP_LEAF ((uintptr_t)1)

typedef _Atomic uintptr_t aml_lookup_entry;

aml_lookup_entry aml__lookup_root[AML_LOOKUP_FANOUT];
static pthread_mutex_t aml_lookup_lock = PTHREAD_MUTEX_INITIALIZER;
static struct aml__lookup_range *aml_lookup_free_ranges;

static unsigned aml_lookup_shift(int level)
{
	return AML_LOOKUP_PAGE_SHIFT +
	       AML_LOOKUP_BITS * (AML_LOOKUP_LEVELS - 1 - level);
}

/*
 * A zeroed page, never returned. Pages come from slabs reserved once
 * (untouched pages cost nothing), so the tree adds a mapping to the
 * process rarely. Caller holds the lock.
 */
static void *aml_lookup_page(void)
{
	static char *slab, *slab_end;
	const size_t page = AML_LOOKUP_FANOUT * sizeof(aml_lookup_entry);
	const size_t slab_size = (size_t)64 << 20;
	void *p;

	if (slab == slab_end) {
		p = mmap(NULL, slab_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		slab = p;
		slab_end = slab + slab_size;
	}
	p = slab;
	slab += page;
	return p;
}

/*
 * Set every entry covering [lo, hi) under `node` (a level-`level` node) to
 * `value`, splitting into child nodes where the range covers part of an
 * entry. Caller holds the lock.
 */
static int aml_lookup_set(aml_lookup_entry *node, int level, uintptr_t lo,
			  uintptr_t hi, uintptr_t value)
{
	unsigned shift = aml_lookup_shift(level);
	uintptr_t span = (uintptr_t)1 << shift;

	while (lo < hi) {
		aml_lookup_entry *slot =
		    &node[(lo >> shift) & (AML_LOOKUP_FANOUT - 1)];
		uintptr_t start = lo & ~(span - 1);
		uintptr_t end = hi < start + span ? hi : start + span;
		uintptr_t e = atomic_load_explicit(slot, memory_order_relaxed);
		int whole = lo == start && end == start + span;

		if (level < AML_LOOKUP_LEVELS - 1 && e != 0 &&
		    !(e & AML_LOOKUP_LEAF)) {
			int err = aml_lookup_set((aml_lookup_entry *)e,
						 level + 1, lo, end, value);
			if (err)
				return err;
		} else if (whole || level == AML_LOOKUP_LEVELS - 1) {
			atomic_store_explicit(slot, value,
					      memory_order_release);
		} else if (value != 0) {
			void *child = aml_lookup_page();
			int err;

			if (child == NULL)
				return -AML_ENOMEM;
			err = aml_lookup_set(child, level + 1, lo, end, value);
			atomic_store_explicit(slot, (uintptr_t)child,
					      memory_order_release);
			if (err)
				return err;
		}
		lo = end;
	}
	return AML_SUCCESS;
}

static int aml_lookup_bounds(const void *base, size_t size, uintptr_t *lo,
			     uintptr_t *hi)
{
	uintptr_t page = ((uintptr_t)1 << AML_LOOKUP_PAGE_SHIFT) - 1;

	*lo = (uintptr_t)base & ~page;
	*hi = ((uintptr_t)base + size + page) & ~page;
	if (base == NULL || size == 0 || *hi < *lo ||
	    (*hi - 1) >> AML_LOOKUP_ADDR_BITS)
		return -AML_EINVAL;
	return AML_SUCCESS;
}

int aml__lookup_insert(const void *base, size_t size,
		       const struct aml__lookup_range *range)
{
	uintptr_t lo, hi;
	int err = aml_lookup_bounds(base, size, &lo, &hi);

	if (err)
		return err;
	pthread_mutex_lock(&aml_lookup_lock);
	err = aml_lookup_set(aml__lookup_root, 0, lo, hi,
			     (uintptr_t)range | AML_LOOKUP_LEAF);
	if (err)
		aml_lookup_set(aml__lookup_root, 0, lo, hi, 0);
	pthread_mutex_unlock(&aml_lookup_lock);
	return err;
}

void aml__lookup_remove(const void *base, size_t size)
{
	uintptr_t lo, hi;

	if (aml_lookup_bounds(base, size, &lo, &hi))
		return;
	pthread_mutex_lock(&aml_lookup_lock);
	aml_lookup_set(aml__lookup_root, 0, lo, hi, 0);
	pthread_mutex_unlock(&aml_lookup_lock);
}

struct aml_allocator *aml_allocator_of(const void *ptr)
{
	const struct aml__lookup_range *range = aml__lookup_find(ptr);

	return range == NULL ? NULL : range->owner;
}

struct aml__lookup_range *aml__lookup_range_new(void)
{
	struct aml__lookup_range *r;

	pthread_mutex_lock(&aml_lookup_lock);
	if (aml_lookup_free_ranges == NULL) {
		struct aml__lookup_range *page = aml_lookup_page();
		size_t n = AML_LOOKUP_FANOUT * sizeof(aml_lookup_entry) /
			   sizeof(*page);

		for (size_t i = 0; page != NULL && i < n; i++) {
			page[i].next = aml_lookup_free_ranges;
			aml_lookup_free_ranges = &page[i];
		}
	}
	r = aml_lookup_free_ranges;
	if (r != NULL) {
		aml_lookup_free_ranges = r->next;
		memset(r, 0, sizeof(*r));
	}
	pthread_mutex_unlock(&aml_lookup_lock);
	return r;
}

void aml__lookup_range_delete(struct aml__lookup_range *range)
{
	if (range == NULL)
		return;
	pthread_mutex_lock(&aml_lookup_lock);
	range->owner = NULL;
	range->next = aml_lookup_free_ranges;
	aml_lookup_free_ranges = range;
	pthread_mutex_unlock(&aml_lookup_lock);
}
