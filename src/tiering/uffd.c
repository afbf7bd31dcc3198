/*
 * Access measurement by asynchronous userfaultfd write protection (Linux
 * 6.7): the ranges are registered for write-protect faults that the
 * kernel resolves by itself, marking the page written; PAGEMAP_SCAN
 * returns the written pages of a range and protects them again, in one
 * call. Writes only; any user (the descriptor is created for user-mode
 * faults only, which needs no privilege).
 *
 * Each watched page written costs the program one fault per epoch. A
 * block of BLOCK pages at least half of which are steady (written in five
 * epochs running, heat STEADY, and when last watched) is therefore
 * watched one epoch in ROTATION only, the blocks in turn, the weights of
 * its pages meanwhile the last ones measured: such blocks cost ROTATION
 * times fewer faults, and a page there that stops being written is seen
 * at most ROTATION epochs late. Other blocks, those where pages become
 * hot among them, are watched every epoch. Whole blocks keep the calls
 * to PAGEMAP_SCAN few.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "aml.h"
#include "tiering/method.h"
#include "tiering/scan.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#define FEATURE_WP_UNPOPULATED (1 << 13)
#define FEATURE_WP_ASYNC (1 << 15)

#define ROTATION 4
#define STEADY 700
#define BLOCK 64
/* Bit of aml__tiering_range::mark: not watched in the epoch ending. */
#define SKIPPED 1

struct uffd_state {
	int uffd, pagemap;
	unsigned long epoch;
};

static int uffd_new(void)
{
	struct uffdio_api api = {
	    .api = UFFD_API,
	    .features = FEATURE_WP_ASYNC | FEATURE_WP_UNPOPULATED,
	};
	int fd = (int)syscall(SYS_userfaultfd,
			      O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);

	if (fd < 0)
		return -1;
	if (ioctl(fd, UFFDIO_API, &api) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void ignore(void *arg, const struct aml__page_region *r)
{
	(void)arg;
	(void)r;
}

/* Register [p, p + len) and protect it: the whole cycle once. */
static int uffd_probe(void)
{
	size_t len = aml__tiering_page_size();
	int fd = uffd_new(), pm = open("/proc/self/pagemap", O_RDONLY);
	struct uffdio_register reg = {.mode = UFFDIO_REGISTER_MODE_WP};
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int rc = -AML_ENOTSUP;

	if (fd >= 0 && pm >= 0 && p != MAP_FAILED) {
		reg.range.start = (uintptr_t)p;
		reg.range.len = len;
		if (ioctl(fd, UFFDIO_REGISTER, &reg) == 0 &&
		    aml__tiering_scan(
			pm, reg.range.start, reg.range.start + len,
			AML__PAGE_IS_WRITTEN,
			AML__PM_SCAN_WP_MATCHING | AML__PM_SCAN_CHECK_WPASYNC,
			ignore, NULL) == 0)
			rc = AML_SUCCESS;
	}
	if (p != MAP_FAILED)
		munmap(p, len);
	if (fd >= 0)
		close(fd);
	if (pm >= 0)
		close(pm);
	return rc;
}

static int uffd_open(void **out, unsigned int interval_ms)
{
	struct uffd_state *s;

	(void)interval_ms;
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return -AML_ENOMEM;
	s->uffd = uffd_new();
	s->pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (s->uffd < 0 || s->pagemap < 0) {
		if (s->uffd >= 0)
			close(s->uffd);
		if (s->pagemap >= 0)
			close(s->pagemap);
		munmap(s, sizeof(*s));
		return -AML_ENOTSUP;
	}
	*out = s;
	return AML_SUCCESS;
}

static void uffd_close(void *state)
{
	struct uffd_state *s = state;

	close(s->uffd);
	close(s->pagemap);
	munmap(s, sizeof(*s));
}

static int uffd_add(void *state, struct aml__tiering_range *r)
{
	struct uffd_state *s = state;
	struct uffdio_register reg = {
	    .range = {.start = r->start, .len = r->size},
	    .mode = UFFDIO_REGISTER_MODE_WP,
	};

	if (ioctl(s->uffd, UFFDIO_REGISTER, &reg) != 0)
		return errno == EBUSY	 ? -AML_EBUSY
		       : errno == ENOMEM ? -AML_ENOMEM
					 : -AML_EINVAL;
	/* Protect every page now: the first sample then sees this epoch. */
	aml__tiering_scan(s->pagemap, r->start, r->start + r->size,
			  AML__PAGE_IS_WRITTEN,
			  AML__PM_SCAN_WP_MATCHING | AML__PM_SCAN_CHECK_WPASYNC,
			  ignore, NULL);
	return AML_SUCCESS;
}

static void uffd_remove(void *state, struct aml__tiering_range *r)
{
	struct uffd_state *s = state;
	struct uffdio_range range = {.start = r->start, .len = r->size};

	/* Fails harmlessly where the program unmapped the range already. */
	(void)ioctl(s->uffd, UFFDIO_UNREGISTER, &range);
}

/* A region of pages written: the weight of those watched. */
static void mark_written(void *arg, const struct aml__page_region *reg)
{
	struct aml__tiering_range *r = arg;
	size_t page = aml__tiering_page_size();
	size_t first = (reg->start - r->start) / page;
	size_t last = (reg->end - r->start) / page;

	for (size_t i = first; i < last && i < r->npages; i++)
		if (!(r->mark[i] & SKIPPED))
			r->weight[i] = 255;
}

/* Whether the block of pages [a, b) sits the next epoch out. */
static int skips(const struct uffd_state *s, const struct aml__tiering_range *r,
		 size_t a, size_t b)
{
	size_t steady = 0;

	if ((a / BLOCK + s->epoch) % ROTATION == 0)
		return 0;
	for (size_t i = a; i < b; i++)
		steady += r->weight[i] == 255 && r->heat[i] >= STEADY;
	return 2 * steady >= b - a;
}

static size_t block_end(const struct aml__tiering_range *r, size_t a)
{
	size_t b = (a / BLOCK + 1) * BLOCK;

	return b < r->npages ? b : r->npages;
}

/* Pages [a, b) of `r`, all skipping the next epoch or none: weights of
 * those watched in this one, then protected again unless skipping. */
static int watch(struct uffd_state *s, struct aml__tiering_range *r, size_t a,
		 size_t b, int skip)
{
	size_t page = aml__tiering_page_size();
	int rc;

	for (size_t i = a; i < b; i++)
		if (!(r->mark[i] & SKIPPED))
			r->weight[i] = 0;
	rc = aml__tiering_scan(
	    s->pagemap, r->start + a * page, r->start + b * page,
	    AML__PAGE_IS_WRITTEN,
	    skip ? 0 : AML__PM_SCAN_WP_MATCHING | AML__PM_SCAN_CHECK_WPASYNC,
	    mark_written, r);
	memset(r->mark + a, skip ? SKIPPED : 0, b - a);
	return rc;
}

static int uffd_sample(void *state, struct aml__tiering_range *r)
{
	struct uffd_state *s = state;

	for (size_t a = 0, b; a < r->npages; a = b) {
		int skip = skips(s, r, a, block_end(r, a));

		for (b = block_end(r, a);
		     b < r->npages && skips(s, r, b, block_end(r, b)) == skip;
		     b = block_end(r, b))
			;
		if (watch(s, r, a, b, skip) != 0)
			return -AML_FAILURE;
	}
	return AML_SUCCESS;
}

static int uffd_begin(void *state)
{
	((struct uffd_state *)state)->epoch++;
	return AML_SUCCESS;
}

const struct aml__tiering_method aml__tiering_uffd = {
    .id = AML_TIERING_METHOD_UFFD_WP,
    .name = "uffd-wp",
    .probe = uffd_probe,
    .open = uffd_open,
    .close = uffd_close,
    .add = uffd_add,
    .remove = uffd_remove,
    .begin = uffd_begin,
    .sample = uffd_sample,
};
