#include "aml.h"
#include "internal.h"

#define AML_BACKEND_ALL                                                      \
	(AML_BACKEND_LIBNUMA | AML_BACKEND_CUDA | AML_BACKEND_HWLOC)

int aml_support_backends(const unsigned long backends)
{
	if (backends & ~AML_BACKEND_ALL)
		return 0;
	if ((backends & AML_BACKEND_LIBNUMA) && numa_available() < 0)
		return 0;
	if ((backends & AML_BACKEND_CUDA) && !aml_cuda_supported())
		return 0;
	if ((backends & AML_BACKEND_HWLOC) && !aml_hwloc_supported())
		return 0;
	return 1;
}
