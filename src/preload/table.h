/*
 * The preload library's record of the mappings it made for large
 * allocations: user pointer -> mapping. Its memory comes from mmap(2),
 * never from malloc; one mutex guards it (large allocations are rare), and
 * fork holds it so that the child finds it unlocked and consistent.
 */
#ifndef AML_PRELOAD_TABLE_H
#define AML_PRELOAD_TABLE_H

#include <stddef.h>

struct aml_preload_mapping {
	/* The pointer given to the program; 0 for a free slot. */
	void *ptr;
	/* The mapping that holds it, as the area mapped it. */
	void *base;
	size_t length;
};

/* Record a mapping. Returns 0, or -1 when memory is short. */
int aml_preload_table_insert(const struct aml_preload_mapping *m);

/*
 * Find the mapping of `ptr`; with `remove`, forget it. Returns 1 and fills
 * `m`, or 0 when `ptr` is not one of ours.
 */
int aml_preload_table_find(void *ptr, int remove,
			   struct aml_preload_mapping *m);

/* fork(2) handlers: lock before, unlock after in parent and child. */
void aml_preload_table_lock(void);
void aml_preload_table_unlock(void);

#endif /* AML_PRELOAD_TABLE_H */
