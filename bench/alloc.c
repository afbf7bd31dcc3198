/* Cost of getting and releasing interleaved memory (never touched): AML's
 * interleave area against the raw system calls and other libraries.
 * Each sample times many allocate + release pairs; the competitors run
 * one after the other inside each repetition (in a rotating order), and
 * each ratio is a median over repetitions of time / raw time. */
#include <aml.h>
#include <aml/area/linux.h>

#include "bench.h"

#ifdef BENCH_HAVE_HWLOC
#include <hwloc.h>
#endif
#ifdef BENCH_HAVE_MEMKIND
#include <memkind.h>
#endif

static struct aml_area *area;
static int nodes[BENCH_MAX_NODES];
static int nnodes;
static unsigned long mask[BENCH_MAX_NODES / (8 * sizeof(unsigned long))];
static unsigned long maxnode;
#ifdef BENCH_HAVE_HWLOC
static hwloc_topology_t topo;
static hwloc_nodeset_t hwloc_nodes;
#endif

static void *raw_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mbind(p, size, MPOL_INTERLEAVE, mask, maxnode, 0) != 0) {
		munmap(p, size);
		return NULL;
	}
	return p;
}

static int raw_free(void *p, size_t size)
{
	return munmap(p, size);
}

static void *aml_area_alloc(size_t size)
{
	return aml_area_mmap(area, size, NULL);
}

static int aml_area_release(void *p, size_t size)
{
	return aml_area_munmap(area, p, size);
}

static void *libnuma_alloc(size_t size)
{
	return numa_alloc_interleaved(size);
}

static int libnuma_release(void *p, size_t size)
{
	numa_free(p, size);
	return 0;
}

#ifdef BENCH_HAVE_HWLOC
static void *hwloc_bench_alloc(size_t size)
{
	return hwloc_alloc_membind(topo, size, hwloc_nodes,
				   HWLOC_MEMBIND_INTERLEAVE,
				   HWLOC_MEMBIND_BYNODESET);
}

static int hwloc_bench_release(void *p, size_t size)
{
	return hwloc_free(topo, p, size);
}
#endif

#ifdef BENCH_HAVE_MEMKIND
static void *memkind_bench_alloc(size_t size)
{
	return memkind_malloc(MEMKIND_INTERLEAVE, size);
}

static int memkind_bench_release(void *p, size_t size)
{
	(void)size;
	memkind_free(MEMKIND_INTERLEAVE, p);
	return 0;
}
#endif

/* A method: its allocate and release calls. */
struct pair {
	void *(*alloc)(size_t size);
	int (*release)(void *p, size_t size);
};

/* One allocate + release pair. */
static int pair_run(const void *arg, void *data, size_t size, long i)
{
	const struct pair *m = arg;
	void *p = m->alloc(size);

	(void)data, (void)i;
	if (p == NULL)
		return -1;
	return m->release(p, size) == 0 ? 1 : -1;
}

/* Whether the kernel applies an interleave policy to a mapping of the
 * method: the allocation is not touched, so its policy is what can be
 * checked (untimed, once per sample). */
static int policy_check(const void *arg, void *data, size_t size, long count)
{
	const struct pair *m = arg;
	void *p = m->alloc(size);
	int mode = -1;

	(void)data, (void)count;
	if (p == NULL)
		return -1;
	if (get_mempolicy(&mode, NULL, 0, p, MPOL_F_ADDR) != 0)
		mode = -1;
	m->release(p, size);
	return mode == MPOL_INTERLEAVE;
}

static const struct pair raw = {raw_alloc, raw_free};
static const struct pair aml = {aml_area_alloc, aml_area_release};
static const struct pair libnuma = {libnuma_alloc, libnuma_release};
#ifdef BENCH_HAVE_HWLOC
static const struct pair hwloc = {hwloc_bench_alloc, hwloc_bench_release};
#define HWLOC_RUN pair_run
#else
static const struct pair hwloc = {NULL, NULL};
#define HWLOC_RUN NULL
#endif
#ifdef BENCH_HAVE_MEMKIND
static const struct pair memkind = {memkind_bench_alloc, memkind_bench_release};
#define MEMKIND_RUN pair_run
#else
static const struct pair memkind = {NULL, NULL};
#define MEMKIND_RUN NULL
#endif

#define METHOD(name, run)                                                      \
	{                                                                      \
#name, run, policy_check, NULL, &name, 0                       \
	}

/* The first is the reference, the second is AML. */
static const struct bench_method methods[] = {
    METHOD(raw, pair_run),	  METHOD(aml, pair_run),
    METHOD(libnuma, pair_run),	  METHOD(hwloc, HWLOC_RUN),
    METHOD(memkind, MEMKIND_RUN),
};

static void setup(void)
{
	nnodes = bench_nodes(nodes);
	maxnode = bench_nodemask(nodes, nnodes, mask);
	area = bench_interleave_area();
	if (numa_available() < 0) {
		fprintf(stderr, "libnuma: NUMA not available\n");
		exit(1);
	}
#ifdef BENCH_HAVE_HWLOC
	bench_hwloc_open(&topo, &hwloc_nodes, nodes, nnodes);
#endif
}

static void teardown(void)
{
	aml_area_linux_destroy(&area);
#ifdef BENCH_HAVE_HWLOC
	bench_hwloc_close(topo, hwloc_nodes);
#endif
}

static const struct bench_spec spec = {
    .name = "alloc",
    .help = "Allocate + release (untouched) interleaved memory: AML vs "
	    "mmap+mbind, libnuma, hwloc, memkind.",
    .title = "alloc: allocate + release, no touch, interleave over all "
	     "nodes",
    .legend = "# raw: mmap + mbind(MPOL_INTERLEAVE) + munmap (the "
	      "reference); aml: aml_area_mmap/munmap\n"
	      "# libnuma: numa_alloc_interleaved/numa_free; hwloc: "
	      "hwloc_alloc_membind(INTERLEAVE)/hwloc_free\n"
	      "# memkind: memkind_malloc(MEMKIND_INTERLEAVE)/memkind_free "
	      "(a heap: reuses memory)\n"
	      "# verdicts: the mapping carries the interleave policy "
	      "(get_mempolicy(MPOL_F_ADDR))\n",
    .unit = "allocate + release",
    .methods = methods,
    .nmethods = sizeof(methods) / sizeof(*methods),
    .reps = 31,
    .quick_reps = 3,
    .sample_s = 0.004,
    .quick_sample_s = 0.0005,
    .setup = setup,
    .teardown = teardown,
};

int main(int argc, char **argv)
{
	struct bench_results res;
	double worst = 0;

	bench_run(&spec, argc, argv, &res);
	for (size_t s = 0; s < res.nsizes; s++)
		if (res.ratio[1][s] > worst)
			worst = res.ratio[1][s];
	printf("summary: aml worst %.3fx (target <= 1.05x: %s)\n", worst,
	       bench_met(worst <= 1.05));
	return bench_status(&res);
}
