/**
 * @file dma.h
 * @brief Copy engines: the generic API of the dma building block.
 *
 * A *dma engine* moves bytes between memories: synchronous and
 * asynchronous copies, and memset. Each implementation fills a
 * `struct aml_dma_ops` table (the Linux engine in `<aml/dma/linux.h>`,
 * the CUDA engine in `<aml/dma/cuda.h>`); a user's engine is written the
 * same way and works with every generic function below.
 *
 * An asynchronous copy returns a *request*, an opaque handle that the
 * engine owns. Exactly one aml_dma_wait() or aml_dma_cancel() consumes it;
 * both set the caller's pointer to NULL. Any thread may wait on or cancel
 * a request, not only the one that submitted it, and many requests may be
 * in flight at once. AML's engines detect a handle that was already
 * consumed (waited on twice, or waited on after a cancel) and reject it
 * with -::AML_EINVAL without touching freed memory.
 */
#ifndef AML_DMA_H
#define AML_DMA_H

#include <stddef.h>

#include "aml/utils/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup aml_dma DMA engines
 * @brief Copying and filling memory, synchronously or not.
 * @{
 */

/** Private data of an engine implementation; opaque to the generic API. */
struct aml_dma_data;

/** A copy in flight; opaque, owned by its engine. */
struct aml_dma_request;

/**
 * Operations of an engine implementation. Fill one to write your own
 * engine. Each function receives the `data` field of its `struct aml_dma`.
 * The generic functions have already checked their arguments (non-NULL
 * pointers for a size > 0, no overlap) when they call an operation.
 */
struct aml_dma_ops {
	/**
	 * Copy `size` (> 0) bytes and return once they are copied. May be
	 * NULL: aml_dma_copy() then submits with async_copy and waits.
	 * @return ::AML_SUCCESS, or a negated AML error code.
	 */
	int (*copy)(struct aml_dma_data *data, void *dst, const void *src,
		    size_t size);
	/**
	 * Start copying `size` bytes (0 included: the request is then
	 * complete) and store a request in `*req`.
	 * @return ::AML_SUCCESS, or a negated AML error code (and no request).
	 */
	int (*async_copy)(struct aml_dma_data *data,
			  struct aml_dma_request **req, void *dst,
			  const void *src, size_t size);
	/**
	 * Wait for `req` to complete and release it.
	 * @return the copy's result; -::AML_EINVAL for a request that is not
	 * in flight on this engine.
	 */
	int (*wait)(struct aml_dma_data *data, struct aml_dma_request *req);
	/**
	 * Stop `req` as soon as possible and release it; return once the
	 * engine no longer touches the request's buffers.
	 * @return ::AML_SUCCESS; -::AML_EINVAL for a request that is not in
	 * flight on this engine.
	 */
	int (*cancel)(struct aml_dma_data *data, struct aml_dma_request *req);
	/**
	 * Set `size` (> 0) bytes to `byte` and return once they are set.
	 * May be NULL: aml_dma_memset() then returns -::AML_ENOTSUP.
	 * @return ::AML_SUCCESS, or a negated AML error code.
	 */
	int (*memset)(struct aml_dma_data *data, void *dst, int byte,
		      size_t size);
};

/**
 * An engine: its data and its implementation's operations, in this order,
 * like `struct aml_allocator`.
 */
struct aml_dma {
	/** The implementation's data for this engine. */
	struct aml_dma_data *data;
	/** The implementation. */
	struct aml_dma_ops *ops;
};

/**
 * Copy `size` bytes from `src` to `dst` and return once they are copied.
 * @param dma: the engine.
 * @param dst: destination, `size` bytes.
 * @param src: source, `size` bytes, not overlapping `dst`.
 * @param size: bytes; 0 succeeds without doing anything.
 * @return ::AML_SUCCESS; -::AML_EINVAL if `dma` or its ops is NULL, if
 * `dst` or `src` is NULL with `size` > 0, or if the two ranges overlap;
 * -::AML_ENOTSUP if the engine has neither copy nor async_copy and wait;
 * otherwise the engine's result (-::AML_ENOMEM, -::AML_FAILURE...).
 * Thread safety: as the engine; AML's engines are safe (any threads may
 * copy through one engine at once).
 */
AML_EXPORT int aml_dma_copy(struct aml_dma *dma, void *dst, const void *src,
			    size_t size);

/**
 * Start copying `size` bytes from `src` to `dst`; the copy runs while the
 * caller goes on. The buffers must stay valid, and `dst` untouched, until
 * aml_dma_wait() or aml_dma_cancel() returns for the request.
 * @param dma: the engine.
 * @param[out] req: receives the request (NULL after a failure).
 * @param dst: destination, `size` bytes.
 * @param src: source, `size` bytes, not overlapping `dst`.
 * @param size: bytes; 0 gives a request that is already complete.
 * @return ::AML_SUCCESS; -::AML_EINVAL if `dma`, its ops, its async_copy or
 * `req` is NULL, if `dst` or `src` is NULL with `size` > 0, or if the
 * ranges overlap; otherwise the engine's result (-::AML_ENOMEM...).
 * Thread safety: as the engine; AML's engines are safe.
 */
AML_EXPORT int aml_dma_async_copy(struct aml_dma *dma,
				  struct aml_dma_request **req, void *dst,
				  const void *src, size_t size);

/**
 * Set `size` bytes at `dst` to `byte` (converted to unsigned char) and
 * return once they are set.
 * @return ::AML_SUCCESS; -::AML_EINVAL if `dma` or its ops is NULL, or
 * `dst` is NULL with `size` > 0; -::AML_ENOTSUP if the engine has no
 * memset; otherwise the engine's result. `size` 0 succeeds and does
 * nothing.
 * Thread safety: as the engine; AML's engines are safe.
 */
AML_EXPORT int aml_dma_memset(struct aml_dma *dma, void *dst, int byte,
			      size_t size);

/**
 * Wait until the request `*req` is complete, release it and set `*req` to
 * NULL. Any thread may wait, not only the submitter.
 * @return the copy's result: ::AML_SUCCESS, or the engine's error for it;
 * -::AML_EINVAL if `dma`, its ops, its wait, `req` or `*req` is NULL (then
 * `*req` is left as it is), or if `*req` is not in flight on this engine:
 * already waited on, cancelled, or from another engine.
 * Thread safety: as the engine; AML's engines are safe. Two threads must
 * not wait on the same request (the second gets -::AML_EINVAL).
 */
AML_EXPORT int aml_dma_wait(struct aml_dma *dma, struct aml_dma_request **req);

/**
 * Cancel the request `*req`: the parts of the copy not started yet are
 * skipped (`dst` then holds part of the data), the parts running finish.
 * Returns once the engine no longer touches the buffers, releases the
 * request and sets `*req` to NULL.
 * @return ::AML_SUCCESS; -::AML_EINVAL as for aml_dma_wait().
 * Thread safety: as aml_dma_wait().
 */
AML_EXPORT int aml_dma_cancel(struct aml_dma *dma,
			      struct aml_dma_request **req);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_DMA_H */
