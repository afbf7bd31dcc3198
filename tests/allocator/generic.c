/* The generic API: argument checks, and a user-written allocator (malloc
 * underneath) with only alloc and free, served by the fallbacks. */
#include <malloc.h>

#include "allocator_test.h"

static int frees;

static void *user_alloc(struct aml_allocator_data *data, size_t size)
{
	(void)data;
	return malloc(size);
}

static int user_free(struct aml_allocator_data *data, void *ptr)
{
	(void)data;
	frees++;
	free(ptr);
	return AML_SUCCESS;
}

static size_t user_usable_size(struct aml_allocator_data *data, const void *ptr)
{
	(void)data;
	return malloc_usable_size((void *)ptr);
}

int main(void)
{
	struct aml_allocator_ops ops = {user_alloc, NULL, user_free, NULL,
					NULL};
	struct aml_allocator user = {NULL, &ops};
	struct aml_allocator broken = {NULL, NULL};
	char *p;

	/* NULL allocators and ops. */
	aml_errno = 0;
	CHECK(aml_alloc(NULL, 8) == NULL && aml_errno == AML_EINVAL);
	aml_errno = 0;
	CHECK(aml_alloc(&broken, 8) == NULL && aml_errno == AML_EINVAL);
	aml_errno = 0;
	CHECK(aml_aligned_alloc(NULL, 8, 8) == NULL && aml_errno == AML_EINVAL);
	aml_errno = 0;
	CHECK(aml_calloc(NULL, 1, 8) == NULL && aml_errno == AML_EINVAL);
	aml_errno = 0;
	CHECK(aml_realloc(NULL, NULL, 8) == NULL && aml_errno == AML_EINVAL);
	CHECK_EQ(aml_free(NULL, NULL), -AML_EINVAL);
	CHECK_EQ(aml_free(&broken, NULL), -AML_EINVAL);
	aml_errno = 0;
	CHECK(aml_usable_size(NULL, &user) == 0 && aml_errno == AML_EINVAL);

	/* Fallbacks: small alignments through alloc, larger ones refused;
	 * realloc without usable_size is not possible. */
	p = aml_aligned_alloc(&user, 10, 16);
	CHECK(p != NULL && (uintptr_t)p % 16 == 0);
	aml_errno = 0;
	CHECK(aml_aligned_alloc(&user, 10, 4096) == NULL &&
	      aml_errno == AML_ENOTSUP);
	aml_errno = 0;
	CHECK(aml_realloc(&user, p, 100) == NULL && aml_errno == AML_ENOTSUP);
	aml_errno = 0;
	CHECK(aml_usable_size(&user, p) == 0 && aml_errno == AML_ENOTSUP);
	CHECK_EQ(aml_free(&user, p), AML_SUCCESS);
	/* A user's pointers are not AML's. */
	CHECK(aml_allocator_of(p) == NULL);

	ops.usable_size = user_usable_size;
	p = aml_calloc(&user, 10, 10);
	CHECK(p != NULL && p[99] == 0);
	memset(p, 3, 100);
	p = aml_realloc(&user, p, 1000);
	CHECK(p != NULL && p[0] == 3 && p[99] == 3);
	frees = 0;
	aml_errno = 5;
	CHECK(aml_realloc(&user, p, 0) == NULL && aml_errno == 0);
	CHECK_EQ(frees, 1);
	CHECK_EQ(aml_free(&user, NULL), AML_SUCCESS);
	CHECK_EQ(frees, 1);
	return 0;
}
