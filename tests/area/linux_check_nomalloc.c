/* aml_area_linux_check_binding() checks a small range without allocating:
 * with malloc(3) failing, the check of a few pages still answers. malloc
 * is replaced in this program (libaml calls resolve to it); sanitizers
 * bring their own malloc, so their builds skip the test. */
#include "linux_test.h"

#define NPAGES 16

static volatile int malloc_fails;

#if !CHECK_UNDER_ASAN && !CHECK_UNDER_TSAN
extern void *__libc_malloc(size_t size);

void *malloc(size_t size)
{
	if (malloc_fails)
		return NULL;
	return __libc_malloc(size);
}
#endif

static void check_without_malloc(enum aml_area_linux_policy policy)
{
	const size_t size = NPAGES * test_page_size();
	struct aml_area *area;
	char *buf;

	CHECK_EQ(aml_area_linux_create(&area, NULL, policy), 0);
	buf = aml_area_mmap(area, size, NULL);
	CHECK(buf != NULL);
	CHECK_EQ(madvise(buf, size, MADV_NOHUGEPAGE), 0);
	memset(buf, 1, size);
	malloc_fails = 1;
	/* The malloc of this program is the one libaml calls. */
	CHECK(malloc(1) == NULL);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 1);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf + 1, 1), 1);
	malloc_fails = 0;
	CHECK_EQ(aml_area_munmap(area, buf, size), 0);
	aml_area_linux_destroy(&area);
}

int main(void)
{
	if (CHECK_UNDER_ASAN || CHECK_UNDER_TSAN)
		SKIP("a sanitizer's malloc cannot be replaced");
	check_without_malloc(AML_AREA_LINUX_POLICY_BIND);
	check_without_malloc(AML_AREA_LINUX_POLICY_INTERLEAVE);
	check_without_malloc(AML_AREA_LINUX_POLICY_PREFERRED);
	check_without_malloc(AML_AREA_LINUX_POLICY_DEFAULT);
	return 0;
}
