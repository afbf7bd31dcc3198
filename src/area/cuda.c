#include "internal.h"

/* Placeholder until the CUDA area lands. */
int aml_cuda_supported(void)
{
	return 0;
}
