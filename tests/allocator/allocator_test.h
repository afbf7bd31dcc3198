/* Helpers of the allocator tests. */
#ifndef AML_TESTS_ALLOCATOR_TEST_H
#define AML_TESTS_ALLOCATOR_TEST_H

#include <stdio.h>

#include "aml.h"
#include "check.h"

/* Mappings of this process: the lines of /proc/self/maps. */
static inline int test_count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, c;

	CHECK(f != NULL);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/*
 * Check that the process has `maps` mappings again. Sanitizer runtimes map
 * memory for themselves at any time, so there the counting area's balance
 * (every mapping returned) is the check that counts.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TEST_SANITIZED 1
#endif
#endif
static inline void test_maps_back_to(int maps)
{
#ifndef TEST_SANITIZED
	CHECK_EQ(test_count_maps(), maps);
#else
	(void)maps;
#endif
}

/* A pointer no AML allocator owns: on the stack, from malloc, static. */
static int test_static_object;

/* The bad input every allocator rejects the same way. */
static inline void test_bad_input(struct aml_allocator *a)
{
	int local;
	void *foreign = malloc(64);

	CHECK(foreign != NULL);
	aml_errno = 0;
	CHECK(aml_alloc(a, 0) == NULL && aml_errno == AML_EINVAL);
	aml_errno = 0;
	CHECK(aml_aligned_alloc(a, 64, 0) == NULL && aml_errno == AML_EINVAL);
	aml_errno = 0;
	CHECK(aml_aligned_alloc(a, 64, 48) == NULL && aml_errno == AML_EINVAL);
	aml_errno = 0;
	CHECK(aml_calloc(a, SIZE_MAX / 2, 4) == NULL &&
	      aml_errno == AML_ENOMEM);
	CHECK_EQ(aml_free(a, NULL), AML_SUCCESS);
	CHECK_EQ(aml_free(a, foreign), -AML_EINVAL);
	CHECK_EQ(aml_free(a, &local), -AML_EINVAL);
	CHECK_EQ(aml_free(a, &test_static_object), -AML_EINVAL);
	CHECK_EQ(aml_free(a, (void *)(uintptr_t)0x10), -AML_EINVAL);
	CHECK_EQ(aml_free(a, (void *)~(uintptr_t)0xfff), -AML_EINVAL);
	aml_errno = 0;
	CHECK(aml_usable_size(a, foreign) == 0 && aml_errno == AML_EINVAL);
	CHECK(aml_allocator_of(foreign) == NULL);
	CHECK(aml_allocator_of(&local) == NULL);
	CHECK(aml_allocator_of(NULL) == NULL);
	free(foreign);
	/* A size no area maps: ENOMEM, and the allocator still works. */
	aml_errno = 0;
	CHECK(aml_alloc(a, (size_t)1 << 50) == NULL && aml_errno == AML_ENOMEM);
	aml_errno = 0;
	CHECK(aml_alloc(a, SIZE_MAX) == NULL && aml_errno == AML_ENOMEM);
}

/* Generic behaviour of an allocator on memory the CPU may touch. */
static inline void test_objects(struct aml_allocator *a)
{
	size_t sizes[] = {1, 16, 64, 100, 4096, 5000, 65536, 1 << 20};
	void *p[sizeof(sizes) / sizeof(sizes[0])];
	unsigned char *q;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p[i] = aml_alloc(a, sizes[i]);
		CHECK(p[i] != NULL);
		CHECK((uintptr_t)p[i] % 16 == 0 || sizes[i] < 16);
		CHECK(aml_allocator_of(p[i]) == a);
		CHECK(aml_allocator_of((char *)p[i] + sizes[i] - 1) == a);
		CHECK(aml_usable_size(a, p[i]) >= sizes[i]);
		memset(p[i], (int)i, sizes[i]);
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		q = p[i];
		CHECK(q[0] == i && q[sizes[i] - 1] == i);
		CHECK_EQ(aml_free(a, p[i]), AML_SUCCESS);
	}
	for (size_t align = 1; align <= (1 << 22); align <<= 1) {
		q = aml_aligned_alloc(a, 24, align);
		CHECK(q != NULL && (uintptr_t)q % align == 0);
		CHECK(aml_allocator_of(q) == a);
		q[23] = 1;
		CHECK_EQ(aml_free(a, q), AML_SUCCESS);
	}
	q = aml_calloc(a, 100, 30);
	CHECK(q != NULL);
	for (int i = 0; i < 3000; i++)
		CHECK(q[i] == 0);
	memset(q, 7, 3000);
	q = aml_realloc(a, q, 100000);
	CHECK(q != NULL && q[0] == 7 && q[2999] == 7);
	q = aml_realloc(a, q, 10);
	CHECK(q != NULL && q[9] == 7);
	aml_errno = 1;
	CHECK(aml_realloc(a, q, 0) == NULL && aml_errno == 0);
	q = aml_realloc(a, NULL, 10);
	CHECK(q != NULL);
	CHECK_EQ(aml_free(a, q), AML_SUCCESS);
}

/*
 * A user-written area that forwards to another and counts what is mapped,
 * so a test can check that destroy returned every mapping.
 */
struct test_counting_area {
	struct aml_area area; /* first: its data points back here */
	const struct aml_area *inner;
	pthread_mutex_t lock;
	long mappings, maps_total;
	size_t bytes;
};

static void *test_counting_mmap(const struct aml_area_data *data, size_t size,
				struct aml_area_mmap_options *opts)
{
	struct test_counting_area *c = (struct test_counting_area *)data;
	void *p = aml_area_mmap(c->inner, size, opts);

	if (p != NULL) {
		pthread_mutex_lock(&c->lock);
		c->mappings++;
		c->maps_total++;
		c->bytes += size;
		pthread_mutex_unlock(&c->lock);
	}
	return p;
}

static int test_counting_munmap(const struct aml_area_data *data, void *ptr,
				size_t size)
{
	struct test_counting_area *c = (struct test_counting_area *)data;

	pthread_mutex_lock(&c->lock);
	c->mappings--;
	c->bytes -= size;
	pthread_mutex_unlock(&c->lock);
	return aml_area_munmap(c->inner, ptr, size);
}

static struct aml_area_ops test_counting_ops = {
    .mmap = test_counting_mmap,
    .munmap = test_counting_munmap,
    .fprintf = NULL,
};

static inline void test_counting_init(struct test_counting_area *c,
				      const struct aml_area *inner)
{
	memset(c, 0, sizeof(*c));
	c->area.ops = &test_counting_ops;
	c->area.data = (struct aml_area_data *)c;
	c->inner = inner;
	pthread_mutex_init(&c->lock, NULL);
}

#endif /* AML_TESTS_ALLOCATOR_TEST_H */
