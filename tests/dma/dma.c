/* The generic dma API and the Linux engine on bad input: NULL engine or
 * pointers, overlaps, size 0, requests waited on twice or after a cancel,
 * a user-written engine, destroy with requests in flight. */
#include <aml.h>
#include <aml/dma/linux.h>

#include "check.h"

/* A user's engine: synchronous memcpy, requests are heap cells. */
static int user_calls;

static int user_async(struct aml_dma_data *data, struct aml_dma_request **req,
		      void *dst, const void *src, size_t size)
{
	(void)data;
	user_calls++;
	memcpy(dst, src, size);
	*req = malloc(1);
	return *req ? AML_SUCCESS : -AML_ENOMEM;
}

static int user_wait(struct aml_dma_data *data, struct aml_dma_request *req)
{
	(void)data;
	free(req);
	return AML_SUCCESS;
}

static struct aml_dma_ops user_ops = {
    .async_copy = user_async,
    .wait = user_wait,
};

static void test_user_engine(void)
{
	struct aml_dma user = {.ops = &user_ops, .data = NULL};
	char a[64] = "user engine", b[64] = {0};

	/* No copy op: the generic copy submits and waits. */
	CHECK_EQ(aml_dma_copy(&user, b, a, sizeof(a)), AML_SUCCESS);
	CHECK(strcmp(b, "user engine") == 0);
	CHECK_EQ(user_calls, 1);
	/* No memset or cancel op. */
	CHECK_EQ(aml_dma_memset(&user, b, 0, 8), -AML_ENOTSUP);
	struct aml_dma_request *r;
	CHECK_EQ(aml_dma_async_copy(&user, &r, b, a, 8), AML_SUCCESS);
	/* No cancel operation: the request is left to wait on. */
	CHECK_EQ(aml_dma_cancel(&user, &r), -AML_EINVAL);
	CHECK(r != NULL);
	CHECK_EQ(aml_dma_wait(&user, &r), AML_SUCCESS);
}

static void test_bad_args(struct aml_dma *dma)
{
	char buf[256] = {0};
	struct aml_dma_request *r = (struct aml_dma_request *)buf;

	CHECK_EQ(aml_dma_copy(NULL, buf, buf + 128, 16), -AML_EINVAL);
	CHECK_EQ(aml_dma_copy(dma, NULL, buf, 16), -AML_EINVAL);
	CHECK_EQ(aml_dma_copy(dma, buf, NULL, 16), -AML_EINVAL);
	CHECK_EQ(aml_dma_memset(NULL, buf, 0, 16), -AML_EINVAL);
	CHECK_EQ(aml_dma_memset(dma, NULL, 0, 16), -AML_EINVAL);
	CHECK_EQ(aml_dma_async_copy(NULL, &r, buf, buf + 128, 16), -AML_EINVAL);
	CHECK(r == NULL);
	CHECK_EQ(aml_dma_async_copy(dma, NULL, buf, buf + 128, 16),
		 -AML_EINVAL);
	CHECK_EQ(aml_dma_async_copy(dma, &r, NULL, buf, 16), -AML_EINVAL);
	CHECK_EQ(aml_dma_wait(NULL, &r), -AML_EINVAL);
	CHECK_EQ(aml_dma_wait(dma, NULL), -AML_EINVAL);
	CHECK_EQ(aml_dma_wait(dma, &r), -AML_EINVAL); /* *r is NULL */
	CHECK_EQ(aml_dma_cancel(dma, NULL), -AML_EINVAL);
	/* A made-up handle is not a request of this engine. */
	r = (struct aml_dma_request *)(uintptr_t)0x1234567;
	CHECK_EQ(aml_dma_wait(dma, &r), -AML_EINVAL);
	CHECK(r == NULL);
	/* Overlaps, in both directions and by one byte. */
	CHECK_EQ(aml_dma_copy(dma, buf, buf, 16), -AML_EINVAL);
	CHECK_EQ(aml_dma_copy(dma, buf, buf + 15, 16), -AML_EINVAL);
	CHECK_EQ(aml_dma_copy(dma, buf + 15, buf, 16), -AML_EINVAL);
	CHECK_EQ(aml_dma_async_copy(dma, &r, buf + 1, buf, 16), -AML_EINVAL);
	CHECK(r == NULL);
	/* Adjacent ranges do not overlap. */
	memset(buf, 'x', 16);
	CHECK_EQ(aml_dma_copy(dma, buf + 16, buf, 16), AML_SUCCESS);
	CHECK(memcmp(buf, buf + 16, 16) == 0);
}

static void test_size_zero(struct aml_dma *dma)
{
	struct aml_dma_request *r = NULL;

	/* Size 0 does nothing, even with NULL or overlapping pointers. */
	CHECK_EQ(aml_dma_copy(dma, NULL, NULL, 0), AML_SUCCESS);
	CHECK_EQ(aml_dma_memset(dma, NULL, 0, 0), AML_SUCCESS);
	CHECK_EQ(aml_dma_async_copy(dma, &r, NULL, NULL, 0), AML_SUCCESS);
	CHECK(r != NULL);
	CHECK_EQ(aml_dma_wait(dma, &r), AML_SUCCESS);
	CHECK(r == NULL);
}

/* Waiting twice, or after a cancel, is rejected, at any size. */
static void test_stale(struct aml_dma *dma, size_t size)
{
	char *a = malloc(size), *b = malloc(size);
	struct aml_dma_request *r, *copy;

	CHECK(a && b);
	memset(a, 7, size);
	CHECK_EQ(aml_dma_async_copy(dma, &r, b, a, size), AML_SUCCESS);
	copy = r;
	CHECK_EQ(aml_dma_wait(dma, &r), AML_SUCCESS);
	CHECK(r == NULL);
	CHECK(memcmp(a, b, size) == 0);
	CHECK_EQ(aml_dma_wait(dma, &copy), -AML_EINVAL);
	CHECK(copy == NULL);

	CHECK_EQ(aml_dma_async_copy(dma, &r, b, a, size), AML_SUCCESS);
	copy = r;
	CHECK_EQ(aml_dma_cancel(dma, &r), AML_SUCCESS);
	CHECK(r == NULL);
	r = copy;
	CHECK_EQ(aml_dma_wait(dma, &r), -AML_EINVAL);
	r = copy;
	CHECK_EQ(aml_dma_cancel(dma, &r), -AML_EINVAL);
	/* The slot is reused: the old handle still does not match. */
	CHECK_EQ(aml_dma_async_copy(dma, &r, b, a, size), AML_SUCCESS);
	struct aml_dma_request *old = copy;
	CHECK_EQ(aml_dma_wait(dma, &old), -AML_EINVAL);
	CHECK_EQ(aml_dma_wait(dma, &r), AML_SUCCESS);
	free(a);
	free(b);
}

/* Destroy finishes what is in flight: the copies are complete after. */
static void test_destroy_in_flight(unsigned int nworkers)
{
	const size_t size = 8 << 20, n = 8;
	struct aml_dma_request *r[8];
	struct aml_dma *dma;
	char *src = malloc(size), *dst = malloc(size * n);

	CHECK(src && dst);
	for (size_t i = 0; i < size; i++)
		src[i] = (char)(i * 13 + 1);
	memset(dst, 0, size * n);
	CHECK_EQ(aml_dma_linux_create(&dma, nworkers), AML_SUCCESS);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(
		    aml_dma_async_copy(dma, &r[i], dst + i * size, src, size),
		    AML_SUCCESS);
	aml_dma_linux_destroy(&dma);
	CHECK(dma == NULL);
	for (size_t i = 0; i < n; i++)
		CHECK(memcmp(dst + i * size, src, size) == 0);
	free(src);
	free(dst);
}

int main(void)
{
	struct aml_dma *dma = (struct aml_dma *)1;

	test_user_engine();
	CHECK_EQ(aml_dma_linux_create(NULL, 2), -AML_EINVAL);
	for (unsigned int w = 0; w <= 2; w++) {
		CHECK_EQ(aml_dma_linux_create(&dma, w), AML_SUCCESS);
		CHECK(dma != NULL);
		test_bad_args(dma);
		test_size_zero(dma);
		test_stale(dma, 100);
		test_stale(dma, 16 << 20);
		CHECK_EQ(aml_dma_linux_set_threshold(NULL, 0), -AML_EINVAL);
		CHECK_EQ(aml_dma_linux_set_threshold(dma, 0), AML_SUCCESS);
		test_stale(dma, 100);
		CHECK_EQ(aml_dma_linux_worker_cpu(dma, w), -AML_EDOM);
		if (w > 0)
			CHECK(aml_dma_linux_worker_cpu(dma, 0) >= 0);
		aml_dma_linux_destroy(&dma);
		CHECK(dma == NULL);
		aml_dma_linux_destroy(&dma);
		test_destroy_in_flight(w);
	}
	aml_dma_linux_destroy(NULL);
	return 0;
}
