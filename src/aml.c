/* The library as a whole: version, backends, initialisation. Knows the
 * backends; none of them calls back here. */
#include "aml.h"
#include "internal.h"

const int aml_version_major = AML_VERSION_MAJOR;
const int aml_version_minor = AML_VERSION_MINOR;
const int aml_version_patch = AML_VERSION_PATCH;
const char *aml_version_string = AML_VERSION_STRING;

int aml_init(int *argc, char **argv[])
{
	(void)argc;
	(void)argv;
	return AML_SUCCESS;
}

/* The backends, listed once: what each flag needs at run time. */
#define AML_BACKEND_ALL                                                        \
	(AML_BACKEND_LIBNUMA | AML_BACKEND_CUDA | AML_BACKEND_HWLOC)

int aml_support_backends(const unsigned long backends)
{
	if (backends & ~AML_BACKEND_ALL)
		return 0;
	if ((backends & AML_BACKEND_LIBNUMA) && numa_available() < 0)
		return 0;
	if ((backends & AML_BACKEND_CUDA) && !aml__cuda_supported())
		return 0;
	if ((backends & AML_BACKEND_HWLOC) && !aml__hwloc_supported())
		return 0;
	return 1;
}

int aml_finalize(void)
{
	aml__hwloc_finalize();
	return AML_SUCCESS;
}
