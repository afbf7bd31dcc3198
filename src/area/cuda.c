#include "aml/area/cuda.h"

#include "internal.h"

#if AML_HAVE_BACKEND_CUDA
#include <cuda_runtime.h>
#endif

#define CUDA_HOST AML_AREA_CUDA_FLAG_ALLOC_HOST
#define CUDA_UNIFIED AML_AREA_CUDA_FLAG_ALLOC_UNIFIED
#define CUDA_MAPPED AML_AREA_CUDA_FLAG_ALLOC_MAPPED
#define CUDA_GLOBAL AML_AREA_CUDA_FLAG_ALLOC_GLOBAL
#define CUDA_FLAGS_ALL (CUDA_HOST | CUDA_UNIFIED | CUDA_MAPPED | CUDA_GLOBAL)

/* The area registers the caller's memory instead of allocating. */
#define CUDA_REGISTERS(flags)                                                 \
	(((flags) & (CUDA_MAPPED | CUDA_HOST)) == CUDA_MAPPED)

static struct aml_area_cuda_data cuda_default_data = {
	.device = -1,
	.flags = AML_AREA_CUDA_FLAG_DEFAULT,
};

struct aml_area_ops aml_area_cuda_ops = {
	.mmap = aml_area_cuda_mmap,
	.munmap = aml_area_cuda_munmap,
	.fprintf = aml_area_cuda_fprintf,
};

struct aml_area aml_area_cuda = {
	.ops = &aml_area_cuda_ops,
	.data = (struct aml_area_data *)&cuda_default_data,
};

/* Checks that need no runtime, so that they hold without a device too. */
static int cuda_check_flags(int flags)
{
	if (flags & ~CUDA_FLAGS_ALL)
		return -AML_EINVAL;
	/* Managed memory is neither pinned nor registered host memory. */
	if ((flags & CUDA_UNIFIED) && (flags & (CUDA_HOST | CUDA_MAPPED)))
		return -AML_EINVAL;
	/* cudaMalloc has no flag to widen device memory's visibility. */
	if ((flags & CUDA_GLOBAL) &&
	    !(flags & (CUDA_HOST | CUDA_UNIFIED | CUDA_MAPPED)))
		return -AML_EINVAL;
	return AML_SUCCESS;
}

/* The runtime part: the CUDA runtime, or stubs without it. */
static int cuda_check_device(int device);
static void *cuda_mmap_on(int flags, int device, size_t size, void *host);
static int cuda_munmap_any(int flags, void *ptr);

int aml_area_cuda_create(struct aml_area **area, const int device,
			 const int flags)
{
	struct aml_area_cuda_data *data;
	struct aml_area *ret;
	int err;

	if (area == NULL)
		return -AML_EINVAL;
	*area = NULL;
	err = cuda_check_flags(flags);
	if (err != AML_SUCCESS)
		return err;
	err = cuda_check_device(device);
	if (err != AML_SUCCESS)
		return err;

	ret = AML_INNER_MALLOC(struct aml_area, struct aml_area_cuda_data);
	if (ret == NULL)
		return -AML_ENOMEM;
	data = AML_INNER_MALLOC_GET_FIELD(ret, 2, struct aml_area,
					  struct aml_area_cuda_data);
	data->device = device < 0 ? -1 : device;
	data->flags = flags;
	ret->ops = &aml_area_cuda_ops;
	ret->data = (struct aml_area_data *)data;
	*area = ret;
	return AML_SUCCESS;
}

void aml_area_cuda_destroy(struct aml_area **area)
{
	if (area == NULL || *area == &aml_area_cuda)
		return;
	free(*area);
	*area = NULL;
}

void *aml_area_cuda_mmap(const struct aml_area_data *area_data, size_t size,
			 struct aml_area_mmap_options *opts)
{
	const struct aml_area_cuda_data *data =
		(const struct aml_area_cuda_data *)area_data;
	const struct aml_area_cuda_mmap_options *o =
		(const struct aml_area_cuda_mmap_options *)opts;
	void *host = NULL;
	int device;

	if (data == NULL || size == 0 ||
	    cuda_check_flags(data->flags) != AML_SUCCESS)
		return aml__fail_null(AML_EINVAL);
	if (CUDA_REGISTERS(data->flags)) {
		if (o == NULL || o->ptr == NULL)
			return aml__fail_null(AML_EINVAL);
		host = o->ptr;
	}
	device = (o != NULL && o->device >= 0) ? o->device : data->device;
	return cuda_mmap_on(data->flags, device, size, host);
}

int aml_area_cuda_munmap(const struct aml_area_data *area_data, void *ptr,
			 const size_t size)
{
	const struct aml_area_cuda_data *data =
		(const struct aml_area_cuda_data *)area_data;

	(void)size;
	if (data == NULL || cuda_check_flags(data->flags) != AML_SUCCESS)
		return -AML_EINVAL;
	if (ptr == NULL)
		return AML_SUCCESS;
	return cuda_munmap_any(data->flags, ptr);
}

int aml_area_cuda_fprintf(const struct aml_area_data *area_data,
			  FILE *stream, const char *prefix)
{
	static const char *const names[] = {"host", "unified", "mapped",
					    "global"};
	const struct aml_area_cuda_data *data =
		(const struct aml_area_cuda_data *)area_data;
	char flags[64] = "default";
	char device[16] = "current";
	size_t len = 0;
	int n;

	if (data == NULL || stream == NULL)
		return -AML_EINVAL;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		if (!(data->flags & (1 << i)))
			continue;
		len += (size_t)snprintf(flags + len, sizeof(flags) - len,
					"%s%s", len ? "|" : "", names[i]);
	}
	if (data->flags & ~CUDA_FLAGS_ALL)
		snprintf(flags + len, sizeof(flags) - len, "%s0x%x",
			 len ? "|" : "",
			 (unsigned int)(data->flags & ~CUDA_FLAGS_ALL));
	if (data->device >= 0)
		snprintf(device, sizeof(device), "%d", data->device);
	n = fprintf(stream, "%s%scuda area: device %s, flags %s\n",
		    prefix ? prefix : "", aml__prefix_sep(prefix), device,
		    flags);
	return n < 0 ? -AML_FAILURE : AML_SUCCESS;
}

#if AML_HAVE_BACKEND_CUDA

/* "call: name: description" of the thread's last failed runtime call. */
static _Thread_local char cuda_last_error[256];

const char *aml_area_cuda_last_error(void)
{
	return cuda_last_error[0] ? cuda_last_error : "no error";
}

static int cuda_error_to_aml(cudaError_t e)
{
	switch (e) {
	case cudaSuccess:
		return AML_SUCCESS;
	case cudaErrorNoDevice:
	case cudaErrorInsufficientDriver:
	case cudaErrorInitializationError:
	case cudaErrorSystemDriverMismatch:
	case cudaErrorCompatNotSupportedOnDevice:
	case cudaErrorNotSupported:
#if CUDART_VERSION >= 11010
	case cudaErrorStubLibrary:
	case cudaErrorCallRequiresNewerDriver:
#endif
		return AML_ENOTSUP;
	case cudaErrorInvalidValue:
	case cudaErrorInvalidDevice:
	case cudaErrorHostMemoryAlreadyRegistered:
	case cudaErrorHostMemoryNotRegistered:
		return AML_EINVAL;
	case cudaErrorMemoryAllocation:
		return AML_ENOMEM;
	case cudaErrorDevicesUnavailable:
		return AML_EBUSY;
	default:
		return AML_FAILURE;
	}
}

/*
 * Record a failed runtime call for aml_area_cuda_last_error() and return
 * its AML code, negated. The runtime's last error is cleared so that it
 * does not surface in the caller's next cudaGetLastError().
 */
static int cuda_fail(const char *call, cudaError_t e)
{
	snprintf(cuda_last_error, sizeof(cuda_last_error), "%s: %s: %s", call,
		 cudaGetErrorName(e), cudaGetErrorString(e));
	(void)cudaGetLastError();
	return -cuda_error_to_aml(e);
}

int aml__cuda_supported(void)
{
	int n = 0;
	cudaError_t e = cudaGetDeviceCount(&n);

	if (e != cudaSuccess) {
		cuda_fail("cudaGetDeviceCount", e);
		return 0;
	}
	return n > 0;
}

/* The runtime works, has a device, and `device` (if >= 0) is one. */
static int cuda_check_device(int device)
{
	int n = 0;
	cudaError_t e = cudaGetDeviceCount(&n);

	if (e != cudaSuccess)
		return cuda_fail("cudaGetDeviceCount", e);
	if (n <= 0)
		return -AML_ENOTSUP;
	if (device >= n)
		return -AML_EINVAL;
	return AML_SUCCESS;
}

/* The CUDA area's error reporting and device checks, for the CUDA copy
 * engine (see internal.h). */
int aml__cuda_fail(const char *call, int cuda_error)
{
	return cuda_fail(call, (cudaError_t)cuda_error);
}

int aml__cuda_check_device(int device)
{
	return cuda_check_device(device);
}

/*
 * Make `device` current for one call (nothing for device < 0). `*prev`
 * receives the device to make current again afterwards, or -1.
 */
static int cuda_enter(int device, int *prev)
{
	cudaError_t e;
	int cur, err;

	*prev = -1;
	err = cuda_check_device(device);
	if (err != AML_SUCCESS || device < 0)
		return err;
	e = cudaGetDevice(&cur);
	if (e != cudaSuccess)
		return cuda_fail("cudaGetDevice", e);
	if (cur == device)
		return AML_SUCCESS;
	e = cudaSetDevice(device);
	if (e != cudaSuccess)
		return cuda_fail("cudaSetDevice", e);
	*prev = cur;
	return AML_SUCCESS;
}

static cudaError_t cuda_leave(int prev)
{
	return prev < 0 ? cudaSuccess : cudaSetDevice(prev);
}

/*
 * Release memory of an area with `flags`; `base` is the host address of
 * mapped memory.
 */
static int cuda_release(int flags, void *base)
{
	const char *call;
	cudaError_t e;

	if (CUDA_REGISTERS(flags)) {
		call = "cudaHostUnregister";
		e = cudaHostUnregister(base);
	} else if (flags & CUDA_HOST) {
		call = "cudaFreeHost";
		e = cudaFreeHost(base);
	} else {
		call = "cudaFree";
		e = cudaFree(base);
	}
	return e == cudaSuccess ? AML_SUCCESS : cuda_fail(call, e);
}

/* Host memory mapped on the current device: allocated, or `host`. */
static int cuda_alloc_mapped(int flags, size_t size, void *host, void **ret,
			     void **base)
{
	const int portable = (flags & CUDA_GLOBAL) != 0;
	cudaError_t e;

	*base = host;
	if (host == NULL) {
		e = cudaHostAlloc(base, size,
				  portable ? cudaHostAllocMapped |
						     cudaHostAllocPortable
					   : cudaHostAllocMapped);
		if (e != cudaSuccess)
			return cuda_fail("cudaHostAlloc", e);
	} else {
		e = cudaHostRegister(host, size,
				     portable ? cudaHostRegisterMapped |
							cudaHostRegisterPortable
					      : cudaHostRegisterMapped);
		if (e != cudaSuccess)
			return cuda_fail("cudaHostRegister", e);
	}
	e = cudaHostGetDevicePointer(ret, *base, 0);
	if (e == cudaSuccess)
		return AML_SUCCESS;
	cuda_release(flags, *base);
	return cuda_fail("cudaHostGetDevicePointer", e);
}

/*
 * Allocate on the current device. `*ret` is what mmap returns, `*base`
 * what cuda_release() takes (they differ only for mapped memory).
 */
static int cuda_alloc(int flags, size_t size, void *host, void **ret,
		      void **base)
{
	const int global = (flags & CUDA_GLOBAL) != 0;
	const char *call;
	cudaError_t e;

	if (flags & CUDA_MAPPED)
		return cuda_alloc_mapped(flags, size, host, ret, base);
	if (flags & CUDA_UNIFIED) {
		call = "cudaMallocManaged";
		e = cudaMallocManaged(ret, size,
				      global ? cudaMemAttachGlobal
					     : cudaMemAttachHost);
	} else if (flags & CUDA_HOST) {
		call = "cudaHostAlloc";
		e = cudaHostAlloc(ret, size,
				  global ? cudaHostAllocPortable
					 : cudaHostAllocDefault);
	} else {
		call = "cudaMalloc";
		e = cudaMalloc(ret, size);
	}
	*base = *ret;
	return e == cudaSuccess ? AML_SUCCESS : cuda_fail(call, e);
}

static void *cuda_mmap_on(int flags, int device, size_t size, void *host)
{
	void *ret = NULL, *base = NULL;
	cudaError_t e;
	int prev, err;

	err = cuda_enter(device, &prev);
	if (err != AML_SUCCESS)
		return aml__fail_null(-err);
	err = cuda_alloc(flags, size, host, &ret, &base);
	e = cuda_leave(prev);
	if (e != cudaSuccess) {
		/* Never return with the caller left on another device. */
		if (err == AML_SUCCESS)
			cuda_release(flags, base);
		err = cuda_fail("cudaSetDevice", e);
	}
	if (err != AML_SUCCESS)
		return aml__fail_null(-err);
	return ret;
}

/* The kind of memory cudaPointerGetAttributes() reports for `flags`. */
static enum cudaMemoryType cuda_memory_type(int flags)
{
	if (flags & CUDA_UNIFIED)
		return cudaMemoryTypeManaged;
	if (flags & (CUDA_HOST | CUDA_MAPPED))
		return cudaMemoryTypeHost;
	return cudaMemoryTypeDevice;
}

static int cuda_munmap_any(int flags, void *ptr)
{
	struct cudaPointerAttributes attr;
	void *base = ptr;
	cudaError_t e;
	int prev, err;

	e = cudaPointerGetAttributes(&attr, ptr);
	if (e != cudaSuccess)
		return cuda_fail("cudaPointerGetAttributes", e);
	if (attr.type != cuda_memory_type(flags))
		return -AML_EINVAL;
	/* Mapped memory may come as its device-side address. */
	if (flags & CUDA_MAPPED)
		base = attr.hostPointer;
	/* Registrations and allocations belong to their device's context. */
	err = cuda_enter(attr.device, &prev);
	if (err != AML_SUCCESS)
		return err;
	err = cuda_release(flags, base);
	e = cuda_leave(prev);
	if (e != cudaSuccess && err == AML_SUCCESS)
		err = cuda_fail("cudaSetDevice", e);
	return err;
}

#else /* !AML_HAVE_BACKEND_CUDA */

const char *aml_area_cuda_last_error(void)
{
	return "AML built without CUDA";
}

int aml__cuda_supported(void)
{
	return 0;
}

static int cuda_check_device(int device)
{
	(void)device;
	return -AML_ENOTSUP;
}

static void *cuda_mmap_on(int flags, int device, size_t size, void *host)
{
	(void)flags;
	(void)device;
	(void)size;
	(void)host;
	return aml__fail_null(AML_ENOTSUP);
}

static int cuda_munmap_any(int flags, void *ptr)
{
	(void)flags;
	(void)ptr;
	return -AML_ENOTSUP;
}

#endif /* AML_HAVE_BACKEND_CUDA */
