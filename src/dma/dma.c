/* Generic dma API: check the arguments, then call the engine's ops. */
#include "aml/dma.h"

#include <stdint.h>

#include "internal.h"

/* Whether [a, a + size) and [b, b + size) share a byte. */
static int ranges_overlap(const void *a, const void *b, size_t size)
{
	const uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;

	return x < y ? y - x < size : x - y < size;
}

/* Common checks of a copy; 1 means "nothing to do". */
static int dma_check_copy(const struct aml_dma *dma, const void *dst,
			  const void *src, size_t size)
{
	if (dma == NULL || dma->ops == NULL)
		return -AML_EINVAL;
	if (size == 0)
		return 1;
	if (dst == NULL || src == NULL || ranges_overlap(dst, src, size))
		return -AML_EINVAL;
	return AML_SUCCESS;
}

int aml_dma_copy(struct aml_dma *dma, void *dst, const void *src, size_t size)
{
	struct aml_dma_request *req = NULL;
	int err = dma_check_copy(dma, dst, src, size);

	if (err != AML_SUCCESS)
		return err > 0 ? AML_SUCCESS : err;
	if (dma->ops->copy != NULL)
		return dma->ops->copy(dma->data, dst, src, size);
	if (dma->ops->async_copy == NULL || dma->ops->wait == NULL)
		return -AML_ENOTSUP;
	err = dma->ops->async_copy(dma->data, &req, dst, src, size);
	if (err != AML_SUCCESS)
		return err;
	return dma->ops->wait(dma->data, req);
}

int aml_dma_async_copy(struct aml_dma *dma, struct aml_dma_request **req,
		       void *dst, const void *src, size_t size)
{
	int err;

	if (req == NULL)
		return -AML_EINVAL;
	*req = NULL;
	err = dma_check_copy(dma, dst, src, size);
	if (err < 0)
		return err;
	if (dma->ops->async_copy == NULL)
		return -AML_EINVAL;
	err = dma->ops->async_copy(dma->data, req, dst, src, size);
	if (err != AML_SUCCESS)
		*req = NULL;
	return err;
}

int aml_dma_memset(struct aml_dma *dma, void *dst, int byte, size_t size)
{
	if (dma == NULL || dma->ops == NULL)
		return -AML_EINVAL;
	if (size == 0)
		return AML_SUCCESS;
	if (dst == NULL)
		return -AML_EINVAL;
	if (dma->ops->memset == NULL)
		return -AML_ENOTSUP;
	return dma->ops->memset(dma->data, dst, byte, size);
}

/* Wait or cancel: both consume the request. */
static int dma_finish(struct aml_dma *dma, struct aml_dma_request **req,
		      int cancel)
{
	int (*op)(struct aml_dma_data *, struct aml_dma_request *);
	int err;

	if (dma == NULL || dma->ops == NULL || req == NULL || *req == NULL)
		return -AML_EINVAL;
	op = cancel ? dma->ops->cancel : dma->ops->wait;
	if (op == NULL)
		return -AML_EINVAL;
	err = op(dma->data, *req);
	*req = NULL;
	return err;
}

int aml_dma_wait(struct aml_dma *dma, struct aml_dma_request **req)
{
	return dma_finish(dma, req, 0);
}

int aml_dma_cancel(struct aml_dma *dma, struct aml_dma_request **req)
{
	return dma_finish(dma, req, 1);
}
