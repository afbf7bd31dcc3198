/* CTest labels: threads */
/*
 * CUDA area on a device: every kind of memory allocates where it should,
 * data written on one side reads back on the other, the caller's current
 * device is kept, and errors map as documented. Skipped without a device.
 */
#include <aml.h>
#include <aml/area/cuda.h>

#if AML_HAVE_BACKEND_CUDA
#include <cuda_runtime.h>
#endif

#include "check.h"

#if AML_HAVE_BACKEND_CUDA

#define H AML_AREA_CUDA_FLAG_ALLOC_HOST
#define U AML_AREA_CUDA_FLAG_ALLOC_UNIFIED
#define M AML_AREA_CUDA_FLAG_ALLOC_MAPPED
#define G AML_AREA_CUDA_FLAG_ALLOC_GLOBAL

#define CUDA_OK(call) CHECK_EQ((call), cudaSuccess)
#define SIZE ((size_t)1 << 20)

static const int flags[] = {0, H, H | G, H | M, H | M | G, M, M | G, U, U | G};
#define NFLAGS (int)(sizeof(flags) / sizeof(*flags))

static int ndevices;

static void fill(void *p, size_t n, unsigned int seed)
{
	unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		c[i] = (unsigned char)(seed + i * 7 + (i >> 12));
}

static void check_filled(const void *p, size_t n, unsigned int seed)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		CHECK_EQ(c[i], (unsigned char)(seed + i * 7 + (i >> 12)));
}

static void check_bytes(const void *p, size_t n, unsigned char v)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		CHECK_EQ(c[i], v);
}

static int current_device(void)
{
	int d = -1;

	CUDA_OK(cudaGetDevice(&d));
	return d;
}

static struct cudaPointerAttributes attributes(const void *ptr)
{
	struct cudaPointerAttributes attr;

	CUDA_OK(cudaPointerGetAttributes(&attr, ptr));
	return attr;
}

/* The device reads what the host wrote through `host`, seen at `dev`. */
static void check_host_to_device(void *host, const void *dev)
{
	unsigned char *back = malloc(SIZE);
	void *d;

	CHECK(back != NULL);
	CUDA_OK(cudaMalloc(&d, SIZE));
	fill(host, SIZE, 11);
	CUDA_OK(cudaMemcpy(d, dev, SIZE, cudaMemcpyDefault));
	CUDA_OK(cudaMemcpy(back, d, SIZE, cudaMemcpyDeviceToHost));
	check_filled(back, SIZE, 11);
	CUDA_OK(cudaFree(d));
	free(back);
}

/* The host reads what the device wrote through the mapping `dev`. */
static void check_device_to_host(const void *host, void *dev)
{
	CUDA_OK(cudaMemset(dev, 0x3c, SIZE));
	CUDA_OK(cudaDeviceSynchronize());
	check_bytes(host, SIZE, 0x3c);
}

static void check_device_memory(void *p)
{
	unsigned char *h = malloc(SIZE);

	CHECK(h != NULL);
	fill(h, SIZE, 3);
	CUDA_OK(cudaMemcpy(p, h, SIZE, cudaMemcpyHostToDevice));
	memset(h, 0, SIZE);
	CUDA_OK(cudaMemcpy(h, p, SIZE, cudaMemcpyDeviceToHost));
	check_filled(h, SIZE, 3);
	free(h);
}

static void check_pinned(void *p, int f)
{
	unsigned int hf = 0;
	void *d;

	/* Unified addressing may add flags: only check those requested. */
	CUDA_OK(cudaHostGetFlags(&hf, p));
	if (f & G)
		CHECK(hf & cudaHostAllocPortable);
	check_host_to_device(p, p);
	/* The device's data copied back into pinned memory. */
	CUDA_OK(cudaMalloc(&d, SIZE));
	CUDA_OK(cudaMemset(d, 0x2b, SIZE));
	CUDA_OK(cudaMemcpy(p, d, SIZE, cudaMemcpyDeviceToHost));
	check_bytes(p, SIZE, 0x2b);
	CUDA_OK(cudaFree(d));
}

static void check_allocated_mapped(void *p, int f)
{
	void *host = attributes(p).hostPointer;
	unsigned int hf = 0;
	void *dev = NULL;

	CHECK(host != NULL);
	CUDA_OK(cudaHostGetFlags(&hf, host));
	CHECK(hf & cudaHostAllocMapped);
	if (f & G)
		CHECK(hf & cudaHostAllocPortable);
	CUDA_OK(cudaHostGetDevicePointer(&dev, host, 0));
	CHECK(dev == p);
	check_host_to_device(host, p);
	check_device_to_host(host, p);
}

static void check_managed(void *p, int f)
{
	cudaStream_t s;
	unsigned char *back = malloc(SIZE);

	CHECK(back != NULL);
	/* Written on the host, read by the device. */
	fill(p, SIZE, 5);
	CUDA_OK(cudaStreamCreate(&s));
	/* Host-attached memory reaches a device only through a stream. */
	if (!(f & G))
		CUDA_OK(cudaStreamAttachMemAsync(s, p, 0, cudaMemAttachSingle));
	CUDA_OK(cudaMemcpyAsync(back, p, SIZE, cudaMemcpyDefault, s));
	CUDA_OK(cudaStreamSynchronize(s));
	check_filled(back, SIZE, 5);
	/* Written by the device, read on the host. */
	CUDA_OK(cudaMemsetAsync(p, 0x6d, SIZE / 2, s));
	CUDA_OK(cudaStreamSynchronize(s));
	check_bytes(p, SIZE / 2, 0x6d);
	check_filled((unsigned char *)p + SIZE / 2, SIZE / 2,
		     5 + (unsigned int)(SIZE / 2) * 7 + (SIZE / 2 >> 12));
	CUDA_OK(cudaStreamDestroy(s));
	free(back);
}

/* Map the caller's buffer, use it from both sides, unmap it by its host
 * or its device address, and check it is the caller's again. */
static void check_registered(struct aml_area *area, int by_host, int expect)
{
	struct aml_area_cuda_mmap_options opts = {.device = -1};
	void *buf = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const int caller = current_device();
	void *p, *dev = NULL;

	CHECK(buf != MAP_FAILED);
	opts.ptr = buf;
	p = aml_area_mmap(area, SIZE, (struct aml_area_mmap_options *)&opts);
	CHECK(p != NULL);
	CHECK_EQ(current_device(), caller);
	CHECK_EQ(attributes(p).type, cudaMemoryTypeHost);
	CHECK_EQ(attributes(p).device, expect);
	CHECK(attributes(p).hostPointer == buf);
	/* Used on its device, as a program would. */
	CUDA_OK(cudaSetDevice(expect));
	CUDA_OK(cudaHostGetDevicePointer(&dev, buf, 0));
	CHECK(dev == p);
	check_host_to_device(buf, p);
	check_device_to_host(buf, p);
	CUDA_OK(cudaSetDevice(caller));

	/* Registering twice is the caller's error, and changes nothing. */
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(area, SIZE,
			    (struct aml_area_mmap_options *)&opts) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	CUDA_OK(cudaGetLastError());

	CHECK_EQ(aml_area_munmap(area, by_host ? buf : p, SIZE), AML_SUCCESS);
	CHECK_EQ(attributes(buf).type, cudaMemoryTypeUnregistered);
	CHECK_EQ(aml_area_munmap(area, buf, SIZE), -AML_EINVAL);
	/* Still the caller's: writable, and free to register again. */
	memset(buf, 1, SIZE);
	CUDA_OK(cudaHostRegister(buf, SIZE, cudaHostRegisterDefault));
	CUDA_OK(cudaHostUnregister(buf));
	CHECK(munmap(buf, SIZE) == 0);
}

static void check_kind(int f, int device)
{
	const int caller = current_device();
	const int expect = device < 0 ? caller : device;
	struct aml_area *area = NULL;
	struct cudaPointerAttributes attr;
	void *p;

	CHECK_EQ(aml_area_cuda_create(&area, device, f), AML_SUCCESS);
	CHECK(area != NULL);
	if ((f & (M | H)) == M) {
		check_registered(area, 1, expect);
		check_registered(area, 0, expect);
		aml_area_cuda_destroy(&area);
		CHECK(area == NULL);
		return;
	}
	p = aml_area_mmap(area, SIZE, NULL);
	CHECK(p != NULL);
	CHECK_EQ(current_device(), caller);
	attr = attributes(p);
	CHECK_EQ(attr.device, expect);
	/* Used on its device, as a program would. */
	CUDA_OK(cudaSetDevice(expect));
	if (f & U) {
		CHECK_EQ(attr.type, cudaMemoryTypeManaged);
		check_managed(p, f);
	} else if (f & M) {
		CHECK_EQ(attr.type, cudaMemoryTypeHost);
		check_allocated_mapped(p, f);
	} else if (f & H) {
		CHECK_EQ(attr.type, cudaMemoryTypeHost);
		check_pinned(p, f);
	} else {
		CHECK_EQ(attr.type, cudaMemoryTypeDevice);
		check_device_memory(p);
	}
	CUDA_OK(cudaSetDevice(caller));
	/* Mapped memory is released by either address. */
	if ((f & M) && device < 0)
		p = attr.hostPointer;
	CHECK_EQ(aml_area_munmap(area, p, SIZE), AML_SUCCESS);
	aml_area_cuda_destroy(&area);
	CHECK(area == NULL);
}

static void check_every_kind(void)
{
	const int devices[] = {-1, 0, ndevices - 1};

	for (int f = 0; f < NFLAGS; f++)
		for (int d = 0; d < 3; d++) {
			const int before = current_device();

			check_kind(flags[f], devices[d]);
			CHECK_EQ(current_device(), before);
		}
}

static void check_device_ids(void)
{
	struct aml_area_cuda_mmap_options opts = {.device = ndevices};
	struct aml_area *area = &aml_area_cuda;
	const int before = current_device();
	void *p;

	CHECK_EQ(aml_area_cuda_create(&area, ndevices, 0), -AML_EINVAL);
	CHECK(area == NULL);
	CHECK_EQ(aml_area_cuda_create(&area, ndevices + 7, H), -AML_EINVAL);
	CHECK(area == NULL);
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(&aml_area_cuda, SIZE,
			    (struct aml_area_mmap_options *)&opts) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	CHECK_EQ(current_device(), before);

	/* The options' device overrides the area's. */
	opts.device = ndevices - 1;
	CHECK_EQ(aml_area_cuda_create(&area, 0, 0), AML_SUCCESS);
	p = aml_area_mmap(area, SIZE, (struct aml_area_mmap_options *)&opts);
	CHECK(p != NULL);
	CHECK_EQ(attributes(p).device, ndevices - 1);
	CHECK_EQ(current_device(), before);
	CHECK_EQ(aml_area_munmap(area, p, SIZE), AML_SUCCESS);
	CHECK_EQ(current_device(), before);
	aml_area_cuda_destroy(&area);
}

/* Allocating on another device keeps the caller's, also on failure. */
static void check_restore(void)
{
	struct aml_area *area;
	void *p;

	if (ndevices < 2)
		return;
	CUDA_OK(cudaSetDevice(1));
	CHECK_EQ(aml_area_cuda_create(&area, 0, 0), AML_SUCCESS);
	p = aml_area_mmap(area, SIZE, NULL);
	CHECK(p != NULL);
	CHECK_EQ(attributes(p).device, 0);
	CHECK_EQ(current_device(), 1);
	CHECK_EQ(aml_area_munmap(area, p, SIZE), AML_SUCCESS);
	CHECK_EQ(current_device(), 1);
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(area, (size_t)1 << 60, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_ENOMEM);
	CHECK_EQ(current_device(), 1);
	aml_area_cuda_destroy(&area);
	CUDA_OK(cudaSetDevice(0));
}

static void check_errors(void)
{
	struct aml_area *host;
	void *p, *d;

	/* Out of device memory. */
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(&aml_area_cuda, (size_t)1 << 60, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_ENOMEM);
	CHECK(strstr(aml_area_cuda_last_error(),
		     "cudaMalloc: cudaErrorMemoryAllocation") ==
	      aml_area_cuda_last_error());
	/* The runtime's own last error is left clean. */
	CUDA_OK(cudaGetLastError());

	/* Memory of another kind is refused and left alone. */
	CHECK_EQ(aml_area_cuda_create(&host, -1, H), AML_SUCCESS);
	p = aml_area_mmap(host, SIZE, NULL);
	d = aml_area_mmap(&aml_area_cuda, SIZE, NULL);
	CHECK(p != NULL && d != NULL);
	CHECK_EQ(aml_area_munmap(&aml_area_cuda, p, SIZE), -AML_EINVAL);
	CHECK_EQ(aml_area_munmap(host, d, SIZE), -AML_EINVAL);
	memset(p, 7, SIZE);
	check_device_memory(d);
	CHECK_EQ(aml_area_munmap(host, p, SIZE), AML_SUCCESS);
	CHECK_EQ(aml_area_munmap(&aml_area_cuda, d, SIZE), AML_SUCCESS);
	aml_area_cuda_destroy(&host);
}

/* Below 0, the device is the calling thread's current one at mmap time. */
static void *map_on_last_device(void *arg)
{
	int *device = arg;
	void *p;

	*device = -1;
	if (cudaSetDevice(ndevices - 1) != cudaSuccess)
		return NULL;
	p = aml_area_mmap(&aml_area_cuda, SIZE, NULL);
	if (p == NULL)
		return NULL;
	*device = attributes(p).device;
	if (aml_area_munmap(&aml_area_cuda, p, SIZE) != AML_SUCCESS)
		*device = -2;
	return NULL;
}

static void *map_many(void *arg)
{
	struct aml_area *area = arg;
	void *p;

	for (int i = 0; i < 50; i++) {
		p = aml_area_mmap(area, 4096, NULL);
		if (p == NULL)
			return area;
		if (aml_area_munmap(area, p, 4096) != AML_SUCCESS)
			return area;
	}
	return NULL;
}

static void check_threads(void)
{
	struct aml_area *area;
	pthread_t t[8];
	void *ret;
	int device;

	CHECK(pthread_create(&t[0], NULL, map_on_last_device, &device) == 0);
	CHECK(pthread_join(t[0], NULL) == 0);
	CHECK_EQ(device, ndevices - 1);

	CHECK_EQ(aml_area_cuda_create(&area, ndevices - 1, H | M),
		 AML_SUCCESS);
	for (int i = 0; i < 8; i++)
		CHECK(pthread_create(&t[i], NULL, map_many,
				     i % 2 ? area : &aml_area_cuda) == 0);
	for (int i = 0; i < 8; i++) {
		CHECK(pthread_join(t[i], &ret) == 0);
		CHECK(ret == NULL);
	}
	aml_area_cuda_destroy(&area);
}

int main(void)
{
	if (cudaGetDeviceCount(&ndevices) != cudaSuccess || ndevices < 1)
		SKIP("no CUDA device");
	CHECK_EQ(aml_support_backends(AML_BACKEND_CUDA), 1);
	CUDA_OK(cudaSetDevice(0));

	check_every_kind();
	check_device_ids();
	check_restore();
	check_errors();
	check_threads();
	return 0;
}

#else /* !AML_HAVE_BACKEND_CUDA */

int main(void)
{
	CHECK_EQ(aml_support_backends(AML_BACKEND_CUDA), 0);
	SKIP("AML built without CUDA");
}

#endif
