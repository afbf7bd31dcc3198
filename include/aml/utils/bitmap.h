/**
 * @file bitmap.h
 * @brief A fixed-size set of ::AML_BITMAP_MAX bits, used for NUMA node sets.
 *
 * A `struct aml_bitmap` needs no allocation and can live on the stack. Bit
 * indices are `unsigned int` in [0, ::AML_BITMAP_MAX).
 *
 * Thread safety: functions only touch the bitmaps given to them; concurrent
 * calls on different bitmaps, or read-only calls on the same one, are safe.
 */
#ifndef AML_UTILS_BITMAP_H
#define AML_UTILS_BITMAP_H

#include "aml/utils/export.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Number of bits in a bitmap. */
#define AML_BITMAP_MAX 2048
/** Word type of the bitmap storage. */
#define AML_BITMAP_TYPE unsigned long
/** Bits per storage word. */
#define AML_BITMAP_NBITS (8 * sizeof(AML_BITMAP_TYPE))
/** Number of storage words. */
#define AML_BITMAP_SIZE ((AML_BITMAP_MAX + AML_BITMAP_NBITS - 1) / AML_BITMAP_NBITS)
/** Size of the storage in bytes. */
#define AML_BITMAP_BYTES (AML_BITMAP_SIZE * sizeof(AML_BITMAP_TYPE))

/** A set of ::AML_BITMAP_MAX bits; bit i is bit (i % NBITS) of word i / NBITS. */
struct aml_bitmap {
	/** Storage, in the layout of a Linux node mask. */
	AML_BITMAP_TYPE mask[AML_BITMAP_SIZE];
};

/** Copy `src` into `dst`. Does nothing if either is NULL. */
AML_EXPORT void aml_bitmap_copy(struct aml_bitmap *dst,
				const struct aml_bitmap *src);

/**
 * Copy the first `nbits` bits of `src` into `dst`, clearing the other bits.
 * `nbits` above ::AML_BITMAP_MAX is clamped. Does nothing if either is NULL.
 */
AML_EXPORT void aml_bitmap_copy_from_ulong(struct aml_bitmap *dst,
					   const unsigned long *src,
					   size_t nbits);

/**
 * Copy the first `nbits` bits of `src` into `dst`, which must hold
 * `nbits` bits rounded up to whole words; bits of `dst` past ::AML_BITMAP_MAX
 * are cleared. Does nothing if either is NULL.
 */
AML_EXPORT void aml_bitmap_copy_to_ulong(const struct aml_bitmap *src,
					 unsigned long *dst, size_t nbits);

/** Clear every bit. @return 0; -AML_EINVAL if `bitmap` is NULL. */
AML_EXPORT int aml_bitmap_zero(struct aml_bitmap *bitmap);

/** Set every bit. @return 0; -AML_EINVAL if `bitmap` is NULL. */
AML_EXPORT int aml_bitmap_fill(struct aml_bitmap *bitmap);

/**
 * @return 1 if no bit is set, 0 otherwise; -AML_EINVAL if `bitmap` is NULL.
 */
AML_EXPORT int aml_bitmap_iszero(const struct aml_bitmap *bitmap);

/**
 * @return 1 if every bit is set, 0 otherwise; -AML_EINVAL if `bitmap` is
 * NULL.
 */
AML_EXPORT int aml_bitmap_isfull(const struct aml_bitmap *bitmap);

/**
 * @return 1 if `a` and `b` hold the same bits, 0 otherwise; -AML_EINVAL if
 * either is NULL.
 */
AML_EXPORT int aml_bitmap_isequal(const struct aml_bitmap *a,
				  const struct aml_bitmap *b);

/**
 * @return 1 if bit `i` is set, 0 if not; -AML_EINVAL if `i` >=
 * ::AML_BITMAP_MAX or `bitmap` is NULL.
 */
AML_EXPORT int aml_bitmap_isset(const struct aml_bitmap *bitmap,
				const unsigned int i);

/**
 * Set bit `i`.
 * @return 0; -AML_EINVAL if `i` >= ::AML_BITMAP_MAX or `bitmap` is NULL.
 */
AML_EXPORT int aml_bitmap_set(struct aml_bitmap *bitmap, const unsigned int i);

/**
 * Clear bit `i`.
 * @return 0; -AML_EINVAL if `i` >= ::AML_BITMAP_MAX or `bitmap` is NULL.
 */
AML_EXPORT int aml_bitmap_clear(struct aml_bitmap *bitmap,
				const unsigned int i);

/**
 * Set bits `i` to `ii`, both included.
 * @return 0; -AML_EINVAL (bitmap unchanged) if `i > ii`, `ii` >=
 * ::AML_BITMAP_MAX or `bitmap` is NULL.
 */
AML_EXPORT int aml_bitmap_set_range(struct aml_bitmap *bitmap,
				    const unsigned int i,
				    const unsigned int ii);

/**
 * Clear bits `i` to `ii`, both included.
 * @return 0; -AML_EINVAL (bitmap unchanged) if `i > ii`, `ii` >=
 * ::AML_BITMAP_MAX or `bitmap` is NULL.
 */
AML_EXPORT int aml_bitmap_clear_range(struct aml_bitmap *bitmap,
				      const unsigned int i,
				      const unsigned int ii);

/** @return the number of bits set; -AML_EINVAL if `bitmap` is NULL. */
AML_EXPORT int aml_bitmap_nset(const struct aml_bitmap *bitmap);

/**
 * @return the lowest set bit; -1 if none is set; -AML_EINVAL if `bitmap` is
 * NULL.
 */
AML_EXPORT int aml_bitmap_first(const struct aml_bitmap *bitmap);

/**
 * @return the highest set bit; -1 if none is set; -AML_EINVAL if `bitmap` is
 * NULL.
 */
AML_EXPORT int aml_bitmap_last(const struct aml_bitmap *bitmap);

/**
 * Parse `bitmap_str` into `bitmap`. Accepted:
 * - NULL, "none", "zero", "empty": no bit;
 * - "all", "fill", "full": every bit;
 * - a comma-separated list of indices and inclusive ranges, as in Linux
 *   node lists: "3", "0,2", "0-3,8" (the output of aml_bitmap_to_string()).
 * @return 0; -AML_EINVAL for an invalid string or a NULL `bitmap`, in which
 * case the bitmap is unchanged.
 */
AML_EXPORT int aml_bitmap_from_string(struct aml_bitmap *bitmap,
				      const char *bitmap_str);

/**
 * Format `bitmap` as a Linux node list ("0-3,8"); an empty bitmap gives "".
 * @return a string allocated with malloc(3), which the caller frees; NULL if
 * `bitmap` is NULL (::aml_errno = ::AML_EINVAL) or memory is short
 * (::aml_errno = ::AML_ENOMEM).
 */
AML_EXPORT char *aml_bitmap_to_string(const struct aml_bitmap *bitmap);

/**
 * Allocate a zeroed bitmap on the heap.
 * @return 0; -AML_EINVAL if `bitmap` is NULL; -AML_ENOMEM if memory is short.
 * `*bitmap` is left unchanged on failure.
 */
AML_EXPORT int aml_bitmap_create(struct aml_bitmap **bitmap);

/** Free a bitmap from aml_bitmap_create() and set `*bitmap` to NULL. NULL-safe.
 */
AML_EXPORT void aml_bitmap_destroy(struct aml_bitmap **bitmap);

/**
 * Allocate a copy of `src` on the heap into `*dst`.
 * @return 0; -AML_EINVAL if `dst` or `src` is NULL; -AML_ENOMEM if memory is
 * short.
 */
AML_EXPORT int aml_bitmap_dup(struct aml_bitmap **dst,
			      const struct aml_bitmap *src);

#ifdef __cplusplus
}
#endif

#endif /* AML_UTILS_BITMAP_H */
