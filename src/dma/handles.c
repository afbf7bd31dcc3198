/* Generation-checked request handles (see handles.h). */
#include "dma/handles.h"

#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

/* Low half of a handle: slot + 1; high half: generation. */
#define HALF_BITS (sizeof(uintptr_t) * 4)
#define HALF_MASK ((((uintptr_t)1) << HALF_BITS) - 1)

static struct aml_dma_request *encode(size_t slot, unsigned long gen)
{
	uintptr_t v = ((uintptr_t)gen & HALF_MASK) << HALF_BITS;

	return (struct aml_dma_request *)(v | (uintptr_t)(slot + 1));
}

static int decode(const struct aml__dma_handles *t,
		  const struct aml_dma_request *handle, size_t *slot)
{
	const uintptr_t v = (uintptr_t)handle;
	const uintptr_t low = v & HALF_MASK;

	if (low == 0 || low > t->n)
		return 0;
	*slot = (size_t)low - 1;
	return t->items[*slot] != NULL &&
	       ((uintptr_t)t->gen[*slot] & HALF_MASK) == v >> HALF_BITS;
}

static int grow(struct aml__dma_handles *t)
{
	const size_t cap = t->cap ? 2 * t->cap : 64;
	void **items;
	unsigned long *gen;
	size_t *fr;

	if (cap >= HALF_MASK)
		return -AML_ENOMEM;
	items = realloc(t->items, cap * sizeof(*items));
	if (items == NULL)
		return -AML_ENOMEM;
	t->items = items;
	gen = realloc(t->gen, cap * sizeof(*gen));
	if (gen == NULL)
		return -AML_ENOMEM;
	t->gen = gen;
	fr = realloc(t->free, cap * sizeof(*fr));
	if (fr == NULL)
		return -AML_ENOMEM;
	t->free = fr;
	t->cap = cap;
	return AML_SUCCESS;
}

int aml__dma_handles_add(struct aml__dma_handles *t, void *item,
			 struct aml_dma_request **handle)
{
	size_t slot;

	if (t->nfree > 0) {
		slot = t->free[--t->nfree];
	} else {
		if (t->n == t->cap && grow(t) != AML_SUCCESS)
			return -AML_ENOMEM;
		slot = t->n++;
		t->gen[slot] = 1;
	}
	t->items[slot] = item;
	*handle = encode(slot, t->gen[slot]);
	return AML_SUCCESS;
}

void *aml__dma_handles_get(const struct aml__dma_handles *t,
			   const struct aml_dma_request *handle)
{
	size_t slot;

	return decode(t, handle, &slot) ? t->items[slot] : NULL;
}

void aml__dma_handles_remove(struct aml__dma_handles *t,
			     const struct aml_dma_request *handle)
{
	size_t slot;

	if (!decode(t, handle, &slot))
		return;
	t->items[slot] = NULL;
	/* Generation 0 never appears, so a zeroed pointer never matches. */
	t->gen[slot] = (t->gen[slot] + 1) & HALF_MASK;
	if (t->gen[slot] == 0)
		t->gen[slot] = 1;
	t->free[t->nfree++] = slot;
}

void aml__dma_handles_fini(struct aml__dma_handles *t, void (*fn)(void *))
{
	for (size_t i = 0; i < t->n; i++)
		if (t->items[i] != NULL && fn != NULL)
			fn(t->items[i]);
	free(t->items);
	free(t->gen);
	free(t->free);
	*t = (struct aml__dma_handles){0};
}
