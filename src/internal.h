/* Declarations shared by AML's sources; not installed. */
#ifndef AML_INTERNAL_H
#define AML_INTERNAL_H

#include "aml.h"

/* Run-time support of the optional backends (aml.c asks them). */
int aml__cuda_supported(void);
int aml__hwloc_supported(void);

/* For the CUDA copy engine (built with CUDA only): record a failed
 * runtime call (a cudaError_t) and return its negated AML code; check that
 * the runtime works and that `device` (if >= 0) exists (-AML_ENOTSUP,
 * -AML_EINVAL). */
int aml__cuda_fail(const char *call, int cuda_error);
int aml__cuda_check_device(int device);

/* Release the shared hwloc topology (aml_finalize()). */
void aml__hwloc_finalize(void);

/* What separates a description's prefix from its text: ": " after a
 * prefix that does not end with a space, so that "area" gives
 * "area: linux area: ..." and "> " gives "> linux area: ...". */
static inline const char *aml__prefix_sep(const char *prefix)
{
	if (prefix == NULL || *prefix == '\0')
		return "";
	return prefix[strlen(prefix) - 1] == ' ' ? "" : ": ";
}

/* Set aml_errno to `err` (positive) and return NULL, for pointer returns. */
static inline void *aml__fail_null(int err)
{
	aml_errno = err;
	return NULL;
}

#endif /* AML_INTERNAL_H */
