/**
 * @file aml.h
 * @brief AML: building blocks for explicit memory placement.
 *
 * This umbrella header gives the generic API of every building block and
 * the utilities in `aml/utils/`. Implementations of a building block have
 * their own header, for instance `<aml/area/linux.h>`.
 *
 * An *area* is a memory provider with a placement: it maps and unmaps
 * memory and says where that memory lives. Each implementation fills a
 * `struct aml_area_ops` table; a user's area is written the same way and
 * works with every generic function below.
 *
 * An *allocator* (`aml/higher/allocator.h`, included here) hands out
 * objects of any size carved from an area's memory.
 */
#ifndef AML_H
#define AML_H

/* AML programs rely on these without including them. */
#include <errno.h>
#include <inttypes.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aml/dma.h"
#include "aml/higher/allocator.h"
#include "aml/utils/bitmap.h"
#include "aml/utils/error.h"
#include "aml/utils/features.h"
#include "aml/utils/inner-malloc.h"
#include "aml/utils/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Initialise AML. Optional: every building block, the default areas
 * included, works without it.
 * @param argc, argv: the program's arguments, or NULL; not used.
 * @return ::AML_SUCCESS.
 * Thread safety: safe.
 */
AML_EXPORT int aml_init(int *argc, char **argv[]);

/**
 * Release what AML keeps for the life of the process. Optional.
 * Areas created before stay usable.
 * @return ::AML_SUCCESS.
 * Thread safety: safe.
 */
AML_EXPORT int aml_finalize(void);

/**
 * @defgroup aml_area Areas
 * @brief Memory providers with a placement.
 * @{
 */

/** Private data of an area implementation; opaque to the generic API. */
struct aml_area_data;

/** Options of one mapping; each implementation defines its own. */
struct aml_area_mmap_options;

/**
 * Operations of an area implementation. Fill one to write your own area.
 * Each function receives the `data` field of its `struct aml_area`.
 */
struct aml_area_ops {
	/**
	 * Map `size` (> 0) bytes. @return the mapping; NULL with ::aml_errno
	 * set on failure.
	 */
	void *(*mmap)(const struct aml_area_data *data, size_t size,
		      struct aml_area_mmap_options *opts);
	/**
	 * Unmap a mapping of `size` bytes from mmap. @return ::AML_SUCCESS,
	 * or a negated AML error code.
	 */
	int (*munmap)(const struct aml_area_data *data, void *ptr, size_t size);
	/**
	 * Describe the area on `stream`, each line starting with `prefix`.
	 * May be NULL. @return ::AML_SUCCESS once written, or a negated AML
	 * error code.
	 */
	int (*fprintf)(const struct aml_area_data *data, FILE *stream,
		       const char *prefix);
};

/** An area: an implementation's operations and its data. */
struct aml_area {
	/** The implementation. */
	struct aml_area_ops *ops;
	/** The implementation's data for this area. */
	struct aml_area_data *data;
};

/**
 * Map `size` bytes of memory from `area`, with the area's placement.
 * @param area: the area.
 * @param size: bytes to map, > 0.
 * @param opts: options of the area's implementation, or NULL for its
 *        defaults.
 * @return the mapping; NULL on failure, with ::aml_errno set:
 * - ::AML_EINVAL: `area`, its ops or its mmap operation is NULL, or `size`
 *   is 0, or the implementation rejects an argument;
 * - any other code the implementation sets (::AML_ENOMEM when memory is
 *   short, ::AML_ENOTSUP when the backend is missing...).
 * Thread safety: as the area's implementation; AML's areas are safe.
 */
AML_EXPORT void *aml_area_mmap(const struct aml_area *area, size_t size,
			       struct aml_area_mmap_options *opts);

/**
 * Release a mapping of `size` bytes made by aml_area_mmap() on `area`.
 * @return ::AML_SUCCESS (also for a NULL `ptr` with `size` 0); -AML_EINVAL
 * if `area`, its ops or its munmap operation is NULL, or if exactly one of
 * `ptr` and `size` is 0; otherwise the implementation's result.
 * Thread safety: as the area's implementation; AML's areas are safe.
 */
AML_EXPORT int aml_area_munmap(const struct aml_area *area, void *ptr,
			       size_t size);

/**
 * Describe `area` on `stream`, each line starting with `prefix` (NULL is
 * taken as ""). AML's areas follow a prefix that does not end with a
 * space with ": " (`area: linux area: ...`, `> linux area: ...`). An area
 * without an fprintf operation prints one generic line.
 * @return ::AML_SUCCESS once written (as the published AML; a positive
 * count from a user's operation is taken as success too); -AML_EINVAL if
 * `stream` or `area` is NULL; -AML_FAILURE if writing failed; otherwise
 * the implementation's negated error code.
 * Thread safety: as the area's implementation; AML's areas are safe.
 */
AML_EXPORT int aml_area_fprintf(FILE *stream, const char *prefix,
				const struct aml_area *area);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_H */
