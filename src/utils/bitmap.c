#include <ctype.h>
#include <limits.h>

#include "aml.h"

#define WORD(i) ((i) / AML_BITMAP_NBITS)
#define BIT(i) (1UL << ((i) % AML_BITMAP_NBITS))

void aml_bitmap_copy(struct aml_bitmap *dst, const struct aml_bitmap *src)
{
	if (dst == NULL || src == NULL)
		return;
	memcpy(dst, src, sizeof(*dst));
}

void aml_bitmap_copy_from_ulong(struct aml_bitmap *dst,
				const unsigned long *src, size_t nbits)
{
	if (dst == NULL || src == NULL)
		return;
	if (nbits > AML_BITMAP_MAX)
		nbits = AML_BITMAP_MAX;
	aml_bitmap_zero(dst);
	for (size_t i = 0; i < nbits; i++)
		if (src[WORD(i)] & BIT(i))
			dst->mask[WORD(i)] |= BIT(i);
}

void aml_bitmap_copy_to_ulong(const struct aml_bitmap *src, unsigned long *dst,
			      size_t nbits)
{
	if (dst == NULL || src == NULL)
		return;
	for (size_t i = 0; i < nbits; i++) {
		if (i % AML_BITMAP_NBITS == 0)
			dst[WORD(i)] = 0;
		if (i < AML_BITMAP_MAX && (src->mask[WORD(i)] & BIT(i)))
			dst[WORD(i)] |= BIT(i);
	}
}

int aml_bitmap_zero(struct aml_bitmap *bitmap)
{
	if (bitmap == NULL)
		return -AML_EINVAL;
	memset(bitmap, 0, sizeof(*bitmap));
	return 0;
}

int aml_bitmap_fill(struct aml_bitmap *bitmap)
{
	if (bitmap == NULL)
		return -AML_EINVAL;
	memset(bitmap, 0xff, sizeof(*bitmap));
	return 0;
}

int aml_bitmap_iszero(const struct aml_bitmap *bitmap)
{
	if (bitmap == NULL)
		return -AML_EINVAL;
	for (size_t i = 0; i < AML_BITMAP_SIZE; i++)
		if (bitmap->mask[i] != 0)
			return 0;
	return 1;
}

int aml_bitmap_isfull(const struct aml_bitmap *bitmap)
{
	if (bitmap == NULL)
		return -AML_EINVAL;
	for (size_t i = 0; i < AML_BITMAP_SIZE; i++)
		if (bitmap->mask[i] != ~0UL)
			return 0;
	return 1;
}

int aml_bitmap_isequal(const struct aml_bitmap *a, const struct aml_bitmap *b)
{
	if (a == NULL || b == NULL)
		return -AML_EINVAL;
	return memcmp(a->mask, b->mask, AML_BITMAP_BYTES) == 0;
}

int aml_bitmap_isset(const struct aml_bitmap *bitmap, const unsigned int i)
{
	if (bitmap == NULL || i >= AML_BITMAP_MAX)
		return -AML_EINVAL;
	return (bitmap->mask[WORD(i)] & BIT(i)) != 0;
}

int aml_bitmap_set(struct aml_bitmap *bitmap, const unsigned int i)
{
	if (bitmap == NULL || i >= AML_BITMAP_MAX)
		return -AML_EINVAL;
	bitmap->mask[WORD(i)] |= BIT(i);
	return 0;
}

int aml_bitmap_clear(struct aml_bitmap *bitmap, const unsigned int i)
{
	if (bitmap == NULL || i >= AML_BITMAP_MAX)
		return -AML_EINVAL;
	bitmap->mask[WORD(i)] &= ~BIT(i);
	return 0;
}

int aml_bitmap_set_range(struct aml_bitmap *bitmap, const unsigned int i,
			 const unsigned int ii)
{
	if (bitmap == NULL || i > ii || ii >= AML_BITMAP_MAX)
		return -AML_EINVAL;
	for (unsigned int j = i; j <= ii; j++)
		bitmap->mask[WORD(j)] |= BIT(j);
	return 0;
}

int aml_bitmap_clear_range(struct aml_bitmap *bitmap, const unsigned int i,
			   const unsigned int ii)
{
	if (bitmap == NULL || i > ii || ii >= AML_BITMAP_MAX)
		return -AML_EINVAL;
	for (unsigned int j = i; j <= ii; j++)
		bitmap->mask[WORD(j)] &= ~BIT(j);
	return 0;
}

int aml_bitmap_nset(const struct aml_bitmap *bitmap)
{
	int n = 0;

	if (bitmap == NULL)
		return -AML_EINVAL;
	for (size_t i = 0; i < AML_BITMAP_SIZE; i++)
		n += __builtin_popcountl(bitmap->mask[i]);
	return n;
}

int aml_bitmap_first(const struct aml_bitmap *bitmap)
{
	if (bitmap == NULL)
		return -AML_EINVAL;
	for (size_t i = 0; i < AML_BITMAP_SIZE; i++)
		if (bitmap->mask[i] != 0)
			return (int)(i * AML_BITMAP_NBITS) +
			       __builtin_ctzl(bitmap->mask[i]);
	return -1;
}

int aml_bitmap_last(const struct aml_bitmap *bitmap)
{
	if (bitmap == NULL)
		return -AML_EINVAL;
	for (size_t i = AML_BITMAP_SIZE; i-- > 0;)
		if (bitmap->mask[i] != 0)
			return (int)(i * AML_BITMAP_NBITS + AML_BITMAP_NBITS -
				     1) -
			       __builtin_clzl(bitmap->mask[i]);
	return -1;
}

/* Parse a decimal index below AML_BITMAP_MAX; advance *s past it. */
static int parse_index(const char **s, unsigned int *out)
{
	unsigned long v = 0;
	const char *p = *s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v >= AML_BITMAP_MAX)
			return -1;
	}
	*out = (unsigned int)v;
	*s = p;
	return 0;
}

/* Parse a node list ("0-3,8") into a scratch bitmap, so that failure
 * leaves the caller's bitmap untouched. */
static int parse_list(struct aml_bitmap *out, const char *s)
{
	aml_bitmap_zero(out);
	for (;;) {
		unsigned int lo, hi;

		if (parse_index(&s, &lo) != 0)
			return -1;
		hi = lo;
		if (*s == '-') {
			s++;
			if (parse_index(&s, &hi) != 0 || hi < lo)
				return -1;
		}
		aml_bitmap_set_range(out, lo, hi);
		if (*s == '\0')
			return 0;
		if (*s != ',')
			return -1;
		s++;
	}
}

int aml_bitmap_from_string(struct aml_bitmap *bitmap, const char *bitmap_str)
{
	static const char *const none[] = {"none", "zero", "empty"};
	static const char *const all[] = {"all", "fill", "full"};
	struct aml_bitmap parsed;

	if (bitmap == NULL)
		return -AML_EINVAL;
	/* "" is what aml_bitmap_to_string() gives for an empty bitmap. */
	if (bitmap_str == NULL || *bitmap_str == '\0')
		return aml_bitmap_zero(bitmap);
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(bitmap_str, none[i]) == 0)
			return aml_bitmap_zero(bitmap);
		if (strcmp(bitmap_str, all[i]) == 0)
			return aml_bitmap_fill(bitmap);
	}
	if (parse_list(&parsed, bitmap_str) != 0)
		return -AML_EINVAL;
	aml_bitmap_copy(bitmap, &parsed);
	return 0;
}

char *aml_bitmap_to_string(const struct aml_bitmap *bitmap)
{
	/* Worst case "nnnn-nnnn," per 3 bits: under 4 characters a bit. */
	const size_t cap = (size_t)AML_BITMAP_MAX * 4 + 1;
	char *str, *p;
	int i = 0;

	if (bitmap == NULL) {
		aml_errno = AML_EINVAL;
		return NULL;
	}
	str = malloc(cap);
	if (str == NULL) {
		aml_errno = AML_ENOMEM;
		return NULL;
	}
	p = str;
	*p = '\0';
	while (i < AML_BITMAP_MAX) {
		int lo, hi;

		if (aml_bitmap_isset(bitmap, (unsigned int)i) != 1) {
			i++;
			continue;
		}
		lo = hi = i;
		while (hi + 1 < AML_BITMAP_MAX &&
		       aml_bitmap_isset(bitmap, (unsigned int)hi + 1) == 1)
			hi++;
		p += sprintf(p, "%s%d", p == str ? "" : ",", lo);
		if (hi > lo)
			p += sprintf(p, "-%d", hi);
		i = hi + 1;
	}
	return str;
}

int aml_bitmap_create(struct aml_bitmap **bitmap)
{
	struct aml_bitmap *b;

	if (bitmap == NULL)
		return -AML_EINVAL;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -AML_ENOMEM;
	*bitmap = b;
	return AML_SUCCESS;
}

void aml_bitmap_destroy(struct aml_bitmap **bitmap)
{
	if (bitmap == NULL)
		return;
	free(*bitmap);
	*bitmap = NULL;
}

int aml_bitmap_dup(struct aml_bitmap **dst, const struct aml_bitmap *src)
{
	int err;

	if (dst == NULL || src == NULL)
		return -AML_EINVAL;
	err = aml_bitmap_create(dst);
	if (err != AML_SUCCESS)
		return err;
	aml_bitmap_copy(*dst, src);
	return AML_SUCCESS;
}
