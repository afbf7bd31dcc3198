/* Stage a block into the highest-bandwidth memory, work on it there, copy
 * the result back: the Linux copy engine moves the data, the hwloc
 * bandwidth area picks the memory.
 *
 * Where the machine publishes no bandwidth (no ACPI HMAT), the bandwidth
 * area cannot choose: the example says so and stages into the memory local
 * to the thread instead. */
#include <aml.h>
#include <aml/area/hwloc.h>
#include <aml/area/linux-inspect.h>
#include <aml/area/linux.h>
#include <aml/dma/linux.h>
#include <time.h>

#define COUNT ((size_t)4 << 20) /* doubles: 32 MiB */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Memory for the staged block, and the area it came from. */
static double *stage_memory(size_t size, struct aml_area **from)
{
	double *p;

	*from = &aml_area_hwloc_bandwidth;
	p = aml_area_mmap(*from, size, NULL);
	if (p != NULL) {
		printf("staging into the highest-bandwidth memory\n");
		return p;
	}
	printf("the highest-bandwidth memory is unknown here (%s: the "
	       "machine publishes no memory bandwidth);\nstaging into the "
	       "memory local to this thread instead\n",
	       aml_strerror(aml_errno));
	*from = &aml_area_hwloc_local;
	p = aml_area_mmap(*from, size, NULL);
	if (p == NULL) {
		*from = &aml_area_linux;
		p = aml_area_mmap(*from, size, NULL);
	}
	return p;
}

int main(void)
{
	const size_t size = COUNT * sizeof(double);
	struct aml_area *fast_area;
	struct aml_dma *dma;
	double *home, *fast, t0, t1, t2;
	char map[24];
	int err;

	err = aml_dma_linux_create(&dma, 2);
	home = aml_area_mmap(&aml_area_linux, size, NULL);
	if (err != AML_SUCCESS || home == NULL) {
		fprintf(stderr, "setup: %s\n",
			aml_strerror(err ? err : aml_errno));
		return 1;
	}
	for (size_t i = 0; i < COUNT; i++)
		home[i] = (double)i;
	fast = stage_memory(size, &fast_area);
	if (fast == NULL) {
		aml_perror("aml_area_mmap");
		return 1;
	}
	t0 = now();
	err = aml_dma_copy(dma, fast, home, size);
	t1 = now();
	for (size_t i = 0; err == AML_SUCCESS && i < COUNT; i++)
		fast[i] = fast[i] * 2 + 1; /* the work, in fast memory */
	t2 = now();
	if (err == AML_SUCCESS)
		err = aml_dma_copy(dma, home, fast, size);
	if (err != AML_SUCCESS) {
		fprintf(stderr, "aml_dma_copy: %s\n", aml_strerror(err));
		return 1;
	}
	if (aml_linux_page_map(fast, size, map, sizeof(map)) > 0)
		printf("staged pages by node: %s\n", map);
	printf("in: %.1f ms, work: %.1f ms, out: %.1f ms for %zu MiB\n",
	       (t1 - t0) * 1e3, (t2 - t1) * 1e3, (now() - t2) * 1e3,
	       size >> 20);
	for (size_t i = 0; i < COUNT; i++)
		if (home[i] != (double)i * 2 + 1) {
			fprintf(stderr, "wrong result at %zu\n", i);
			return 1;
		}
	printf("result copied back: right\n");
	aml_area_munmap(fast_area, fast, size);
	aml_area_munmap(&aml_area_linux, home, size);
	aml_dma_linux_destroy(&dma);
	return 0;
}
