/* A replica set's data, for its sharing between processes
 * (src/replicaset/ipc.c). Not installed. */
#ifndef AML_REPLICASET_REPLICASET_H
#define AML_REPLICASET_REPLICASET_H

#include "aml/higher/replicaset.h"
#include "area/linux/shared.h"

struct aml_replicaset {
	size_t size;
	int nnodes;		/* entries of the tables below */
	void **copy;		/* node -> its copy, or NULL */
	struct aml_area **area; /* node -> the area its copy comes from */
	int *nearest;		/* node -> nearest node having a copy */
	struct aml_dma *dma;
	/* The shared object of the copies once shared or opened (fd -1
	 * before): destroy closes its descriptor. */
	struct aml__linux_shared shared;
	/* An opened set's copies: one view of every slot (no areas). */
	void *view;
	size_t view_len;
};

/* A set of `size`-byte copies over nodes 0 to nnodes - 1, with no copy
 * yet, and its copy engine. `*out` is set even on failure, for
 * aml_replicaset_destroy(). Returns AML_SUCCESS or a negated AML code. */
int aml__replicaset_alloc(struct aml_replicaset **out, size_t size, int nnodes);

/* Fill the table of the nearest node having a copy. */
void aml__replicaset_nearest(struct aml_replicaset *rs);

#endif /* AML_REPLICASET_REPLICASET_H */
