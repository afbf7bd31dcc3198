#include "pages.h"

#include <errno.h>
#include <fcntl.h>
#include <numaif.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "aml.h"
#include "tiering/scan.h"

/* How huge pages are found: not known yet, PAGEMAP_SCAN (6.7+, any
 * user), the page frames and /proc/kpageflags (root), or not at all. */
enum { HUGE_UNKNOWN, HUGE_SCAN, HUGE_KPAGEFLAGS, HUGE_NONE };
static atomic_int huge_how;
static int pagemap_fd = -1, kpageflags_fd = -1;

#define PFN_MASK ((1ULL << 55) - 1)
#define PRESENT (1ULL << 63)
#define KPF_THP (1ULL << 22)

static void mark_huge(void *arg, const struct aml__page_region *reg)
{
	struct aml__tiering_range *r = arg;
	size_t page = aml__tiering_page_size(), hp = aml__tiering_huge_pages();
	size_t first = (reg->start - r->start) / page;
	size_t last = (reg->end - r->start) / page;

	/* Whole aligned huge pages only, as the kernel maps them. */
	first = (first + hp - 1) / hp * hp;
	for (size_t i = first; i + hp <= last && i + hp <= r->npages; i += hp) {
		memset(r->flags + i, AML__TIERING_HUGE, hp);
		r->flags[i] |= AML__TIERING_HEAD;
	}
}

/* Keep the back-off bits only. */
static void clear_huge(struct aml__tiering_range *r)
{
	for (size_t i = 0; i < r->npages; i++)
		r->flags[i] &= AML__TIERING_BACKOFF;
}

/* Whether the huge page at page `i` of `r` is one, from its frames. */
static int thp_at(const uint64_t *e, size_t hp)
{
	uint64_t pfn = e[0] & PFN_MASK, kflags;

	if (!(e[0] & PRESENT) || pfn == 0 || pfn % hp != 0)
		return 0;
	for (size_t k = 1; k < hp; k++)
		if (!(e[k] & PRESENT) || (e[k] & PFN_MASK) != pfn + k)
			return 0;
	if (pread(kpageflags_fd, &kflags, 8, (off_t)(pfn * 8)) != 8)
		return 0;
	return (kflags & KPF_THP) != 0;
}

static int kpageflags_huge(struct aml__tiering_range *r)
{
	size_t page = aml__tiering_page_size(), hp = aml__tiering_huge_pages();
	uintptr_t first = (r->start + hp * page - 1) / (hp * page) * hp;
	uint64_t e[512];

	if (hp > 512)
		return -1;
	for (uintptr_t p = first; (p + hp) * page <= r->start + r->size;
	     p += hp) {
		size_t i = p - r->start / page;

		if (pread(pagemap_fd, e, hp * 8, (off_t)(p * 8)) !=
			(ssize_t)(hp * 8) ||
		    !thp_at(e, hp))
			continue;
		memset(r->flags + i, AML__TIERING_HUGE, hp);
		r->flags[i] |= AML__TIERING_HEAD;
	}
	return 0;
}

static int choose_huge_way(void)
{
	struct aml__pm_scan_arg a = {.size = sizeof(a)};
	uint64_t e = 0;

	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap_fd < 0)
		return HUGE_NONE;
	/* An empty walk: refused by kernels without PAGEMAP_SCAN. */
	if (ioctl(pagemap_fd, AML__PAGEMAP_SCAN, &a) >= 0)
		return HUGE_SCAN;
	kpageflags_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (kpageflags_fd < 0)
		return HUGE_NONE;
	/* Frames read as 0 without CAP_SYS_ADMIN. */
	if (pread(pagemap_fd, &e, 8,
		  (off_t)((uintptr_t)&e / aml__tiering_page_size() * 8)) == 8 &&
	    (e & PFN_MASK) != 0)
		return HUGE_KPAGEFLAGS;
	return HUGE_NONE;
}

static int find_huge(struct aml__tiering_range *r)
{
	int how = atomic_load(&huge_how);

	if (how == HUGE_UNKNOWN) {
		/* Epochs hold their tiering's lock: only two tierings may
		 * race here, and both choose the same. */
		how = choose_huge_way();
		atomic_store(&huge_how, how);
	}
	if (how == HUGE_NONE)
		return 0;
	clear_huge(r);
	if (how == HUGE_SCAN)
		return aml__tiering_scan(pagemap_fd, r->start,
					 r->start + r->size, AML__PAGE_IS_HUGE,
					 0, mark_huge, r);
	return kpageflags_huge(r);
}

/* Ask move_pages(2) the node of each unit; a huge page's pages share it. */
static int query_nodes(struct aml__tiering_range *r)
{
	size_t page = aml__tiering_page_size(), n = 0,
	       first[AML__TIERING_BATCH];
	void *addr[AML__TIERING_BATCH];
	int status[AML__TIERING_BATCH];

	for (size_t i = 0; i < r->npages || n > 0;) {
		if (i < r->npages && n < AML__TIERING_BATCH) {
			first[n] = i;
			addr[n++] = (void *)(r->start + i * page);
			i += aml__tiering_unit_pages(r, i);
			continue;
		}
		if (move_pages(0, n, addr, NULL, status, 0) != 0)
			return -AML_FAILURE;
		for (size_t k = 0; k < n; k++) {
			int16_t node = status[k] >= 0 ? (int16_t)status[k]
						      : AML__TIERING_NO_NODE;
			size_t u = aml__tiering_unit_pages(r, first[k]);

			for (size_t j = 0; j < u; j++)
				r->node[first[k] + j] = node;
		}
		n = 0;
	}
	return AML_SUCCESS;
}

int aml__tiering_pages_refresh(struct aml__tiering_range *r)
{
	/* Without a way to tell, every page is a unit of its own. */
	if (find_huge(r) != 0)
		clear_huge(r);
	return query_nodes(r);
}

void aml__tiering_queue(struct aml__tiering_batch *b,
			struct aml__tiering_range *r, size_t i, int node,
			struct aml__tiering_moved *done)
{
	b->addr[b->n] = (void *)(r->start + i * aml__tiering_page_size());
	b->node[b->n] = node;
	b->range[b->n] = r;
	b->page[b->n] = i;
	if (++b->n == AML__TIERING_BATCH)
		aml__tiering_flush(b, done);
}

/* The outcome of one entry: nodes updated, or a back-off of two epochs. */
static void settle(struct aml__tiering_batch *b, size_t k,
		   struct aml__tiering_moved *done)
{
	struct aml__tiering_range *r = b->range[k];
	size_t i = b->page[k], u = aml__tiering_unit_pages(r, i);

	if (b->status[k] == b->node[k]) {
		for (size_t j = 0; j < u; j++)
			r->node[i + j] = (int16_t)b->node[k];
		done->pages += u;
		return;
	}
	/* Not placed any more (freed by the program): nothing to retry. */
	if (b->status[k] == -ENOENT || b->status[k] == -EFAULT)
		return;
	r->flags[i] = (uint8_t)((r->flags[i] & ~AML__TIERING_BACKOFF) | 2);
	done->busy += u;
}

/* Entries the kernel did not report on. */
#define UNSEEN (-(1 << 30))

/* After a call that stopped at a failure (it returns how many pages it
 * could not move, and leaves later entries unseen): each unseen entry
 * alone, so that only the pages really refused count as busy. */
static void one_by_one(struct aml__tiering_batch *b)
{
	for (size_t k = 0; k < b->n; k++)
		if (b->status[k] == UNSEEN &&
		    move_pages(0, 1, &b->addr[k], &b->node[k], &b->status[k],
			       MPOL_MF_MOVE) != 0 &&
		    b->status[k] == UNSEEN)
			b->status[k] = -EBUSY;
}

void aml__tiering_flush(struct aml__tiering_batch *b,
			struct aml__tiering_moved *done)
{
	long rc;
	int err;

	if (b->n == 0)
		return;
	for (size_t k = 0; k < b->n; k++)
		b->status[k] = UNSEEN;
	rc = move_pages(0, b->n, b->addr, b->node, b->status, MPOL_MF_MOVE);
	err = errno;
	if (rc > 0)
		one_by_one(b);
	/* The whole call failed (ENOMEM, EPERM...): every entry is busy. */
	for (size_t k = 0; rc < 0 && k < b->n; k++)
		b->status[k] = -err;
	for (size_t k = 0; k < b->n; k++)
		settle(b, k, done);
	b->n = 0;
}
