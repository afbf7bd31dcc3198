#include "aml.h"

AML_THREAD_LOCAL int aml_errno;

static const char *const aml_error_strings[AML_ERROR_MAX] = {
	[AML_SUCCESS] = "Success",
	[AML_FAILURE] = "Generic error",
	[AML_ENOMEM] = "Not enough memory",
	[AML_EINVAL] = "Invalid argument",
	[AML_EDOM] = "Value out of bounds (a node or index outside the allowed set)",
	[AML_ENOTSUP] = "Operation not supported",
	[AML_EBUSY] = "Resource busy",
	[AML_EPERM] = "Operation not permitted",
};

const char *aml_strerror(const int err)
{
	/* Either sign is accepted; avoid negating INT_MIN. */
	if (err <= -AML_ERROR_MAX || err >= AML_ERROR_MAX)
		return "Unknown error";
	return aml_error_strings[err < 0 ? -err : err];
}

void aml_perror(const char *msg)
{
	const char *err = aml_strerror(aml_errno);

	if (msg == NULL || *msg == '\0')
		fprintf(stderr, "%s\n", err);
	else
		fprintf(stderr, "%s: %s\n", msg, err);
}
