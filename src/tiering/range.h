/*
 * The ranges a tiering manages, and the state of each of their pages:
 * heat (decayed access count), node, flags, and the access measured in
 * the current epoch. Every array lives in one anonymous mapping per range
 * (never malloc: the preload library's allocator may be this library).
 * Not installed.
 */
#ifndef AML_TIERING_RANGE_H
#define AML_TIERING_RANGE_H

#include <stddef.h>
#include <stdint.h>

/* Page flags: the page belongs to a transparent huge page (a unit of
 * AML__TIERING_HUGE_PAGES pages starting at its HEAD page). */
#define AML__TIERING_HUGE 0x80
#define AML__TIERING_HEAD 0x40
/* Low bits: epochs to wait before trying to move the page again. */
#define AML__TIERING_BACKOFF 0x0f

/* Node of a page that is not placed (or whose node is not known). */
#define AML__TIERING_NO_NODE (-1)

struct aml__tiering_range {
	struct aml__tiering_range *next; /* the next range, by address */
	uintptr_t start;
	size_t size, npages;
	uint16_t *heat;
	int16_t *node;
	uint8_t *flags;
	uint8_t *weight; /* this epoch's access: 0 none to 255 throughout */
	uint8_t *mark;	 /* bits of the measuring method's own, 0 at first */
	size_t maplen;	 /* bytes of the mapping holding all of this */
};

/* The base page size, and base pages per PMD (transparent huge page). */
size_t aml__tiering_page_size(void);
size_t aml__tiering_huge_pages(void);

/* A range record for [ptr, ptr + size) (size a page multiple), all its
 * pages unplaced and cold. Returns 0 or -AML_ENOMEM. */
int aml__tiering_range_new(struct aml__tiering_range **r, uintptr_t ptr,
			   size_t size);
void aml__tiering_range_free(struct aml__tiering_range *r);

/* Whether [start, start + size) overlaps a range of the list. */
int aml__tiering_range_overlaps(const struct aml__tiering_range *list,
				uintptr_t start, size_t size);

/* Insert `r` into the list at `*head`, by address. */
void aml__tiering_range_insert(struct aml__tiering_range **head,
			       struct aml__tiering_range *r);

/* Unlink and return the range of exactly [start, start + size); NULL if
 * there is none. */
struct aml__tiering_range *
aml__tiering_range_unlink(struct aml__tiering_range **head, uintptr_t start,
			  size_t size);

/* Pages of the unit starting at page `i` (1, or a huge page's). */
static inline size_t aml__tiering_unit_pages(const struct aml__tiering_range *r,
					     size_t i)
{
	return (r->flags[i] & AML__TIERING_HEAD) ? aml__tiering_huge_pages()
						 : 1;
}

#endif /* AML_TIERING_RANGE_H */
