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

int aml_finalize(void)
{
	aml_hwloc_finalize();
	return AML_SUCCESS;
}
