/*
 * Where the pages of a range are, which of them form transparent huge
 * pages, and moving them: batched move_pages(2). Not installed.
 */
#ifndef AML_TIERING_PAGES_H
#define AML_TIERING_PAGES_H

#include <stddef.h>

#include "tiering/range.h"

/* Entries per move_pages(2) call. */
#define AML__TIERING_BATCH 1024

/* Refresh the huge page flags of `r` (kept as they are where the kernel
 * cannot tell), then the node of every page (AML__TIERING_NO_NODE for a
 * page not placed). Returns 0 or a negated AML code. */
int aml__tiering_pages_refresh(struct aml__tiering_range *r);

/* What a batch of moves did. */
struct aml__tiering_moved {
	size_t pages; /* base pages now on their target node */
	size_t busy;  /* base pages the kernel refused to move */
};

/* Moves queued: one entry per unit (its first page). */
struct aml__tiering_batch {
	size_t n;
	void *addr[AML__TIERING_BATCH];
	int node[AML__TIERING_BATCH];
	int status[AML__TIERING_BATCH];
	struct aml__tiering_range *range[AML__TIERING_BATCH];
	size_t page[AML__TIERING_BATCH];
};

/* Queue the move of the unit at page `i` of `r` to `node`; flushes the
 * batch when full. */
void aml__tiering_queue(struct aml__tiering_batch *b,
			struct aml__tiering_range *r, size_t i, int node,
			struct aml__tiering_moved *done);

/* Move what is queued: update the nodes of the pages moved, set the
 * back-off of those refused, add to `done`. */
void aml__tiering_flush(struct aml__tiering_batch *b,
			struct aml__tiering_moved *done);

#endif /* AML_TIERING_PAGES_H */
