/* Independent answers for the Fortran tests, called through bind(C)
 * (tests/fortran/checks.f90): where pages are by one move_pages(2) query
 * of libnuma, the best-bandwidth node by sysfs, AML's C constants. Never
 * the library's own answers. */
#include <aml.h>
#include <aml/area/hwloc.h>
#include <aml/area/linux.h>

#include "area/hwloc_sysfs.h"
#include "check.h"

size_t fortran_test_npages(const void *ptr, size_t size)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (size == 0)
		return 0;
	return ((uintptr_t)ptr + size - 1) / page - (uintptr_t)ptr / page + 1;
}

/* The node of each page of [ptr, ptr + size) (negative: not placed). */
int fortran_test_page_nodes(const void *ptr, size_t size, int *status)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const size_t n = fortran_test_npages(ptr, size);
	void **pages = malloc((n ? n : 1) * sizeof(*pages));
	int rc;

	if (pages == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		pages[i] = (void *)(((uintptr_t)ptr / page + i) * page);
	rc = (int)move_pages(0, n, pages, NULL, status, 0);
	free(pages);
	return rc;
}

/* No transparent huge page on the range: interleave is then per base
 * page, as the tests check it. */
int fortran_test_no_thp(void *ptr, size_t size)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)ptr / page * page;

	return madvise((void *)start, (uintptr_t)ptr + size - start,
		       MADV_NOHUGEPAGE);
}

/* The highest-bandwidth nodes from `cpu` as sysfs tells (HMAT values of
 * its node): the lowest of them, or -1 where the machine reports none. */
int fortran_test_best_bandwidth(int cpu)
{
	struct aml_bitmap best;
	char path[128];
	int node = -1;

	for (int n = 0; n < AML_BITMAP_MAX && node < 0; n++) {
		struct stat st;

		snprintf(path, sizeof(path), SYSFS_NODE "/node%d/cpu%d", n, cpu);
		if (stat(path, &st) == 0)
			node = n;
	}
	if (node < 0)
		return -1;
	sysfs_hmat_best(node, "bandwidth", 1, &best);
	return aml_bitmap_first(&best);
}

/* AML's constants, in the order of checks.f90's constants(). */
static const int constants[] = {
	AML_SUCCESS, AML_FAILURE, AML_ENOMEM, AML_EINVAL, AML_EDOM,
	AML_ENOTSUP, AML_EBUSY,
	AML_AREA_LINUX_POLICY_DEFAULT, AML_AREA_LINUX_POLICY_BIND,
	AML_AREA_LINUX_POLICY_PREFERRED,
	AML_AREA_LINUX_POLICY_INTERLEAVE,
	AML_AREA_LINUX_POLICY_PREFERRED_MANY,
	AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE,
	AML_AREA_LINUX_POLICY_LOCAL,
	AML_AREA_HWLOC_LOCAL, AML_AREA_HWLOC_BANDWIDTH,
	AML_AREA_HWLOC_LATENCY, AML_AREA_HWLOC_CAPACITY,
	AML_AREA_HWLOC_LOCALITY, AML_AREA_HWLOC_READ_BANDWIDTH,
	AML_AREA_HWLOC_WRITE_BANDWIDTH, AML_AREA_HWLOC_READ_LATENCY,
	AML_AREA_HWLOC_WRITE_LATENCY,
	AML_AREA_HWLOC_FALLBACK_NONE, AML_AREA_HWLOC_FALLBACK_PREFERRED,
	AML_AREA_HWLOC_FALLBACK_ORDERED,
};

/* Stores at most `max` of them; returns how many there are. */
int fortran_test_constants(int *values, int max)
{
	const int n = (int)(sizeof(constants) / sizeof(*constants));

	for (int i = 0; i < n && i < max; i++)
		values[i] = constants[i];
	return n;
}

struct worker {
	pthread_t thread;
	void (*run)(int *);
	int id;
};

static void *run_worker(void *arg)
{
	struct worker *w = arg;

	w->run(&w->id);
	return NULL;
}

/* Run `run(&i)` in `n` threads at once (i = 1 to n) and wait for them:
 * 0, or -1 if a thread could not be started. */
int fortran_test_threads(int n, void (*run)(int *))
{
	struct worker *w = calloc((size_t)n, sizeof(*w));
	int started = 0;

	if (w == NULL)
		return -1;
	for (; started < n; started++) {
		w[started] = (struct worker){.run = run, .id = started + 1};
		if (pthread_create(&w[started].thread, NULL, run_worker,
				   &w[started]) != 0)
			break;
	}
	for (int i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	free(w);
	return started == n ? 0 : -1;
}
