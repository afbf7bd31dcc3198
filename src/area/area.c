#include "aml.h"
#include "internal.h"

void *aml_area_mmap(const struct aml_area *area, size_t size,
		    struct aml_area_mmap_options *opts)
{
	if (area == NULL || area->ops == NULL || area->ops->mmap == NULL ||
	    size == 0) {
		aml_errno = AML_EINVAL;
		return NULL;
	}
	return area->ops->mmap(area->data, size, opts);
}

int aml_area_munmap(const struct aml_area *area, void *ptr, size_t size)
{
	if (area == NULL || area->ops == NULL || area->ops->munmap == NULL)
		return -AML_EINVAL;
	if (ptr == NULL && size == 0)
		return AML_SUCCESS;
	if (ptr == NULL || size == 0)
		return -AML_EINVAL;
	return area->ops->munmap(area->data, ptr, size);
}

int aml_area_fprintf(FILE *stream, const char *prefix,
		     const struct aml_area *area)
{
	int n;

	if (stream == NULL || area == NULL)
		return -AML_EINVAL;
	if (prefix == NULL)
		prefix = "";
	if (area->ops != NULL && area->ops->fprintf != NULL) {
		n = area->ops->fprintf(area->data, stream, prefix);
		/* A user's fprintf may still count characters. */
		return n > 0 ? AML_SUCCESS : n;
	}
	n = fprintf(stream, "%s%sarea: %p, ops %p, data %p\n", prefix,
		    aml__prefix_sep(prefix), (const void *)area,
		    (const void *)area->ops, (const void *)area->data);
	return n < 0 ? -AML_FAILURE : AML_SUCCESS;
}
