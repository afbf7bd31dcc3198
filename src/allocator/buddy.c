/*
 * Buddy allocator: chunks of 4 MiB from the area, split into power-of-two
 * blocks of 256 B to 4 MiB. Free lists, block orders and chunk records all
 * live in malloc'ed memory, never in the chunks, so the managed memory is
 * never read or written (it may be device memory or PROT_NONE). Objects
 * above a chunk, or aligned beyond what a chunk offers, get a mapping of
 * their own. One mutex guards everything.
 */
#include "aml/higher/allocator/buddy.h"
#include "allocator/allocator.h"
#include "allocator/lookup.h"
#include "aml.h"
#include "internal.h"

#define AML_BUDDY_MIN_SHIFT 8
#define AML_BUDDY_MAX_ORDER 14
#define AML_BUDDY_CHUNK                                                        \
	((size_t)1 << (AML_BUDDY_MIN_SHIFT + AML_BUDDY_MAX_ORDER))
#define AML_BUDDY_BLOCKS (1u << AML_BUDDY_MAX_ORDER)
#define AML_BUDDY_NONE UINT16_MAX

struct aml_buddy_block {
	uint16_t next, prev; /* free list links (block indices) */
	uint8_t free_order;  /* order + 1 when this block heads a free block */
	uint8_t used_order;  /* order + 1 when this block is allocated */
};

struct aml_buddy_chunk {
	struct aml__lookup_range *range; /* object: this chunk */
	char *base;
	size_t size;
	void *object; /* own mappings only: the aligned object */
	int own;      /* a mapping of one object, no blocks */
	struct aml_buddy_chunk *next, *prev;
	uint16_t head[AML_BUDDY_MAX_ORDER + 1];
	struct aml_buddy_block blocks[]; /* AML_BUDDY_BLOCKS, or none */
};

struct aml_allocator_data {
	struct aml__allocator_base base; /* lock: everything */
	struct aml_buddy_chunk *chunks;
	size_t nchunks; /* chunks with blocks */
};

static void aml_buddy_push(struct aml_buddy_chunk *c, unsigned i, int order)
{
	struct aml_buddy_block *b = &c->blocks[i];

	b->free_order = (uint8_t)(order + 1);
	b->prev = AML_BUDDY_NONE;
	b->next = c->head[order];
	if (b->next != AML_BUDDY_NONE)
		c->blocks[b->next].prev = (uint16_t)i;
	c->head[order] = (uint16_t)i;
}

static void aml_buddy_unlink(struct aml_buddy_chunk *c, unsigned i, int order)
{
	struct aml_buddy_block *b = &c->blocks[i];

	if (b->prev != AML_BUDDY_NONE)
		c->blocks[b->prev].next = b->next;
	else
		c->head[order] = b->next;
	if (b->next != AML_BUDDY_NONE)
		c->blocks[b->next].prev = b->prev;
	b->free_order = 0;
}

/* Take a block of `order` from `c`; its index, or -1. */
static long aml_buddy_take(struct aml_buddy_chunk *c, int order)
{
	int j = order;
	unsigned i;

	while (j <= AML_BUDDY_MAX_ORDER && c->head[j] == AML_BUDDY_NONE)
		j++;
	if (j > AML_BUDDY_MAX_ORDER)
		return -1;
	i = c->head[j];
	aml_buddy_unlink(c, i, j);
	while (j > order) {
		j--;
		aml_buddy_push(c, i + (1u << j), j);
	}
	c->blocks[i].used_order = (uint8_t)(order + 1);
	return (long)i;
}

/* Give block `i` back, merging it with its free buddies; 1 if the whole
 * chunk is free then. */
static int aml_buddy_give(struct aml_buddy_chunk *c, unsigned i)
{
	int order = c->blocks[i].used_order - 1;

	c->blocks[i].used_order = 0;
	while (order < AML_BUDDY_MAX_ORDER) {
		unsigned buddy = i ^ (1u << order);

		if (c->blocks[buddy].free_order != order + 1)
			break;
		aml_buddy_unlink(c, buddy, order);
		i &= ~(1u << order);
		order++;
	}
	aml_buddy_push(c, i, order);
	return order == AML_BUDDY_MAX_ORDER;
}

static void aml_buddy_link(struct aml_allocator_data *d,
			   struct aml_buddy_chunk *c)
{
	c->prev = NULL;
	c->next = d->chunks;
	if (d->chunks != NULL)
		d->chunks->prev = c;
	d->chunks = c;
	d->nchunks += !c->own;
}

/* Map `size` bytes and record them: a chunk with blocks, or one object's
 * own mapping. Caller holds the lock. */
static struct aml_buddy_chunk *aml_buddy_map(struct aml_allocator_data *d,
					     size_t size, int own)
{
	size_t nblocks = own ? 0 : AML_BUDDY_BLOCKS;
	struct aml_buddy_chunk *c =
	    calloc(1, sizeof(*c) + nblocks * sizeof(c->blocks[0]));

	if (c == NULL)
		return aml__fail_null(AML_ENOMEM);
	c->range = aml__lookup_range_new();
	c->base =
	    c->range ? aml_area_mmap(d->base.area, size, d->base.opts) : NULL;
	if (c->base == NULL ||
	    aml__lookup_insert(c->base, size, c->range) != AML_SUCCESS) {
		if (c->base != NULL)
			aml_area_munmap(d->base.area, c->base, size);
		aml__lookup_range_delete(c->range);
		free(c);
		return aml__fail_null(AML_ENOMEM);
	}
	c->range->owner = &d->base.allocator;
	c->range->object = c;
	c->size = size;
	c->own = own;
	for (int j = 0; j <= AML_BUDDY_MAX_ORDER; j++)
		c->head[j] = AML_BUDDY_NONE;
	if (!own)
		aml_buddy_push(c, 0, AML_BUDDY_MAX_ORDER);
	aml_buddy_link(d, c);
	return c;
}

static int aml_buddy_unmap(struct aml_allocator_data *d,
			   struct aml_buddy_chunk *c)
{
	int err;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		d->chunks = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	d->nchunks -= !c->own;
	aml__lookup_remove(c->base, c->size);
	aml__lookup_range_delete(c->range);
	err = aml_area_munmap(d->base.area, c->base, c->size);
	free(c);
	return err;
}

/* The largest power of two dividing the chunk's base. */
static size_t aml_buddy_base_align(const struct aml_buddy_chunk *c)
{
	uintptr_t b = (uintptr_t)c->base;

	return (size_t)(b & -b);
}

/* A block of `order` aligned on `alignment`, from any chunk; NULL when
 * none has one free. Caller holds the lock. */
static void *aml_buddy_find(struct aml_allocator_data *d, int order,
			    size_t alignment)
{
	for (struct aml_buddy_chunk *c = d->chunks; c != NULL; c = c->next) {
		long i;

		if (c->own || aml_buddy_base_align(c) < alignment)
			continue;
		i = aml_buddy_take(c, order);
		if (i >= 0)
			return c->base + ((size_t)i << AML_BUDDY_MIN_SHIFT);
	}
	return NULL;
}

/* An object in a mapping of its own, over-mapped for its alignment. */
static void *aml_buddy_alloc_own(struct aml_allocator_data *d, size_t size,
				 size_t alignment)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t extra = alignment > page ? alignment : 0;
	struct aml_buddy_chunk *c;

	if (size > SIZE_MAX - extra - page)
		return aml__fail_null(AML_ENOMEM);
	c = aml_buddy_map(d, (size + extra + page - 1) & ~(page - 1), 1);
	if (c == NULL)
		return NULL;
	c->object = (void *)(((uintptr_t)c->base + extra) &
			     ~(uintptr_t)(extra ? extra - 1 : 0));
	return c->object;
}

static int aml_buddy_order(size_t size)
{
	int order = 0;

	while (((size_t)1 << (order + AML_BUDDY_MIN_SHIFT)) < size)
		order++;
	return order;
}

static void *aml_buddy_aligned_alloc(struct aml_allocator_data *d, size_t size,
				     size_t alignment)
{
	size_t need = size > alignment ? size : alignment;
	void *ptr = NULL;
	int order;

	pthread_mutex_lock(&d->base.lock);
	if (need > AML_BUDDY_CHUNK) {
		ptr = aml_buddy_alloc_own(d, size, alignment);
		goto out;
	}
	order = aml_buddy_order(need);
	ptr = aml_buddy_find(d, order, alignment);
	if (ptr == NULL) {
		struct aml_buddy_chunk *c =
		    aml_buddy_map(d, AML_BUDDY_CHUNK, 0);

		if (c != NULL && aml_buddy_base_align(c) >= alignment)
			ptr = c->base + ((size_t)aml_buddy_take(c, order)
					 << AML_BUDDY_MIN_SHIFT);
		else if (c != NULL)
			ptr = aml_buddy_alloc_own(d, size, alignment);
	}
out:
	pthread_mutex_unlock(&d->base.lock);
	return ptr;
}

static void *aml_buddy_alloc(struct aml_allocator_data *d, size_t size)
{
	return aml_buddy_aligned_alloc(d, size, 1);
}

/* The chunk and block index of object `ptr` of `d`; -1 if not one. Caller
 * holds the lock. */
static long aml_buddy_locate(struct aml_allocator_data *d, const void *ptr,
			     struct aml_buddy_chunk **chunk)
{
	const struct aml__lookup_range *r = aml__lookup_find(ptr);
	struct aml_buddy_chunk *c;
	size_t off;

	if (r == NULL || r->owner != &d->base.allocator)
		return -1;
	c = r->object;
	*chunk = c;
	if (c->own)
		return ptr == c->object ? 0 : -1;
	off = (size_t)((const char *)ptr - c->base);
	if (off & (((size_t)1 << AML_BUDDY_MIN_SHIFT) - 1))
		return -1;
	off >>= AML_BUDDY_MIN_SHIFT;
	return c->blocks[off].used_order ? (long)off : -1;
}

static int aml_buddy_free(struct aml_allocator_data *d, void *ptr)
{
	struct aml_buddy_chunk *c;
	long i;
	int ret = AML_SUCCESS;

	pthread_mutex_lock(&d->base.lock);
	i = aml_buddy_locate(d, ptr, &c);
	if (i < 0)
		ret = -AML_EINVAL;
	else if (c->own)
		ret = aml_buddy_unmap(d, c);
	else if (aml_buddy_give(c, (unsigned)i) && d->nchunks > 1)
		ret = aml_buddy_unmap(d, c);
	pthread_mutex_unlock(&d->base.lock);
	return ret;
}

static size_t aml_buddy_usable_size(struct aml_allocator_data *d,
				    const void *ptr)
{
	struct aml_buddy_chunk *c;
	size_t size = 0;
	long i;

	pthread_mutex_lock(&d->base.lock);
	i = aml_buddy_locate(d, ptr, &c);
	if (i < 0)
		aml_errno = AML_EINVAL;
	else if (c->own)
		size = c->size - (size_t)((char *)c->object - c->base);
	else
		size = (size_t)1
		       << (c->blocks[i].used_order - 1 + AML_BUDDY_MIN_SHIFT);
	pthread_mutex_unlock(&d->base.lock);
	return size;
}

struct aml_allocator_ops aml_allocator_buddy_ops = {
    .alloc = aml_buddy_alloc,
    .aligned_alloc = aml_buddy_aligned_alloc,
    .free = aml_buddy_free,
    .realloc = NULL,
    .usable_size = aml_buddy_usable_size,
};

int aml_allocator_buddy_create(struct aml_allocator **out,
			       struct aml_area *area,
			       struct aml_area_mmap_options *opts)
{
	return aml__allocator_new(out, area, opts, &aml_allocator_buddy_ops,
				  sizeof(struct aml_allocator_data));
}

int aml_allocator_buddy_destroy(struct aml_allocator **allocator)
{
	struct aml_allocator_data *d;
	int ret =
	    aml__allocator_destroying(allocator, &aml_allocator_buddy_ops);

	if (ret <= 0)
		return ret;
	ret = AML_SUCCESS;
	d = (*allocator)->data;
	while (d->chunks != NULL) {
		int err = aml_buddy_unmap(d, d->chunks);

		if (err && ret == AML_SUCCESS)
			ret = err;
	}
	aml__allocator_delete(allocator);
	return ret;
}
