/* Replicas: one copy per node, each from a Linux area bound to its node,
 * filled by a Linux copy engine (see <aml/higher/replicaset.h>). */
#include "aml/higher/replicaset.h"

#include <limits.h>
#include <numa.h>
#include <numaif.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include "aml/area/linux.h"
#include "aml/dma/linux.h"
#include "internal.h"
#include "replicaset/replicaset.h"

/* Workers of the engine that fills the copies, at most. */
#define REPLICASET_WORKERS 64

/* Distance from a to b; unknown distances sort last. */
static int replicaset_distance(int a, int b)
{
	const int d = numa_available() >= 0 ? numa_distance(a, b) : 0;

	if (a == b)
		return 0;
	return d > 0 ? d : INT_MAX;
}

void aml__replicaset_nearest(struct aml_replicaset *rs)
{
	for (int n = 0; n < rs->nnodes; n++) {
		int best = -1, best_d = INT_MAX;

		for (int m = 0; m < rs->nnodes; m++) {
			const int d = replicaset_distance(n, m);

			if (rs->copy[m] != NULL && (best < 0 || d < best_d)) {
				best = m;
				best_d = d;
			}
		}
		rs->nearest[n] = best;
	}
}

/* Map the copy on `node` from an area bound there. */
static int replicaset_map(struct aml_replicaset *rs, int node)
{
	struct aml_bitmap one;
	int err;

	aml_bitmap_zero(&one);
	aml_bitmap_set(&one, (unsigned int)node);
	err = aml_area_linux_create(&rs->area[node], &one,
				    AML_AREA_LINUX_POLICY_BIND);
	if (err != AML_SUCCESS)
		return err;
	rs->copy[node] = aml_area_mmap(rs->area[node], rs->size, NULL);
	return rs->copy[node] != NULL ? AML_SUCCESS : -aml_errno;
}

/* One worker per allowed CPU (the engine spreads them over the nodes). */
static unsigned int replicaset_workers(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > REPLICASET_WORKERS ? REPLICASET_WORKERS : n;
}

int aml__replicaset_alloc(struct aml_replicaset **out, size_t size, int nnodes)
{
	struct aml_replicaset *rs = calloc(1, sizeof(*rs));

	if (rs == NULL)
		return -AML_ENOMEM;
	rs->shared.fd = -1;
	rs->size = size;
	rs->nnodes = nnodes;
	rs->copy = calloc((size_t)nnodes, sizeof(*rs->copy));
	rs->area = calloc((size_t)nnodes, sizeof(*rs->area));
	rs->nearest = calloc((size_t)nnodes, sizeof(*rs->nearest));
	*out = rs;
	if (rs->copy == NULL || rs->area == NULL || rs->nearest == NULL)
		return -AML_ENOMEM;
	return aml_dma_linux_create(&rs->dma, replicaset_workers());
}

int aml_replicaset_create(struct aml_replicaset **rs, size_t size,
			  const struct aml_bitmap *nodes)
{
	struct aml_bitmap set;
	int err, last;

	if (rs == NULL)
		return -AML_EINVAL;
	*rs = NULL;
	if (size == 0 || (nodes != NULL && aml_bitmap_iszero(nodes)))
		return -AML_EINVAL;
	aml_bitmap_zero(&set);
	if (nodes != NULL)
		aml_bitmap_copy(&set, nodes);
	else if (get_mempolicy(NULL, set.mask, AML_BITMAP_MAX + 1, NULL,
			       MPOL_F_MEMS_ALLOWED) != 0)
		return -AML_FAILURE;
	last = aml_bitmap_last(&set);
	if (last < 0)
		return -AML_EINVAL;
	err = aml__replicaset_alloc(rs, size, last + 1);
	for (int n = 0; err == AML_SUCCESS && n <= last; n++)
		if (aml_bitmap_isset(&set, (unsigned int)n) == 1)
			err = replicaset_map(*rs, n);
	if (err != AML_SUCCESS) {
		aml_replicaset_destroy(rs);
		return err;
	}
	aml__replicaset_nearest(*rs);
	return AML_SUCCESS;
}

/* Copy `src` into every copy but `skip`, all at once. */
static int replicaset_fill(struct aml_replicaset *rs, const void *src, int skip)
{
	struct aml_dma_request **req;
	int err = AML_SUCCESS, e;

	req = calloc((size_t)rs->nnodes, sizeof(*req));
	if (req == NULL)
		return -AML_ENOMEM;
	for (int n = 0; err == AML_SUCCESS && n < rs->nnodes; n++)
		if (rs->copy[n] != NULL && n != skip)
			err = aml_dma_async_copy(rs->dma, &req[n], rs->copy[n],
						 src, rs->size);
	for (int n = 0; n < rs->nnodes; n++)
		if (req[n] != NULL) {
			e = aml_dma_wait(rs->dma, &req[n]);
			err = err == AML_SUCCESS ? e : err;
		}
	free(req);
	return err;
}

/* Whether the `size` bytes at `src` overlap a copy. Known before the
 * fill starts: the copy engine refuses only the copy that overlaps, once
 * the copies before it are under way. */
static int replicaset_overlaps(const struct aml_replicaset *rs, const void *src)
{
	const uintptr_t s = (uintptr_t)src;

	for (int n = 0; n < rs->nnodes; n++) {
		const uintptr_t c = (uintptr_t)rs->copy[n];

		if (rs->copy[n] != NULL && (s >= c ? s - c : c - s) < rs->size)
			return 1;
	}
	return 0;
}

int aml_replicaset_init(struct aml_replicaset *rs, const void *src)
{
	if (rs == NULL || src == NULL || replicaset_overlaps(rs, src))
		return -AML_EINVAL;
	return replicaset_fill(rs, src, -1);
}

void *aml_replicaset_local(struct aml_replicaset *rs)
{
	int node = -1;
	const int cpu = sched_getcpu();

	if (rs == NULL)
		return aml__fail_null(AML_EINVAL);
	if (cpu >= 0 && numa_available() >= 0)
		node = numa_node_of_cpu(cpu);
	if (node < 0 || node >= rs->nnodes)
		node = 0;
	return rs->copy[rs->nearest[node]];
}

void *aml_replicaset_on_node(struct aml_replicaset *rs, int node)
{
	if (rs == NULL)
		return aml__fail_null(AML_EINVAL);
	if (node < 0 || node >= rs->nnodes || rs->copy[node] == NULL)
		return aml__fail_null(AML_EDOM);
	return rs->copy[node];
}

int aml_replicaset_sync(struct aml_replicaset *rs, int from_node)
{
	if (rs == NULL)
		return -AML_EINVAL;
	if (from_node < 0 || from_node >= rs->nnodes ||
	    rs->copy[from_node] == NULL)
		return -AML_EDOM;
	return replicaset_fill(rs, rs->copy[from_node], from_node);
}

void aml_replicaset_destroy(struct aml_replicaset **rs)
{
	struct aml_replicaset *r;

	if (rs == NULL || *rs == NULL)
		return;
	r = *rs;
	aml_dma_linux_destroy(&r->dma);
	/* An opened set's copies lie in one view; the object lives on while
	 * other processes map it. */
	if (r->view != NULL)
		munmap(r->view, r->view_len);
	for (int n = 0; r->copy != NULL && r->view == NULL && n < r->nnodes;
	     n++)
		if (r->copy[n] != NULL)
			aml_area_munmap(r->area[n], r->copy[n], r->size);
	if (r->shared.fd >= 0)
		close(r->shared.fd);
	for (int n = 0; r->area != NULL && n < r->nnodes; n++)
		aml_area_linux_destroy(&r->area[n]);
	free(r->copy);
	free(r->area);
	free(r->nearest);
	free(r);
	*rs = NULL;
}
