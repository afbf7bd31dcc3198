/**
 * @file cuda.h
 * @brief Area on the CUDA runtime: device, pinned host, unified and mapped
 * memory.
 *
 * A CUDA area allocates memory with the CUDA runtime API. Its flags choose
 * the kind of memory:
 *
 * | flags           | memory                      | runtime call            |
 * | --------------- | --------------------------- | ----------------------- |
 * | DEFAULT         | device memory               | cudaMalloc              |
 * | HOST            | pinned host memory          | cudaHostAlloc           |
 * | HOST, GLOBAL    | pinned, for every device    | cudaHostAlloc: Portable |
 * | HOST, MAPPED    | pinned, mapped on device    | cudaHostAlloc: Mapped   |
 * | MAPPED          | caller's, mapped on device  | cudaHostRegister: Mapped |
 * | UNIFIED         | managed, host-attached      | cudaMallocManaged: Host |
 * | UNIFIED, GLOBAL | managed, any stream         | cudaMallocManaged: Global |
 *
 * GLOBAL with MAPPED (with or without HOST) adds Portable as well.
 *
 * Memory is allocated on the area's device; a device below 0 means the
 * calling thread's current device at the time of each mapping. Allocating
 * on another device than the current one switches the calling thread's
 * current device for the call only and restores it afterwards, also on
 * failure.
 *
 * @code
 * struct aml_area *area;
 * if (aml_area_cuda_create(&area, 0, AML_AREA_CUDA_FLAG_DEFAULT))
 *         ...;
 * void *dev = aml_area_mmap(area, size, NULL);
 * cudaMemcpy(dev, host, size, cudaMemcpyHostToDevice);
 * aml_area_munmap(area, dev, size);
 * aml_area_cuda_destroy(&area);
 * @endcode
 *
 * Mapping the caller's host buffer `buf` on device 0:
 * @code
 * struct aml_area_cuda_mmap_options opts = { .device = 0, .ptr = buf };
 * aml_area_cuda_create(&area, 0, AML_AREA_CUDA_FLAG_ALLOC_MAPPED);
 * void *dev = aml_area_mmap(area, size,
 *                           (struct aml_area_mmap_options *)&opts);
 * // kernels on device 0 read and write buf through dev
 * aml_area_munmap(area, dev, size); // buf stays the caller's
 * @endcode
 *
 * Without a CUDA driver or device every operation that needs the runtime
 * fails with ::AML_ENOTSUP; arguments are checked first, so invalid ones
 * still give ::AML_EINVAL. An AML built without CUDA installs this header
 * too and behaves as on a machine without a device.
 *
 * This header does not need the CUDA headers.
 *
 * Thread safety: an area is immutable once created; any number of threads
 * may map and unmap through one area at the same time. A mapping only
 * changes the calling thread's current device, and only for its duration.
 */
#ifndef AML_AREA_CUDA_H
#define AML_AREA_CUDA_H

#include "aml/utils/export.h"

/*
 * Programs for this area check CUDA calls with assert() without including
 * <assert.h> (the CUDA headers do not provide it): keep them compiling.
 */
#include <assert.h>

#include "aml.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup aml_area_cuda CUDA area
 * @ingroup aml_area
 * @{
 */

/** Device memory (cudaMalloc). */
#define AML_AREA_CUDA_FLAG_DEFAULT 0
/** Pinned (page-locked) host memory (cudaHostAlloc). */
#define AML_AREA_CUDA_FLAG_ALLOC_HOST (1 << 0)
/** Unified (managed) memory, usable from host and device. */
#define AML_AREA_CUDA_FLAG_ALLOC_UNIFIED (1 << 1)
/**
 * Host memory mapped in the device's address space. With
 * ::AML_AREA_CUDA_FLAG_ALLOC_HOST the area allocates it
 * (cudaHostAlloc(cudaHostAllocMapped)); without, it maps the host memory
 * that the caller passes in the options' `ptr` (cudaHostRegister).
 */
#define AML_AREA_CUDA_FLAG_ALLOC_MAPPED (1 << 2)
/**
 * Visible to every device: portable pinned or mapped host memory
 * (cudaHostAllocPortable, cudaHostRegisterPortable), or managed memory
 * accessible from any stream (cudaMemAttachGlobal). Needs
 * ::AML_AREA_CUDA_FLAG_ALLOC_HOST, ::AML_AREA_CUDA_FLAG_ALLOC_UNIFIED or
 * ::AML_AREA_CUDA_FLAG_ALLOC_MAPPED.
 */
#define AML_AREA_CUDA_FLAG_ALLOC_GLOBAL (1 << 3)

/**
 * Data of a CUDA area. aml_area_cuda_create() checks and fills it; an area
 * may also be built by hand as
 * `{ &aml_area_cuda_ops, (struct aml_area_data *)&data }`, in which case
 * every mapping checks it.
 */
struct aml_area_cuda_data {
	/** The device; below 0: the calling thread's current device. */
	int device;
	/** An OR of `AML_AREA_CUDA_FLAG_*`. */
	int flags;
};

/**
 * Options of one mapping of a CUDA area, passed to aml_area_mmap() as
 * `(struct aml_area_mmap_options *)&opts`. NULL options mean
 * `{ .device = -1, .ptr = NULL }`.
 */
struct aml_area_cuda_mmap_options {
	/** Device for this mapping; below 0: the area's device. */
	int device;
	/**
	 * Host memory to map on the device, for an area with
	 * ::AML_AREA_CUDA_FLAG_ALLOC_MAPPED and without
	 * ::AML_AREA_CUDA_FLAG_ALLOC_HOST; ignored otherwise. It stays the
	 * caller's: unmapping only unregisters it.
	 */
	void *ptr;
};

/** Operations of CUDA areas. */
AML_EXPORT extern struct aml_area_ops aml_area_cuda_ops;

/**
 * Default CUDA area: device memory on the calling thread's current device.
 * Ready to use without aml_init(); never destroy it.
 */
AML_EXPORT extern struct aml_area aml_area_cuda;

/**
 * Create a CUDA area.
 * @param[out] area: receives the new area; NULL after any failure.
 * @param device: the device to allocate on; below 0 for the calling
 *        thread's current device at the time of each mapping.
 * @param flags: an OR of `AML_AREA_CUDA_FLAG_*`.
 * @return ::AML_SUCCESS, or:
 * - -AML_EINVAL: `area` is NULL; `flags` has an unknown bit or an
 *   impossible combination (UNIFIED with HOST or MAPPED; GLOBAL without
 *   HOST, UNIFIED or MAPPED); `device` is not below the device count;
 * - -AML_ENOTSUP: no CUDA driver, no device, or AML built without CUDA;
 * - -AML_ENOMEM: memory is short;
 * - -AML_FAILURE: another CUDA error; see aml_area_cuda_last_error().
 * Arguments are checked before the CUDA runtime is called.
 * Thread safety: safe.
 */
AML_EXPORT int aml_area_cuda_create(struct aml_area **area, const int device,
				    const int flags);

/**
 * Destroy an area from aml_area_cuda_create() and set `*area` to NULL.
 * Does nothing for NULL, `*area == NULL` or the default ::aml_area_cuda.
 * Mappings made by the area stay valid; release them before, with
 * aml_area_munmap() on this area, or with the matching CUDA call.
 * Thread safety: safe, if no other thread uses the area.
 */
AML_EXPORT void aml_area_cuda_destroy(struct aml_area **area);

/**
 * The mmap operation of CUDA areas: allocate `size` bytes as the area's
 * flags say (see the table at the top of this header), on the device of
 * `opts` if it is given and not below 0, else on the area's device.
 * @param area_data: a `struct aml_area_cuda_data`.
 * @param size: bytes to allocate, > 0.
 * @param opts: a `struct aml_area_cuda_mmap_options`, or NULL.
 * @return the memory; for a mapped area (::AML_AREA_CUDA_FLAG_ALLOC_MAPPED)
 * its device-side address, which on systems with unified addressing is the
 * host address too. NULL on failure, with ::aml_errno set and nothing left
 * allocated or registered:
 * - ::AML_EINVAL: NULL `area_data`, `size` 0, invalid flags in
 *   `area_data`, a mapped area without HOST and no `opts->ptr`, a device
 *   not below the device count, or an argument the runtime rejects (such
 *   as host memory already registered);
 * - ::AML_ENOTSUP: no CUDA driver or device, the device does not support
 *   this kind of memory, or AML built without CUDA;
 * - ::AML_ENOMEM: device or host memory is short;
 * - ::AML_EBUSY: the device is in exclusive or prohibited compute mode and
 *   unavailable;
 * - ::AML_FAILURE: another CUDA error, or the calling thread's current
 *   device could not be made current again; see aml_area_cuda_last_error().
 * Thread safety: safe. The calling thread's current device is the same
 * after the call as before.
 */
AML_EXPORT void *aml_area_cuda_mmap(const struct aml_area_data *area_data,
				    size_t size,
				    struct aml_area_mmap_options *opts);

/**
 * The munmap operation of CUDA areas: release `ptr` with the call matching
 * the area's flags: cudaFree (device and unified memory), cudaFreeHost
 * (HOST), cudaHostUnregister (MAPPED without HOST; the host memory is left
 * to its owner). For mapped memory `ptr` may be the host address or the
 * device-side address. `size` is not used.
 * @return ::AML_SUCCESS (also for a NULL `ptr`), or:
 * - -AML_EINVAL: NULL `area_data`, invalid flags in `area_data`, or `ptr`
 *   is not memory of this kind (not from this area);
 * - -AML_ENOTSUP: no CUDA driver or device, or AML built without CUDA;
 * - -AML_FAILURE: another CUDA error, or the calling thread's current
 *   device could not be made current again (the memory is released); see
 *   aml_area_cuda_last_error().
 * Thread safety: safe. The calling thread's current device is the same
 * after the call as before.
 */
AML_EXPORT int aml_area_cuda_munmap(const struct aml_area_data *area_data,
				    void *ptr, const size_t size);

/**
 * The fprintf operation of CUDA areas: prints the device and the flags, for
 * instance `cuda area: device 0, flags host|mapped` or
 * `cuda area: device current, flags default`. Works without a device.
 * A prefix that does not end with a space is followed by ": ".
 * @return ::AML_SUCCESS once written; -AML_EINVAL if `area_data` or
 * `stream` is NULL; -AML_FAILURE if writing failed.
 * Thread safety: safe.
 */
AML_EXPORT int aml_area_cuda_fprintf(const struct aml_area_data *area_data,
				     FILE *stream, const char *prefix);

/**
 * Describe the last CUDA runtime error that an AML CUDA function met in the
 * calling thread, as `call: cudaErrorName: description`, for instance
 * `cudaMalloc: cudaErrorMemoryAllocation: out of memory`. It is not
 * cleared by successful calls; AML clears the runtime's own last error
 * (cudaGetLastError()) after recording it.
 * @return a string valid until the calling thread's next AML CUDA call;
 * "no error" if none was met; never NULL. AML built without CUDA gives
 * "AML built without CUDA".
 * Thread safety: safe; each thread has its own.
 */
AML_EXPORT const char *aml_area_cuda_last_error(void);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_AREA_CUDA_H */
