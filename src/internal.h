/* Declarations shared by AML's sources; not installed. */
#ifndef AML_INTERNAL_H
#define AML_INTERNAL_H

#include "aml.h"

/* Run-time support of the optional backends (aml.c asks them). */
int aml__cuda_supported(void);
int aml__hwloc_supported(void);

/* Release the shared hwloc topology (aml_finalize()). */
void aml__hwloc_finalize(void);

/* Set aml_errno to `err` (positive) and return NULL, for pointer returns. */
static inline void *aml__fail_null(int err)
{
	aml_errno = err;
	return NULL;
}

#endif /* AML_INTERNAL_H */
