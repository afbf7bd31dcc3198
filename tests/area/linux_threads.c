/* CTest labels: threads */
/* Linux areas under concurrency: threads mapping and unmapping through one
 * shared area while others create and destroy their own areas. Each thread
 * checks that its buffers keep what it wrote and are placed as the area
 * says. */
#include <aml.h>
#include <aml/area/linux.h>

#include "check.h"

#define NMAPPERS 4
#define NCREATORS 2
#define MAP_ITERS 3000
#define CREATE_ITERS 1000
#define LIVE 16 /* buffers each mapper keeps alive at once */
#define MAX_PAGES 8

static struct aml_area *shared_area;
static pthread_barrier_t start;
static size_t psize;
static struct aml_bitmap allowed; /* mems_allowed */

struct live_buf {
	uint64_t *ptr;
	size_t size;
	uint64_t tag;
};

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Every word of the buffer holds its tag plus its index. */
static void fill(struct live_buf *b)
{
	const size_t n = b->size / sizeof(uint64_t);

	for (size_t i = 0; i < n; i++)
		b->ptr[i] = b->tag + i;
}

static void verify(const struct live_buf *b)
{
	const size_t n = b->size / sizeof(uint64_t);

	for (size_t i = 0; i < n; i++)
		CHECK_EQ(b->ptr[i], b->tag + i);
}

static void release(const struct aml_area *area, struct live_buf *b)
{
	if (b->ptr == NULL)
		return;
	verify(b);
	CHECK_EQ(aml_area_munmap(area, b->ptr, b->size), AML_SUCCESS);
	b->ptr = NULL;
}

/* Map, fill, check, unmap through the shared area, LIVE buffers at once. */
static void *mapper(void *arg)
{
	const uint64_t id = (uint64_t)(uintptr_t)arg;
	struct aml_area_linux_data *data =
	    (struct aml_area_linux_data *)shared_area->data;
	struct live_buf live[LIVE] = {{0}};
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (id + 1);

	pthread_barrier_wait(&start);
	for (int it = 0; it < MAP_ITERS; it++) {
		struct live_buf *b = &live[it % LIVE];

		release(shared_area, b);
		b->size = (1 + next_rand(&seed) % MAX_PAGES) * psize;
		b->tag = (id << 56) | ((uint64_t)it << 24);
		b->ptr = aml_area_mmap(shared_area, b->size, NULL);
		CHECK(b->ptr != NULL);
		fill(b);
		if (it % 8 == 0)
			CHECK_EQ(
			    aml_area_linux_check_binding(data, b->ptr, b->size),
			    1);
		/* Errors stay in the thread that made them. */
		if (it % 64 == 0) {
			aml_errno = AML_SUCCESS;
			CHECK(aml_area_mmap(shared_area, 0, NULL) == NULL);
			CHECK_EQ(aml_errno, AML_EINVAL);
		}
	}
	for (int i = 0; i < LIVE; i++)
		release(shared_area, &live[i]);
	return NULL;
}

/* Create an area of each policy, use it once, destroy it. */
static void *creator(void *arg)
{
	const int id = (int)(uintptr_t)arg;
	struct aml_bitmap one;
	struct live_buf b;

	/* One allowed node, a different one per thread where there are
	 * several. */
	int node = aml_bitmap_first(&allowed);
	for (int skip = id % aml_bitmap_nset(&allowed); skip > 0; skip--)
		do
			node++;
		while (aml_bitmap_isset(&allowed, (unsigned int)node) != 1);
	aml_bitmap_zero(&one);
	aml_bitmap_set(&one, (unsigned int)node);

	pthread_barrier_wait(&start);
	for (int it = 0; it < CREATE_ITERS; it++) {
		const enum aml_area_linux_policy policy =
		    (enum aml_area_linux_policy)(it % 4);
		struct aml_area *area = NULL;

		CHECK_EQ(
		    aml_area_linux_create(&area, it % 2 ? &one : NULL, policy),
		    AML_SUCCESS);
		CHECK(area != NULL);
		b.size = (1 + (size_t)it % 3) * psize;
		b.tag =
		    ((uint64_t)(NMAPPERS + id) << 56) | ((uint64_t)it << 24);
		b.ptr = aml_area_mmap(area, b.size, NULL);
		CHECK(b.ptr != NULL);
		fill(&b);
		CHECK_EQ(aml_area_linux_check_binding(
			     (struct aml_area_linux_data *)area->data, b.ptr,
			     b.size),
			 1);
		release(area, &b);
		/* A failed create leaves nothing behind, in any thread. */
		if (it % 16 == 0) {
			struct aml_bitmap empty;

			aml_area_linux_destroy(&area);
			aml_bitmap_zero(&empty);
			CHECK_EQ(aml_area_linux_create(&area, &empty, policy),
				 -AML_EINVAL);
			CHECK(area == NULL);
			CHECK_EQ(aml_area_linux_create(&area, NULL, policy),
				 AML_SUCCESS);
		}
		aml_area_linux_destroy(&area);
		CHECK(area == NULL);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[NMAPPERS + NCREATORS];

	if (numa_available() < 0)
		SKIP("libnuma reports no NUMA support");
	psize = (size_t)sysconf(_SC_PAGESIZE);
	struct bitmask *m = numa_get_mems_allowed();
	CHECK(m != NULL);
	aml_bitmap_copy_from_ulong(&allowed, m->maskp, m->size);
	numa_bitmask_free(m);
	CHECK(aml_bitmap_nset(&allowed) > 0);
	CHECK_EQ(aml_area_linux_create(&shared_area, NULL,
				       AML_AREA_LINUX_POLICY_INTERLEAVE),
		 AML_SUCCESS);
	CHECK_EQ(pthread_barrier_init(&start, NULL, NMAPPERS + NCREATORS), 0);
	for (uintptr_t i = 0; i < NMAPPERS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, mapper, (void *)i), 0);
	for (uintptr_t i = 0; i < NCREATORS; i++)
		CHECK_EQ(
		    pthread_create(&t[NMAPPERS + i], NULL, creator, (void *)i),
		    0);
	for (int i = 0; i < NMAPPERS + NCREATORS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	CHECK_EQ(pthread_barrier_destroy(&start), 0);
	aml_area_linux_destroy(&shared_area);
	CHECK(shared_area == NULL);
	return 0;
}
