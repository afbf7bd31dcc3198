/* hwloc areas: errors, nodeset policies checked with get_mempolicy(2) and
 * move_pages(2), default areas, targets, and the shared topology under
 * concurrent use and aml_finalize(). Without hwloc, every function says
 * AML_ENOTSUP. */
#include <aml.h>
#include <aml/area/hwloc.h>

#include "check.h"
#include "hwloc_sysfs.h"

#define NPAGES 32
#define NTHREADS 4
#define ROUNDS 200

static size_t psize(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static void check_unsupported(void)
{
	struct aml_area *area = (struct aml_area *)1;
	struct aml_bitmap b;
	size_t n = 0;

	aml_bitmap_zero(&b);
	aml_bitmap_set(&b, 0);
	CHECK_EQ(aml_support_backends(AML_BACKEND_HWLOC), 0);
	CHECK_EQ(aml_area_hwloc_create(&area, &b, AML_AREA_HWLOC_POLICY_BIND),
		 -AML_ENOTSUP);
	CHECK(area == NULL);
	area = (struct aml_area *)1;
	CHECK_EQ(aml_area_hwloc_create_best(&area, AML_AREA_HWLOC_CAPACITY, NULL,
					    AML_AREA_HWLOC_FALLBACK_NONE),
		 -AML_ENOTSUP);
	CHECK(area == NULL);
	CHECK_EQ(aml_area_hwloc_targets(AML_AREA_HWLOC_LOCAL, NULL, NULL, NULL,
					&n),
		 -AML_ENOTSUP);
	aml_errno = 0;
	CHECK(aml_area_mmap(&aml_area_hwloc_default, psize(), NULL) == NULL);
	CHECK_EQ(aml_errno, AML_ENOTSUP);
	aml_errno = 0;
	CHECK(aml_area_mmap(&aml_area_hwloc_bandwidth, psize(), NULL) == NULL);
	CHECK_EQ(aml_errno, AML_ENOTSUP);
	CHECK_EQ(aml_area_fprintf(stdout, "", &aml_area_hwloc_local),
		 -AML_ENOTSUP);
	CHECK(strcmp(aml_area_hwloc_criterion_name(AML_AREA_HWLOC_LATENCY),
		     "latency") == 0);
}

static void check_errors(const struct aml_bitmap *mem)
{
	struct aml_area *area = (struct aml_area *)1;
	struct aml_bitmap b;
	int nodes[4];
	size_t n = 4;
	int absent = aml_bitmap_last(mem) + 1;

	/* Nodeset areas. */
	CHECK_EQ(aml_area_hwloc_create(NULL, NULL, AML_AREA_HWLOC_POLICY_BIND),
		 -AML_EINVAL);
	CHECK_EQ(aml_area_hwloc_create(&area, NULL,
				       (enum aml_area_hwloc_policy)99),
		 -AML_EINVAL);
	CHECK(area == NULL);
	aml_bitmap_zero(&b);
	CHECK_EQ(aml_area_hwloc_create(&area, &b, AML_AREA_HWLOC_POLICY_BIND),
		 -AML_EINVAL);
	CHECK_EQ(aml_area_hwloc_create(&area, &b,
				       AML_AREA_HWLOC_POLICY_INTERLEAVE),
		 -AML_EINVAL);
	aml_bitmap_set(&b, (unsigned)absent);
	CHECK_EQ(aml_area_hwloc_create(&area, &b, AML_AREA_HWLOC_POLICY_BIND),
		 -AML_EDOM);
	aml_bitmap_copy(&b, mem);
	aml_bitmap_set(&b, AML_BITMAP_MAX - 1);
	CHECK_EQ(aml_area_hwloc_create(&area, &b,
				       AML_AREA_HWLOC_POLICY_PREFERRED),
		 -AML_EDOM);
	CHECK(area == NULL);
	/* Linux has no next-touch policy. */
	CHECK_EQ(aml_area_hwloc_create(&area, mem,
				       AML_AREA_HWLOC_POLICY_NEXTTOUCH),
		 -AML_ENOTSUP);

	/* Criterion areas. */
	CHECK_EQ(aml_area_hwloc_create_best(NULL, AML_AREA_HWLOC_LOCAL, NULL,
					    AML_AREA_HWLOC_FALLBACK_NONE),
		 -AML_EINVAL);
	area = (struct aml_area *)1;
	CHECK_EQ(aml_area_hwloc_create_best(&area,
					    (enum aml_area_hwloc_criterion)99,
					    NULL, AML_AREA_HWLOC_FALLBACK_NONE),
		 -AML_EINVAL);
	CHECK(area == NULL);
	CHECK_EQ(aml_area_hwloc_create_best(&area, AML_AREA_HWLOC_LOCAL, NULL,
					    (enum aml_area_hwloc_fallback)99),
		 -AML_EINVAL);
	aml_bitmap_zero(&b);
	CHECK_EQ(aml_area_hwloc_create_best(&area, AML_AREA_HWLOC_CAPACITY, &b,
					    AML_AREA_HWLOC_FALLBACK_NONE),
		 -AML_EINVAL);
	aml_bitmap_set(&b, AML_BITMAP_MAX - 1);
	CHECK_EQ(aml_area_hwloc_create_best(&area, AML_AREA_HWLOC_CAPACITY, &b,
					    AML_AREA_HWLOC_FALLBACK_NONE),
		 -AML_EDOM);
	CHECK(area == NULL);

	/* Targets. */
	CHECK_EQ(aml_area_hwloc_targets(AML_AREA_HWLOC_LOCAL, NULL, nodes, NULL,
					NULL),
		 -AML_EINVAL);
	CHECK_EQ(aml_area_hwloc_targets(AML_AREA_HWLOC_LOCAL, NULL, NULL, NULL,
					&n),
		 -AML_EINVAL);
	CHECK_EQ(aml_area_hwloc_targets((enum aml_area_hwloc_criterion)99,
					NULL, nodes, NULL, &n),
		 -AML_EINVAL);
	aml_bitmap_zero(&b);
	CHECK_EQ(aml_area_hwloc_targets(AML_AREA_HWLOC_CAPACITY, &b, nodes,
					NULL, &n),
		 -AML_EINVAL);
	aml_bitmap_set(&b, AML_BITMAP_MAX - 1);
	CHECK_EQ(aml_area_hwloc_targets(AML_AREA_HWLOC_CAPACITY, &b, nodes,
					NULL, &n),
		 -AML_EDOM);
	aml_errno = 0;
	CHECK(aml_area_hwloc_criterion_name((enum aml_area_hwloc_criterion)99) ==
	      NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);

	/* Mapping. */
	aml_errno = 0;
	CHECK(aml_area_mmap(&aml_area_hwloc_default, 0, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	aml_errno = 0;
	CHECK(aml_area_hwloc_mmap(NULL, psize(), NULL) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	aml_errno = 0;
	CHECK(aml_area_mmap(&aml_area_hwloc_default, psize(),
			    (struct aml_area_mmap_options *)&b) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	CHECK_EQ(aml_area_hwloc_fprintf(NULL, stdout, ""), -AML_EINVAL);
	CHECK_EQ(aml_area_fprintf(NULL, "", &aml_area_hwloc_default),
		 -AML_EINVAL);

	/* Destroying defaults or nothing is harmless. */
	aml_area_hwloc_destroy(NULL);
	area = NULL;
	aml_area_hwloc_destroy(&area);
	area = &aml_area_hwloc_interleave;
	aml_area_hwloc_destroy(&area);
	CHECK(area == &aml_area_hwloc_interleave);
}

/* Map NPAGES from `area`, write them, and query policy and placement. */
struct placed {
	int mode;
	struct aml_bitmap polnodes;
	int node[NPAGES];
};

static void map_and_query(const struct aml_area *area, struct placed *p)
{
	const size_t size = NPAGES * psize();
	void *pages[NPAGES];
	char *buf = aml_area_mmap(area, size, NULL);

	CHECK(buf != NULL);
	for (int i = 0; i < NPAGES; i++) {
		pages[i] = buf + (size_t)i * psize();
		buf[(size_t)i * psize()] = 1;
	}
	aml_bitmap_zero(&p->polnodes);
	CHECK_EQ(get_mempolicy(&p->mode, p->polnodes.mask, AML_BITMAP_MAX + 1,
			       buf, MPOL_F_ADDR),
		 0);
	CHECK_EQ(move_pages(0, NPAGES, pages, NULL, p->node, 0), 0);
	CHECK_EQ(aml_area_munmap(area, buf, size), AML_SUCCESS);
}

static void check_single_nodes(const struct aml_bitmap *mem)
{
	for (int n = 0; n <= aml_bitmap_last(mem); n++) {
		struct aml_bitmap one;
		struct aml_area *area;
		struct placed p;

		if (aml_bitmap_isset(mem, (unsigned)n) != 1)
			continue;
		aml_bitmap_zero(&one);
		aml_bitmap_set(&one, (unsigned)n);

		CHECK_EQ(aml_area_hwloc_create(&area, &one,
					       AML_AREA_HWLOC_POLICY_BIND),
			 AML_SUCCESS);
		map_and_query(area, &p);
		CHECK_EQ(p.mode, MPOL_BIND);
		CHECK(aml_bitmap_isequal(&p.polnodes, &one));
		for (int i = 0; i < NPAGES; i++)
			CHECK_EQ(p.node[i], n);
		aml_area_hwloc_destroy(&area);
		CHECK(area == NULL);

		CHECK_EQ(aml_area_hwloc_create(&area, &one,
					       AML_AREA_HWLOC_POLICY_PREFERRED),
			 AML_SUCCESS);
		map_and_query(area, &p);
		CHECK(p.mode == MPOL_PREFERRED || p.mode == 5 /* _MANY */);
		CHECK(aml_bitmap_isequal(&p.polnodes, &one));
		for (int i = 0; i < NPAGES; i++)
			CHECK_EQ(p.node[i], n);
		aml_area_hwloc_destroy(&area);
	}
}

/* Interleave: strict round-robin over exactly the given nodes. */
static void check_interleave(const struct aml_area *area,
			     const struct aml_bitmap *nodes)
{
	int order[AML_BITMAP_MAX], k = 0, start = -1;
	struct placed p;

	for (int n = 0; n <= aml_bitmap_last(nodes); n++)
		if (aml_bitmap_isset(nodes, (unsigned)n) == 1)
			order[k++] = n;
	map_and_query(area, &p);
	CHECK_EQ(p.mode, MPOL_INTERLEAVE);
	CHECK(aml_bitmap_isequal(&p.polnodes, nodes));
	for (int j = 0; j < k; j++)
		if (order[j] == p.node[0])
			start = j;
	CHECK(start >= 0);
	for (int i = 0; i < NPAGES; i++)
		CHECK_EQ(p.node[i], order[(start + i) % k]);
}

static void check_nodeset_areas(const struct aml_bitmap *mem)
{
	struct aml_area *area;
	struct placed p;

	check_single_nodes(mem);
	/* Preferred over several nodes: one of them (MPOL_PREFERRED keeps
	 * the first) or all (MPOL_PREFERRED_MANY). */
	CHECK_EQ(aml_area_hwloc_create(&area, mem,
				       AML_AREA_HWLOC_POLICY_PREFERRED),
		 AML_SUCCESS);
	map_and_query(area, &p);
	printf("preferred over all nodes: mode %d\n", p.mode);
	CHECK(p.mode == MPOL_PREFERRED || p.mode == 5 /* _MANY */);
	CHECK_EQ(aml_bitmap_isset(mem, (unsigned)aml_bitmap_first(&p.polnodes)),
		 1);
	for (int i = 0; i < NPAGES; i++)
		CHECK_EQ(aml_bitmap_isset(&p.polnodes, (unsigned)p.node[i]), 1);
	aml_area_hwloc_destroy(&area);
	check_interleave(&aml_area_hwloc_interleave, mem);
	CHECK_EQ(aml_area_hwloc_create(&area, mem,
				       AML_AREA_HWLOC_POLICY_INTERLEAVE),
		 AML_SUCCESS);
	check_interleave(area, mem);
	aml_area_hwloc_destroy(&area);

	/* Default leaves the kernel's default policy; first touch is local
	 * allocation (MPOL_LOCAL, or the default on old kernels). */
	map_and_query(&aml_area_hwloc_default, &p);
	CHECK_EQ(p.mode, MPOL_DEFAULT);
	CHECK_EQ(aml_area_hwloc_create(&area, NULL,
				       AML_AREA_HWLOC_POLICY_FIRSTTOUCH),
		 AML_SUCCESS);
	map_and_query(area, &p);
	CHECK(p.mode == MPOL_DEFAULT || p.mode == MPOL_LOCAL);
	aml_area_hwloc_destroy(&area);
}

/* The capacity ranking covers every node with memory, largest first. */
static void check_targets(const struct aml_bitmap *mem)
{
	int nodes[AML_BITMAP_MAX];
	uint64_t values[AML_BITMAP_MAX];
	size_t n = AML_BITMAP_MAX, small = 1;
	struct aml_bitmap seen;

	CHECK_EQ(aml_area_hwloc_targets(AML_AREA_HWLOC_CAPACITY, NULL, nodes,
					values, &n),
		 AML_SUCCESS);
	CHECK_EQ(n, aml_bitmap_nset(mem));
	aml_bitmap_zero(&seen);
	for (size_t i = 0; i < n; i++) {
		aml_bitmap_set(&seen, (unsigned)nodes[i]);
		/* hwloc counts MemTotal plus huge pages: at least MemTotal. */
		CHECK(values[i] >= (uint64_t)sysfs_node_memtotal(nodes[i]) * 1024);
		if (i > 0)
			CHECK(values[i] <= values[i - 1]);
	}
	CHECK(aml_bitmap_isequal(&seen, mem));
	/* Less room than targets: the best ones, and the full count. */
	CHECK_EQ(aml_area_hwloc_targets(AML_AREA_HWLOC_CAPACITY, NULL, nodes,
					values, &small),
		 AML_SUCCESS);
	CHECK_EQ(small, n);
}

/* Ordered fallback: a size no node has free fails cleanly. */
static void check_ordered(const struct aml_bitmap *mem)
{
	struct aml_area *area;
	size_t huge = 0;

	for (int n = 0; n <= aml_bitmap_last(mem); n++)
		if (aml_bitmap_isset(mem, (unsigned)n) == 1)
			huge += (size_t)sysfs_node_memtotal(n) * 1024;
	CHECK_EQ(aml_area_hwloc_create_best(&area, AML_AREA_HWLOC_CAPACITY, NULL,
					    AML_AREA_HWLOC_FALLBACK_ORDERED),
		 AML_SUCCESS);
	aml_errno = 0;
	CHECK(aml_area_mmap(area, huge, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_ENOMEM);
	aml_area_hwloc_destroy(&area);
}

static void check_fprintf(const struct aml_bitmap *mem)
{
	char buf[512];
	struct aml_area *area;
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	char *nodes = aml_bitmap_to_string(mem);
	char expect[256];
	int n;

	CHECK(f != NULL && nodes != NULL);
	CHECK_EQ(aml_area_hwloc_create(&area, mem,
				       AML_AREA_HWLOC_POLICY_INTERLEAVE),
		 AML_SUCCESS);
	n = aml_area_fprintf(f, "> ", area);
	CHECK_EQ(n, AML_SUCCESS);
	aml_area_hwloc_destroy(&area);
	CHECK_EQ(aml_area_fprintf(f, "area", &aml_area_hwloc_bandwidth),
		 AML_SUCCESS);
	fclose(f);
	snprintf(expect, sizeof(expect),
		 "> hwloc area: policy interleave, nodes %s\n"
		 "area: hwloc area: best bandwidth, initiator calling thread, "
		 "fallback preferred\n",
		 nodes);
	CHECK(strcmp(buf, expect) == 0);
	free(nodes);
}

static void check_mapped(const void *p, const char *what)
{
	if (p == NULL)
		fprintf(stderr, "%s: %s\n", what, aml_strerror(aml_errno));
	CHECK(p != NULL);
}

/* Threads map through shared areas while others drop the topology. */
static void *hammer(void *arg)
{
	const int finalizer = *(int *)arg;

	for (int i = 0; i < ROUNDS; i++) {
		void *p;

		if (finalizer) {
			CHECK_EQ(aml_finalize(), AML_SUCCESS);
			continue;
		}
		p = aml_area_mmap(&aml_area_hwloc_capacity, psize(), NULL);
		check_mapped(p, "capacity");
		*(volatile char *)p = 1;
		CHECK_EQ(aml_area_munmap(&aml_area_hwloc_capacity, p, psize()),
			 AML_SUCCESS);
		p = aml_area_mmap(&aml_area_hwloc_local, psize(), NULL);
		check_mapped(p, "local");
		CHECK_EQ(aml_area_munmap(&aml_area_hwloc_local, p, psize()),
			 AML_SUCCESS);
	}
	return NULL;
}

static void check_threads(void)
{
	pthread_t th[NTHREADS];
	int role[NTHREADS];

	for (int i = 0; i < NTHREADS; i++) {
		role[i] = i == 0;
		CHECK_EQ(pthread_create(&th[i], NULL, hammer, &role[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		CHECK_EQ(pthread_join(th[i], NULL), 0);
	/* Still usable after a final aml_finalize(). */
	CHECK_EQ(aml_finalize(), AML_SUCCESS);
	CHECK_EQ(aml_support_backends(AML_BACKEND_HWLOC), 1);
}

int main(void)
{
	struct aml_bitmap mem;

	if (!AML_HAVE_BACKEND_HWLOC) {
		check_unsupported();
		return 0;
	}
	if (!aml_support_backends(AML_BACKEND_HWLOC))
		SKIP("hwloc cannot load the topology");
	sysfs_mem_nodes(&mem);
	check_errors(&mem);
	check_nodeset_areas(&mem);
	check_targets(&mem);
	check_ordered(&mem);
	check_fprintf(&mem);
	check_threads();
	return 0;
}
