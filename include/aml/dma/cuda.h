/**
 * @file cuda.h
 * @brief The CUDA copy engine: cudaMemcpyAsync on a stream of the engine.
 *
 * Copies go host to device, device to host, device to device and host to
 * host (`cudaMemcpyDefault`: the runtime tells the kinds of memory apart),
 * from pinned or pageable host memory, on one non-blocking stream owned by
 * the engine. Each request is backed by a CUDA event recorded after its
 * copy; waiting synchronises on that event only. This header is always
 * installed: without CUDA support in the build, or without a driver or a
 * device at run time, aml_dma_cuda_create() reports -::AML_ENOTSUP.
 */
#ifndef AML_DMA_CUDA_H
#define AML_DMA_CUDA_H

#include "aml/dma.h"
#include "aml/utils/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup aml_dma_cuda CUDA copy engine
 * @brief Asynchronous copies through the CUDA runtime.
 * @{
 */

/**
 * Create a CUDA engine that copies on a new stream of `device`.
 * @param[out] dma: receives the engine; NULL after any failure.
 * @param device: the device; < 0 for the calling thread's current one.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `dma` or a device id not
 * below the device count; -::AML_ENOTSUP without CUDA in the build, or
 * without a driver or a device; -::AML_ENOMEM when memory is short;
 * -::AML_FAILURE for another runtime error.
 * The caller's current device is the same afterwards.
 * Thread safety: safe.
 *
 * With the engine, aml_dma_copy() and aml_dma_wait() return the copy's
 * runtime error as an AML code; aml_dma_cancel() cannot stop a copy the
 * stream has taken: it waits for it, then releases the request;
 * aml_dma_memset() sets device and managed memory with cudaMemsetAsync and
 * host memory on the calling thread.
 */
AML_EXPORT int aml_dma_cuda_create(struct aml_dma **dma, int device);

/**
 * Destroy an engine made by aml_dma_cuda_create() and set `*dma` to NULL.
 * Requests still in flight are *finished*: the stream is synchronised,
 * then every request that was not waited on is released. `NULL` and a
 * pointer to NULL are accepted.
 * Thread safety: no other thread may use the engine during or after the
 * call.
 */
AML_EXPORT void aml_dma_cuda_destroy(struct aml_dma **dma);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_DMA_CUDA_H */
