/* Bad input of the sharing API, in one process (a handle opens in the
 * process that made it too): argument errors, memory that is not
 * shareable, forged handles (random bytes, each field changed, the tag
 * changed), handles of unmapped memory, partial unmaps, the flags that do
 * not combine with SHARED; and no file descriptor or mapping leaked. */
/* CTest labels: unprivileged */
#include "ipc_test.h"

#include <aml/higher/replicaset.h>

static size_t page;

static struct aml_area *shared_area(void)
{
	struct aml_area_linux_attr attr = {.flags = AML_AREA_LINUX_FLAG_SHARED};
	struct aml_area *area;

	CHECK_EQ(aml_area_linux_create_attr(
		     &area, NULL, AML_AREA_LINUX_POLICY_INTERLEAVE, &attr),
		 AML_SUCCESS);
	return area;
}

static void check_open_fails(const struct aml_ipc_handle *h, int err)
{
	size_t size = 12345;

	aml_errno = 0;
	CHECK(aml_ipc_open(h, &size) == NULL);
	CHECK_EQ(aml_errno, err);
	CHECK_EQ(size, 12345);
}

/* Bytes 8-11 of a handle: the exporter's pid (src/ipc/handle.c). */
static int in_pid(size_t byte)
{
	return byte >= 8 && byte < 12;
}

static void arguments(struct aml_area *area)
{
	struct aml_ipc_handle h;
	struct aml_replicaset *rs = (void *)1;
	char stack[64];
	char *heap = malloc(page);
	void *priv = aml_area_mmap(&aml_area_linux, page, NULL);

	CHECK(heap != NULL && priv != NULL);
	CHECK_EQ(aml_ipc_handle_get(NULL, page, &h), -AML_EINVAL);
	CHECK_EQ(aml_ipc_handle_get(heap, 0, &h), -AML_EINVAL);
	CHECK_EQ(aml_ipc_handle_get(heap, page, NULL), -AML_EINVAL);
	/* Memory that no shareable area mapped. */
	CHECK_EQ(aml_ipc_handle_get(stack, sizeof(stack), &h), -AML_EINVAL);
	CHECK_EQ(aml_ipc_handle_get(heap, page, &h), -AML_EINVAL);
	CHECK_EQ(aml_ipc_handle_get(priv, page, &h), -AML_EINVAL);
	check_open_fails(NULL, AML_EINVAL);
	CHECK_EQ(aml_ipc_close(NULL, page), -AML_EINVAL);
	CHECK_EQ(aml_ipc_close(heap, page), -AML_EINVAL);
	CHECK_EQ(aml_replicaset_ipc_handle_get(NULL, &h), -AML_EINVAL);
	CHECK_EQ(aml_replicaset_ipc_open(NULL, &h), -AML_EINVAL);
	CHECK_EQ(aml_replicaset_ipc_open(&rs, NULL), -AML_EINVAL);
	CHECK(rs == NULL);
	free(heap);
	CHECK_EQ(aml_area_munmap(&aml_area_linux, priv, page), AML_SUCCESS);
	(void)area;
}

/* Flags and options a shareable area refuses. */
static void flags(void)
{
	struct aml_area_linux_attr attr = {.flags = AML_AREA_LINUX_FLAG_SHARED};
	struct aml_area_linux_mmap_options o = {
	    NULL, MAP_PRIVATE | MAP_ANONYMOUS, PROT_READ | PROT_WRITE, -1, 0};
	struct aml_area *area;
	char text[256];
	FILE *f;

	attr.flags |= AML_AREA_LINUX_FLAG_THP;
	CHECK_EQ(aml_area_linux_create_attr(&area, NULL,
					    AML_AREA_LINUX_POLICY_BIND, &attr),
		 -AML_EINVAL);
	CHECK(area == NULL);
	attr.flags = AML_AREA_LINUX_FLAG_SHARED | AML_AREA_LINUX_FLAG_HUGETLB;
	CHECK_EQ(aml_area_linux_create_attr(&area, NULL,
					    AML_AREA_LINUX_POLICY_BIND, &attr),
		 -AML_EINVAL);
	area = shared_area();
	aml_errno = 0;
	CHECK(aml_area_mmap(area, page, (void *)&o) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	o.flags = MAP_SHARED; /* a file of the caller's */
	o.fd = 0;
	CHECK(aml_area_mmap(area, page, (void *)&o) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	o.flags = MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB;
	o.fd = -1;
	CHECK(aml_area_mmap(area, page, (void *)&o) == NULL);
	CHECK(aml_errno == AML_EINVAL || aml_errno == AML_ENOTSUP);
	f = fmemopen(text, sizeof(text), "w");
	CHECK(f != NULL);
	CHECK_EQ(aml_area_fprintf(f, NULL, area), AML_SUCCESS);
	fclose(f);
	CHECK(strstr(text, ", shared") != NULL);
	aml_area_linux_destroy(&area);
}

/* Every single bit of a valid handle changed: refused. */
static void forged(struct aml_area *area)
{
	const size_t size = 4 * page;
	struct aml_ipc_handle h, bad;
	char *p = aml_area_mmap(area, size, NULL), *q;
	size_t n;

	CHECK(p != NULL);
	memset(p, 7, size);
	CHECK_EQ(aml_ipc_handle_get(p + 100, 2 * page, &h), AML_SUCCESS);
	for (size_t bit = 0; bit < 8 * sizeof(h.bytes); bit++) {
		size_t n = 1;

		bad = h;
		bad.bytes[bit / 8] ^= (unsigned char)(1U << (bit % 8));
		/* Another user's process started in the same clock tick
		 * (the pipe's other end) passes for the exporter: opening
		 * its descriptors is not permitted, which is all it says. */
		aml_errno = 0;
		CHECK(aml_ipc_open(&bad, &n) == NULL && n == 1);
		CHECK(aml_errno == AML_EINVAL ||
		      (in_pid(bit / 8) && aml_errno == AML_EPERM));
	}
	/* Random bytes. */
	srand(1);
	for (int i = 0; i < 1000; i++) {
		for (size_t b = 0; b < sizeof(bad.bytes); b++)
			bad.bytes[b] = (unsigned char)rand();
		check_open_fails(&bad, AML_EINVAL);
	}
	/* A buffer's handle is no replica set's. */
	{
		struct aml_replicaset *rs;

		CHECK_EQ(aml_replicaset_ipc_open(&rs, &h), -AML_EINVAL);
	}
	/* The valid one opens, unaligned, in this process too. */
	q = aml_ipc_open(&h, &n);
	CHECK(q != NULL && n == 2 * page && q != p + 100);
	CHECK_EQ(q[0], 7);
	q[0] = 9;
	CHECK_EQ(p[100], 9);
	CHECK_EQ(aml_ipc_close(q, n + 1), -AML_EINVAL);
	CHECK_EQ(aml_ipc_close(q + 1, n), -AML_EINVAL);
	CHECK_EQ(aml_ipc_close(q, n), AML_SUCCESS);
	CHECK_EQ(aml_ipc_close(q, n), -AML_EINVAL);
	/* Ranges out of the mapping. */
	CHECK_EQ(aml_ipc_handle_get(p, size + 1, &h), -AML_EINVAL);
	CHECK_EQ(aml_ipc_handle_get(p - 1, 2, &h), -AML_EINVAL);
	CHECK_EQ(aml_ipc_handle_get(p, SIZE_MAX, &h), -AML_EINVAL);
	/* Unmapped: the handle is stale. */
	CHECK_EQ(aml_ipc_handle_get(p, size, &h), AML_SUCCESS);
	CHECK_EQ(aml_area_munmap(area, p, size), AML_SUCCESS);
	check_open_fails(&h, AML_EINVAL);
	CHECK_EQ(aml_ipc_handle_get(p, size, &h), -AML_EINVAL);
}

/* Parts of a mapping unmapped through the area: the rest exports. */
static void partial(struct aml_area *area)
{
	const size_t size = 8 * page;
	struct aml_ipc_handle h, head;
	char *p = aml_area_mmap(area, size, NULL), *q;
	size_t n;

	CHECK(p != NULL);
	for (size_t i = 0; i < size; i++)
		p[i] = (char)(i / page);
	CHECK_EQ(aml_ipc_handle_get(p, page, &head), AML_SUCCESS);
	/* Head, middle, tail. */
	CHECK_EQ(aml_area_munmap(area, p, page), AML_SUCCESS);
	CHECK_EQ(aml_area_munmap(area, p + 3 * page, 2 * page), AML_SUCCESS);
	CHECK_EQ(aml_area_munmap(area, p + 7 * page, page), AML_SUCCESS);
	CHECK_EQ(aml_ipc_handle_get(p, page, &h), -AML_EINVAL);
	CHECK_EQ(aml_ipc_handle_get(p + page, 3 * page, &h), -AML_EINVAL);
	CHECK_EQ(aml_ipc_handle_get(p + 6 * page, 2 * page, &h), -AML_EINVAL);
	CHECK_EQ(aml_ipc_handle_get(p + page, 2 * page, &h), AML_SUCCESS);
	q = aml_ipc_open(&h, &n);
	CHECK(q != NULL && q[0] == 1 && q[page] == 2);
	CHECK_EQ(aml_ipc_close(q, n), AML_SUCCESS);
	CHECK_EQ(aml_ipc_handle_get(p + 5 * page, 2 * page, &h), AML_SUCCESS);
	q = aml_ipc_open(&h, &n);
	CHECK(q != NULL && q[0] == 5 && q[page] == 6);
	CHECK_EQ(aml_ipc_close(q, n), AML_SUCCESS);
	/* munmap(2) directly, then other memory there: not exported. */
	CHECK(munmap(p + page, 2 * page) == 0);
	CHECK(mmap(p + page, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == p + page);
	CHECK_EQ(aml_ipc_handle_get(p + page, page, &h), -AML_EINVAL);
	CHECK(munmap(p + page, 2 * page) == 0);
	CHECK_EQ(aml_area_munmap(area, p + page, 2 * page), AML_SUCCESS);
	/* A handle of a part unmapped opens while the rest lives (the
	 * object keeps its pages), not once all of it is unmapped. */
	q = aml_ipc_open(&head, &n);
	CHECK(q != NULL && q[0] == 0 && n == page);
	CHECK_EQ(aml_ipc_close(q, n), AML_SUCCESS);
	CHECK_EQ(aml_area_munmap(area, p + 5 * page, 2 * page), AML_SUCCESS);
	check_open_fails(&head, AML_EINVAL);
}

int main(void)
{
	struct aml_area *area;
	int fds;
	long long before;

	page = (size_t)sysconf(_SC_PAGESIZE);
	fds = open_fds();
	area = shared_area();
	before = shmem_bytes(-1);
	arguments(area);
	flags();
	/* Twice: the second round must find nothing left of the first. */
	for (int round = 0; round < 2; round++) {
		forged(area);
		partial(area);
		CHECK_EQ(open_fds(), fds);
	}
	aml_area_linux_destroy(&area);
	printf("forged, stale and bad handles refused; no descriptor left "
	       "(Shmem %lld kB before, %lld kB after)\n",
	       before / 1024, shmem_bytes(-1) / 1024);
	return 0;
}
