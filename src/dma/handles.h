/* Request handles of the dma engines: an opaque pointer value encodes a
 * slot index and that slot's generation, so that a handle that was already
 * released is recognised without touching freed memory. Not thread safe:
 * each engine calls these under its own lock. */
#ifndef AML_DMA_HANDLES_H
#define AML_DMA_HANDLES_H

#include <stddef.h>

#include "aml/dma.h"

struct aml__dma_handles {
	void **items;	    /* slot -> item, NULL when free */
	unsigned long *gen; /* slot -> generation of its current handle */
	size_t *free;	    /* stack of free slots */
	size_t nfree, n, cap;
};

/* Store `item` and return its new handle in `*handle`; -AML_ENOMEM. */
int aml__dma_handles_add(struct aml__dma_handles *t, void *item,
			 struct aml_dma_request **handle);

/* The item of a live handle, or NULL (released, stale or foreign). */
void *aml__dma_handles_get(const struct aml__dma_handles *t,
			   const struct aml_dma_request *handle);

/* Release a live handle: its slot is reused under a new generation. */
void aml__dma_handles_remove(struct aml__dma_handles *t,
			     const struct aml_dma_request *handle);

/* Call `fn` on every live item, then free the table. */
void aml__dma_handles_fini(struct aml__dma_handles *t, void (*fn)(void *));

#endif /* AML_DMA_HANDLES_H */
