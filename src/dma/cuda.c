/* The CUDA copy engine: cudaMemcpyAsync on the engine's stream, one event
 * per request. Stubs that report AML_ENOTSUP without CUDA in the build. */
#include "aml/dma/cuda.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

#if AML_HAVE_BACKEND_CUDA
#include <cuda_runtime.h>
#include <pthread.h>

#include "dma/handles.h"

struct cuda_req {
	cudaEvent_t event;
};

struct aml_dma_cuda_data {
	int device;
	cudaStream_t stream;
	pthread_mutex_t lock;
	struct aml__dma_handles handles;
};

/* Make the engine's device current; `*prev` is the one to restore. */
static int cuda_dma_enter(const struct aml_dma_cuda_data *d, int *prev)
{
	cudaError_t e = cudaGetDevice(prev);

	if (e != cudaSuccess)
		return aml__cuda_fail("cudaGetDevice", e);
	if (*prev == d->device)
		return AML_SUCCESS;
	e = cudaSetDevice(d->device);
	return e == cudaSuccess ? AML_SUCCESS
				: aml__cuda_fail("cudaSetDevice", e);
}

/* Restore the caller's device; keep the first error. */
static int cuda_dma_leave(const struct aml_dma_cuda_data *d, int prev, int err)
{
	cudaError_t e = prev == d->device ? cudaSuccess : cudaSetDevice(prev);

	if (e != cudaSuccess && err == AML_SUCCESS)
		return aml__cuda_fail("cudaSetDevice", e);
	return err;
}

/* Queue a copy (or a device memset when src is NULL) and an event after
 * it; the caller made the device current. */
static int cuda_dma_queue(struct aml_dma_cuda_data *d, struct cuda_req *r,
			  void *dst, const void *src, int byte, size_t size)
{
	cudaError_t e;

	e = cudaEventCreateWithFlags(&r->event, cudaEventDisableTiming);
	if (e != cudaSuccess)
		return aml__cuda_fail("cudaEventCreateWithFlags", e);
	if (size > 0) {
		e = src ? cudaMemcpyAsync(dst, src, size, cudaMemcpyDefault,
					  d->stream)
			: cudaMemsetAsync(dst, byte, size, d->stream);
		if (e != cudaSuccess) {
			cudaEventDestroy(r->event);
			return aml__cuda_fail(
			    src ? "cudaMemcpyAsync" : "cudaMemsetAsync", e);
		}
	}
	e = cudaEventRecord(r->event, d->stream);
	if (e != cudaSuccess) {
		cudaEventDestroy(r->event);
		return aml__cuda_fail("cudaEventRecord", e);
	}
	return AML_SUCCESS;
}

static int cuda_dma_submit(struct aml_dma_cuda_data *d, struct cuda_req **out,
			   void *dst, const void *src, int byte, size_t size)
{
	struct cuda_req *r = calloc(1, sizeof(*r));
	int prev, err;

	if (r == NULL)
		return -AML_ENOMEM;
	err = cuda_dma_enter(d, &prev);
	if (err == AML_SUCCESS)
		err = cuda_dma_leave(
		    d, prev, cuda_dma_queue(d, r, dst, src, byte, size));
	if (err != AML_SUCCESS) {
		free(r);
		return err;
	}
	*out = r;
	return AML_SUCCESS;
}

/* Wait for a request's event and free it. */
static int cuda_dma_complete(struct cuda_req *r)
{
	cudaError_t e = cudaEventSynchronize(r->event);
	int err = AML_SUCCESS;

	if (e != cudaSuccess)
		err = aml__cuda_fail("cudaEventSynchronize", e);
	cudaEventDestroy(r->event);
	free(r);
	return err;
}

static int cuda_dma_async_copy(struct aml_dma_data *data,
			       struct aml_dma_request **req, void *dst,
			       const void *src, size_t size)
{
	struct aml_dma_cuda_data *d = (struct aml_dma_cuda_data *)data;
	struct cuda_req *r;
	int err = cuda_dma_submit(d, &r, dst, src, 0, size);

	if (err != AML_SUCCESS)
		return err;
	pthread_mutex_lock(&d->lock);
	err = aml__dma_handles_add(&d->handles, r, req);
	pthread_mutex_unlock(&d->lock);
	if (err != AML_SUCCESS)
		cuda_dma_complete(r);
	return err;
}

/* Wait and cancel alike: a queued CUDA copy cannot be withdrawn. */
static int cuda_dma_finish(struct aml_dma_data *data,
			   struct aml_dma_request *req)
{
	struct aml_dma_cuda_data *d = (struct aml_dma_cuda_data *)data;
	struct cuda_req *r;

	pthread_mutex_lock(&d->lock);
	r = aml__dma_handles_get(&d->handles, req);
	if (r != NULL)
		aml__dma_handles_remove(&d->handles, req);
	pthread_mutex_unlock(&d->lock);
	if (r == NULL)
		return -AML_EINVAL;
	return cuda_dma_complete(r);
}

static int cuda_dma_memset(struct aml_dma_data *data, void *dst, int byte,
			   size_t size)
{
	struct aml_dma_cuda_data *d = (struct aml_dma_cuda_data *)data;
	struct cudaPointerAttributes attr;
	struct cuda_req *r;
	cudaError_t e = cudaPointerGetAttributes(&attr, dst);
	int err;

	if (e != cudaSuccess)
		return aml__cuda_fail("cudaPointerGetAttributes", e);
	if (attr.type != cudaMemoryTypeDevice &&
	    attr.type != cudaMemoryTypeManaged) {
		memset(dst, byte, size);
		return AML_SUCCESS;
	}
	err = cuda_dma_submit(d, &r, dst, NULL, byte, size);
	return err == AML_SUCCESS ? cuda_dma_complete(r) : err;
}

static struct aml_dma_ops cuda_dma_ops = {
    .copy = NULL,
    .async_copy = cuda_dma_async_copy,
    .wait = cuda_dma_finish,
    .cancel = cuda_dma_finish,
    .memset = cuda_dma_memset,
};

static int cuda_dma_init(struct aml_dma_cuda_data *d, int device)
{
	int prev, err;

	if (device < 0) {
		cudaError_t e = cudaGetDevice(&device);

		if (e != cudaSuccess)
			return aml__cuda_fail("cudaGetDevice", e);
	}
	d->device = device;
	err = cuda_dma_enter(d, &prev);
	if (err != AML_SUCCESS)
		return err;
	cudaError_t e =
	    cudaStreamCreateWithFlags(&d->stream, cudaStreamNonBlocking);
	if (e != cudaSuccess)
		err = aml__cuda_fail("cudaStreamCreateWithFlags", e);
	return cuda_dma_leave(d, prev, err);
}

int aml_dma_cuda_create(struct aml_dma **dma, int device)
{
	struct aml_dma_cuda_data *d;
	struct aml_dma *ret;
	int err;

	if (dma == NULL)
		return -AML_EINVAL;
	*dma = NULL;
	err = aml__cuda_check_device(device);
	if (err != AML_SUCCESS)
		return err;
	ret = AML_INNER_MALLOC(struct aml_dma, struct aml_dma_cuda_data);
	if (ret == NULL)
		return -AML_ENOMEM;
	d = AML_INNER_MALLOC_GET_FIELD(ret, 2, struct aml_dma,
				       struct aml_dma_cuda_data);
	err = cuda_dma_init(d, device);
	if (err != AML_SUCCESS) {
		free(ret);
		return err;
	}
	pthread_mutex_init(&d->lock, NULL);
	ret->ops = &cuda_dma_ops;
	ret->data = (struct aml_dma_data *)d;
	*dma = ret;
	return AML_SUCCESS;
}

static void cuda_dma_release(void *r)
{
	cudaEventDestroy(((struct cuda_req *)r)->event);
	free(r);
}

void aml_dma_cuda_destroy(struct aml_dma **dma)
{
	struct aml_dma_cuda_data *d;

	if (dma == NULL || *dma == NULL)
		return;
	d = (struct aml_dma_cuda_data *)(*dma)->data;
	/* Finish what is in flight before the stream goes away. */
	cudaStreamSynchronize(d->stream);
	aml__dma_handles_fini(&d->handles, cuda_dma_release);
	cudaStreamDestroy(d->stream);
	pthread_mutex_destroy(&d->lock);
	free(*dma);
	*dma = NULL;
}

#else /* !AML_HAVE_BACKEND_CUDA */

int aml_dma_cuda_create(struct aml_dma **dma, int device)
{
	(void)device;
	if (dma == NULL)
		return -AML_EINVAL;
	*dma = NULL;
	return -AML_ENOTSUP;
}

void aml_dma_cuda_destroy(struct aml_dma **dma)
{
	if (dma != NULL)
		*dma = NULL;
}

#endif /* AML_HAVE_BACKEND_CUDA */
