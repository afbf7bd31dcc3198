#include <aml.h>

#include "check.h"

/* Every bit of `b` equals membership in [lo, hi]. */
static void check_only_range(const struct aml_bitmap *b, unsigned int lo,
			     unsigned int hi)
{
	for (unsigned int i = 0; i < AML_BITMAP_MAX; i++)
		CHECK_EQ(aml_bitmap_isset(b, i), i >= lo && i <= hi);
}

static void check_string(const struct aml_bitmap *b, const char *expect)
{
	char *s = aml_bitmap_to_string(b);
	struct aml_bitmap back;

	CHECK(s != NULL);
	if (strcmp(s, expect) != 0) {
		fprintf(stderr, "to_string: \"%s\", expected \"%s\"\n", s,
			expect);
		exit(1);
	}
	/* from_string accepts what to_string writes. */
	aml_bitmap_fill(&back);
	CHECK_EQ(aml_bitmap_from_string(&back, s), 0);
	CHECK_EQ(aml_bitmap_isequal(&back, b), 1);
	free(s);
}

static void test_macros(void)
{
	struct aml_bitmap b;

	CHECK_EQ(AML_BITMAP_MAX, 2048);
	CHECK_EQ(AML_BITMAP_NBITS, 8 * sizeof(AML_BITMAP_TYPE));
	CHECK(AML_BITMAP_SIZE * AML_BITMAP_NBITS >= AML_BITMAP_MAX);
	CHECK_EQ(AML_BITMAP_BYTES, sizeof(b.mask));
	CHECK_EQ(sizeof(b), AML_BITMAP_BYTES);
}

static void test_single_bits(void)
{
	struct aml_bitmap b;

	CHECK_EQ(aml_bitmap_zero(&b), 0);
	CHECK_EQ(aml_bitmap_iszero(&b), 1);
	CHECK_EQ(aml_bitmap_isfull(&b), 0);
	CHECK_EQ(aml_bitmap_nset(&b), 0);
	CHECK_EQ(aml_bitmap_first(&b), -1);
	CHECK_EQ(aml_bitmap_last(&b), -1);

	const unsigned int idx[] = {0, 1, 63, 64, 65, 1000, AML_BITMAP_MAX - 1};
	for (size_t k = 0; k < sizeof(idx) / sizeof(*idx); k++) {
		CHECK_EQ(aml_bitmap_set(&b, idx[k]), 0);
		CHECK_EQ(aml_bitmap_isset(&b, idx[k]), 1);
		CHECK_EQ(aml_bitmap_nset(&b), 1);
		CHECK_EQ(aml_bitmap_first(&b), idx[k]);
		CHECK_EQ(aml_bitmap_last(&b), idx[k]);
		CHECK_EQ(aml_bitmap_iszero(&b), 0);
		check_only_range(&b, idx[k], idx[k]);
		CHECK_EQ(aml_bitmap_clear(&b, idx[k]), 0);
		CHECK_EQ(aml_bitmap_isset(&b, idx[k]), 0);
		CHECK_EQ(aml_bitmap_iszero(&b), 1);
	}

	/* Setting twice and clearing an unset bit are no-ops. */
	CHECK_EQ(aml_bitmap_set(&b, 5), 0);
	CHECK_EQ(aml_bitmap_set(&b, 5), 0);
	CHECK_EQ(aml_bitmap_nset(&b), 1);
	CHECK_EQ(aml_bitmap_clear(&b, 6), 0);
	CHECK_EQ(aml_bitmap_nset(&b), 1);

	/* first and last with several bits. */
	CHECK_EQ(aml_bitmap_set(&b, 700), 0);
	CHECK_EQ(aml_bitmap_set(&b, 129), 0);
	CHECK_EQ(aml_bitmap_first(&b), 5);
	CHECK_EQ(aml_bitmap_last(&b), 700);
	CHECK_EQ(aml_bitmap_nset(&b), 3);

	CHECK_EQ(aml_bitmap_fill(&b), 0);
	CHECK_EQ(aml_bitmap_isfull(&b), 1);
	CHECK_EQ(aml_bitmap_iszero(&b), 0);
	CHECK_EQ(aml_bitmap_nset(&b), AML_BITMAP_MAX);
	CHECK_EQ(aml_bitmap_first(&b), 0);
	CHECK_EQ(aml_bitmap_last(&b), AML_BITMAP_MAX - 1);
	CHECK_EQ(aml_bitmap_clear(&b, 77), 0);
	CHECK_EQ(aml_bitmap_isfull(&b), 0);
	CHECK_EQ(aml_bitmap_nset(&b), AML_BITMAP_MAX - 1);
}

static void test_out_of_range(void)
{
	struct aml_bitmap b, ref;

	aml_bitmap_zero(&b);
	aml_bitmap_set(&b, 3);
	aml_bitmap_copy(&ref, &b);
	CHECK_EQ(aml_bitmap_isset(&b, AML_BITMAP_MAX), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_isset(&b, (unsigned int)-1), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_set(&b, AML_BITMAP_MAX), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_set(&b, (unsigned int)-1), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_clear(&b, AML_BITMAP_MAX), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_clear(&b, (unsigned int)-1), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_set_range(&b, 0, AML_BITMAP_MAX), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_set_range(&b, AML_BITMAP_MAX, AML_BITMAP_MAX + 3),
		 -AML_EINVAL);
	CHECK_EQ(aml_bitmap_set_range(&b, 9, 8), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_clear_range(&b, 0, AML_BITMAP_MAX), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_clear_range(&b, 4, 3), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_isequal(&b, &ref), 1);

	/* NULL bitmaps. */
	CHECK_EQ(aml_bitmap_zero(NULL), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_fill(NULL), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_iszero(NULL), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_isfull(NULL), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_isequal(NULL, &b), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_isequal(&b, NULL), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_isset(NULL, 0), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_set(NULL, 0), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_clear(NULL, 0), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_set_range(NULL, 0, 1), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_clear_range(NULL, 0, 1), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_nset(NULL), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_first(NULL), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_last(NULL), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_from_string(NULL, "1"), -AML_EINVAL);
	aml_errno = 0;
	CHECK(aml_bitmap_to_string(NULL) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	aml_bitmap_copy(NULL, &b);
	aml_bitmap_copy(&b, NULL);
	aml_bitmap_copy_from_ulong(NULL, ref.mask, 64);
	aml_bitmap_copy_from_ulong(&b, NULL, 64);
	aml_bitmap_copy_to_ulong(NULL, ref.mask, 64);
	aml_bitmap_copy_to_ulong(&b, NULL, 64);
	CHECK_EQ(aml_bitmap_isequal(&b, &ref), 1);
}

static void test_ranges(void)
{
	struct aml_bitmap b;
	const unsigned int r[][2] = {
	    {0, 0},
	    {0, 63},
	    {0, 64},
	    {63, 64},
	    {5, 130},
	    {100, 1000},
	    {1, AML_BITMAP_MAX - 2},
	    {AML_BITMAP_MAX - 1, AML_BITMAP_MAX - 1},
	};

	for (size_t k = 0; k < sizeof(r) / sizeof(*r); k++) {
		aml_bitmap_zero(&b);
		CHECK_EQ(aml_bitmap_set_range(&b, r[k][0], r[k][1]), 0);
		check_only_range(&b, r[k][0], r[k][1]);
		CHECK_EQ(aml_bitmap_nset(&b), r[k][1] - r[k][0] + 1);
		CHECK_EQ(aml_bitmap_first(&b), r[k][0]);
		CHECK_EQ(aml_bitmap_last(&b), r[k][1]);

		aml_bitmap_fill(&b);
		CHECK_EQ(aml_bitmap_clear_range(&b, r[k][0], r[k][1]), 0);
		CHECK_EQ(aml_bitmap_nset(&b),
			 AML_BITMAP_MAX - (int)(r[k][1] - r[k][0] + 1));
		for (unsigned int i = 0; i < AML_BITMAP_MAX; i++)
			CHECK_EQ(aml_bitmap_isset(&b, i),
				 i < r[k][0] || i > r[k][1]);
	}
	aml_bitmap_zero(&b);
	CHECK_EQ(aml_bitmap_set_range(&b, 0, AML_BITMAP_MAX - 1), 0);
	CHECK_EQ(aml_bitmap_isfull(&b), 1);
	CHECK_EQ(aml_bitmap_clear_range(&b, 0, AML_BITMAP_MAX - 1), 0);
	CHECK_EQ(aml_bitmap_iszero(&b), 1);
}

static void test_copy_equal(void)
{
	struct aml_bitmap a, b;

	aml_bitmap_zero(&a);
	aml_bitmap_set(&a, 2);
	aml_bitmap_set(&a, 2000);
	aml_bitmap_fill(&b);
	CHECK_EQ(aml_bitmap_isequal(&a, &b), 0);
	aml_bitmap_copy(&b, &a);
	CHECK_EQ(aml_bitmap_isequal(&a, &b), 1);
	CHECK_EQ(aml_bitmap_isequal(&a, &a), 1);
	aml_bitmap_set(&b, 1999);
	CHECK_EQ(aml_bitmap_isequal(&a, &b), 0);
}

static void test_ulong(void)
{
	const size_t nw = AML_BITMAP_SIZE + 2;
	unsigned long src[AML_BITMAP_SIZE + 2], dst[AML_BITMAP_SIZE + 2];
	struct aml_bitmap b;

	for (size_t i = 0; i < nw; i++)
		src[i] = 0x9e3779b97f4a7c15UL * (i + 1);

	/* Whole round trip. */
	aml_bitmap_copy_from_ulong(&b, src, AML_BITMAP_MAX);
	for (unsigned int i = 0; i < AML_BITMAP_MAX; i++)
		CHECK_EQ(aml_bitmap_isset(&b, i),
			 (src[i / AML_BITMAP_NBITS] >> (i % AML_BITMAP_NBITS)) &
			     1);
	memset(dst, 0xa5, sizeof(dst));
	aml_bitmap_copy_to_ulong(&b, dst, AML_BITMAP_MAX);
	for (size_t i = 0; i < AML_BITMAP_SIZE; i++)
		CHECK_EQ(dst[i], src[i]);
	/* Words past nbits are not touched. */
	CHECK_EQ(dst[AML_BITMAP_SIZE], 0xa5a5a5a5a5a5a5a5UL);

	/* A partial copy clears the other bits of the bitmap. */
	aml_bitmap_fill(&b);
	aml_bitmap_copy_from_ulong(&b, src, 70);
	CHECK_EQ(aml_bitmap_last(&b) < 70, 1);
	for (unsigned int i = 0; i < AML_BITMAP_MAX; i++)
		CHECK_EQ(aml_bitmap_isset(&b, i),
			 i < 70 && ((src[i / AML_BITMAP_NBITS] >>
				     (i % AML_BITMAP_NBITS)) &
				    1));
	/* ...and copy_to_ulong of 70 bits writes only those (rest of the
	 * second word cleared). */
	memset(dst, 0xff, sizeof(dst));
	aml_bitmap_copy_to_ulong(&b, dst, 70);
	CHECK_EQ(dst[0], src[0]);
	CHECK_EQ(dst[1], src[1] & ((1UL << 6) - 1));
	CHECK_EQ(dst[2], ~0UL);

	/* nbits past the maximum is clamped on the way in, and bits past the
	 * maximum are cleared on the way out. */
	aml_bitmap_copy_from_ulong(&b, src, nw * AML_BITMAP_NBITS);
	memset(dst, 0xff, sizeof(dst));
	aml_bitmap_copy_to_ulong(&b, dst, nw * AML_BITMAP_NBITS);
	for (size_t i = 0; i < AML_BITMAP_SIZE; i++)
		CHECK_EQ(dst[i], src[i]);
	CHECK_EQ(dst[AML_BITMAP_SIZE], 0);
	CHECK_EQ(dst[AML_BITMAP_SIZE + 1], 0);

	/* Zero bits: bitmap cleared, destination untouched. */
	aml_bitmap_copy_from_ulong(&b, src, 0);
	CHECK_EQ(aml_bitmap_iszero(&b), 1);
	dst[0] = 42;
	aml_bitmap_copy_to_ulong(&b, dst, 0);
	CHECK_EQ(dst[0], 42);
}

static void test_strings(void)
{
	struct aml_bitmap b, ref;

	/* Keywords. */
	const char *all[] = {"all", "fill", "full"};
	const char *none[] = {"none", "zero", "empty", ""};
	for (size_t i = 0; i < 3; i++) {
		aml_bitmap_zero(&b);
		CHECK_EQ(aml_bitmap_from_string(&b, all[i]), 0);
		CHECK_EQ(aml_bitmap_isfull(&b), 1);
	}
	for (size_t i = 0; i < 4; i++) {
		aml_bitmap_fill(&b);
		CHECK_EQ(aml_bitmap_from_string(&b, none[i]), 0);
		CHECK_EQ(aml_bitmap_iszero(&b), 1);
	}
	aml_bitmap_fill(&b);
	CHECK_EQ(aml_bitmap_from_string(&b, NULL), 0);
	CHECK_EQ(aml_bitmap_iszero(&b), 1);

	/* One index, a list, ranges. */
	aml_bitmap_fill(&b);
	CHECK_EQ(aml_bitmap_from_string(&b, "7"), 0);
	check_only_range(&b, 7, 7);
	CHECK_EQ(aml_bitmap_from_string(&b, "2047"), 0);
	check_only_range(&b, 2047, 2047);
	CHECK_EQ(aml_bitmap_from_string(&b, "0"), 0);
	check_only_range(&b, 0, 0);
	CHECK_EQ(aml_bitmap_from_string(&b, "3,1,200"), 0);
	CHECK_EQ(aml_bitmap_nset(&b), 3);
	CHECK_EQ(aml_bitmap_isset(&b, 1), 1);
	CHECK_EQ(aml_bitmap_isset(&b, 3), 1);
	CHECK_EQ(aml_bitmap_isset(&b, 200), 1);
	CHECK_EQ(aml_bitmap_from_string(&b, "0-3,8"), 0);
	CHECK_EQ(aml_bitmap_nset(&b), 5);
	for (unsigned int i = 0; i <= 3; i++)
		CHECK_EQ(aml_bitmap_isset(&b, i), 1);
	CHECK_EQ(aml_bitmap_isset(&b, 8), 1);
	CHECK_EQ(aml_bitmap_from_string(&b, "4-4"), 0);
	check_only_range(&b, 4, 4);
	CHECK_EQ(aml_bitmap_from_string(&b, "0-2047"), 0);
	CHECK_EQ(aml_bitmap_isfull(&b), 1);
	CHECK_EQ(aml_bitmap_from_string(&b, "1,1,1"), 0);
	check_only_range(&b, 1, 1);

	/* Rejected strings leave the bitmap unchanged. */
	const char *bad[] = {
	    "abc",   "1,",  ",1",    "3-1",    "2048",
	    "-1",    "1 2", " 1",    "1 ",     "1-",
	    "-",     ",",   "1,,2",  "0-2048", "99999999999999999999",
	    "1-2-3", "0x1", "all,1", "1;2",    "none1",
	    "ALL",   "+1",  "1.0",
	};
	aml_bitmap_zero(&ref);
	aml_bitmap_set(&ref, 11);
	aml_bitmap_set(&ref, 1500);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		aml_bitmap_copy(&b, &ref);
		if (aml_bitmap_from_string(&b, bad[i]) != -AML_EINVAL) {
			fprintf(stderr, "accepted \"%s\"\n", bad[i]);
			exit(1);
		}
		CHECK_EQ(aml_bitmap_isequal(&b, &ref), 1);
	}

	/* to_string writes a Linux node list, and round trips. */
	aml_bitmap_zero(&b);
	check_string(&b, "");
	aml_bitmap_set(&b, 0);
	check_string(&b, "0");
	aml_bitmap_set_range(&b, 0, 3);
	aml_bitmap_set(&b, 8);
	check_string(&b, "0-3,8");
	aml_bitmap_set(&b, 10);
	aml_bitmap_set_range(&b, 63, 65);
	aml_bitmap_set(&b, 2047);
	check_string(&b, "0-3,8,10,63-65,2047");
	aml_bitmap_fill(&b);
	check_string(&b, "0-2047");

	/* Worst cases for the string length: alternating bits, pairs. */
	aml_bitmap_zero(&b);
	for (unsigned int i = 0; i < AML_BITMAP_MAX; i += 2)
		aml_bitmap_set(&b, i);
	char *s = aml_bitmap_to_string(&b);
	CHECK(s != NULL);
	CHECK(strncmp(s, "0,2,4,", 6) == 0);
	CHECK(strcmp(s + strlen(s) - 5, ",2046") == 0);
	aml_bitmap_zero(&ref);
	CHECK_EQ(aml_bitmap_from_string(&ref, s), 0);
	CHECK_EQ(aml_bitmap_isequal(&ref, &b), 1);
	free(s);
	aml_bitmap_zero(&b);
	for (unsigned int i = 0; i + 1 < AML_BITMAP_MAX; i += 3)
		aml_bitmap_set_range(&b, i, i + 1);
	s = aml_bitmap_to_string(&b);
	CHECK(s != NULL);
	CHECK(strncmp(s, "0-1,3-4,", 8) == 0);
	aml_bitmap_zero(&ref);
	CHECK_EQ(aml_bitmap_from_string(&ref, s), 0);
	CHECK_EQ(aml_bitmap_isequal(&ref, &b), 1);
	free(s);
}

static void test_heap(void)
{
	struct aml_bitmap *b = NULL, *c = NULL, *keep;

	CHECK_EQ(aml_bitmap_create(NULL), -AML_EINVAL);
	CHECK_EQ(aml_bitmap_create(&b), AML_SUCCESS);
	CHECK(b != NULL);
	CHECK_EQ(aml_bitmap_iszero(b), 1);
	aml_bitmap_set(b, 42);
	aml_bitmap_set(b, AML_BITMAP_MAX - 1);

	CHECK_EQ(aml_bitmap_dup(NULL, b), -AML_EINVAL);
	keep = c;
	CHECK_EQ(aml_bitmap_dup(&c, NULL), -AML_EINVAL);
	CHECK(c == keep);
	CHECK_EQ(aml_bitmap_dup(&c, b), AML_SUCCESS);
	CHECK(c != NULL && c != b);
	CHECK_EQ(aml_bitmap_isequal(b, c), 1);
	/* The copy is independent. */
	aml_bitmap_clear(b, 42);
	CHECK_EQ(aml_bitmap_isset(c, 42), 1);

	aml_bitmap_destroy(&b);
	CHECK(b == NULL);
	aml_bitmap_destroy(&c);
	CHECK(c == NULL);
	/* NULL-safe. */
	aml_bitmap_destroy(&b);
	aml_bitmap_destroy(NULL);
}

int main(void)
{
	test_macros();
	test_single_bits();
	test_out_of_range();
	test_ranges();
	test_copy_equal();
	test_ulong();
	test_strings();
	test_heap();
	return 0;
}
