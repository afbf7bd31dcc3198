#include <aml.h>

#include "check.h"

struct with_array {
	int n;
	double v[3];
};

struct odd {
	char c[5];
};

#define MAX_PARTS 10

/* Offset, size and alignment of one part of a block. */
struct part {
	size_t off, size, align;
};

/*
 * Every part is aligned for its type, parts follow each other without
 * overlap, and each is zeroed and writable for its whole size (ASan catches
 * a part running past the allocation).
 */
static void check_parts(char *base, const struct part *p, size_t n)
{
	CHECK(base != NULL);
	CHECK_EQ(p[0].off, 0);
	for (size_t k = 0; k < n; k++) {
		CHECK(p[k].align > 0);
		CHECK_EQ(p[k].off % p[k].align, 0);
		CHECK_EQ((uintptr_t)(base + p[k].off) % p[k].align, 0);
		if (k > 0)
			CHECK(p[k].off >= p[k - 1].off + p[k - 1].size);
		for (size_t i = 0; i < p[k].size; i++)
			CHECK_EQ(base[p[k].off + i], 0);
	}
	/* Write every byte of each part, in reverse so that an overlap
	 * would show in the check below. */
	for (size_t k = n; k-- > 0;)
		memset(base + p[k].off, (int)(k + 1), p[k].size);
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < p[k].size; i++)
			CHECK_EQ(base[p[k].off + i], (char)(k + 1));
}

#define SZ_1(a, ...)                                                           \
	{                                                                      \
		0, sizeof(a), AML_ALIGNOF(a)                                   \
	}
#define SZ_2(a, ...) SZ_1(a, 0), SZ_1(__VA_ARGS__)
#define SZ_3(a, ...) SZ_1(a, 0), SZ_2(__VA_ARGS__)
#define SZ_4(a, ...) SZ_1(a, 0), SZ_3(__VA_ARGS__)
#define SZ_5(a, ...) SZ_1(a, 0), SZ_4(__VA_ARGS__)
#define SZ_6(a, ...) SZ_1(a, 0), SZ_5(__VA_ARGS__)
#define SZ_7(a, ...) SZ_1(a, 0), SZ_6(__VA_ARGS__)
#define SZ_8(a, ...) SZ_1(a, 0), SZ_7(__VA_ARGS__)

#define OF(p, k, ...)                                                          \
	((size_t)((char *)AML_INNER_MALLOC_GET_FIELD(p, k, __VA_ARGS__) -      \
		  (char *)(p)))
#define OFFS_1(o, p, ...) o[0].off = OF(p, 1, __VA_ARGS__)
#define OFFS_2(o, p, ...)                                                      \
	OFFS_1(o, p, __VA_ARGS__), o[1].off = OF(p, 2, __VA_ARGS__)
#define OFFS_3(o, p, ...)                                                      \
	OFFS_2(o, p, __VA_ARGS__), o[2].off = OF(p, 3, __VA_ARGS__)
#define OFFS_4(o, p, ...)                                                      \
	OFFS_3(o, p, __VA_ARGS__), o[3].off = OF(p, 4, __VA_ARGS__)
#define OFFS_5(o, p, ...)                                                      \
	OFFS_4(o, p, __VA_ARGS__), o[4].off = OF(p, 5, __VA_ARGS__)
#define OFFS_6(o, p, ...)                                                      \
	OFFS_5(o, p, __VA_ARGS__), o[5].off = OF(p, 6, __VA_ARGS__)
#define OFFS_7(o, p, ...)                                                      \
	OFFS_6(o, p, __VA_ARGS__), o[6].off = OF(p, 7, __VA_ARGS__)
#define OFFS_8(o, p, ...)                                                      \
	OFFS_7(o, p, __VA_ARGS__), o[7].off = OF(p, 8, __VA_ARGS__)

/* The n listed types alone, with an array of `nelem` `elem`, and with
 * `extra` bytes after that array. */
#define RUN(n, nelem, elem, extra, ...)                                        \
	do {                                                                   \
		struct part p[MAX_PARTS] = {SZ_##n(__VA_ARGS__, 0)};           \
		char *b = AML_INNER_MALLOC(__VA_ARGS__);                       \
		CHECK(b != NULL);                                              \
		CHECK_EQ(AML_INNER_MALLOC_SIZE(__VA_ARGS__),                   \
			 OF(b, n, __VA_ARGS__) + p[n - 1].size);               \
		OFFS_##n(p, b, __VA_ARGS__);                                   \
		check_parts(b, p, n);                                          \
		free(b);                                                       \
                                                                               \
		b = AML_INNER_MALLOC_ARRAY(nelem, elem, __VA_ARGS__);          \
		CHECK(b != NULL);                                              \
		OFFS_##n(p, b, __VA_ARGS__);                                   \
		p[n].off = (size_t)((char *)AML_INNER_MALLOC_GET_ARRAY(        \
					b, elem, __VA_ARGS__) -                \
				    b);                                        \
		p[n].size = (nelem) * sizeof(elem);                            \
		p[n].align = AML_ALIGNOF(elem);                                \
		check_parts(b, p, n + 1);                                      \
		free(b);                                                       \
                                                                               \
		b = AML_INNER_MALLOC_EXTRA(nelem, elem, extra, __VA_ARGS__);   \
		CHECK(b != NULL);                                              \
		OFFS_##n(p, b, __VA_ARGS__);                                   \
		p[n].off = (size_t)((char *)AML_INNER_MALLOC_GET_ARRAY(        \
					b, elem, __VA_ARGS__) -                \
				    b);                                        \
		p[n + 1].off = (size_t)((char *)AML_INNER_MALLOC_GET_EXTRA(    \
					    b, nelem, elem, __VA_ARGS__) -     \
					b);                                    \
		p[n + 1].size = (extra);                                       \
		p[n + 1].align = AML_INNER_MALLOC_EXTRA_ALIGN;                 \
		check_parts(b, p, n + 2);                                      \
		free(b);                                                       \
	} while (0)

/* Each prefix (1 to 8 types) of a list of types, with a few arrays. */
#define RUN_ALL(nelem, elem, extra, a, b, c, d, e, f, g, h)                    \
	do {                                                                   \
		RUN(1, nelem, elem, extra, a);                                 \
		RUN(2, nelem, elem, extra, a, b);                              \
		RUN(3, nelem, elem, extra, a, b, c);                           \
		RUN(4, nelem, elem, extra, a, b, c, d);                        \
		RUN(5, nelem, elem, extra, a, b, c, d, e);                     \
		RUN(6, nelem, elem, extra, a, b, c, d, e, f);                  \
		RUN(7, nelem, elem, extra, a, b, c, d, e, f, g);               \
		RUN(8, nelem, elem, extra, a, b, c, d, e, f, g, h);            \
	} while (0)

#define RUN_LIST(...)                                                          \
	do {                                                                   \
		RUN_ALL(0, char, 0, __VA_ARGS__);                              \
		RUN_ALL(1, long double, 1, __VA_ARGS__);                       \
		RUN_ALL(7, struct with_array, 33, __VA_ARGS__);                \
		RUN_ALL(13, char, 100, __VA_ARGS__);                           \
		RUN_ALL(5, short, 16, __VA_ARGS__);                            \
	} while (0)

/* The use the header documents: an area and its data in one block. */
struct my_data {
	char tag;
	long double x;
};

static void test_documented_use(void)
{
	struct aml_area *a = AML_INNER_MALLOC(struct aml_area, struct my_data);
	struct my_data *d;

	CHECK(a != NULL);
	d = AML_INNER_MALLOC_GET_FIELD(a, 2, struct aml_area, struct my_data);
	CHECK((char *)d >= (char *)(a + 1));
	CHECK_EQ((uintptr_t)d % AML_ALIGNOF(struct my_data), 0);
	CHECK(a->ops == NULL && a->data == NULL && d->tag == 0);
	a->data = (struct aml_area_data *)d;
	d->tag = 'x';
	d->x = 1.5L;
	CHECK(a->data == (struct aml_area_data *)d);
	free(a);
}

int main(void)
{
	/* Alignments 1, 2, 4, 8 and 16, in rising, falling and mixed order. */
	RUN_LIST(char, long double, short, struct with_array, double, char, int,
		 struct odd);
	RUN_LIST(long double, double, struct with_array, int, short, char,
		 struct odd, char);
	RUN_LIST(char, short, int, double, long double, struct odd, char,
		 struct with_array);
	RUN_LIST(struct odd, struct odd, char, char, short, long double, char,
		 long double);
	test_documented_use();
	return 0;
}
