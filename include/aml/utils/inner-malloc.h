/**
 * @file inner-malloc.h
 * @brief Allocate a building block and its parts in one calloc(3).
 *
 * A building block often needs a header (`struct aml_area`), its private
 * data and maybe an array or a few extra bytes. These macros compute, at
 * compile time, one layout with every part aligned for its type, so that a
 * single calloc() returns all of it and a single free() releases it:
 *
 * @code
 * struct aml_area *a = AML_INNER_MALLOC(struct aml_area, struct my_data);
 * struct my_data *d = AML_INNER_MALLOC_GET_FIELD(a, 2, struct aml_area,
 *                                                struct my_data);
 * ...
 * free(a);
 * @endcode
 *
 * Up to 8 types may be listed. Field N counts from 1 (field 1 is the block
 * itself). The allocating macros return NULL when calloc() fails; they do not
 * set ::aml_errno. Thread safety: as calloc(3).
 */
#ifndef AML_UTILS_INNER_MALLOC_H
#define AML_UTILS_INNER_MALLOC_H

#include <stddef.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Alignment of a type, in every C and C++ dialect AML supports. */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define AML_ALIGNOF(type) alignof(type)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define AML_ALIGNOF(type) _Alignof(type)
#else
#define AML_ALIGNOF(type) __alignof__(type)
#endif

/** Alignment given to the untyped extra bytes of AML_INNER_MALLOC_EXTRA(). */
#define AML_INNER_MALLOC_EXTRA_ALIGN 16

/** Round `off` up to a multiple of `align` (a power of two). */
#define AML_INNER_ALIGN(off, align)                                          \
	(((size_t)(off) + (size_t)(align)-1) & ~((size_t)(align)-1))

/** @cond INTERNAL */
/* Offset (OFF) and end (END) of field N, given the first N types. */
#define AML_INNER_OFF_1(a, ...) ((size_t)0)
#define AML_INNER_END_1(a, ...) sizeof(a)
#define AML_INNER_OFF_2(a, b, ...)                                           \
	AML_INNER_ALIGN(AML_INNER_END_1(a, 0), AML_ALIGNOF(b))
#define AML_INNER_END_2(a, b, ...) (AML_INNER_OFF_2(a, b, 0) + sizeof(b))
#define AML_INNER_OFF_3(a, b, c, ...)                                        \
	AML_INNER_ALIGN(AML_INNER_END_2(a, b, 0), AML_ALIGNOF(c))
#define AML_INNER_END_3(a, b, c, ...) (AML_INNER_OFF_3(a, b, c, 0) + sizeof(c))
#define AML_INNER_OFF_4(a, b, c, d, ...)                                     \
	AML_INNER_ALIGN(AML_INNER_END_3(a, b, c, 0), AML_ALIGNOF(d))
#define AML_INNER_END_4(a, b, c, d, ...)                                     \
	(AML_INNER_OFF_4(a, b, c, d, 0) + sizeof(d))
#define AML_INNER_OFF_5(a, b, c, d, e, ...)                                  \
	AML_INNER_ALIGN(AML_INNER_END_4(a, b, c, d, 0), AML_ALIGNOF(e))
#define AML_INNER_END_5(a, b, c, d, e, ...)                                  \
	(AML_INNER_OFF_5(a, b, c, d, e, 0) + sizeof(e))
#define AML_INNER_OFF_6(a, b, c, d, e, f, ...)                               \
	AML_INNER_ALIGN(AML_INNER_END_5(a, b, c, d, e, 0), AML_ALIGNOF(f))
#define AML_INNER_END_6(a, b, c, d, e, f, ...)                               \
	(AML_INNER_OFF_6(a, b, c, d, e, f, 0) + sizeof(f))
#define AML_INNER_OFF_7(a, b, c, d, e, f, g, ...)                            \
	AML_INNER_ALIGN(AML_INNER_END_6(a, b, c, d, e, f, 0), AML_ALIGNOF(g))
#define AML_INNER_END_7(a, b, c, d, e, f, g, ...)                            \
	(AML_INNER_OFF_7(a, b, c, d, e, f, g, 0) + sizeof(g))
#define AML_INNER_OFF_8(a, b, c, d, e, f, g, h, ...)                         \
	AML_INNER_ALIGN(AML_INNER_END_7(a, b, c, d, e, f, g, 0), AML_ALIGNOF(h))
#define AML_INNER_END_8(a, b, c, d, e, f, g, h, ...)                         \
	(AML_INNER_OFF_8(a, b, c, d, e, f, g, h, 0) + sizeof(h))

/* Number of arguments, 1 to 8. */
#define AML_INNER_NARGS_(_1, _2, _3, _4, _5, _6, _7, _8, n, ...) n
#define AML_INNER_NARGS(...)                                                 \
	AML_INNER_NARGS_(__VA_ARGS__, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define AML_INNER_CAT_(a, b) a##b
#define AML_INNER_CAT(a, b) AML_INNER_CAT_(a, b)
/** @endcond */

/** Offset of field `n` in the layout of the listed types. */
#define AML_INNER_MALLOC_OFFSET(n, ...)                                      \
	AML_INNER_CAT(AML_INNER_OFF_, n)(__VA_ARGS__, 0)
/** Size of the layout of the listed types. */
#define AML_INNER_MALLOC_SIZE(...)                                           \
	AML_INNER_CAT(AML_INNER_END_, AML_INNER_NARGS(__VA_ARGS__))(__VA_ARGS__, 0)

/** Offset of an array of `type` placed after the listed types. */
#define AML_INNER_MALLOC_ARRAY_OFFSET(type, ...)                             \
	AML_INNER_ALIGN(AML_INNER_MALLOC_SIZE(__VA_ARGS__), AML_ALIGNOF(type))

/** Offset of the extra bytes after `n` elements of `type` and the types. */
#define AML_INNER_MALLOC_EXTRA_OFFSET(n, type, ...)                          \
	AML_INNER_ALIGN(AML_INNER_MALLOC_ARRAY_OFFSET(type, __VA_ARGS__) +      \
				(size_t)(n) * sizeof(type),                     \
			AML_INNER_MALLOC_EXTRA_ALIGN)

/**
 * Allocate, zeroed, one block holding each listed type (1 to 8 types).
 * @return the block, to be released with free(); NULL if calloc() fails.
 */
#define AML_INNER_MALLOC(...) calloc(1, AML_INNER_MALLOC_SIZE(__VA_ARGS__))

/**
 * Pointer to field `n` (1-based) of a block allocated by one of these
 * macros with the same leading types.
 */
#define AML_INNER_MALLOC_GET_FIELD(ptr, n, ...)                              \
	((void *)((char *)(ptr) + AML_INNER_MALLOC_OFFSET(n, __VA_ARGS__)))

/**
 * Allocate, zeroed, the listed types followed by an array of `n` `type`.
 * @return the block; NULL if calloc() fails.
 */
#define AML_INNER_MALLOC_ARRAY(n, type, ...)                                 \
	calloc(1, AML_INNER_MALLOC_ARRAY_OFFSET(type, __VA_ARGS__) +           \
			  (size_t)(n) * sizeof(type))

/** Pointer to the array of a block from AML_INNER_MALLOC_ARRAY(). */
#define AML_INNER_MALLOC_GET_ARRAY(ptr, type, ...)                           \
	((void *)((char *)(ptr) +                                              \
		  AML_INNER_MALLOC_ARRAY_OFFSET(type, __VA_ARGS__)))

/**
 * Allocate, zeroed, the listed types, an array of `n` `type`, then `size`
 * bytes aligned on ::AML_INNER_MALLOC_EXTRA_ALIGN.
 * @return the block; NULL if calloc() fails.
 */
#define AML_INNER_MALLOC_EXTRA(n, type, size, ...)                           \
	calloc(1, AML_INNER_MALLOC_EXTRA_OFFSET(n, type, __VA_ARGS__) +        \
			  (size_t)(size))

/** Pointer to the extra bytes of a block from AML_INNER_MALLOC_EXTRA(). */
#define AML_INNER_MALLOC_GET_EXTRA(ptr, n, type, ...)                        \
	((void *)((char *)(ptr) +                                              \
		  AML_INNER_MALLOC_EXTRA_OFFSET(n, type, __VA_ARGS__)))

#ifdef __cplusplus
}
#endif

#endif /* AML_UTILS_INNER_MALLOC_H */
