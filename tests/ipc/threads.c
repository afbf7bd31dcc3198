/* Threads sharing at once: each maps shareable buffers, makes handles,
 * opens them in this process, writes through one mapping and reads
 * through the other, unmaps in pieces; several threads make the first
 * handle of one replica set (one move of its copies, one handle) while
 * others read its copies. For ThreadSanitizer too. */
#include "ipc_test.h"

#include <aml/higher/replicaset.h>
#include <pthread.h>

#define THREADS 4
#define ROUNDS 50

static size_t page;
static struct aml_area *area;
static struct aml_replicaset *rs;
static struct aml_ipc_handle handles[THREADS];
static pthread_barrier_t start;

static void *buffers(void *arg)
{
	const char id = (char)(uintptr_t)arg;

	for (int r = 0; r < ROUNDS; r++) {
		const size_t size = (size_t)(r % 4 + 2) * page;
		struct aml_ipc_handle h;
		char *p = aml_area_mmap(area, size, NULL), *q;
		size_t n;

		CHECK(p != NULL);
		memset(p, id, size);
		CHECK_EQ(aml_ipc_handle_get(p + page, size - page, &h),
			 AML_SUCCESS);
		q = aml_ipc_open(&h, &n);
		CHECK(q != NULL && n == size - page && q[0] == id);
		q[n - 1] = (char)(id + 1);
		CHECK_EQ(p[size - 1], (char)(id + 1));
		CHECK_EQ(aml_ipc_close(q, n), AML_SUCCESS);
		CHECK_EQ(aml_area_munmap(area, p, page), AML_SUCCESS);
		CHECK_EQ(aml_area_munmap(area, p + page, size - page),
			 AML_SUCCESS);
		aml_errno = 0;
		CHECK(aml_ipc_open(&h, NULL) == NULL);
		CHECK_EQ(aml_errno, AML_EINVAL);
	}
	return NULL;
}

static void *share(void *arg)
{
	const int i = (int)(uintptr_t)arg;

	pthread_barrier_wait(&start);
	if (i % 2 == 0) {
		CHECK_EQ(aml_replicaset_ipc_handle_get(rs, &handles[i]),
			 AML_SUCCESS);
		return NULL;
	}
	for (int r = 0; r < ROUNDS; r++)
		CHECK_EQ(((const char *)aml_replicaset_local(rs))[r], 'r');
	return NULL;
}

int main(void)
{
	struct aml_area_linux_attr attr = {.flags = AML_AREA_LINUX_FLAG_SHARED};
	pthread_t t[THREADS];
	char src[4096];

	page = (size_t)sysconf(_SC_PAGESIZE);
	CHECK_EQ(aml_area_linux_create_attr(
		     &area, NULL, AML_AREA_LINUX_POLICY_INTERLEAVE, &attr),
		 AML_SUCCESS);
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, buffers,
				     (void *)(uintptr_t)('a' + i)) == 0);
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_join(t[i], NULL) == 0);

	memset(src, 'r', sizeof(src));
	CHECK_EQ(aml_replicaset_create(&rs, sizeof(src), NULL), AML_SUCCESS);
	CHECK_EQ(aml_replicaset_init(rs, src), AML_SUCCESS);
	CHECK(pthread_barrier_init(&start, NULL, THREADS) == 0);
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, share,
				     (void *)(uintptr_t)i) == 0);
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	for (int i = 2; i < THREADS; i += 2)
		CHECK(memcmp(&handles[0], &handles[i], sizeof(handles[0])) ==
		      0);
	aml_replicaset_destroy(&rs);
	pthread_barrier_destroy(&start);
	aml_area_linux_destroy(&area);
	printf("%d threads: buffers shared and closed, one set shared once\n",
	       THREADS);
	return 0;
}
