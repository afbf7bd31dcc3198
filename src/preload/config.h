/*
 * The preload library's settings, read from the environment (see
 * doc/design.md and the README for the variables). Parsing never
 * allocates: it runs while the library is the process's allocator.
 */
#ifndef AML_PRELOAD_CONFIG_H
#define AML_PRELOAD_CONFIG_H

#include <stddef.h>

#include "aml.h"
#include "aml/higher/allocator/heap.h"

/* Why every allocation cannot go to AML: the heap's engine is missing. */
#define AML_PRELOAD_HEAP_MISSING                                               \
	"the heap's engine " AML_ALLOCATOR_HEAP_ENGINE                         \
	" cannot be loaded (install the package libtbbmalloc2)"

enum aml_preload_policy {
	AML_PRELOAD_DEFAULT,
	AML_PRELOAD_BIND,
	AML_PRELOAD_PREFERRED,
	AML_PRELOAD_INTERLEAVE,
	AML_PRELOAD_WEIGHTED,
	/* The hwloc area's best target for `criterion`. */
	AML_PRELOAD_BEST,
	/* Bound to the slow tier, managed by a tiering (AML_PRELOAD_TIER). */
	AML_PRELOAD_TIER,
};

/* Allocations from this size on go to AML when AML_PRELOAD_MIN_SIZE is unset.
 */
#define AML_PRELOAD_DEFAULT_MIN_SIZE ((size_t)1 << 20)

struct aml_preload_config {
	enum aml_preload_policy policy;
	/* Nodes of bind, preferred (one), interleave and weighted. */
	struct aml_bitmap nodes;
	/* Weights of the weighted policy, per node. */
	unsigned char weights[AML_BITMAP_MAX];
	/* enum aml_area_hwloc_criterion of AML_PRELOAD_BEST. */
	int criterion;
	size_t min_size;
	/* Every allocation goes to AML (a heap on the area). */
	int all;
	/* Pages are placed when mapped, not at first touch. */
	int populate;
	/* The tier policy: fast nodes (`nodes` are the slow ones) and the
	 * fast tier's capacity (0: the tiering's default). */
	struct aml_bitmap fast;
	size_t fast_capacity;
};

/*
 * Fill `c` from the variables that `get` returns (getenv, or a fuzzer's),
 * checking nodes against `present`. Returns 0, or -1 with one line in
 * `err` naming the variable and the problem.
 */
int aml_preload_config_parse(struct aml_preload_config *c,
			     const char *(*get)(const char *name),
			     const struct aml_bitmap *present, char *err,
			     size_t errlen);

/*
 * Create the area that `c` describes (a Linux area, or an hwloc area for
 * the best-target policies). Returns AML_SUCCESS or -AML_Exxx.
 */
int aml_preload_area_create(const struct aml_preload_config *c,
			    struct aml_area **area);

/* Destroy an area from aml_preload_area_create(). */
void aml_preload_area_destroy(const struct aml_preload_config *c,
			      struct aml_area **area);

struct aml_tiering;
/*
 * Create the tiering of the tier policy, not started. Returns
 * AML_SUCCESS or -AML_Exxx (-AML_ENOTSUP: no way to measure access here).
 */
int aml_preload_tiering_create(const struct aml_preload_config *c,
			       struct aml_tiering **t);

#endif /* AML_PRELOAD_CONFIG_H */
