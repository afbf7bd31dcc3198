/*
 * Placement of heap objects, page by page: heaps bound to node 0 and to
 * node 1 and an interleave heap at once, 4 threads allocating mixed sizes
 * (16 B to 1 MiB) from each and freeing objects other threads allocated.
 * Every page of every object must lie on its heap's nodes, as both the
 * inspection API and a direct move_pages(2) query say. On one node the
 * node-0 and interleave parts run, then the test reports a skip.
 */
#include "allocator_test.h"
#include "aml/area/linux-inspect.h"
#include "aml/area/linux.h"
#include "aml/higher/allocator/heap.h"
#include "area/linux_test.h"

#define THREADS 4
#define ROUNDS 6
#define BATCH 48
#define MAX_HEAPS 3

struct heap {
	struct aml_area *area;
	struct aml_allocator *heap;
	struct aml_bitmap nodes;
	size_t pages[AML_BITMAP_MAX]; /* pages seen per node */
	pthread_mutex_t lock;
};

static struct heap heaps[MAX_HEAPS];
static int nheaps;

/* Objects handed from one thread to the next, to be freed there. */
struct mailbox {
	pthread_mutex_t lock;
	void *objects[ROUNDS * BATCH * MAX_HEAPS];
	int heap_of[ROUNDS * BATCH * MAX_HEAPS];
	int n;
};
static struct mailbox boxes[THREADS];

/*
 * Say enough to tell the possible causes apart: whether the page lies in
 * one of the heap's chunks and which policy its mapping has now (the
 * heap's own: the page was faulted before the policy was set, or moved;
 * another: the memory did not come from the heap's area).
 */
static void misplaced(struct heap *h, char *p, size_t size, void *page,
		      int node)
{
	unsigned long mask[AML_BITMAP_MAX / (8 * sizeof(unsigned long))] = {0};
	int mode = -1;

	if (get_mempolicy(&mode, mask, AML_BITMAP_MAX, page, MPOL_F_ADDR) != 0)
		mode = -errno;
	fprintf(stderr,
		"heap %d: page %p of object %p (%zu B) on node %d; page in "
		"the heap's chunks: %s; mapping policy %d, nodes 0x%lx\n",
		(int)(h - heaps), page, (void *)p, size, node,
		aml_allocator_of(page) == h->heap ? "yes" : "no", mode,
		mask[0]);
	exit(1);
}

static void check_pages(struct heap *h, char *p, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t first = (uintptr_t)p & ~(page - 1);
	size_t n = aml_linux_npages(p, size);
	int *by_aml = calloc(n, sizeof(int)),
	    *by_kernel = calloc(n, sizeof(int));
	void **pages = calloc(n, sizeof(void *));

	CHECK(by_aml && by_kernel && pages);
	CHECK_EQ(aml_linux_query_pages(p, size, by_aml, 0), AML_SUCCESS);
	for (size_t i = 0; i < n; i++)
		pages[i] = (void *)(first + i * page);
	CHECK_EQ(move_pages(0, n, pages, NULL, by_kernel, 0), 0);
	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ(by_aml[i], by_kernel[i]);
		CHECK(by_kernel[i] >= 0);
		if (aml_bitmap_isset(&h->nodes, (unsigned)by_kernel[i]) != 1)
			misplaced(h, p, size, pages[i], by_kernel[i]);
		h->pages[by_kernel[i]]++;
	}
	pthread_mutex_unlock(&h->lock);
	free(by_aml);
	free(by_kernel);
	free(pages);
}

/* 16 B to 1 MiB, more small ones than large ones. */
static size_t object_size(unsigned *seed)
{
	unsigned shift = 4 + (unsigned)rand_r(seed) % 17;

	return ((size_t)1 << shift) +
	       (size_t)rand_r(seed) % ((size_t)1 << shift);
}

static void *worker(void *arg)
{
	int self = (int)(intptr_t)arg;
	struct mailbox *next = &boxes[(self + 1) % THREADS];
	unsigned seed = (unsigned)self * 7919u + 1;

	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < BATCH * nheaps; i++) {
			int hi = i % nheaps;
			size_t size = object_size(&seed) % (1 << 20) + 16;
			char *p = aml_alloc(heaps[hi].heap, size);

			CHECK(p != NULL);
			CHECK(aml_allocator_of(p) == heaps[hi].heap);
			memset(p, self, size);
			check_pages(&heaps[hi], p, size);
			if (i % 3 == 0) {
				CHECK_EQ(aml_free(heaps[hi].heap, p), 0);
				continue;
			}
			pthread_mutex_lock(&next->lock);
			next->objects[next->n] = p;
			next->heap_of[next->n++] = hi;
			pthread_mutex_unlock(&next->lock);
		}
		/* Free what the previous thread handed over. */
		struct mailbox *mine = &boxes[self];

		pthread_mutex_lock(&mine->lock);
		for (int i = 0; i < mine->n; i++)
			CHECK_EQ(aml_free(heaps[mine->heap_of[i]].heap,
					  mine->objects[i]),
				 AML_SUCCESS);
		mine->n = 0;
		pthread_mutex_unlock(&mine->lock);
	}
	return NULL;
}

static void add_heap(struct test_counting_area *count, const int *nodes, int n,
		     enum aml_area_linux_policy policy)
{
	struct heap *h = &heaps[nheaps++];

	aml_bitmap_zero(&h->nodes);
	for (int i = 0; i < n; i++)
		aml_bitmap_set(&h->nodes, (unsigned)nodes[i]);
	CHECK_EQ(aml_area_linux_create(&h->area, &h->nodes, policy), 0);
	test_counting_init(count, h->area);
	CHECK_EQ(aml_allocator_heap_create(&h->heap, &count->area, NULL), 0);
	pthread_mutex_init(&h->lock, NULL);
}

int main(void)
{
	struct test_counting_area counts[MAX_HEAPS];
	pthread_t threads[THREADS];
	int nodes[AML_BITMAP_MAX];
	int n = test_nodes(nodes, AML_BITMAP_MAX);

	add_heap(&counts[nheaps], &nodes[0], 1, AML_AREA_LINUX_POLICY_BIND);
	if (n >= 2)
		add_heap(&counts[nheaps], &nodes[1], 1,
			 AML_AREA_LINUX_POLICY_BIND);
	add_heap(&counts[nheaps], nodes, n, AML_AREA_LINUX_POLICY_INTERLEAVE);
	for (int t = 0; t < THREADS; t++)
		pthread_mutex_init(&boxes[t].lock, NULL);
	for (int t = 0; t < THREADS; t++)
		CHECK(pthread_create(&threads[t], NULL, worker,
				     (void *)(intptr_t)t) == 0);
	for (int t = 0; t < THREADS; t++)
		CHECK(pthread_join(threads[t], NULL) == 0);
	for (int t = 0; t < THREADS; t++)
		for (int i = 0; i < boxes[t].n; i++)
			CHECK_EQ(aml_free(heaps[boxes[t].heap_of[i]].heap,
					  boxes[t].objects[i]),
				 0);
	for (int i = 0; i < nheaps; i++) {
		printf("heap %d:", i);
		for (int j = 0; j < n; j++)
			printf(" node %d %zu pages", nodes[j],
			       heaps[i].pages[nodes[j]]);
		printf("\n");
		/* Interleave spreads over every node. */
		for (int j = 0; j < n; j++)
			CHECK(aml_bitmap_isset(&heaps[i].nodes,
					       (unsigned)nodes[j]) != 1 ||
			      heaps[i].pages[nodes[j]] > 0);
		CHECK_EQ(aml_allocator_heap_destroy(&heaps[i].heap), 0);
		CHECK_EQ(counts[i].mappings, 0);
		aml_area_linux_destroy(&heaps[i].area);
	}
	if (n < 2)
		SKIP("one node: no heap bound to node 1");
	return 0;
}
