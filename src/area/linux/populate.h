/* Population of a range by several threads. Not installed. */
#ifndef AML_AREA_LINUX_POPULATE_H
#define AML_AREA_LINUX_POPULATE_H

#include "area/linux/sys.h"

/*
 * aml_linux_populate() without its policy query: `nthreads` 0 picks a
 * count by the range's size and the calling thread's CPUs even when the
 * policy places pages by the faulting CPU. For callers that know the
 * policy (the Linux area) and have chosen 1 where it matters.
 */
int aml__linux_populate_run(void *ptr, size_t size, int writable,
			    unsigned int nthreads);

#endif /* AML_AREA_LINUX_POPULATE_H */
